//! Hostile input files, each run through the `premium-claims` binary.
//!
//! Every test starts from the minimal valid folder in `tests/data/minimal`, makes one file
//! hostile, runs `process` into a temporary output folder and checks the two ways a run may end:
//! - exit 0: every bad record is a rejected row naming its file, line (and column when a value is
//!   at fault), and no record is lost: for every input file `rows == accepted + rejected` and
//!   `rows` is the number of records the test wrote;
//! - exit 1: a fatal `error: FILE:LINE: ...` naming the file, and no output folder.
//!
//! Never a panic, a backtrace, exit 101 or a signal. A last test checks that nothing printed on
//! stderr for these inputs repeats the personal data (emails, names) of the input files.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_premium-claims");

// ---------------------------------------------------------------------------------------------
// The minimal valid data folder (helpers copied from tests/cli.rs)
// ---------------------------------------------------------------------------------------------

const CASE: &str = include_str!("data/minimal/case.toml");
const MEMBERS: &str = include_str!("data/minimal/members.csv");
const SUBSCRIPTIONS: &str = include_str!("data/minimal/subscriptions.csv");
const EVIDENCE: &str = include_str!("data/minimal/evidence.csv");
const OPT_OUTS: &str = include_str!("data/minimal/opt_outs.csv");
const CLAIMS: &str = include_str!("data/minimal/claims.csv");
const CURES: &str = include_str!("data/minimal/cures.csv");

const CLAIM_1: &str = "11111111-1111-4111-8111-111111111111";
const CLAIM_2: &str = "22222222-2222-4222-8222-222222222222";
const CLAIM_3: &str = "33333333-3333-4333-8333-333333333333";
const CLAIM_4: &str = "44444444-4444-4444-8444-444444444444";

/// The CSV input files, in the order `rejected_rows.csv` lists them.
const CSV_FILES: [&str; 6] = [
    "members.csv",
    "subscriptions.csv",
    "evidence.csv",
    "opt_outs.csv",
    "claims.csv",
    "cures.csv",
];

/// The five files `process` writes.
const OUTPUTS: [&str; 5] = [
    "determinations.csv",
    "payments.csv",
    "rejected_rows.csv",
    "summary.json",
    "report.md",
];

/// Data records of each file of the minimal folder.
fn minimal_rows(file: &str) -> u64 {
    match file {
        "members.csv" => 2,
        "subscriptions.csv" => 2,
        "evidence.csv" => 4,
        "opt_outs.csv" => 1,
        "claims.csv" => 2,
        "cures.csv" => 1,
        other => panic!("no such input file {other}"),
    }
}

/// The original content of one file of the minimal folder.
fn minimal(file: &str) -> &'static str {
    match file {
        "members.csv" => MEMBERS,
        "subscriptions.csv" => SUBSCRIPTIONS,
        "evidence.csv" => EVIDENCE,
        "opt_outs.csv" => OPT_OUTS,
        "claims.csv" => CLAIMS,
        "cures.csv" => CURES,
        other => panic!("no such input file {other}"),
    }
}

/// The header line of a file of the minimal folder, with its `\n`.
fn header(file: &str) -> String {
    let text = minimal(file);
    format!("{}\n", text.lines().next().unwrap())
}

/// The data lines of a file of the minimal folder, each with its `\n`.
fn data_lines(file: &str) -> Vec<String> {
    minimal(file)
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A data folder under construction: the minimal valid files, each replaceable.
struct Folder {
    files: BTreeMap<&'static str, Vec<u8>>,
}

impl Folder {
    fn valid() -> Self {
        let files = [
            ("case.toml", CASE),
            ("members.csv", MEMBERS),
            ("subscriptions.csv", SUBSCRIPTIONS),
            ("evidence.csv", EVIDENCE),
            ("opt_outs.csv", OPT_OUTS),
            ("claims.csv", CLAIMS),
            ("cures.csv", CURES),
        ]
        .into_iter()
        .map(|(name, text)| (name, text.as_bytes().to_vec()))
        .collect();
        Folder { files }
    }

    /// Replace a file's whole content.
    fn with(mut self, name: &'static str, content: impl Into<Vec<u8>>) -> Self {
        self.files.insert(name, content.into());
        self
    }

    /// Add raw bytes at the end of a file.
    fn append(mut self, name: &'static str, bytes: impl AsRef<[u8]>) -> Self {
        self.files
            .get_mut(name)
            .unwrap_or_else(|| panic!("{name} is not in the folder"))
            .extend_from_slice(bytes.as_ref());
        self
    }

    /// Write the folder into a new temporary directory, as `TMP/data`.
    fn write(&self) -> Env {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let data = tmp.path().join("data");
        fs::create_dir(&data).unwrap();
        for (name, content) in &self.files {
            fs::write(data.join(name), content).unwrap();
        }
        Env {
            tmp,
            data,
            present: self.files.keys().copied().collect(),
        }
    }
}

/// A written data folder with room for outputs next to it.
struct Env {
    tmp: TempDir,
    data: PathBuf,
    present: Vec<&'static str>,
}

impl Env {
    fn out(&self) -> PathBuf {
        self.tmp.path().join("out")
    }

    /// `process DATA --out TMP/out` plus `extra` arguments.
    fn process(&self, extra: &[&str]) -> Output {
        let mut args: Vec<OsString> = vec![
            "process".into(),
            self.data.clone().into(),
            "--out".into(),
            self.out().into(),
        ];
        args.extend(extra.iter().map(OsString::from));
        run_in(self.tmp.path(), &args)
    }

    /// `check DATA`.
    fn check(&self) -> Output {
        run_in(
            self.tmp.path(),
            &[OsString::from("check"), self.data.clone().into()],
        )
    }

    /// `explain DATA CLAIM_ID --json`, parsed.
    fn explain_json(&self, claim_id: &str) -> Value {
        let o = run_in(
            self.tmp.path(),
            &[
                OsString::from("explain"),
                self.data.clone().into(),
                claim_id.into(),
                "--json".into(),
            ],
        );
        assert_no_crash(&o);
        assert_eq!(o.status.code(), Some(0), "{}", describe(&o));
        serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("explain --json is not JSON: {e}\n{}", describe(&o)))
    }
}

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// Run the binary in `dir` with a backtrace requested, so that a panic would show one.
fn run_in<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn describe(o: &Output) -> String {
    let clip = |s: String| {
        if s.len() > 4000 {
            let head: String = s.chars().take(4000).collect();
            format!("{head}... ({} bytes)", s.len())
        } else {
            s
        }
    };
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        clip(stdout(o)),
        clip(stderr(o))
    )
}

/// No panic, no backtrace, no exit 101, no death by signal.
#[track_caller]
fn assert_no_crash(o: &Output) {
    let err = stderr(o);
    assert!(
        o.status.code().is_some(),
        "killed by a signal\n{}",
        describe(o)
    );
    assert_ne!(o.status.code(), Some(101), "{}", describe(o));
    for needle in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(
            !err.contains(needle),
            "{needle:?} on stderr\n{}",
            describe(o)
        );
    }
}

