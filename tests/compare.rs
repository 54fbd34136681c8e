//! What-if comparison (`compare`): one reading of the data, two case files, checked against an
//! independent implementation and against two separate `process` runs.

use std::path::{Path, PathBuf};

use premium_claims::{decide, Comparison, DataFolder, NoProgress, Summary};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn compared(dir: &Path, a: &Path, b: &Path) -> Comparison {
    let both = DataFolder::new(dir)
        .load_cases(&[a.to_path_buf(), b.to_path_buf()], &mut NoProgress)
        .unwrap();
    let (da, db) = (decide(&both[0]).unwrap(), decide(&both[1]).unwrap());
    Comparison::of((&both[0], &da), (&both[1], &db))
}

#[test]
fn the_reference_comparison_matches_the_independent_one() {
    let dir = root().join("tests/data/reference/round2-6");
    let comparison = compared(
        &dir.join("input"),
        &dir.join("input/case.toml"),
        &dir.join("case-b.toml"),
    );
    let files = comparison.render().unwrap();
    let csv = &files
        .iter()
        .find(|(n, _)| *n == "comparison.csv")
        .unwrap()
        .1;
    let expected = std::fs::read(dir.join("expected/comparison.csv")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(csv),
        String::from_utf8_lossy(&expected)
    );
}

#[test]
fn the_same_case_twice_changes_nothing() {
    let dir = root().join("examples/data/linkedin-premium");
    let case = dir.join("settlement.toml");
    let comparison = compared(&dir, &case, &case);
    assert!(comparison.changes.is_empty());
    assert!(comparison.change_counts().is_empty());
    assert_eq!(comparison.a, comparison.b);
}

/// The changed claims are exactly those whose row differs between two separate runs, and each
/// case's totals are those of its own run's summary.
#[test]
fn changes_are_the_differences_between_two_separate_runs() {
    let dir = root().join("examples/data/linkedin-premium");
    let (a, b) = (
        dir.join("case.toml"),
        dir.join("case-require-actual-damages.toml"),
    );
    let comparison = compared(&dir, &a, &b);

    let run = |case: &Path| {
        let data = DataFolder::new(&dir)
            .with_case_file(case)
            .load(&mut NoProgress)
            .unwrap();
        let decisions = decide(&data).unwrap();
        let summary = Summary::of(&data, &decisions);
        (decisions, summary)
    };
    let ((da, sa), (db, sb)) = (run(&a), run(&b));
    let differing: Vec<String> = da
        .determinations
        .iter()
        .zip(&db.determinations)
        .filter(|(x, y)| (x.status(), x.reasons, x.payment) != (y.status(), y.reasons, y.payment))
        .map(|(x, _)| x.claim.claim_id.to_string())
        .collect();
    let changed: Vec<String> = comparison
        .changes
        .iter()
        .map(|c| c.claim_id.to_string())
        .collect();
    assert_eq!(changed, differing);
    assert!(changed.len() > 5, "{} claims changed", changed.len());

    for (totals, summary) in [(&comparison.a, &sa), (&comparison.b, &sb)] {
        assert_eq!(totals.by_status, summary.claims.by_status);
        assert_eq!(totals.entitled, summary.money.entitled);
        assert_eq!(totals.paid, summary.money.paid);
        assert_eq!(totals.residual, summary.money.residual);
        assert_eq!(totals.net_fund, summary.money.net_fund);
    }
    let counted: u64 = comparison.change_counts().values().sum();
    assert_eq!(counted, comparison.changes.len() as u64);
}

/// On a generated folder, with a second case that differs in every case-dependent fact (zone,
/// tiers, both windows, opt-out deadline, damages), each dataset read in the shared pass renders
/// exactly what a separate load of its case renders.
#[test]
fn one_reading_for_two_cases_equals_two_readings() {
    let dir = tempfile::tempdir().unwrap();
    premium_claims::generate(dir.path(), premium_claims::Plan::new(3_000, 4)).unwrap();
    let a = dir.path().join("case.toml");
    let text = std::fs::read_to_string(&a).unwrap();
    let mut other = text.clone();
    for (from, to) in [
        ("America/Los_Angeles", "America/New_York"),
        ("\"sales_navigator\", ", ""),
        ("start = \"2024-08-01\"", "start = \"2024-08-20\""),
        ("start = \"2021-01-21\"", "start = \"2022-06-01\""),
        (
            "opt_out_deadline = \"2026-03-02\"",
            "opt_out_deadline = \"2026-01-15\"",
        ),
        (
            "require_actual_damages = false",
            "require_actual_damages = true",
        ),
    ] {
        assert!(other.contains(from), "the generated case.toml has {from}");
        other = other.replace(from, to);
    }
    let b = dir.path().join("case-b.toml");
    std::fs::write(&b, other).unwrap();

    let both = DataFolder::new(dir.path())
        .load_cases(&[a.clone(), b.clone()], &mut NoProgress)
        .unwrap();
    for (shared, case) in both.iter().zip([&a, &b]) {
        let alone = DataFolder::new(dir.path())
            .with_case_file(case)
            .load(&mut NoProgress)
            .unwrap();
        let files = |data: &premium_claims::Dataset| {
            premium_claims::render(data, &decide(data).unwrap()).unwrap()
        };
        assert_eq!(files(shared), files(&alone), "{}", case.display());
    }
    let comparison = compared(dir.path(), &a, &b);
    assert!(comparison.changes.len() > 100);
}
