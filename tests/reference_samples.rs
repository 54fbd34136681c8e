//! Agreement with an independent implementation on the reference samples in `tests/data/reference`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use premium_claims::internals::output;
use premium_claims::{decide, DataFolder, NoProgress};

fn folder(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/reference")
        .join(name)
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    r.records()
        .map(|rec| rec.unwrap().iter().map(|f| f.trim().to_string()).collect())
        .collect()
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check_sample(name: &str) {
    let dir = folder(name);
    let data = DataFolder::new(dir.join("input"))
        .load(&mut NoProgress)
        .unwrap();
    let decisions = decide(&data).unwrap();

    let ours = csv_rows(&output::determinations_csv(&decisions).unwrap());
    let expected = csv_rows(&read(dir.join("expected/determinations.csv")));
    assert_eq!(
        ours.len(),
        expected.len(),
        "{name}: number of determinations"
    );
    for (o, e) in ours.iter().zip(&expected) {
        assert_eq!(o, e, "{name}: determination differs");
    }

    let lines = |rows: Vec<Vec<String>>| {
        rows.into_iter()
            .map(|r| (r[0].clone(), r[1].parse::<u64>().unwrap()))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        lines(csv_rows(&output::rejected_rows_csv(&data).unwrap())),
        lines(csv_rows(&read(dir.join("expected/rejected_rows.csv")))),
        "{name}: rejected rows"
    );

    let total = |rows: Vec<Vec<String>>| {
        let cents: i64 = rows
            .iter()
            .map(|r| r[6].replace('.', "").parse::<i64>().unwrap())
            .sum();
        (rows.len(), cents)
    };
    assert_eq!(
        total(csv_rows(&output::payments_csv(&data, &decisions).unwrap())),
        total(csv_rows(&read(dir.join("expected/payments.csv")))),
        "{name}: payments count and total"
    );

    let ours = output::summary(&data, &decisions);
    let expected: serde_json::Value =
        serde_json::from_slice(&read(dir.join("expected/summary.json"))).unwrap();
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
        "payments",
    ] {
        assert_eq!(
            ours["money"][key], expected["money"][key],
            "{name}: money.{key}"
        );
    }
    for key in ["received", "determined", "by_status", "by_reason"] {
        assert_eq!(
            ours["claims"][key], expected["claims"][key],
            "{name}: claims.{key}"
        );
    }
    for key in ["class_members", "opt_outs", "cures"] {
        assert_eq!(ours[key], expected[key], "{name}: {key}");
    }
    for file in [
        "members.csv",
        "subscriptions.csv",
        "evidence.csv",
        "opt_outs.csv",
        "claims.csv",
    ] {
        assert_eq!(
            ours["inputs"][file], expected["inputs"][file],
            "{name}: inputs.{file}"
        );
    }
}

#[test]
fn core_sample_without_fund_agrees_with_the_reference() {
    check_sample("core-1");
}

#[test]
fn full_sample_with_cures_clusters_and_tiny_fund_agrees_with_the_reference() {
    check_sample("full-3");
}
