//! Counsel's census (`exposure`): checked against an independent implementation's census of a
//! reference folder, and against the batch itself: a member is eligible exactly when one clean
//! claim of theirs would be approved by `process`.

use std::path::{Path, PathBuf};

use premium_claims::{
    decide, exposure, generate, DataFolder, Loading, NoProgress, Plan, Status, CLAIMS_RATES_PERCENT,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn the_census_of_the_reference_folder_matches_the_independent_one() {
    let dir = root().join("tests/data/reference/round2-6");
    let folder = DataFolder::new(dir.join("input")).with_loading(Loading::EveryMember);
    let data = folder.load(&mut NoProgress).unwrap();
    let census = exposure(&data).unwrap();
    let files = census.render().unwrap();
    let csv = &files.iter().find(|(n, _)| *n == "exposure.csv").unwrap().1;
    let expected = std::fs::read(dir.join("expected/exposure.csv")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(csv),
        String::from_utf8_lossy(&expected)
    );

    let figures: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected/exposure-figures.json")).unwrap())
            .unwrap();
    assert_eq!(
        census.class_members(),
        figures["class_members"].as_u64().unwrap()
    );
    assert_eq!(census.eligible, figures["eligible"].as_u64().unwrap());
    assert_eq!(
        census.statutory_exposure.to_string(),
        figures["statutory_exposure"].as_str().unwrap()
    );
    let rates = ["0.01", "0.04", "0.09", "0.25", "1.0"];
    for (scenario, rate) in census.scenarios.iter().zip(rates) {
        assert_eq!(
            scenario.claimants,
            figures["scenarios_claimants"][rate].as_u64().unwrap(),
            "{rate}"
        );
    }
    assert_eq!(census.scenarios.len(), CLAIMS_RATES_PERCENT.len());
}

#[test]
fn claimants_only_data_is_refused() {
    let folder = DataFolder::new(root().join("examples/data/linkedin-premium"));
    let data = folder.load(&mut NoProgress).unwrap();
    assert!(matches!(
        exposure(&data),
        Err(premium_claims::Error::FactsNotKept)
    ));
}

/// A generated class where every accepted member files exactly one clean claim (by member id,
/// timely, attested, no damages, no shared account or address): `process` approves exactly the
/// members the census calls eligible.
#[test]
fn eligible_members_are_those_whose_one_clean_claim_process_approves() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), Plan::new(4_000, 9)).unwrap();
    // Replace the claims and cures with one clean claim per listed member id.
    let members = std::fs::read_to_string(dir.path().join("members.csv")).unwrap();
    let mut claims = String::from("claim_id,member_id,channel,postmarked_on,attested\n");
    let mut ids = Vec::new();
    for (i, line) in members.lines().skip(1).enumerate() {
        let id = line.split(',').next().unwrap().trim().to_string();
        if id.is_empty() || ids.contains(&id) {
            continue; // a rejected or repeated member row: not in the class
        }
        claims.push_str(&format!(
            "{},{id},mail,2026-03-31,yes\n",
            premium_claims::Uuid::from_u128(i as u128 + 1)
        ));
        ids.push(id);
    }
    std::fs::write(dir.path().join("claims.csv"), claims).unwrap();
    std::fs::remove_file(dir.path().join("cures.csv")).unwrap();

    let folder = DataFolder::new(dir.path()).with_loading(Loading::EveryMember);
    let data = folder.load(&mut NoProgress).unwrap();
    let census = exposure(&data).unwrap();
    let decisions = decide(&data).unwrap();
    let approved: std::collections::BTreeSet<String> = decisions
        .determinations
        .iter()
        .filter(|d| d.status() == Status::Approved)
        .filter_map(|d| d.member.as_ref().map(|m| m.0.clone()))
        .collect();
    let eligible: std::collections::BTreeSet<String> = census
        .members
        .iter()
        .filter(|m| m.eligible())
        .map(|m| m.member_id.0.clone())
        .collect();
    assert_eq!(census.eligible as usize, eligible.len());
    assert_eq!(eligible, approved);
    // The generated class has members failing every class rule.
    assert!(census.eligible > 1_000 && census.eligible < census.class_members());
    for code in [
        "OUTSIDE_CLASS_COUNTRY",
        "NO_ELIGIBLE_PREMIUM",
        "NO_QUALIFYING_DISCLOSURE",
    ] {
        let reason = premium_claims::Reason::from_code(code).unwrap();
        assert!(census.by_reason[reason as usize] > 0, "{code}");
    }
}

