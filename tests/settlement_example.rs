//! Golden test of the settlement variant of the bundled example: the same data folder
//! `examples/data/linkedin-premium` decided under `settlement.toml`, which adds a `[fund]` whose net
//! ($0.14) is far below the approved entitlements ($22,500.50) and a one-cent minimum payment.
//!
//! The expected files under `expected-settlement/` were computed from the behaviour contract by a
//! separate script working in integer cents (not by this crate, and not copied from a run). The
//! allocation takes three rounds: round 1 removes claims 044, 051, 052, 055, 057, 058 and 901 (zero
//! shares: the 13 leftover cents went to the smallest claim ids), round 2 removes claim 043, and
//! round 3 pays the remaining twelve $1,000 claims one cent each and claim 029 ($2,500.50) two.
//! See the folder's README.

use std::path::{Path, PathBuf};

use premium_claims::internals::output::{determinations_csv, report, summary};
use premium_claims::rules::RULE_VERSION;
use premium_claims::{decide, DataFolder, Dataset, Decisions, NoProgress};
use serde_json::Value;
use sha2::{Digest, Sha256};

const CASE_FILE: &str = "settlement.toml";
const CASE_NAME: &str = "De La Torre v. LinkedIn Corp. (bundled example)";
const DOCKET: &str = "5:25-cv-00709 (N.D. Cal.)";
const RESIDUAL_RECIPIENT: &str = "Electronic Frontier Foundation";

/// Every file the run reads, the case file included.
const INPUT_FILES: [&str; 7] = [
    CASE_FILE,
    "members.csv",
    "subscriptions.csv",
    "evidence.csv",
    "opt_outs.csv",
    "claims.csv",
    "cures.csv",
];

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium")
}

fn run() -> (Dataset, Decisions) {
    let dir = example_dir();
    let case_path = dir.join(CASE_FILE);
    let data = DataFolder::new(&dir)
        .with_case_file(case_path)
        .load(&mut NoProgress)
        .expect("the example folder loads with settlement.toml");
    let decisions = decide(&data).expect("the example folder is decided");
    (data, decisions)
}

fn read_expected(name: &str) -> String {
    let path = example_dir().join("expected-settlement").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A two-decimal money string as cents.
fn cents(value: &Value) -> i128 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("money is a string, not {value}"));
    let (whole, frac) = text
        .split_once('.')
        .unwrap_or_else(|| panic!("{text:?} has no decimal point"));
    assert_eq!(frac.len(), 2, "{text:?} has exactly two decimals");
    whole.parse::<i128>().unwrap() * 100 + frac.parse::<i128>().unwrap()
}

#[test]
fn determinations_match_the_independent_expectation() {
    let (_, decisions) = run();
    let actual = String::from_utf8(determinations_csv(&decisions).unwrap()).unwrap();
    let expected = read_expected("determinations.csv");
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "determinations.csv: line {} differs", i + 1);
    }
    assert_eq!(
        actual.lines().count(),
        expected.lines().count(),
        "determinations.csv: number of lines differs"
    );
    assert_eq!(actual, expected, "determinations.csv: bytes differ");
}

#[test]
fn money_matches_the_independent_expectation() {
    let (data, decisions) = run();
    let summary = summary(&data, &decisions);
    let money = &summary["money"];
    let expected: Value = serde_json::from_str(&read_expected("money.json")).unwrap();
    let expected = expected.as_object().expect("money.json is an object");
    for key in [
        "entitled",
        "gross_fund",
        "attorney_fees",
        "litigation_costs",
        "administration_costs",
        "service_awards",
        "net_fund",
        "paid",
        "residual",
        "allocation_rounds",
        "payments",
    ] {
        assert!(expected.contains_key(key), "money.json has no {key}");
    }
    for (key, value) in expected {
        assert_eq!(&money[key], value, "summary money.{key}");
    }
}

#[test]
fn every_cent_of_the_gross_is_accounted_for() {
    let (data, decisions) = run();
    let summary = summary(&data, &decisions);
    let m = &summary["money"];
    let gross = cents(&m["gross_fund"]);
    let parts = [
        "attorney_fees",
        "litigation_costs",
        "administration_costs",
        "service_awards",
        "paid",
        "residual",
    ]
    .map(|key| cents(&m[key]));
    assert_eq!(
        gross,
        parts.iter().sum::<i128>(),
        "gross = deductions + paid + residual"
    );
    assert_eq!(
        cents(&m["net_fund"]),
        cents(&m["paid"]) + cents(&m["residual"]),
        "net = paid + residual"
    );
    // The payments in the determinations add up to `paid`, and none exceeds its entitlement.
    let paid: i128 = decisions.determinations.iter().map(|d| d.payment.0).sum();
    assert_eq!(paid, cents(&m["paid"]));
    assert!(decisions
        .determinations
        .iter()
        .all(|d| d.payment <= d.entitlement));
}

#[test]
fn claims_below_the_minimum_stay_approved_and_keep_their_entitlement() {
    let (_, decisions) = run();
    let removed: Vec<String> = decisions
        .determinations
        .iter()
        .filter(|d| d.reasons.to_string().contains("BELOW_MINIMUM_PAYMENT"))
        .map(|d| {
            assert_eq!(d.status().to_string(), "approved", "{}", d.claim.claim_id);
            assert_eq!(d.entitlement.to_string(), "1000.00", "{}", d.claim.claim_id);
            assert_eq!(d.payment.to_string(), "0.00", "{}", d.claim.claim_id);
            let id = d.claim.claim_id.to_string();
            id[id.len() - 3..].to_string()
        })
        .collect();
    // In input order (901 comes before 036 in claims.csv).
    assert_eq!(
        removed,
        ["901", "043", "044", "051", "052", "055", "057", "058"]
    );
    assert_eq!(decisions.money.rounds, 3);
}

