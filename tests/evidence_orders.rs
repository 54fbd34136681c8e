//! `generate` writes evidence in time order, member order or shuffled, in tidy or mixed forms;
//! the decisions do not depend on the order, and every form is read as the same instant.

use std::path::Path;

use premium_claims::internals::output;
use premium_claims::{
    decide, generate, parse_timestamp, DataFolder, EvidenceOrder, NoProgress, Plan,
};

fn plan(order: EvidenceOrder, tidy: bool) -> Plan {
    let mut plan = Plan::new(3_000, 11);
    plan.evidence_order = order;
    plan.tidy = tidy;
    plan
}

/// Determinations, payments and rejected rows of a folder.
fn outputs(dir: &Path) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let data = DataFolder::new(dir).load(&mut NoProgress).unwrap();
    let decisions = decide(&data).unwrap();
    (
        output::determinations_csv(&decisions).unwrap(),
        output::payments_csv(&data, &decisions).unwrap(),
        output::rejected_rows_csv(&data).unwrap(),
    )
}

/// The evidence rows of a folder, without the header.
fn evidence(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("evidence.csv")).unwrap();
    text.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn the_three_orders_hold_the_same_rows_and_give_the_same_decisions() {
    let tmp = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for order in [
        EvidenceOrder::Time,
        EvidenceOrder::Member,
        EvidenceOrder::Shuffled,
    ] {
        let dir = tmp.path().join(format!("{order:?}"));
        generate(&dir, plan(order, false)).unwrap();
        // No bucket file is left behind.
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.starts_with('.')), "{names:?}");
        seen.push((order, evidence(&dir), outputs(&dir)));
    }
    let (_, member_rows, member_outputs) = &seen[1];
    let mut sorted_member = member_rows.clone();
    sorted_member.sort();
    assert!(member_outputs.0.len() > 1000, "claims were decided");
    for (order, rows, outputs) in &seen {
        let mut sorted = rows.clone();
        sorted.sort();
        assert_eq!(&sorted, &sorted_member, "{order:?}: not the same rows");
        assert_eq!(outputs, member_outputs, "{order:?}: different outputs");
    }

    // Member order: each member's rows together; time order: instants never decrease;
    // shuffled: neither.
    let member_of = |row: &String| {
        row.split(',')
            .nth(1)
            .unwrap()
            .trim_matches([' ', '"'])
            .to_string()
    };
    let instant_of = |row: &String| parse_timestamp(row.split(',').nth(3).unwrap()).unwrap();
    let changes = |rows: &Vec<String>| {
        rows.windows(2)
            .filter(|w| member_of(&w[0]) != member_of(&w[1]))
            .count()
    };
    let sorted_by_time = |rows: &Vec<String>| {
        rows.windows(2)
            .all(|w| instant_of(&w[0]) <= instant_of(&w[1]))
    };
    let members = member_rows
        .iter()
        .map(member_of)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert_eq!(changes(&seen[1].1), members - 1);
    assert!(sorted_by_time(&seen[0].1));
    assert!(changes(&seen[0].1) > seen[0].1.len() * 9 / 10);
    assert!(!sorted_by_time(&seen[2].1));
    assert!(changes(&seen[2].1) > seen[2].1.len() * 9 / 10);
}

#[test]
fn mixed_forms_cover_every_allowed_form_and_tidy_ones_only_two() {
    let tmp = tempfile::tempdir().unwrap();
    let (mixed, tidy) = (tmp.path().join("mixed"), tmp.path().join("tidy"));
    generate(&mixed, plan(EvidenceOrder::Member, false)).unwrap();
    generate(&tidy, plan(EvidenceOrder::Member, true)).unwrap();
    let (mixed, tidy) = (evidence(&mixed), evidence(&tidy));
    assert_eq!(mixed.len(), tidy.len());
    let share = |rows: &[String], test: &dyn Fn(&str) -> bool| {
        rows.iter().filter(|r| test(r)).count() as f64 / rows.len() as f64
    };
    // Offsets, separators, fractions, case and quotes, each in a plausible share of rows.
    for (what, test, low, high) in [
        (
            "Z",
            &(|r: &str| r.contains("Z,")) as &dyn Fn(&str) -> bool,
            0.40,
            0.60,
        ),
        ("z", &|r: &str| r.contains("z,"), 0.01, 0.06),
        ("+00:00", &|r: &str| r.contains("+00:00,"), 0.10, 0.20),
        ("-07:00", &|r: &str| r.contains("-07:00,"), 0.10, 0.20),
        ("-08:00", &|r: &str| r.contains("-08:00,"), 0.03, 0.11),
        ("+01:00", &|r: &str| r.contains("+01:00,"), 0.05, 0.15),
        (
            "space",
            &|r: &str| r.split(',').nth(3).unwrap().contains(' '),
            0.005,
            0.04,
        ),
        (
            "fraction",
            &|r: &str| r.split(',').nth(3).unwrap().contains('.'),
            0.05,
            0.15,
        ),
        (
            "upper case",
            &|r: &str| r.contains("INMAIL") || r.contains("DISCLOSURE"),
            0.03,
            0.12,
        ),
        ("quoted", &|r: &str| r.contains('"'), 0.02, 0.08),
    ] {
        let got = share(&mixed, test);
        assert!((low..=high).contains(&got), "{what}: {got:.3} of rows");
    }
    assert!(tidy
        .iter()
        .all(|r| !r.contains('"') && (r.contains("Z,") || r.contains("-07:00,"))));
    // The same rows (ids, members, kinds) at the same instants, give or take the fraction.
    for (m, t) in mixed.iter().zip(&tidy) {
        let (m, t): (Vec<&str>, Vec<&str>) = (m.split(',').collect(), t.split(',').collect());
        assert_eq!(m[0], t[0]);
        assert_eq!(m[1].trim_matches([' ', '"']), t[1]);
        assert_eq!(m[2].to_lowercase(), t[2]);
        let gap = parse_timestamp(m[3]).unwrap() - parse_timestamp(t[3]).unwrap();
        assert!(
            (0..1_000_000_000).contains(&gap.num_nanoseconds().unwrap()),
            "{m:?} {t:?}"
        );
    }
}