/// The bundled example's census, derived by hand from its README (section "Census"): 47 accepted
/// members, of whom 13 fail a class rule.
#[test]
fn the_census_of_the_bundled_example_is_derived_by_hand() {
    let dir = root().join("examples/data/linkedin-premium");
    let load = |case: &str| {
        let folder = DataFolder::new(&dir)
            .with_case_file(dir.join(case))
            .with_loading(Loading::EveryMember);
        exposure(&folder.load(&mut NoProgress).unwrap()).unwrap()
    };
    let census = load("case.toml");
    assert_eq!(census.class_members(), 47);
    let report = census.report();
    for line in [
        "| Class members (accepted class-list rows) | 47 |",
        "| Eligible (no class rule failed) | 34 (72.34%) |", // 34 / 47
        "| Not eligible | 13 |",
        "| 5 | OUTSIDE_CLASS_COUNTRY | 1 |",
        "| 6 | EXCLUDED_PERSON | 2 |",
        "| 9 | NO_QUALIFYING_INMAIL | 3 |",
        "| 10 | NO_QUALIFYING_DISCLOSURE | 3 |",
        "| 12 | NO_ACTUAL_DAMAGES | 0 |",
        "34 eligible members x $1000.00 (statutory minimum $1000.00 + punitive award $0.00) = **$34000.00**.",
        "| 0.09 | 3 | $3000.00 |",
        "| 1.00 | 34 | $34000.00 |",
        "| members.csv | 49 | 47 | 2 |",
    ] {
        assert!(report.contains(line), "{line} not in\n{report}");
    }
    assert!(!report.contains("every member fails rule 12"));
    assert_eq!(census.eligible, 34);
    let failing: Vec<(&str, String)> = census
        .members
        .iter()
        .filter(|m| !m.eligible())
        .map(|m| (m.member_id.0.as_str(), m.reasons.to_string()))
        .collect();
    let expected = [
        ("m-003", "OUTSIDE_CLASS_COUNTRY"),
        ("m-004", "EXCLUDED_PERSON"),
        ("m-005", "EXCLUDED_PERSON"),
        ("m-006", "OPTED_OUT_OF_CLASS"),
        ("m-008", "NO_ELIGIBLE_PREMIUM"),
        ("m-009", "NO_ELIGIBLE_PREMIUM"),
        ("m-012", "NO_QUALIFYING_INMAIL"),
        ("m-013", "NO_QUALIFYING_DISCLOSURE"),
        ("m-014", "NO_QUALIFYING_DISCLOSURE"),
        ("m-015", "NO_QUALIFYING_DISCLOSURE"),
        ("m-016", "DISCLOSURE_BEFORE_MESSAGES"),
        ("m-019", "NO_QUALIFYING_INMAIL"),
        ("m-020", "NO_QUALIFYING_INMAIL"),
    ];
    let expected: Vec<(&str, String)> = expected.iter().map(|(m, r)| (*m, r.to_string())).collect();
    assert_eq!(failing, expected);
    assert_eq!(census.statutory_exposure.to_string(), "34000.00");
    // 34 eligible x 1%, 4%, 9%, 25%, 100%, rounded down; $1,000 each, no fund.
    let claimants: Vec<u64> = census.scenarios.iter().map(|s| s.claimants).collect();
    assert_eq!(claimants, [0, 1, 3, 8, 34]);
    assert!(census
        .scenarios
        .iter()
        .all(|s| s.net_fund.is_none() && s.per_claimant.is_none()));
    assert_eq!(
        census.scenarios[4].total_entitlement.to_string(),
        "34000.00"
    );

    // With actual damages required, every census claim (which claims none) fails rule 12, and
    // the report says why.
    let census = load("case-require-actual-damages.toml");
    assert_eq!(census.eligible, 0);
    let report = census.report();
    assert!(report.contains("| 12 | NO_ACTUAL_DAMAGES | 47 |"));
    assert!(report.contains("every member fails rule 12"));
    // The 34 eligible under case.toml fail nothing else.
    assert!(report.contains("| Failing only rule 12 (no actual damages claimed) | 34 |"));

    // settlement.toml: net = 10000.10 - 2500.03 - 3000.00 - 4424.93 - 75.00 = 0.14, minimum 0.01.
    let census = load("settlement.toml");
    type Shown = (u64, Option<(String, String)>, String);
    let shown: Vec<Shown> = census
        .scenarios
        .iter()
        .map(|s| {
            let range = s
                .per_claimant
                .map(|p| (p.smallest.to_string(), p.largest.to_string()));
            (s.claimants, range, s.residual.unwrap().to_string())
        })
        .collect();
    let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
    assert_eq!(
        shown,
        [
            (0, None, "0.14".to_string()),                  // nobody to pay
            (1, pair("0.14", "0.14"), "0.00".to_string()),  // one claimant takes the net
            (3, pair("0.04", "0.05"), "0.00".to_string()),  // 14 = 5 + 5 + 4
            (8, pair("0.01", "0.02"), "0.00".to_string()),  // 14 = 6 x 2 + 2 x 1
            (34, pair("0.00", "0.01"), "0.00".to_string()), // 14 get 1 cent; 20 below the minimum
        ]
    );
    let report = census.report();
    for line in [
        "| 0.01 | 0 | $0.00 | $0.14 |  |  | $0.14 |",
        "| 0.09 | 3 | $3000.00 | $0.14 | $0.04 | $0.05 | $0.00 |",
    ] {
        assert!(report.contains(line), "{line} not in\n{report}");
    }
}