// ---- report.md ----

/// Whether `line` holds `value` as a whole item: not inside a longer number or word.
fn holds_value(line: &str, value: &str) -> bool {
    let bytes = line.as_bytes();
    line.match_indices(value).any(|(at, _)| {
        let end = at + value.len();
        let before_ok =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'.');
        let after_ok = match bytes.get(end) {
            None => true,
            Some(b) if b.is_ascii_alphanumeric() => false,
            Some(b'.' | b',') => !bytes.get(end + 1).is_some_and(u8::is_ascii_digit),
            Some(_) => true,
        };
        before_ok && after_ok
    })
}

/// Whether `line` (lower-cased) matches every keyword: `a|b` means either, `!a` means not `a`.
fn matches_keywords(line: &str, keywords: &[&str]) -> bool {
    let line = line.to_ascii_lowercase();
    keywords.iter().all(|k| match k.strip_prefix('!') {
        Some(absent) => !line.contains(&absent.to_ascii_lowercase()),
        None => k
            .split('|')
            .any(|alt| line.contains(&alt.to_ascii_lowercase())),
    })
}

/// Asserts that one line of the report matches `keywords` and holds one of `values`.
fn assert_field(report: &str, what: &str, keywords: &[&str], values: &[&str]) {
    let found = report
        .lines()
        .any(|l| matches_keywords(l, keywords) && values.iter().any(|v| holds_value(l, v)));
    assert!(
        found,
        "report.md: no line for {what} (keywords {keywords:?}) holding {values:?}\n{report}"
    );
}

/// A dollar amount as written plainly (`10000.10`) or with thousands separators (`10,000.10`).
fn dollars(plain: &str) -> Vec<String> {
    let (whole, frac) = plain.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    vec![plain.to_string(), format!("{grouped}.{frac}")]
}

fn assert_money(report: &str, what: &str, keywords: &[&str], plain: &str) {
    let forms = dollars(plain);
    let forms: Vec<&str> = forms.iter().map(String::as_str).collect();
    assert_field(report, what, keywords, &forms);
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn report_holds_the_post_distribution_accounting() {
    let (data, decisions) = run();
    let report = report(&data, &decisions);
    assert_eq!(data.case.name, CASE_NAME);
    assert_eq!(data.case.docket, DOCKET);

    // The case, the rule version and the inputs.
    assert!(report.contains(CASE_NAME), "case name missing\n{report}");
    assert!(report.contains(DOCKET), "docket missing\n{report}");
    assert!(
        report.contains(RULE_VERSION),
        "rule version missing\n{report}"
    );
    for file in INPUT_FILES {
        let hash = sha256_hex(&example_dir().join(file));
        assert_field(&report, &format!("sha256 of {file}"), &[file], &[&hash]);
    }

    // Class, claims, rate and opt-outs.
    assert_field(&report, "class size", &["class member|class size"], &["47"]);
    assert_field(&report, "claims received", &["received"], &["62"]);
    for (status, count) in [
        ("approved", "21"),
        ("deficient", "6"),
        ("rejected", "18"),
        ("duplicate", "6"),
        ("review", "7"),
    ] {
        // `!_` keeps the reason-code table (DUPLICATE_CLAIM...) out of it.
        assert_field(
            &report,
            &format!("claims {status}"),
            &["claim", status, "!_", "!rate"],
            &[count],
        );
    }
    // 21 approved / 47 class members = 44.6808...%
    assert_field(&report, "claims rate", &["rate"], &["44.68%", "44.7%"]);
    assert_field(
        &report,
        "timely opt-outs",
        &["opt-out|opt out|exclusion", "timely", "!untimely"],
        &["1"],
    );
    assert_field(
        &report,
        "untimely opt-outs",
        &["opt-out|opt out|exclusion", "untimely"],
        &["2"],
    );

    // The waterfall: 10000.10 x 0.25 = 2500.025, rounded half away from zero to 2500.03, which
    // is 25.00005% of the fund.
    assert_money(&report, "gross fund", &["gross", "!fee"], "10000.10");
    assert_money(&report, "attorney fees", &["fee"], "2500.03");
    assert_field(
        &report,
        "fee share of the fund",
        &["fee"],
        &["25.00%", "25.0%", "25%"],
    );
    assert_money(&report, "litigation costs", &["litigation"], "3000.00");
    assert_money(
        &report,
        "administration costs",
        &["administration"],
        "4424.93",
    );
    assert_money(&report, "service award m-001", &["award", "m-001"], "50.00");
    assert_money(&report, "service award m-027", &["award", "m-027"], "25.00");
    assert_money(&report, "net fund", &["net"], "0.14");

    // Payments: twelve of one cent and one of two cents.
    assert_field(
        &report,
        "number of payments",
        &["payment", "!minimum"],
        &["13"],
    );
    assert_money(&report, "average payment", &["average|mean"], "0.01");
    assert_money(&report, "median payment", &["median"], "0.01");
    assert_money(&report, "largest payment", &["largest|highest"], "0.02");
    assert_money(&report, "smallest payment", &["smallest|lowest"], "0.01");

    // The residual (nothing is left: the last round divides the whole net) and its recipient.
    assert_money(&report, "residual", &["residual"], "0.00");
    assert!(
        report
            .lines()
            .any(|l| matches_keywords(l, &["residual|recipient|cy pres"])
                && l.contains(RESIDUAL_RECIPIENT)),
        "residual recipient missing\n{report}"
    );
}