/// The line number `L` of the first `FILE:L:` on stderr, if any.
fn line_named(err: &str, file: &str) -> Option<u64> {
    let needle = format!("{file}:");
    let mut rest = err;
    while let Some(at) = rest.find(&needle) {
        let after = &rest[at + needle.len()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && after[digits.len()..].starts_with(':') {
            return digits.parse().ok();
        }
        rest = after;
    }
    None
}

type RejectedRow = (String, u64, String);

fn read_rejected_rows(path: &Path) -> Vec<RejectedRow> {
    let mut reader = csv::Reader::from_path(path).expect("rejected_rows.csv is readable");
    assert_eq!(
        reader.headers().unwrap(),
        vec!["file", "line", "error"],
        "rejected_rows.csv header"
    );
    reader
        .records()
        .map(|r| {
            let r = r.expect("rejected_rows.csv is valid CSV");
            (
                r[0].to_string(),
                r[1].parse().expect("line is a number"),
                r[2].to_string(),
            )
        })
        .collect()
}

/// How a run on a hostile folder ended.
enum Outcome {
    /// Exit 0, outputs written.
    Ran(Ran),
    /// Exit 1 with this stderr.
    Fatal(String),
}

struct Ran {
    env: Env,
    rejected: Vec<RejectedRow>,
    summary: Value,
}

impl Ran {
    /// `(status, reasons)` of a claim in determinations.csv.
    fn determination(&self, claim_id: &str) -> (String, String) {
        let mut reader = csv::Reader::from_path(self.env.out().join("determinations.csv")).unwrap();
        for r in reader.records() {
            let r = r.unwrap();
            if &r[0] == claim_id {
                return (r[2].to_string(), r[3].to_string());
            }
        }
        panic!("{claim_id} not in determinations.csv")
    }

    fn reasons(&self, claim_id: &str) -> Vec<String> {
        let (_, reasons) = self.determination(claim_id);
        reasons
            .split(';')
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// `(file, line)` of every rejected row.
    fn rejected_at(&self) -> Vec<(String, u64)> {
        self.rejected
            .iter()
            .map(|(f, l, _)| (f.clone(), *l))
            .collect()
    }

    /// The only rejected row is `file:line`, and its error names `column` (when given).
    #[track_caller]
    fn assert_only_rejected(&self, file: &str, line: u64, column: Option<&str>) {
        self.assert_rejected_exactly(&[(file, line, column)]);
    }

    /// The rejected rows are exactly these, in this order, each naming its column when given.
    #[track_caller]
    fn assert_rejected_exactly(&self, expected: &[(&str, u64, Option<&str>)]) {
        let want: Vec<(String, u64)> = expected
            .iter()
            .map(|(f, l, _)| (f.to_string(), *l))
            .collect();
        assert_eq!(self.rejected_at(), want, "{:?}", self.rejected);
        for ((_, _, error), (_, _, column)) in self.rejected.iter().zip(expected) {
            if let Some(column) = column {
                assert_names_column(error, column);
            }
        }
    }
}

/// One of the `; `-joined messages starts with `column:`.
#[track_caller]
fn assert_names_column(error: &str, column: &str) {
    assert!(
        error
            .split("; ")
            .any(|m| m.starts_with(&format!("{column}:"))),
        "error should name `{column}:`: {error:?}"
    );
}

/// Runs `process` on the folder and checks what every run must satisfy: no crash, and either a
/// complete run that lost no record or a fatal error naming a file and line.
///
/// `rows` gives the number of data records written into the files the test changed; the other
/// files keep the minimal folder's counts.
#[track_caller]
fn run_hostile(folder: Folder, rows: &[(&str, u64)]) -> Outcome {
    let expected_rows = |file: &str| {
        rows.iter()
            .find(|(f, _)| *f == file)
            .map_or_else(|| minimal_rows(file), |(_, n)| *n)
    };
    let env = folder.write();
    let o = env.process(&["--quiet"]);
    assert_no_crash(&o);
    match o.status.code() {
        Some(0) => {
            for name in OUTPUTS {
                assert!(env.out().join(name).is_file(), "{name} missing");
            }
            let summary: Value =
                serde_json::from_slice(&fs::read(env.out().join("summary.json")).unwrap())
                    .expect("summary.json is JSON");
            let rejected = read_rejected_rows(&env.out().join("rejected_rows.csv"));
            for (file, line, error) in &rejected {
                assert!(
                    CSV_FILES.contains(&file.as_str()),
                    "unknown file in {rejected:?}"
                );
                assert!(
                    *line >= 2,
                    "a data record starts after the header: {rejected:?}"
                );
                assert!(!error.is_empty(), "{rejected:?}");
            }
            for file in CSV_FILES {
                if !env.present.contains(&file) {
                    continue;
                }
                let stats = &summary["inputs"][file];
                let n = |key: &str| {
                    stats[key]
                        .as_u64()
                        .unwrap_or_else(|| panic!("inputs.{file}.{key} in {stats}"))
                };
                assert_eq!(
                    n("rows"),
                    n("accepted") + n("rejected"),
                    "{file}: rows != accepted + rejected: {stats}"
                );
                assert_eq!(
                    n("rows"),
                    expected_rows(file),
                    "{file}: records written vs rows read: {stats}\n{rejected:?}"
                );
                let listed = rejected.iter().filter(|(f, _, _)| f == file).count() as u64;
                assert_eq!(
                    n("rejected"),
                    listed,
                    "{file}: summary rejected vs rejected_rows.csv"
                );
            }
            // Every accepted claim is determined, once.
            let determinations = csv::Reader::from_path(env.out().join("determinations.csv"))
                .unwrap()
                .records()
                .collect::<Result<Vec<_>, _>>()
                .expect("determinations.csv is valid CSV")
                .len() as u64;
            assert_eq!(
                Some(determinations),
                summary["inputs"]["claims.csv"]["accepted"].as_u64()
            );
            assert_eq!(
                summary["claims"]["received"].as_u64(),
                Some(expected_rows("claims.csv"))
            );
            Outcome::Ran(Ran {
                env,
                rejected,
                summary,
            })
        }
        Some(1) => {
            let err = stderr(&o);
            assert!(err.starts_with("error: "), "{}", describe(&o));
            assert!(
                CSV_FILES
                    .iter()
                    .chain(["case.toml"].iter())
                    .any(|f| line_named(&err, f).is_some()),
                "a fatal error names FILE:LINE:\n{}",
                describe(&o)
            );
            assert!(
                !env.out().exists(),
                "output folder written by a failed run\n{}",
                describe(&o)
            );
            Outcome::Fatal(err)
        }
        _ => panic!("exit code must be 0 or 1\n{}", describe(&o)),
    }
}

/// The run completed (exit 0).
#[track_caller]
fn expect_ran(folder: Folder, rows: &[(&str, u64)]) -> Ran {
    match run_hostile(folder, rows) {
        Outcome::Ran(ran) => ran,
        Outcome::Fatal(err) => panic!("expected a complete run, got a fatal error:\n{err}"),
    }
}

/// The run stopped (exit 1) with `error: ...FILE:LINE: ...` mentioning every word of `words`.
#[track_caller]
fn expect_fatal(folder: Folder, file: &str, line: u64, words: &[&str]) -> String {
    match run_hostile(folder, &[]) {
        Outcome::Fatal(err) => {
            assert_eq!(
                line_named(&err, file),
                Some(line),
                "expected `{file}:{line}:` in {err:?}"
            );
            for word in words {
                assert!(err.contains(word), "expected {word:?} in {err:?}");
            }
            err
        }
        Outcome::Ran(ran) => panic!(
            "expected a fatal error naming {file}, got exit 0 with rejected rows {:?}",
            ran.rejected
        ),
    }
}

fn claim_line(claim_id: &str, member_id: &str, channel_fields: &[&str; 3], rest: &str) -> String {
    // claim_id,member_id,email,full_name,channel,submitted_at,postmarked_on,attested,
    // actual_damages,payment_method,payment_account,ip_address
    format!(
        "{claim_id},{member_id},,,{},{},{},{rest}\n",
        channel_fields[0], channel_fields[1], channel_fields[2]
    )
}

// ---------------------------------------------------------------------------------------------
// Empty files, header only, no header
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_file_of_zero_bytes_is_fatal_naming_the_file() {
    for file in CSV_FILES {
        let err = expect_fatal(Folder::valid().with(file, ""), file, 1, &[]);
        assert!(err.contains(file), "{err}");
    }
}

#[test]
fn header_only_file_has_zero_rows() {
    for file in CSV_FILES {
        let ran = expect_ran(Folder::valid().with(file, header(file)), &[(file, 0)]);
        assert!(
            ran.rejected.iter().all(|(f, _, _)| f != file),
            "{file}: {:?}",
            ran.rejected
        );
    }
}

#[test]
fn header_only_without_a_final_line_break_has_zero_rows() {
    for file in CSV_FILES {
        let head = header(file).trim_end().to_string();
        expect_ran(Folder::valid().with(file, head), &[(file, 0)]);
    }
}

#[test]
fn header_only_members_makes_every_reference_a_rejected_row() {
    let ran = expect_ran(
        Folder::valid().with("members.csv", header("members.csv")),
        &[("members.csv", 0)],
    );
    assert_eq!(ran.summary["class_members"], 0);
    // Subscriptions, evidence and opt-outs of unknown members are rejected rows, nothing else.
    for file in ["subscriptions.csv", "evidence.csv", "opt_outs.csv"] {
        let n = ran.rejected.iter().filter(|(f, _, _)| f == file).count() as u64;
        assert_eq!(n, minimal_rows(file), "{file}: {:?}", ran.rejected);
    }
    for claim in [CLAIM_1, CLAIM_2] {
        assert!(
            ran.reasons(claim)
                .contains(&"NOT_IN_CLASS_LIST".to_string()),
            "{claim}: {:?}",
            ran.determination(claim)
        );
    }
}

#[test]
fn file_of_only_a_bom_is_fatal() {
    expect_fatal(
        Folder::valid().with("evidence.csv", "\u{feff}"),
        "evidence.csv",
        1,
        &[],
    );
}

#[test]
fn file_of_only_blank_lines_is_fatal() {
    expect_fatal(
        Folder::valid().with("evidence.csv", "\n\r\n\n"),
        "evidence.csv",
        1,
        &[],
    );
}

#[test]
fn header_followed_only_by_blank_lines_has_zero_rows() {
    let evidence = format!("{}\n\r\n\r\n", header("evidence.csv"));
    let ran = expect_ran(
        Folder::valid().with("evidence.csv", evidence),
        &[("evidence.csv", 0)],
    );
    assert!(
        ran.rejected.iter().all(|(f, _, _)| f != "evidence.csv"),
        "{:?}",
        ran.rejected
    );
}

#[test]
fn quoted_header_names_are_the_same_columns() {
    let (head, rest) = EVIDENCE.split_once('\n').unwrap();
    let quoted: Vec<String> = head.split(',').map(|c| format!("\"{c}\"")).collect();
    let evidence = format!("{}\n{rest}", quoted.join(","));
    let ran = expect_ran(Folder::valid().with("evidence.csv", evidence), &[]);
    assert!(ran.rejected.is_empty(), "{:?}", ran.rejected);
    assert_eq!(ran.determination(CLAIM_1).0, "approved");
}

#[test]
fn members_without_a_header_is_fatal() {
    // The first data row becomes the header. Its two empty fields make the column name `` appear
    // twice, which is fatal on its own; either message is a fatal error on line 1.
    let content: String = data_lines("members.csv").concat();
    expect_fatal(
        Folder::valid().with("members.csv", content),
        "members.csv",
        1,
        &[],
    );
}

#[test]
fn members_without_a_header_and_no_empty_field_is_fatal_naming_a_missing_column() {
    let content = "m-1,Ann One,ann@example.com,US,2024-09-01T00:00:00Z,x\n\
                   m-2,Bob Two,bob@example.com,US,2024-09-01T00:00:00Z,y\n";
    expect_fatal(
        Folder::valid().with("members.csv", content),
        "members.csv",
        1,
        &["member_id"],
    );
}

#[test]
fn claims_without_a_header_is_fatal() {
    let content: String = data_lines("claims.csv").concat();
    expect_fatal(
        Folder::valid().with("claims.csv", content),
        "claims.csv",
        1,
        &[],
    );
}

#[test]
fn claims_without_a_header_and_no_empty_field_is_fatal_naming_a_missing_column() {
    let content = format!(
        "{CLAIM_1},m-1,ann@example.com,Ann One,online,2026-03-01T10:00:00-08:00,\
         2026-03-01,true,0,check,acct-1,10.0.0.1\n"
    );
    expect_fatal(
        Folder::valid().with("claims.csv", content),
        "claims.csv",
        1,
        &["claim_id"],
    );
}

// ---------------------------------------------------------------------------------------------
// Truncated files, unbalanced quotes
// ---------------------------------------------------------------------------------------------

#[test]
fn truncated_last_line_cut_mid_field_with_fields_missing_is_a_rejected_row() {
    // No trailing newline, cut inside the email: 3 fields where the header has 6.
    let folder = Folder::valid().append("members.csv", "m-3,Cat Three,cat@exa");
    let ran = expect_ran(folder, &[("members.csv", 3)]);
    ran.assert_only_rejected("members.csv", 4, None);
}

#[test]
fn truncated_last_line_cut_mid_timestamp_is_a_rejected_row_naming_the_column() {
    // The timestamp is the last column here, so the cut leaves the field count intact.
    let evidence = "evidence_id,member_id,kind,counterparty,reference,occurred_at\n\
                    ev-1,m-1,inmail_sent,m-2,,2024-06-01T10:00:00-07:00\n\
                    ev-2,m-1,disclosure,partner,batch-1,2024-08-10T12:00:00Z\n\
                    ev-3,m-2,inmail_received,m-1,,2024-07-01T09:00:00-07:00\n\
                    ev-4,m-2,disclosure,partner,batch-1,2024-08-11T12:00:00Z\n\
                    ev-5,m-1,inmail_sent,m-2,,2024-06-01T10:0";
    let ran = expect_ran(
        Folder::valid().with("evidence.csv", evidence),
        &[("evidence.csv", 5)],
    );
    ran.assert_only_rejected("evidence.csv", 6, Some("occurred_at"));
}

#[test]
fn truncated_last_line_cut_in_a_free_text_field_is_still_a_record() {
    let cut = claim_line(
        CLAIM_3,
        "m-1",
        &["mail", "", "2026-03-20"],
        "true,,check,acct-9,10.0.",
    );
    let cut = cut.trim_end().to_string();
    let ran = expect_ran(
        Folder::valid().append("claims.csv", cut),
        &[("claims.csv", 3)],
    );
    assert!(ran.rejected.is_empty(), "{:?}", ran.rejected);
    // The second claim of m-1 is a duplicate: the record was read and decided.
    assert_eq!(ran.determination(CLAIM_3).0, "duplicate");
}

#[test]
fn unbalanced_quote_to_the_end_of_the_file_loses_no_row() {
    // The quote opened on line 4 is never closed: by CSV rules lines 4-5 are one record.
    let folder = Folder::valid().append(
        "members.csv",
        "m-3,\"Cat Three,cat@example.com,US,,\nm-4,Dan Four,dan@example.com,US,,\n",
    );
    match run_hostile(folder, &[("members.csv", 3)]) {
        Outcome::Ran(ran) => {
            ran.assert_only_rejected("members.csv", 4, None);
            // The message points at the likely cause, the field that ran on.
            let (_, _, error) = &ran.rejected[0];
            assert!(
                error.contains("field 2 runs over several lines: is a closing quote missing?"),
                "{error}"
            );
        }
        Outcome::Fatal(err) => assert_eq!(line_named(&err, "members.csv"), Some(4), "{err}"),
    }
}

#[test]
fn unbalanced_quote_in_the_last_claim_without_final_newline_loses_no_row() {
    let record =
        format!("{CLAIM_3},m-1,,\"Ann Again,online,2026-03-02T10:00:00-08:00,,true,,check,,");
    let folder = Folder::valid().append("claims.csv", record);
    match run_hostile(folder, &[("claims.csv", 3)]) {
        Outcome::Ran(ran) => ran.assert_only_rejected("claims.csv", 4, None),
        Outcome::Fatal(err) => assert_eq!(line_named(&err, "claims.csv"), Some(4), "{err}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Bytes that are not text
// ---------------------------------------------------------------------------------------------

#[test]
fn invalid_utf8_in_a_member_email_is_a_rejected_row() {
    let mut record = b"m-3,Cat Three,cat".to_vec();
    record.extend_from_slice(&[0xff, 0xfe]);
    record.extend_from_slice(b"@example.com,US,,\n");
    let ran = expect_ran(
        Folder::valid().append("members.csv", record),
        &[("members.csv", 3)],
    );
    ran.assert_only_rejected("members.csv", 4, Some("email"));
}

#[test]
fn invalid_utf8_in_an_evidence_kind_is_a_rejected_row() {
    let mut record = b"ev-5,m-1,inmail".to_vec();
    record.extend_from_slice(&[0xc3, 0x28]);
    record.extend_from_slice(b"sent,2024-06-02T10:00:00-07:00,m-2,\n");
    let ran = expect_ran(
        Folder::valid().append("evidence.csv", record),
        &[("evidence.csv", 5)],
    );
    ran.assert_only_rejected("evidence.csv", 6, Some("kind"));
}

#[test]
fn invalid_utf8_in_a_claim_email_is_a_rejected_row() {
    let mut record = format!("{CLAIM_3},,ann").into_bytes();
    record.extend_from_slice(&[0x80]);
    record.extend_from_slice(b"@example.com,,online,2026-03-02T10:00:00-08:00,,true,,check,,\n");
    let ran = expect_ran(
        Folder::valid().append("claims.csv", record),
        &[("claims.csv", 3)],
    );
    ran.assert_only_rejected("claims.csv", 4, Some("email"));
}

#[test]
fn nul_byte_in_a_country_is_a_rejected_row() {
    let ran = expect_ran(
        Folder::valid().append("members.csv", "m-3,Cat Three,cat@example.com,U\0,,\n"),
        &[("members.csv", 3)],
    );
    ran.assert_only_rejected("members.csv", 4, Some("country"));
}

#[test]
fn nul_byte_after_a_valid_country_is_a_rejected_row() {
    // Trimming removes white space, and NUL is not white space.
    let ran = expect_ran(
        Folder::valid().append("members.csv", "m-3,Cat Three,cat@example.com,US\0,,\n"),
        &[("members.csv", 3)],
    );
    ran.assert_only_rejected("members.csv", 4, Some("country"));
}

#[test]
fn nul_byte_in_a_claim_id_is_a_rejected_row() {
    let id = format!("{}\0{}", &CLAIM_3[..8], &CLAIM_3[8..]);
    let record = claim_line(
        &id,
        "m-1",
        &["online", "2026-03-02T10:00:00-08:00", ""],
        "true,,check,,",
    );
    let ran = expect_ran(
        Folder::valid().append("claims.csv", record),
        &[("claims.csv", 3)],
    );
    ran.assert_only_rejected("claims.csv", 4, Some("claim_id"));
}

#[test]
fn nul_byte_in_an_evidence_member_id_is_a_rejected_row() {
    let ran = expect_ran(
        Folder::valid().append(
            "evidence.csv",
            "ev-5,m-1\0,inmail_sent,2024-06-02T10:00:00-07:00,m-2,\n",
        ),
        &[("evidence.csv", 5)],
    );
    ran.assert_only_rejected("evidence.csv", 6, Some("member_id"));
}

#[test]
fn nul_bytes_in_a_free_text_name_lose_no_row() {
    let folder = Folder::valid()
        .append("members.csv", "m-3,Cat\0\0Three,cat@example.com,US,,\n")
        .append("subscriptions.csv", "m-3,career,2020-01-01,\n");
    let ran = expect_ran(folder, &[("members.csv", 3), ("subscriptions.csv", 3)]);
    match ran.rejected.as_slice() {
        // Accepted: the member is known, so its subscription is too.
        [] => assert_eq!(ran.summary["class_members"], 3),
        // Rejected: the name is named, and the subscription follows its member.
        [(f, 4, e), rest @ ..] if f == "members.csv" => {
            assert_names_column(e, "full_name");
            assert_eq!(
                rest.iter()
                    .map(|(f, l, _)| (f.as_str(), *l))
                    .collect::<Vec<_>>(),
                vec![("subscriptions.csv", 4)]
            );
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Size: a 10 MB field, 1,000 columns
// ---------------------------------------------------------------------------------------------

const TEN_MB: usize = 10 << 20;

#[test]
fn ten_megabyte_unquoted_field_is_read_and_the_next_line_is_counted_right() {
    let name = "n".repeat(TEN_MB);
    let members =
        format!("{MEMBERS}m-3,{name},cat@example.com,US,,\nm-4,Dan Four,dan@example.com,USA,,\n");
    let ran = expect_ran(
        Folder::valid().with("members.csv", members),
        &[("members.csv", 4)],
    );
    match ran.rejected.as_slice() {
        // A size limit may reject the long field, naming it.
        [(f, 4, e), _] if f == "members.csv" => assert_names_column(e, "full_name"),
        _ => ran.assert_only_rejected("members.csv", 5, Some("country")),
    }
}

#[test]
fn ten_megabyte_quoted_field_of_record_like_lines_in_a_file_read_in_parallel_ranges() {
    // A quoted `reference` of 10 MB whose lines look exactly like valid evidence rows, in a file
    // large enough to be split into ranges read in parallel: a range boundary falls inside the
    // field. Lines inside the field must never become records.
    let fake = "ev-fake,m-1,inmail_sent,2024-06-01T10:00:00-07:00,m-2,\n";
    let copies = TEN_MB / fake.len() + 1;
    let field = fake.repeat(copies);
    let after_row = "ev-after,m-2,inmail_received,2024-07-02T09:00:00-07:00,m-1,\n";
    let after_rows = 8 << 20 >> 6; // about 8 MB of ordinary rows after the field
    let mut evidence = String::with_capacity(TEN_MB + (9 << 20));
    evidence.push_str(EVIDENCE);
    evidence.push_str(&format!(
        "ev-5,m-1,disclosure,2024-08-12T12:00:00Z,partner,\"{field}\"\n"
    ));
    for _ in 0..after_rows {
        evidence.push_str(after_row);
    }
    // header 1, rows 2-5, the long record starts on 6 and spans `copies` line breaks.
    let bad_line = 6 + copies as u64 + 1 + after_rows as u64;
    evidence.push_str("ev-bad,m-1,letter,2024-06-02T10:00:00-07:00,m-2,\n");
    assert!(evidence.len() > 16 << 20, "large enough for two ranges");
    let rows = 4 + 1 + after_rows as u64 + 1;
    let ran = expect_ran(
        Folder::valid().with("evidence.csv", evidence),
        &[("evidence.csv", rows)],
    );
    match ran.rejected.as_slice() {
        [(f, 6, e), _] if f == "evidence.csv" => assert_names_column(e, "reference"),
        _ => ran.assert_only_rejected("evidence.csv", bad_line, Some("kind")),
    }
}

#[test]
fn row_with_a_thousand_columns_is_a_rejected_row() {
    let mut record = "ev-5,m-1,inmail_sent,2024-06-02T10:00:00-07:00,m-2,".to_string();
    record.push_str(&",x".repeat(994));
    record.push('\n');
    let folder = Folder::valid().append("evidence.csv", record).append(
        "evidence.csv",
        "ev-6,m-1,inmail_sent,2024-06-03T10:00:00-07:00,m-2,\n",
    );
    let ran = expect_ran(folder, &[("evidence.csv", 6)]);
    ran.assert_only_rejected("evidence.csv", 6, None);
}

#[test]
fn header_with_a_thousand_columns_lists_the_unknown_ones() {
    let extras: Vec<String> = (6..1000).map(|i| format!("extra_{i:04}")).collect();
    let padding = ",".repeat(extras.len());
    let mut members = format!(
        "{},{}\n",
        header("members.csv").trim_end(),
        extras.join(",")
    );
    for l in data_lines("members.csv") {
        members.push_str(&format!("{}{padding}\n", l.trim_end()));
    }
    // A row with the minimal folder's 6 fields no longer matches the header.
    members.push_str("m-3,Cat Three,cat@example.com,US,,\n");
    let ran = expect_ran(
        Folder::valid().with("members.csv", members),
        &[("members.csv", 3)],
    );
    ran.assert_only_rejected("members.csv", 4, None);
    let listed: BTreeSet<String> = ran.summary["inputs"]["members.csv"]["unknown_columns"]
        .as_array()
        .expect("inputs.members.csv.unknown_columns is a list")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, extras.into_iter().collect::<BTreeSet<_>>());
}

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_required_column_name_is_fatal() {
    let claims = CLAIMS.replacen("full_name", "email", 1);
    assert!(claims.starts_with("claim_id,member_id,email,email,"));
    expect_fatal(
        Folder::valid().with("claims.csv", claims),
        "claims.csv",
        1,
        &["email"],
    );
}

#[test]
fn duplicate_unknown_column_name_is_fatal() {
    let mut evidence =
        "evidence_id,member_id,kind,occurred_at,counterparty,reference,note,note\n".to_string();
    for l in data_lines("evidence.csv") {
        evidence.push_str(&format!("{},a,b\n", l.trim_end()));
    }
    expect_fatal(
        Folder::valid().with("evidence.csv", evidence),
        "evidence.csv",
        1,
        &["note"],
    );
}

#[test]
fn header_in_another_case_is_a_missing_required_column() {
    let members = MEMBERS.replacen("member_id", "Member_ID", 1);
    expect_fatal(
        Folder::valid().with("members.csv", members),
        "members.csv",
        1,
        &["member_id"],
    );
}

// ---------------------------------------------------------------------------------------------
// Amounts
// ---------------------------------------------------------------------------------------------

fn claim_with_damages(damages: &str) -> String {
    claim_line(
        CLAIM_3,
        "m-1",
        &["online", "2026-03-02T10:00:00-08:00", ""],
        &format!("true,{damages},check,,"),
    )
}

#[test]
fn amount_with_a_thousands_separator_is_a_rejected_row() {
    let ran = expect_ran(
        Folder::valid().append("claims.csv", claim_with_damages("\"1,000.00\"")),
        &[("claims.csv", 3)],
    );
    ran.assert_only_rejected("claims.csv", 4, Some("actual_damages"));
}

#[test]
fn amount_with_three_decimals_is_a_rejected_row() {
    let ran = expect_ran(
        Folder::valid().append("claims.csv", claim_with_damages("12.345")),
        &[("claims.csv", 3)],
    );
    ran.assert_only_rejected("claims.csv", 4, Some("actual_damages"));
}

#[test]
fn huge_amount_is_read_or_rejected_never_a_crash() {
    // 30 digits: more than any integer number of cents holds.
    let ran = expect_ran(
        Folder::valid().append(
            "claims.csv",
            claim_with_damages("999999999999999999999999999999.99"),
        ),
        &[("claims.csv", 3)],
    );
    match ran.rejected.as_slice() {
        [] => {}
        _ => ran.assert_only_rejected("claims.csv", 4, Some("actual_damages")),
    }
}

#[test]
fn a_hundred_claims_at_the_largest_amount_add_up_exactly() {
    // Each claim is accepted or rejected on its own; accepted ones must sum without overflow.
    let amount = "999999999999999.99";
    let n = 100u64;
    let mut members = header("members.csv");
    let mut subscriptions = header("subscriptions.csv");
    let mut evidence = header("evidence.csv");
    let mut claims = header("claims.csv");
    for i in 0..n {
        members.push_str(&format!("x-{i},,,US,,\n"));
        subscriptions.push_str(&format!("x-{i},career,2020-01-01,\n"));
        evidence.push_str(&format!(
            "a-{i},x-{i},inmail_sent,2024-06-01T10:00:00Z,,\n\
             d-{i},x-{i},disclosure,2024-08-10T10:00:00Z,,\n"
        ));
        claims.push_str(&claim_line(
            &format!("00000000-0000-4000-8000-{:012}", i + 1),
            &format!("x-{i}"),
            &["online", "2026-03-01T10:00:00Z", ""],
            &format!("true,{amount},check,,"),
        ));
    }
    let folder = Folder::valid()
        .with("members.csv", members)
        .with("subscriptions.csv", subscriptions)
        .with("evidence.csv", evidence)
        .with("claims.csv", claims)
        .with("opt_outs.csv", header("opt_outs.csv"))
        .with("cures.csv", header("cures.csv"));
    let ran = expect_ran(
        folder,
        &[
            ("members.csv", n),
            ("subscriptions.csv", n),
            ("evidence.csv", 2 * n),
            ("opt_outs.csv", 0),
            ("claims.csv", n),
            ("cures.csv", 0),
        ],
    );
    if ran.rejected.is_empty() {
        assert_eq!(ran.summary["claims"]["by_status"]["approved"], n);
        assert_eq!(ran.summary["money"]["paid"], "99999999999999999.00");
        assert_eq!(ran.summary["money"]["entitled"], "99999999999999999.00");
    } else {
        // A supported maximum below this amount rejects every claim, naming the column.
        assert_eq!(ran.rejected.len() as u64, n);
        for (_, _, e) in &ran.rejected {
            assert_names_column(e, "actual_damages");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dates and timestamps at the edges
// ---------------------------------------------------------------------------------------------

#[test]
fn far_future_dates_and_timestamps_are_valid() {
    let folder = Folder::valid()
        .append(
            "members.csv",
            "m-3,Cat Three,cat@example.com,US,9999-12-31T23:59:59Z,\n",
        )
        .append(
            "subscriptions.csv",
            "m-1,business,2022-01-01,9999-12-31\nm-3,career,9999-12-31,\n",
        )
        .append(
            "evidence.csv",
            "ev-5,m-1,inmail_sent,9999-12-31T23:59:59Z,m-2,\n\
             ev-6,m-3,disclosure,9999-12-31T23:59:59.999999999+00:00,partner,\n",
        )
        .append("opt_outs.csv", "m-1,9999-12-31\n")
        .append(
            "claims.csv",
            claim_line(
                CLAIM_3,
                "m-3",
                &["online", "9999-12-31T23:59:59Z", ""],
                "true,,check,,",
            ),
        )
        .append(
            "claims.csv",
            claim_line(CLAIM_4, "m-3", &["mail", "", "9999-12-31"], "true,,check,,"),
        )
        .append("cures.csv", format!("{CLAIM_1},9999-12-31,true\n"));
    let ran = expect_ran(
        folder,
        &[
            ("members.csv", 3),
            ("subscriptions.csv", 4),
            ("evidence.csv", 6),
            ("opt_outs.csv", 2),
            ("claims.csv", 4),
            ("cures.csv", 2),
        ],
    );
    assert!(ran.rejected.is_empty(), "{:?}", ran.rejected);
    for claim in [CLAIM_3, CLAIM_4] {
        assert!(
            ran.reasons(claim).contains(&"LATE_CLAIM".to_string()),
            "{claim}: {:?}",
            ran.determination(claim)
        );
    }
    assert_eq!(ran.summary["opt_outs"]["untimely"], 2, "{}", ran.summary);
    // Claim 1 still approved: the 9999 opt-out is untimely.
    assert_eq!(ran.determination(CLAIM_1).0, "approved");
}

#[test]
fn far_future_timestamp_whose_utc_instant_is_in_year_10000_is_valid() {
    // 9999-12-31T23:59:59-12:00 is 10000-01-01T11:59:59Z: a valid RFC 3339 text.
    let ran = expect_ran(
        Folder::valid().append(
            "evidence.csv",
            "ev-5,m-1,inmail_sent,9999-12-31T23:59:59-12:00,m-2,\n",
        ),
        &[("evidence.csv", 5)],
    );
    match ran.rejected.as_slice() {
        [] => {}
        _ => ran.assert_only_rejected("evidence.csv", 6, Some("occurred_at")),
    }
}

#[test]
fn pre_1970_dates_and_timestamps_are_valid_and_compare_correctly() {
    let members = "member_id,full_name,email,country,ai_training_opt_out_at,excluded_category\n\
                   m-1,Ann One,ann@example.com,US,1900-01-01T00:00:00Z,\n\
                   m-2,Bob Two,bob@example.com,US,2024-09-01T00:00:00Z,\n\
                   m-3,Cat Three,cat@example.com,US,1969-12-31T23:59:59.999999999Z,\n";
    let folder = Folder::valid()
        .with("members.csv", members)
        .append("subscriptions.csv", "m-2,business,1900-01-01,1969-12-31\n")
        .append(
            "evidence.csv",
            "ev-5,m-1,inmail_sent,1900-01-01T00:00:00-08:00,m-2,\n\
             ev-6,m-2,inmail_received,1969-12-31T23:59:59.5Z,m-1,\n",
        )
        .with("opt_outs.csv", "member_id,submitted_on\nm-2,1900-01-01\n")
        .append(
            "claims.csv",
            claim_line(
                CLAIM_3,
                "m-3",
                &["online", "1900-01-01T00:00:00Z", ""],
                "true,,check,,",
            ),
        )
        .append(
            "claims.csv",
            claim_line(CLAIM_4, "m-3", &["mail", "", "1900-01-01"], "true,,check,,"),
        );
    let ran = expect_ran(
        folder,
        &[
            ("members.csv", 3),
            ("subscriptions.csv", 3),
            ("evidence.csv", 6),
            ("opt_outs.csv", 1),
            ("claims.csv", 4),
        ],
    );
    assert!(ran.rejected.is_empty(), "{:?}", ran.rejected);
    // m-1 switched AI training off in 1900: its 2024 disclosures do not qualify.
    assert!(
        ran.reasons(CLAIM_1)
            .contains(&"NO_QUALIFYING_DISCLOSURE".to_string()),
        "{:?}",
        ran.determination(CLAIM_1)
    );
    // m-2 opted out in 1900: timely.
    assert!(
        ran.reasons(CLAIM_2)
            .contains(&"OPTED_OUT_OF_CLASS".to_string()),
        "{:?}",
        ran.determination(CLAIM_2)
    );
    assert_eq!(ran.summary["opt_outs"]["timely"], 1);
    for claim in [CLAIM_3, CLAIM_4] {
        let reasons = ran.reasons(claim);
        assert!(!reasons.contains(&"LATE_CLAIM".to_string()), "{reasons:?}");
        assert!(
            reasons.contains(&"NO_ELIGIBLE_PREMIUM".to_string()),
            "{reasons:?}"
        );
    }
}

#[test]
fn leap_day_2024_is_valid_and_2023_is_not() {
    let folder = Folder::valid()
        .append(
            "subscriptions.csv",
            "m-1,business,2024-02-29,\nm-1,business,2023-02-29,\n",
        )
        .append(
            "evidence.csv",
            "ev-5,m-1,inmail_sent,2024-02-29T12:00:00-08:00,m-2,\n\
             ev-6,m-1,inmail_sent,2023-02-29T12:00:00-08:00,m-2,\n",
        )
        .append(
            "claims.csv",
            claim_line(CLAIM_3, "m-2", &["mail", "", "2024-02-29"], "true,,check,,"),
        )
        .append(
            "claims.csv",
            claim_line(CLAIM_4, "m-2", &["mail", "", "2023-02-29"], "true,,check,,"),
        );
    let ran = expect_ran(
        folder,
        &[
            ("subscriptions.csv", 4),
            ("evidence.csv", 6),
            ("claims.csv", 4),
        ],
    );
    ran.assert_rejected_exactly(&[
        ("subscriptions.csv", 5, Some("start_date")),
        ("evidence.csv", 7, Some("occurred_at")),
        ("claims.csv", 5, Some("postmarked_on")),
    ]);
}

/// A third member with a subscription, a disclosure and a claim (`CLAIM_3`), and the given
/// InMail evidence lines.
fn third_member_with_inmails(inmails: &str) -> Folder {
    Folder::valid()
        .append("members.csv", "m-3,Cat Three,cat@example.com,US,,\n")
        .append("subscriptions.csv", "m-3,career,2020-01-01,\n")
        .append(
            "evidence.csv",
            format!("{inmails}ev-d3,m-3,disclosure,2024-08-15T12:00:00Z,partner,\n"),
        )
        .append(
            "claims.csv",
            claim_line(
                CLAIM_3,
                "m-3",
                &["online", "2026-03-02T10:00:00-08:00", ""],
                "true,,check,,",
            ),
        )
}

fn instant(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn dst_gap_local_time_written_with_an_offset_is_a_valid_instant() {
    // 02:30 on 2024-03-10 does not exist on Los Angeles clocks; with -08:00 it is 10:30 UTC.
    let folder =
        third_member_with_inmails("ev-gap,m-3,inmail_sent,2024-03-10T02:30:00-08:00,m-1,\n");
    let ran = expect_ran(
        folder,
        &[
            ("members.csv", 3),
            ("subscriptions.csv", 3),
            ("evidence.csv", 6),
            ("claims.csv", 3),
        ],
    );
    assert!(ran.rejected.is_empty(), "{:?}", ran.rejected);
    assert_eq!(ran.determination(CLAIM_3).0, "approved");
    let facts = &ran.env.explain_json(CLAIM_3)["facts"];
    let inmail = &facts["earliest_qualifying_inmail"];
    assert_eq!(inmail["evidence_id"], "ev-gap", "{facts}");
    assert_eq!(
        instant(inmail["utc"].as_str().unwrap()),
        instant("2024-03-10T10:30:00Z")
    );
    // Shown in local time, that instant is 03:30 PDT.
    assert_eq!(
        instant(inmail["local"].as_str().unwrap()),
        instant("2024-03-10T03:30:00-07:00")
    );
}

#[test]
fn dst_overlap_times_are_told_apart_by_their_offsets() {
    // 01:30 on 2023-11-05 happens twice in Los Angeles: -07:00 (08:30 UTC), then -08:00 (09:30 UTC).
    // The later one is listed first; the earliest InMail is the -07:00 one.
    let folder = third_member_with_inmails(
        "ev-second,m-3,inmail_sent,2023-11-05T01:30:00-08:00,m-1,\n\
         ev-first,m-3,inmail_received,2023-11-05T01:30:00-07:00,m-1,\n",
    );
    let ran = expect_ran(
        folder,
        &[
            ("members.csv", 3),
            ("subscriptions.csv", 3),
            ("evidence.csv", 7),
            ("claims.csv", 3),
        ],
    );
    assert!(ran.rejected.is_empty(), "{:?}", ran.rejected);
    let facts = &ran.env.explain_json(CLAIM_3)["facts"];
    let inmail = &facts["earliest_qualifying_inmail"];
    assert_eq!(inmail["evidence_id"], "ev-first", "{facts}");
    assert_eq!(
        instant(inmail["utc"].as_str().unwrap()),
        instant("2023-11-05T08:30:00Z")
    );
}

#[test]
fn timestamp_with_a_twelve_digit_fraction_is_kept_to_the_nanosecond() {
    let folder = third_member_with_inmails(
        "ev-frac,m-3,inmail_sent,2024-06-01T10:00:00.123456789012-07:00,m-1,\n",
    )
    .append(
        "claims.csv",
        claim_line(
            CLAIM_4,
            "m-2",
            &["online", "2026-03-02T10:00:00.999999999999-08:00", ""],
            "true,,check,,",
        ),
    );
    let ran = expect_ran(
        folder,
        &[
            ("members.csv", 3),
            ("subscriptions.csv", 3),
            ("evidence.csv", 6),
            ("claims.csv", 4),
        ],
    );
    assert!(ran.rejected.is_empty(), "{:?}", ran.rejected);
    let facts = &ran.env.explain_json(CLAIM_3)["facts"];
    let inmail = &facts["earliest_qualifying_inmail"];
    assert_eq!(inmail["evidence_id"], "ev-frac", "{facts}");
    assert_eq!(
        instant(inmail["utc"].as_str().unwrap()),
        instant("2024-06-01T17:00:00.123456789Z"),
        "{facts}"
    );
}

#[test]
fn timestamp_with_a_thousand_digit_fraction_is_valid() {
    let fraction = "123456789".repeat(111);
    let folder = third_member_with_inmails(&format!(
        "ev-long,m-3,inmail_sent,2024-06-01T10:00:00.{fraction}-07:00,m-1,\n"
    ));
    let ran = expect_ran(
        folder,
        &[
            ("members.csv", 3),
            ("subscriptions.csv", 3),
            ("evidence.csv", 6),
            ("claims.csv", 3),
        ],
    );
    assert!(ran.rejected.is_empty(), "{:?}", ran.rejected);
    let facts = &ran.env.explain_json(CLAIM_3)["facts"];
    assert_eq!(
        instant(facts["earliest_qualifying_inmail"]["utc"].as_str().unwrap()),
        instant("2024-06-01T17:00:00.123456789Z"),
        "{facts}"
    );
}

#[test]
fn offsets_and_years_at_the_edges() {
    let folder = Folder::valid().append(
        "evidence.csv",
        "ev-5,m-1,inmail_sent,0000-01-01T00:00:00Z,m-2,\n\
         ev-6,m-1,inmail_sent,2024-06-01T10:00:00+23:59,m-2,\n\
         ev-7,m-1,inmail_sent,2024-06-01T10:00:00-23:59,m-2,\n\
         ev-8,m-1,inmail_sent,2024-06-01T10:00:00+24:00,m-2,\n\
         ev-9,m-1,inmail_sent,2024-06-01T24:00:00Z,m-2,\n\
         ev-10,m-1,inmail_sent,2016-12-31T23:59:60Z,m-2,\n",
    );
    let ran = expect_ran(folder, &[("evidence.csv", 10)]);
    ran.assert_rejected_exactly(&[
        ("evidence.csv", 9, Some("occurred_at")),
        ("evidence.csv", 10, Some("occurred_at")),
        ("evidence.csv", 11, Some("occurred_at")),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Line endings and BOM
// ---------------------------------------------------------------------------------------------

#[test]
fn mixed_crlf_and_lf_line_endings_keep_line_numbers() {
    let evidence = [
        "evidence_id,member_id,kind,occurred_at,counterparty,reference\r\n",
        "ev-1,m-1,inmail_sent,2024-06-01T10:00:00-07:00,m-2,\n",
        "ev-2,m-1,disclosure,2024-08-10T12:00:00Z,partner,batch-1\r\n",
        "ev-3,m-2,inmail_received,2024-07-01T09:00:00-07:00,m-1,\n",
        "ev-4,m-2,disclosure,2024-08-11T12:00:00Z,partner,batch-1\r\n",
        "ev-5,m-1,letter,2024-06-02T10:00:00-07:00,m-2,\n", // line 6: rejected
        "ev-6,m-1,inmail_sent,2024-06-03T10:00:00-07:00,m-2,\r\n",
        "ev-7,m-1,inmail_sent,2024-06-04T10:00:00-07:00,m-2,\"two\r\nlines\"\n",
        "ev-8,m-1,inmail_sent,2024-06-05,m-2,\r\n", // line 10: rejected
        "ev-9,m-1,inmail_sent,2024-06-06T10:00:00-07:00,m-2,\n",
        "ev-10,m-1,inmail_sent,2024-06-07T10:00:00-07:00,m-2,\r",
        "ev-11,m-1,telegram,2024-06-08T10:00:00-07:00,m-2,", // line 13: rejected, no newline
    ]
    .concat();
    let ran = expect_ran(
        Folder::valid().with("evidence.csv", evidence),
        &[("evidence.csv", 11)],
    );
    ran.assert_rejected_exactly(&[
        ("evidence.csv", 6, Some("kind")),
        ("evidence.csv", 10, Some("occurred_at")),
        ("evidence.csv", 13, Some("kind")),
    ]);
}

#[test]
fn bom_before_a_required_first_column_is_ignored() {
    let folder = Folder::valid()
        .with("claims.csv", format!("\u{feff}{CLAIMS}"))
        .with(
            "evidence.csv",
            format!("\u{feff}{EVIDENCE}").replace('\n', "\r\n"),
        );
    let ran = expect_ran(folder, &[]);
    assert!(ran.rejected.is_empty(), "{:?}", ran.rejected);
    assert_eq!(ran.determination(CLAIM_1).0, "approved");
}

#[test]
fn bom_then_a_bad_row_keeps_line_numbers() {
    let folder = Folder::valid().with(
        "subscriptions.csv",
        format!("\u{feff}{SUBSCRIPTIONS}m-1,career,2022-13-01,\n"),
    );
    let ran = expect_ran(folder, &[("subscriptions.csv", 3)]);
    ran.assert_only_rejected("subscriptions.csv", 4, Some("start_date"));
}

// ---------------------------------------------------------------------------------------------
// Privacy: nothing personal on stderr
// ---------------------------------------------------------------------------------------------

/// Emails (any field with an `@`) and full names of the minimal members.csv and claims.csv.
fn personal_data() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for text in [MEMBERS, CLAIMS] {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        for record in reader.records() {
            let record = record.unwrap();
            for (column, value) in headers.iter().zip(record.iter()) {
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                if value.contains('@') || column == "full_name" || column == "email" {
                    found.insert(value.to_string());
                }
            }
        }
    }
    found
}

/// Runs `process`, `process --strict` and `check` (the last two print rejected rows on stderr)
/// on each folder and lists every email or name of the inputs that appears on stderr.
fn stderr_leaks(cases: Vec<(&str, Folder)>) -> Vec<String> {
    let secrets = personal_data();
    assert!(secrets.contains("ann@example.com") && secrets.contains("Ann One"));
    let mut leaks = Vec::new();
    for (what, folder) in cases {
        let env = folder.write();
        let runs = [
            ("process", env.process(&[])),
            ("process --strict", env.process(&["--strict", "--quiet"])),
            ("check", env.check()),
        ];
        for (command, o) in runs {
            assert_no_crash(&o);
            let err = stderr(&o);
            assert!(!err.is_empty() || o.status.code() == Some(0), "{what}");
            for secret in &secrets {
                if err.contains(secret.as_str()) {
                    leaks.push(format!("{what} ({command}): {secret:?} in {err:?}"));
                }
            }
        }
    }
    leaks
}

#[test]
fn stderr_never_repeats_emails_or_names_from_the_inputs() {
    let mut bad_utf8_name = b"m-3,Ann One".to_vec();
    bad_utf8_name.extend_from_slice(&[0xff]);
    bad_utf8_name.extend_from_slice(b",ann@example.com,US,,\n");
    let cases: Vec<(&str, Folder)> = vec![
        (
            "members.csv without a header",
            Folder::valid().with("members.csv", data_lines("members.csv").concat()),
        ),
        (
            "members.csv without a header, no empty field",
            Folder::valid().with(
                "members.csv",
                "m-1,Ann One,ann@example.com,US,2024-09-01T00:00:00Z,x\n",
            ),
        ),
        (
            "claims.csv without a header",
            Folder::valid().with("claims.csv", data_lines("claims.csv").concat()),
        ),
        (
            "header in another case",
            Folder::valid().with(
                "members.csv",
                MEMBERS.replacen("member_id", "Member_ID", 1),
            ),
        ),
        (
            "duplicate column",
            Folder::valid().with("members.csv", MEMBERS.replacen("full_name", "email", 1)),
        ),
        (
            "repeated member with a bad country",
            Folder::valid().append("members.csv", "m-1,Ann One,ann@example.com,USA,,\n"),
        ),
        (
            "member row with too few fields",
            Folder::valid().append("members.csv", "m-3,Bob Two,bob@example.com,US\n"),
        ),
        (
            "member row with too many fields",
            Folder::valid().append("members.csv", "m-3,Bob Two,bob@example.com,US,,,Ann One\n"),
        ),
        (
            "member row truncated mid-email",
            Folder::valid().append("members.csv", "m-3,Bob Two,bob@exa"),
        ),
        (
            "unbalanced quote in members",
            Folder::valid().append("members.csv", "m-3,\"Ann One,ann@example.com,US,,\n"),
        ),
        (
            "invalid UTF-8 in a name",
            Folder::valid().append("members.csv", bad_utf8_name),
        ),
        (
            "NUL in an email and a country",
            Folder::valid().append("members.csv", "m-3,Bob Two,bob@example.com\0,U\0,,\n"),
        ),
        (
            "bad timestamp next to personal data",
            Folder::valid().append(
                "members.csv",
                "m-3,Ann One,ann@example.com,US,2024-09-01 25:00:00,\n",
            ),
        ),
        (
            "claim with an email, a name and bad values",
            Folder::valid().append(
                "claims.csv",
                format!(
                    "{CLAIM_3},,ann@example.com,Ann One,online,yesterday,,maybe,\"1,000\",cash,bob@example.com,\n"
                ),
            ),
        ),
        (
            "claim of a repeated claim_id with personal data",
            Folder::valid().append(
                "claims.csv",
                format!("{CLAIM_1},m-1,ann@example.com,Ann One,online,,,true,,check,,\n"),
            ),
        ),
        (
            "cure with an email for an unknown claim",
            Folder::valid().append("cures.csv", format!("{CLAIM_3},2026-04-02,true\n")),
        ),
    ];
    let leaks = stderr_leaks(cases);
    assert!(
        leaks.is_empty(),
        "personal data on stderr:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn stderr_never_repeats_emails_or_names_misplaced_into_other_columns() {
    let cases: Vec<(&str, Folder)> = vec![
        (
            "an email as claim_id",
            Folder::valid().append(
                "claims.csv",
                "ann@example.com,m-1,,,online,2026-03-02T10:00:00-08:00,,true,,check,,\n",
            ),
        ),
        (
            "a name as channel",
            Folder::valid().append(
                "claims.csv",
                format!("{CLAIM_3},m-1,,,Ann One,,,true,,check,,\n"),
            ),
        ),
        (
            "an email as cured_on",
            Folder::valid().append("cures.csv", format!("{CLAIM_2},bob@example.com,true\n")),
        ),
        (
            "an email as the member_id of evidence",
            Folder::valid().append(
                "evidence.csv",
                "ev-5,ann@example.com,inmail_sent,2024-06-02T10:00:00-07:00,m-2,\n",
            ),
        ),
        (
            "an email as the member_id of an opt-out",
            Folder::valid().append("opt_outs.csv", "bob@example.com,2026-02-01\n"),
        ),
        (
            "a name as a member's country",
            Folder::valid().append("members.csv", "m-3,,,Bob Two,,\n"),
        ),
    ];
    let leaks = stderr_leaks(cases);
    assert!(
        leaks.is_empty(),
        "personal data on stderr:\n{}",
        leaks.join("\n")
    );
}
