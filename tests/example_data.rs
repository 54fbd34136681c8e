//! Golden test of the bundled example folder `examples/data/linkedin-premium`.
//!
//! The expected files under `expected/` were written by hand from the behaviour contract, claim by
//! claim (see the folder's README), not copied from a run. `determinations.csv` must match byte for
//! byte; for rejected rows only the (file, line) pairs are compared, since the wording of the error
//! messages is free.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use premium_claims::internals::output::{determinations_csv, rejected_rows_csv};
use premium_claims::rules::Reason;
use premium_claims::{decide, DataFolder, Dataset, Decisions, NoProgress};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium")
}

fn run(case_file: Option<&str>) -> (Dataset, Decisions) {
    let dir = example_dir();
    let folder = match case_file {
        Some(name) => DataFolder::new(&dir).with_case_file(dir.join(name)),
        None => DataFolder::new(&dir),
    };
    let data = folder
        .load(&mut NoProgress)
        .expect("the example folder loads");
    let decisions = decide(&data).expect("the example folder is decided");
    (data, decisions)
}

fn read_expected(name: &str) -> String {
    let path = example_dir().join("expected").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Compares two CSV texts, naming the first line that differs before the byte-for-byte check.
fn assert_same_text(what: &str, actual: &str, expected: &str) {
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "{what}: line {} differs", i + 1);
    }
    assert_eq!(
        actual.lines().count(),
        expected.lines().count(),
        "{what}: number of lines differs"
    );
    assert_eq!(actual, expected, "{what}: bytes differ (line endings?)");
}

/// The (file, line) pairs of a `rejected_rows.csv` text.
fn file_lines(text: &str) -> BTreeSet<(String, u64)> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["file", "line", "error"],
        "rejected_rows.csv header"
    );
    reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV record");
            let line = r[1]
                .parse()
                .unwrap_or_else(|_| panic!("bad line number {:?}", &r[1]));
            (r[0].to_string(), line)
        })
        .collect()
}

fn reasons_seen(decisions: &Decisions) -> BTreeSet<Reason> {
    decisions
        .determinations
        .iter()
        .flat_map(|d| d.reasons.iter())
        .collect()
}

#[test]
fn determinations_match_the_hand_written_expectation() {
    let (_, decisions) = run(None);
    let actual = String::from_utf8(determinations_csv(&decisions).unwrap()).unwrap();
    assert_same_text(
        "determinations.csv",
        &actual,
        &read_expected("determinations.csv"),
    );
}

#[test]
fn a_load_without_fingerprints_decides_the_same_and_names_no_hash() {
    use sha2::{Digest, Sha256};
    let (hashed, decisions) = run(None);
    let quick = DataFolder::new(example_dir())
        .with_fingerprints(false)
        .load(&mut NoProgress)
        .expect("the example folder loads");
    // With fingerprints, each is the SHA-256 of the file's bytes; without, none is computed.
    assert_eq!(
        hashed.inputs.len(),
        6,
        "the example has all six input files"
    );
    for (file, stats) in &hashed.inputs {
        let bytes = std::fs::read(example_dir().join(file.name())).unwrap();
        let expected: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(stats.sha256, expected, "{}", file.name());
    }
    assert_eq!(quick.inputs.len(), hashed.inputs.len());
    for ((file, with), (same, without)) in hashed.inputs.iter().zip(&quick.inputs) {
        assert_eq!(file, same);
        assert_eq!(without.sha256, "", "{}", file.name());
        assert_eq!(
            (without.rows, without.accepted, without.rejected),
            (with.rows, with.accepted, with.rejected),
            "{}",
            file.name()
        );
    }
    assert_eq!(
        quick.case_file, hashed.case_file,
        "the case file is still hashed"
    );
    let again = decide(&quick).expect("decided");
    assert_eq!(
        determinations_csv(&again).unwrap(),
        determinations_csv(&decisions).unwrap()
    );
    assert_eq!(
        rejected_rows_csv(&quick).unwrap(),
        rejected_rows_csv(&hashed).unwrap()
    );
}

/// Rewrites `members.csv` (already read) as soon as `evidence.csv` is about to be.
struct ChangeMembersMidway(PathBuf);

impl premium_claims::Progress for ChangeMembersMidway {
    fn start(&mut self, file: premium_claims::InputFile, _bytes: u64) {
        if file == premium_claims::InputFile::Evidence {
            let mut text = std::fs::read(&self.0).unwrap();
            text.extend_from_slice(b"m-late,,,US,,\n");
            std::fs::write(&self.0, text).unwrap();
        }
    }
}

#[test]
fn a_file_changed_during_the_load_fails_it_with_or_without_fingerprints() {
    for fingerprints in [true, false] {
        let tmp = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(example_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
            }
        }
        let folder = DataFolder::new(tmp.path()).with_fingerprints(fingerprints);
        let mut progress = ChangeMembersMidway(tmp.path().join("members.csv"));
        let error = folder
            .load(&mut progress)
            .expect_err("members.csv changed during the load")
            .to_string();
        assert!(error.contains("members.csv"), "{fingerprints}: {error}");
        assert!(
            error.contains("changed while it was being read"),
            "{fingerprints}: {error}"
        );
    }
}

#[test]
fn rejected_rows_match_the_hand_written_expectation() {
    let (data, _) = run(None);
    let actual = String::from_utf8(rejected_rows_csv(&data).unwrap()).unwrap();
    let expected = read_expected("rejected_rows.csv");
    assert_eq!(file_lines(&actual), file_lines(&expected));
    // Every listed row is a distinct (file, line): nothing is listed twice.
    assert_eq!(file_lines(&actual).len(), data.rejected.len());
}

#[test]
fn opt_out_and_cure_counts() {
    let (data, decisions) = run(None);
    assert_eq!((data.opt_outs.timely, data.opt_outs.untimely), (1, 2));
    // Applied: claims 36, 51, 52 and both cures of 54. Ignored: the cure of approved claim 1, the
    // cure of rejected claim 3, and the cure of claim 53 dated after the cure deadline.
    assert_eq!((decisions.cures_applied, decisions.cures_ignored), (5, 3));
    assert_eq!(data.class.len(), 47);
    assert_eq!(data.claims.len(), 58);
}

#[test]
fn requiring_actual_damages_matches_the_hand_written_expectation() {
    let (_, decisions) = run(Some("case-require-actual-damages.toml"));
    let actual = String::from_utf8(determinations_csv(&decisions).unwrap()).unwrap();
    assert_same_text(
        "determinations.csv (actual damages required)",
        &actual,
        &read_expected("determinations-require-actual-damages.csv"),
    );
    // Every once-deficient claim is now rejected, so no cure applies.
    assert_eq!((decisions.cures_applied, decisions.cures_ignored), (0, 8));
}

#[test]
fn the_example_exercises_every_reason_code_but_the_minimum_payment() {
    let (_, main) = run(None);
    let (_, variant) = run(Some("case-require-actual-damages.toml"));
    let in_main = reasons_seen(&main);
    let mut seen = in_main.clone();
    seen.extend(reasons_seen(&variant));
    for reason in Reason::ALL {
        match reason {
            // Needs a [fund] with a minimum payment; the example has no fund.
            Reason::BelowMinimumPayment => assert!(!seen.contains(&reason)),
            // Needs require_actual_damages = true: only the variant case file sets it.
            Reason::NoActualDamages => {
                assert!(!in_main.contains(&reason));
                assert!(seen.contains(&reason), "{reason} never appears");
            }
            _ => assert!(in_main.contains(&reason), "{reason} never appears"),
        }
    }
}
