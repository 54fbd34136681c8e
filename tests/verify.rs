//! The audit trail: `summary.json` fingerprints inputs and outputs, `verify` re-runs the rules
//! and reports any difference, and a failed write leaves earlier outputs whole.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_premium-claims"))
}

fn run(args: &[&Path]) -> Output {
    bin().args(args).output().expect("binary runs")
}

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium")
}

/// A copy of the example data in a temporary folder, processed into `out`.
fn processed() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    fs::create_dir(&data).unwrap();
    for entry in fs::read_dir(example()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, data.join(path.file_name().unwrap())).unwrap();
        }
    }
    let out = tmp.path().join("out");
    let o = run(&[
        Path::new("process"),
        &data,
        Path::new("--out"),
        &out,
        Path::new("--quiet"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (tmp, data, out)
}

fn verify(out: &Path, data: &Path) -> Output {
    run(&[Path::new("verify"), out, data])
}

#[test]
fn summary_fingerprints_every_input_and_output() {
    let (_tmp, data, out) = processed();
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    use sha2::Digest;
    let sha = |p: &Path| {
        premium_claims::internals::input::hex(&sha2::Sha256::digest(fs::read(p).unwrap()))
    };
    for file in [
        "case.toml",
        "members.csv",
        "subscriptions.csv",
        "evidence.csv",
        "opt_outs.csv",
        "claims.csv",
        "cures.csv",
    ] {
        assert_eq!(
            summary["inputs"][file]["sha256"],
            sha(&data.join(file)),
            "{file}"
        );
    }
    for file in [
        "determinations.csv",
        "payments.csv",
        "rejected_rows.csv",
        "report.md",
    ] {
        assert_eq!(
            summary["outputs"][file]["sha256"],
            sha(&out.join(file)),
            "{file}"
        );
    }
    assert_eq!(summary["rule_version"], premium_claims::rules::RULE_VERSION);
    assert_eq!(summary["crate_version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn verify_accepts_untouched_outputs() {
    let (_tmp, data, out) = processed();
    let o = verify(&out, &data);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("verified:"));
}

#[test]
fn verify_finds_an_edited_output() {
    let (_tmp, data, out) = processed();
    let path = out.join("payments.csv");
    let edited = fs::read_to_string(&path)
        .unwrap()
        .replacen("1000.00", "1900.00", 1);
    fs::write(&path, edited).unwrap();
    let o = verify(&out, &data);
    assert_eq!(o.status.code(), Some(1));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(report.contains("payments.csv: sha256"), "{report}");
    // The line and its claim id, not the row: rows hold names and emails.
    assert!(
        report.contains(
            "payments.csv:2: the recorded file has row of 00000000-0000-4000-8000-000000000001"
        ),
        "{report}"
    );
    assert!(
        !report.contains("1900.00") && !report.contains("Lovelace"),
        "{report}"
    );
}

/// summary.json is compared byte for byte: values that parse the same are not enough.
#[test]
fn verify_finds_a_repeated_or_reordered_key_in_the_summary() {
    let original = {
        let (_tmp, _data, out) = processed();
        fs::read_to_string(out.join("summary.json")).unwrap()
    };
    // A repeated key: JSON readers keep the last value, so the parsed summary is unchanged.
    let repeated = original.replacen(
        "\"money\": {",
        "\"money\": {\n    \"paid\": \"99999.99\",",
        1,
    );
    // Two keys swapped.
    let reordered = original.replacen("\"rule_version\"", "\"placeholder\"", 1);
    let reordered = {
        let crate_line = reordered
            .lines()
            .find(|l| l.trim_start().starts_with("\"crate_version\""))
            .unwrap()
            .to_string();
        let rule_line = original
            .lines()
            .find(|l| l.trim_start().starts_with("\"rule_version\""))
            .unwrap()
            .to_string();
        reordered.replacen(&crate_line, &rule_line, 1).replacen(
            &reordered
                .lines()
                .find(|l| l.contains("\"placeholder\""))
                .unwrap()
                .to_string(),
            &crate_line,
            1,
        )
    };
    assert_ne!(reordered, original);
    for tampered in [repeated, reordered] {
        let (_tmp, data, out) = processed();
        let summary: serde_json::Value = serde_json::from_str(&tampered).expect("still valid JSON");
        assert_eq!(
            summary,
            serde_json::from_str::<serde_json::Value>(&original).unwrap(),
            "the same values once parsed"
        );
        fs::write(out.join("summary.json"), &tampered).unwrap();
        let o = verify(&out, &data);
        let report = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(1), "{report}");
        assert!(
            report.contains("summary.json: the bytes differ"),
            "{report}"
        );
    }
}

#[test]
fn verify_finds_a_changed_input() {
    let (_tmp, data, out) = processed();
    let path = data.join("opt_outs.csv");
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str("m-002,2026-01-01\n");
    fs::write(&path, text).unwrap();
    let o = verify(&out, &data);
    assert_eq!(o.status.code(), Some(1));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(
        report.contains("summary.json: inputs.opt_outs.csv.sha256"),
        "{report}"
    );
}

#[test]
fn verify_of_a_missing_output_folder_is_an_error() {
    let (tmp, data, _out) = processed();
    let o = verify(&tmp.path().join("nowhere"), &data);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("error: "));
}

#[test]
fn a_write_that_fails_midway_leaves_the_previous_outputs_whole() {
    let (tmp, _data, out) = processed();
    let before: Vec<(String, Vec<u8>)> = ["determinations.csv", "summary.json"]
        .iter()
        .map(|f| (f.to_string(), fs::read(out.join(f)).unwrap()))
        .collect();
    // The second file cannot be written (its folder does not exist): the error comes after the
    // first file is already in the staging folder.
    let files = vec![
        ("determinations.csv", b"new".to_vec()),
        ("no-such-dir/summary.json", b"{}".to_vec()),
    ];
    assert!(premium_claims::internals::output::write_atomically(&out, &files).is_err());
    for (f, bytes) in before {
        assert_eq!(fs::read(out.join(&f)).unwrap(), bytes, "{f} changed");
    }
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging folders left behind: {leftovers:?}"
    );
}
