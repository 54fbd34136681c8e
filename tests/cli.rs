//! Command-line tests: run the `premium-claims` binary the way a newcomer would, on small data
//! folders written into temporary directories, and check exit codes, outputs and messages
//! against the behaviour contract (case file, input validation, command line).
//!
//! Every test starts from the minimal valid folder in `tests/data/minimal` and changes one thing.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_premium-claims");

/// The five files `process` writes.
const OUTPUTS: [&str; 5] = [
    "determinations.csv",
    "payments.csv",
    "rejected_rows.csv",
    "summary.json",
    "report.md",
];

// ---------------------------------------------------------------------------------------------
// The minimal valid data folder
// ---------------------------------------------------------------------------------------------

const CASE: &str = include_str!("data/minimal/case.toml");
const MEMBERS: &str = include_str!("data/minimal/members.csv");
const SUBSCRIPTIONS: &str = include_str!("data/minimal/subscriptions.csv");
const EVIDENCE: &str = include_str!("data/minimal/evidence.csv");
const OPT_OUTS: &str = include_str!("data/minimal/opt_outs.csv");
const CLAIMS: &str = include_str!("data/minimal/claims.csv");
const CURES: &str = include_str!("data/minimal/cures.csv");

const CLAIM_1: &str = "11111111-1111-4111-8111-111111111111";

/// The columns of each input file in the minimal folder, with the value a new, valid row gets
/// unless a test overrides it.
fn row_defaults(file: &str) -> &'static [(&'static str, &'static str)] {
    match file {
        "members.csv" => &[
            ("member_id", "m-9"),
            ("full_name", "New Member"),
            ("email", "new@example.com"),
            ("country", "US"),
            ("ai_training_opt_out_at", ""),
            ("excluded_category", ""),
        ],
        "subscriptions.csv" => &[
            ("member_id", "m-1"),
            ("tier", "career"),
            ("start_date", "2022-01-01"),
            ("end_date", "2022-12-31"),
        ],
        "evidence.csv" => &[
            ("evidence_id", "ev-9"),
            ("member_id", "m-1"),
            ("kind", "inmail_sent"),
            ("occurred_at", "2024-06-02T10:00:00-07:00"),
            ("counterparty", "m-2"),
            ("reference", ""),
        ],
        "opt_outs.csv" => &[("member_id", "m-2"), ("submitted_on", "2026-04-02")],
        "claims.csv" => &[
            ("claim_id", "33333333-3333-4333-8333-333333333333"),
            ("member_id", "m-1"),
            ("email", ""),
            ("full_name", "Ann Again"),
            ("channel", "online"),
            ("submitted_at", "2026-03-02T10:00:00-08:00"),
            ("postmarked_on", ""),
            ("attested", "true"),
            ("actual_damages", ""),
            ("payment_method", "check"),
            ("payment_account", ""),
            ("ip_address", ""),
        ],
        "cures.csv" => &[
            ("claim_id", CLAIM_1),
            ("cured_on", "2026-04-02"),
            ("attested", "true"),
        ],
        other => panic!("no defaults for {other}"),
    }
}

/// One CSV record (with its trailing `\n`) for `file`, in the minimal folder's column order,
/// with `overrides` replacing the default values. Values holding a comma, quote or line break
/// are quoted.
fn row(file: &str, overrides: &[(&str, &str)]) -> String {
    for (column, _) in overrides {
        assert!(
            row_defaults(file).iter().any(|(c, _)| c == column),
            "{file} has no column {column}"
        );
    }
    let fields: Vec<String> = row_defaults(file)
        .iter()
        .map(|(column, default)| {
            let value = overrides
                .iter()
                .find(|(c, _)| c == column)
                .map_or(*default, |(_, v)| *v);
            if value.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", value.replace('"', "\"\""))
            } else {
                value.to_string()
            }
        })
        .collect();
    format!("{}\n", fields.join(","))
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

    /// Leave a file out.
    fn without(mut self, name: &'static str) -> Self {
        self.files.remove(name);
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

    /// The physical line number the next appended record starts on (the header is line 1).
    fn next_line(&self, name: &str) -> u64 {
        let content = &self.files[name];
        assert!(content.ends_with(b"\n"));
        content.iter().filter(|&&b| b == b'\n').count() as u64 + 1
    }

    /// Write the folder into a new temporary directory, as `TMP/data`.
    fn write(&self) -> Env {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let data = tmp.path().join("data");
        fs::create_dir(&data).unwrap();
        for (name, content) in &self.files {
            fs::write(data.join(name), content).unwrap();
        }
        Env { tmp, data }
    }
}

/// A written data folder with room for outputs next to it.
struct Env {
    tmp: TempDir,
    data: PathBuf,
}

impl Env {
    fn out(&self) -> PathBuf {
        self.tmp.path().join("out")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
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

    /// `check DATA` plus `extra` arguments.
    fn check(&self, extra: &[&str]) -> Output {
        let mut args: Vec<OsString> = vec!["check".into(), self.data.clone().into()];
        args.extend(extra.iter().map(OsString::from));
        run_in(self.tmp.path(), &args)
    }

    fn rejected_rows(&self) -> Vec<(String, u64, String)> {
        read_rejected_rows(&self.out().join("rejected_rows.csv"))
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

fn run(args: &[&str]) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    run_in(tmp.path(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        stdout(o),
        stderr(o)
    )
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", describe(o));
}

fn read_rejected_rows(path: &Path) -> Vec<(String, u64, String)> {
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

/// The `rows accepted rejected` numbers `check` prints on the line of `file`.
fn check_counts(o: &Output, file: &str) -> (u64, u64, u64) {
    let out = stdout(o);
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(file))
        .unwrap_or_else(|| panic!("check prints no line for {file}\n{}", describe(o)));
    let numbers: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|n| {
            n.parse()
                .unwrap_or_else(|_| panic!("not a count in {line:?}"))
        })
        .collect();
    assert_eq!(numbers.len(), 3, "rows/accepted/rejected in {line:?}");
    (numbers[0], numbers[1], numbers[2])
}

#[track_caller]
fn assert_outputs_written(out: &Path) {
    for name in OUTPUTS {
        assert!(
            out.join(name).is_file(),
            "{} missing",
            out.join(name).display()
        );
    }
}

/// Stderr of a fatal error: `error: ` first, no panic, no backtrace, and it contains `needle`.
#[track_caller]
fn assert_fatal_message(o: &Output, needle: &str) {
    assert_exit(o, 1);
    let err = stderr(o);
    assert!(err.starts_with("error: "), "{}", describe(o));
    assert!(err.contains(needle), "expected {needle:?}\n{}", describe(o));
    assert!(!err.contains("panicked"), "{}", describe(o));
    assert!(!err.contains("backtrace"), "{}", describe(o));
    assert!(!err.contains("RUST_BACKTRACE"), "{}", describe(o));
}

/// `process` and `check` on the folder both fail with exit 1 and a message containing `needle`;
/// no output folder is written.
#[track_caller]
fn assert_fatal(folder: Folder, extra: &[&str], needle: &str) {
    let env = folder.write();
    let o = env.process(extra);
    assert_fatal_message(&o, needle);
    assert!(
        !env.out().exists(),
        "output folder written\n{}",
        describe(&o)
    );
    let o = env.check(extra);
    assert_fatal_message(&o, needle);
}

// ---------------------------------------------------------------------------------------------
// process on a valid folder
// ---------------------------------------------------------------------------------------------

#[test]
fn process_valid_folder_exits_0_and_writes_the_five_outputs() {
    let env = Folder::valid().write();
    let o = env.process(&[]);
    assert_exit(&o, 0);
    assert_outputs_written(&env.out());
    assert!(env.rejected_rows().is_empty());
    let determinations = fs::read_to_string(env.out().join("determinations.csv")).unwrap();
    assert_eq!(determinations.lines().count(), 3, "{determinations}");
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(env.out().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["claims"]["received"], 2);
    assert_eq!(summary["class_members"], 2);
}

#[test]
fn process_quiet_prints_nothing_on_stdout() {
    let env = Folder::valid().write();
    let o = env.process(&["--quiet"]);
    assert_exit(&o, 0);
    assert_outputs_written(&env.out());
    assert_eq!(stdout(&o), "");
}

#[test]
fn process_strict_on_a_clean_folder_writes_outputs() {
    let env = Folder::valid().write();
    let o = env.process(&["--strict"]);
    assert_exit(&o, 0);
    assert_outputs_written(&env.out());
}

#[test]
fn check_valid_folder_exits_0_and_prints_counts_per_file() {
    let env = Folder::valid().write();
    let o = env.check(&[]);
    assert_exit(&o, 0);
    assert_eq!(check_counts(&o, "members.csv"), (2, 2, 0));
    assert_eq!(check_counts(&o, "subscriptions.csv"), (2, 2, 0));
    assert_eq!(check_counts(&o, "evidence.csv"), (4, 4, 0));
    assert_eq!(check_counts(&o, "opt_outs.csv"), (1, 1, 0));
    assert_eq!(check_counts(&o, "claims.csv"), (2, 2, 0));
    assert_eq!(check_counts(&o, "cures.csv"), (1, 1, 0));
}

#[test]
fn process_without_optional_opt_outs_and_cures_succeeds() {
    let env = Folder::valid()
        .without("opt_outs.csv")
        .without("cures.csv")
        .write();
    assert_exit(&env.process(&[]), 0);
    assert_outputs_written(&env.out());
}

#[test]
fn process_with_case_file_outside_the_data_folder() {
    let folder = Folder::valid().without("case.toml");
    let env = folder.write();
    let case = env.path("elsewhere.toml");
    fs::write(&case, CASE).unwrap();
    let o = env.process(&["--case", case.to_str().unwrap()]);
    assert_exit(&o, 0);
    assert_outputs_written(&env.out());
    let o = env.check(&["--case", case.to_str().unwrap()]);
    assert_exit(&o, 0);
}

#[test]
fn case_flag_overrides_the_case_file_in_the_data_folder() {
    // The folder's own case.toml is broken; --case names a good one, which must be the one read.
    let env = Folder::valid()
        .with("case.toml", "this is not toml [")
        .write();
    let case = env.path("good.toml");
    fs::write(&case, CASE).unwrap();
    assert_exit(&env.process(&["--case", case.to_str().unwrap()]), 0);
    assert_outputs_written(&env.out());
}

#[test]
fn process_without_case_flag_needs_case_toml_in_the_data_folder() {
    let env = Folder::valid().without("case.toml").write();
    let o = env.process(&[]);
    assert_fatal_message(&o, "case.toml");
    assert!(!env.out().exists());
}

#[test]
fn default_out_is_out_in_the_current_directory() {
    let env = Folder::valid().write();
    let cwd = env.path("work");
    fs::create_dir(&cwd).unwrap();
    let o = run_in(&cwd, &["process".as_ref(), env.data.as_os_str()]);
    assert_exit(&o, 0);
    assert_outputs_written(&cwd.join("out"));
    assert!(!env.data.join("out").exists(), "out written into DATA_DIR");
}

#[test]
fn data_dir_may_be_relative_to_the_current_directory() {
    let env = Folder::valid().write();
    let o = run_in(env.tmp.path(), &["process", "data", "--out", "results"]);
    assert_exit(&o, 0);
    assert_outputs_written(&env.path("results"));
}

// ---------------------------------------------------------------------------------------------
// Rejected rows: one bad value in one file
// ---------------------------------------------------------------------------------------------

/// Append `record` to `file` of the minimal folder and check the three commands:
/// - `process` exits 0 and `rejected_rows.csv` holds exactly one row: this file, the line the
///   record starts on, and an error beginning with `column` (when given);
/// - `check` exits 3 and prints the file's rows / accepted / rejected;
/// - `process --strict` exits 3 and writes no output folder.
#[track_caller]
fn assert_rejected_row(file: &'static str, record: impl AsRef<[u8]>, column: Option<&str>) {
    let folder = Folder::valid();
    let line = folder.next_line(file);
    let base_rows = line - 2;
    let env = folder.append(file, record).write();

    let o = env.process(&[]);
    assert_exit(&o, 0);
    assert_outputs_written(&env.out());
    let rejected = env.rejected_rows();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    let (f, l, error) = &rejected[0];
    assert_eq!(f, file, "{rejected:?}");
    assert_eq!(*l, line, "{rejected:?}");
    assert!(!error.is_empty(), "{rejected:?}");
    if let Some(column) = column {
        assert!(
            error.starts_with(&format!("{column}:")),
            "error should start with `{column}:`: {rejected:?}"
        );
    }

    let o = env.check(&[]);
    assert_exit(&o, 3);
    assert_eq!(check_counts(&o, file), (base_rows + 1, base_rows, 1));

    fs::remove_dir_all(env.out()).unwrap();
    let o = env.process(&["--strict"]);
    assert_exit(&o, 3);
    assert!(
        !env.out().exists(),
        "--strict wrote outputs\n{}",
        describe(&o)
    );
}

/// `check` and `process --strict` list the first rejected rows on the terminal and, as neither
/// writes an output folder, say where the whole list is to be had instead of pointing at a
/// `rejected_rows.csv` that is not there.
#[test]
fn many_rejected_rows_point_to_where_the_whole_list_is_written() {
    let folder = Folder::valid();
    let first = folder.next_line("evidence.csv");
    let bad: String = (0..25)
        .map(|i| format!("ev-bad-{i},m-nobody-{i},inmail_sent,2024-06-01T12:00:00Z,,\n"))
        .collect();
    let env = folder.append("evidence.csv", bad).write();
    for o in [env.check(&[]), env.process(&["--strict"])] {
        assert_exit(&o, 3);
        let err = stderr(&o);
        let listed = err
            .lines()
            .filter(|l| l.starts_with("rejected: evidence.csv:"))
            .count();
        assert!(listed >= 10, "{err}");
        assert!(
            err.contains(&format!("rejected: evidence.csv:{first}: member_id")),
            "{err}"
        );
        let more = err
            .lines()
            .find(|l| l.starts_with("rejected: ... and "))
            .unwrap_or_else(|| panic!("no count of the rest in\n{err}"));
        assert!(
            more.contains("`process`") && more.contains("lists every one in rejected_rows.csv"),
            "{more}"
        );
        assert!(!more.contains("distribute"), "{more}");
        let rest: usize = more.split_whitespace().nth(3).unwrap().parse().unwrap();
        assert_eq!(listed + rest, 25, "{err}");
        assert!(!env.out().exists(), "{}", describe(&o));
    }
    assert_exit(&env.process(&[]), 0);
    assert_eq!(env.rejected_rows().len(), 25);
}

/// When some of `check`'s rejected rows are the distribution's, the rest are not all in
/// `process`'s rejected_rows.csv: `distribute` lists those.
#[test]
fn rejected_distribution_rows_point_to_distribute() {
    let events: String =
        std::iter::once("claim_id,distribution,event,on,method,reference\n".to_string())
            .chain((0..25).map(|_| format!("{CLAIM_1},1,bogus,2026-01-20,,\n")))
            .collect();
    let env = Folder::valid().with("payment_events.csv", events).write();
    let o = env.check(&[]);
    assert_exit(&o, 3);
    let err = stderr(&o);
    assert!(err.contains("rejected: payment_events.csv:2: "), "{err}");
    let more = err
        .lines()
        .find(|l| l.starts_with("rejected: ... and 5 more"))
        .unwrap_or_else(|| panic!("no count of the rest in\n{err}"));
    assert!(
        more.contains("`distribute` those of the distribution's files"),
        "{more}"
    );
}

macro_rules! rejected_row_tests {
    ($(
        $(#[$meta:meta])*
        $name:ident: $file:literal { $($col:literal => $val:expr),* $(,)? } => $column:literal;
    )*) => {$(
        $(#[$meta])*
        #[test]
        fn $name() {
            assert_rejected_row($file, row($file, &[$(($col, $val)),*]), Some($column));
        }
    )*};
}

rejected_row_tests! {
    // --- dates
    subscriptions_bad_start_date: "subscriptions.csv" { "start_date" => "2024-02-30" } => "start_date";
    subscriptions_bad_end_date_format: "subscriptions.csv" { "end_date" => "2024/12/31" } => "end_date";
    opt_outs_bad_submitted_on: "opt_outs.csv" { "submitted_on" => "03/02/2026" } => "submitted_on";
    claims_mail_bad_postmarked_on: "claims.csv" {
        "channel" => "mail", "submitted_at" => "", "postmarked_on" => "2026-13-01"
    } => "postmarked_on";
    cures_bad_cured_on: "cures.csv" { "cured_on" => "2026-4-1" } => "cured_on";

    // --- timestamps without an offset
    members_opt_out_timestamp_without_offset: "members.csv" {
        "ai_training_opt_out_at" => "2024-09-01T00:00:00"
    } => "ai_training_opt_out_at";
    evidence_timestamp_without_offset: "evidence.csv" {
        "occurred_at" => "2024-06-02T10:00:00"
    } => "occurred_at";
    claims_submitted_at_without_offset: "claims.csv" {
        "submitted_at" => "2026-03-02T10:00:00"
    } => "submitted_at";

    // --- leap second, hour 24, offset hours above 23
    evidence_leap_second: "evidence.csv" { "occurred_at" => "2016-12-31T23:59:60Z" } => "occurred_at";
    claims_leap_second: "claims.csv" { "submitted_at" => "2026-03-02T23:59:60-08:00" } => "submitted_at";
    members_leap_second: "members.csv" {
        "ai_training_opt_out_at" => "2024-08-31T23:59:60Z"
    } => "ai_training_opt_out_at";
    members_hour_24: "members.csv" {
        "ai_training_opt_out_at" => "2024-09-01T24:00:00Z"
    } => "ai_training_opt_out_at";
    members_offset_plus_24: "members.csv" {
        "ai_training_opt_out_at" => "2024-09-01T10:00:00+24:00"
    } => "ai_training_opt_out_at";
    evidence_hour_24: "evidence.csv" { "occurred_at" => "2024-06-02T24:00:00Z" } => "occurred_at";
    claims_hour_24: "claims.csv" { "submitted_at" => "2026-03-02T24:00:00-08:00" } => "submitted_at";
    evidence_offset_plus_24: "evidence.csv" { "occurred_at" => "2024-06-02T10:00:00+24:00" } => "occurred_at";
    claims_offset_minus_24: "claims.csv" { "submitted_at" => "2026-03-02T10:00:00-24:00" } => "submitted_at";

    // --- booleans
    claims_bad_attested: "claims.csv" { "attested" => "maybe" } => "attested";
    claims_attested_absent: "claims.csv" { "attested" => "" } => "attested";
    cures_bad_attested: "cures.csv" { "attested" => "oui" } => "attested";

    // --- amounts
    claims_amount_plus_sign: "claims.csv" { "actual_damages" => "+5" } => "actual_damages";
    claims_amount_trailing_dot: "claims.csv" { "actual_damages" => "5." } => "actual_damages";
    claims_amount_leading_dot: "claims.csv" { "actual_damages" => ".5" } => "actual_damages";
    claims_amount_exponent: "claims.csv" { "actual_damages" => "1e3" } => "actual_damages";
    claims_amount_negative_zero: "claims.csv" { "actual_damages" => "-0" } => "actual_damages";
    claims_amount_negative: "claims.csv" { "actual_damages" => "-5.00" } => "actual_damages";
    claims_amount_dollar_sign: "claims.csv" { "actual_damages" => "$5" } => "actual_damages";
    claims_amount_thousands_separator: "claims.csv" { "actual_damages" => "1,000.00" } => "actual_damages";
    claims_amount_three_decimals: "claims.csv" { "actual_damages" => "12.345" } => "actual_damages";

    // --- enumerations
    evidence_unknown_kind: "evidence.csv" { "kind" => "inmail_forwarded" } => "kind";
    claims_unknown_channel: "claims.csv" { "channel" => "fax" } => "channel";
    claims_unknown_payment_method: "claims.csv" { "payment_method" => "bitcoin" } => "payment_method";

    // --- claim ids
    claims_claim_id_not_a_uuid: "claims.csv" { "claim_id" => "not-a-uuid" } => "claim_id";
    claims_claim_id_too_short: "claims.csv" {
        "claim_id" => "33333333-3333-4333-8333-33333333333"
    } => "claim_id";
    claims_repeated_claim_id: "claims.csv" { "claim_id" => CLAIM_1 } => "claim_id";
    claims_repeated_claim_id_in_another_form: "claims.csv" {
        "claim_id" => "{11111111-1111-4111-8111-111111111111}"
    } => "claim_id";
    claims_repeated_claim_id_as_urn_upper_case: "claims.csv" {
        "claim_id" => "URN:UUID:11111111-1111-4111-8111-111111111111"
    } => "claim_id";
    claims_claim_id_absent: "claims.csv" { "claim_id" => "" } => "claim_id";
    cures_claim_id_not_a_uuid: "cures.csv" { "claim_id" => "claim-1" } => "claim_id";
    cures_unknown_claim_id: "cures.csv" {
        "claim_id" => "99999999-9999-4999-8999-999999999999"
    } => "claim_id";

    // --- members: keys and references
    members_duplicate_member_id: "members.csv" { "member_id" => "m-1" } => "member_id";
    members_member_id_absent: "members.csv" { "member_id" => "" } => "member_id";
    subscriptions_unknown_member: "subscriptions.csv" { "member_id" => "m-404" } => "member_id";
    evidence_unknown_member: "evidence.csv" { "member_id" => "m-404" } => "member_id";
    opt_outs_unknown_member: "opt_outs.csv" { "member_id" => "m-404" } => "member_id";
    subscriptions_member_id_is_case_sensitive: "subscriptions.csv" { "member_id" => "M-1" } => "member_id";

    // --- other rules
    subscriptions_end_date_before_start_date: "subscriptions.csv" {
        "start_date" => "2022-05-02", "end_date" => "2022-05-01"
    } => "end_date";
    subscriptions_tier_absent: "subscriptions.csv" { "tier" => "" } => "tier";
    evidence_evidence_id_absent: "evidence.csv" { "evidence_id" => "" } => "evidence_id";
    members_country_three_letters: "members.csv" { "country" => "USA" } => "country";
    members_country_one_letter: "members.csv" { "country" => "U" } => "country";
    members_country_with_digit: "members.csv" { "country" => "U1" } => "country";
    members_country_non_ascii_letters: "members.csv" { "country" => "ÜS" } => "country";
    members_country_absent: "members.csv" { "country" => "" } => "country";
    claims_online_without_submitted_at: "claims.csv" { "submitted_at" => "" } => "submitted_at";
    claims_mail_without_postmarked_on: "claims.csv" {
        "channel" => "mail", "submitted_at" => ""
    } => "postmarked_on";
}

// --- wrong field count

#[test]
fn members_row_with_too_few_fields_is_rejected() {
    assert_rejected_row("members.csv", "m-9,Nine,nine@example.com,US\n", None);
}

#[test]
fn members_row_with_too_many_fields_is_rejected() {
    assert_rejected_row(
        "members.csv",
        "m-9,Nine,nine@example.com,US,,,extra\n",
        None,
    );
}

#[test]
fn subscriptions_row_with_too_few_fields_is_rejected() {
    assert_rejected_row("subscriptions.csv", "m-1,career\n", None);
}

#[test]
fn evidence_row_with_too_many_fields_is_rejected() {
    let mut record = row("evidence.csv", &[]);
    record.insert_str(record.len() - 1, ",surplus");
    assert_rejected_row("evidence.csv", record, None);
}

#[test]
fn opt_outs_row_with_one_field_is_rejected() {
    assert_rejected_row("opt_outs.csv", "m-2\n", None);
}

#[test]
fn claims_row_with_too_few_fields_is_rejected() {
    let record = "33333333-3333-4333-8333-333333333333,m-1,,,online\n";
    assert_rejected_row("claims.csv", record, None);
}

#[test]
fn cures_row_with_too_many_fields_is_rejected() {
    let record = format!("{CLAIM_1},2026-04-02,true,extra\n");
    assert_rejected_row("cures.csv", record, None);
}

// --- invalid UTF-8 inside a field

/// A record for `file` whose `column` holds invalid UTF-8 bytes.
fn record_with_invalid_utf8(file: &str, column: &str) -> Vec<u8> {
    row(file, &[(column, "@BAD@")])
        .replace("@BAD@", "\u{1}")
        .into_bytes()
        .into_iter()
        .flat_map(|b| {
            if b == 1 {
                vec![b'x', 0xff, 0xfe]
            } else {
                vec![b]
            }
        })
        .collect()
}

#[test]
fn members_invalid_utf8_in_full_name_is_rejected() {
    let record = record_with_invalid_utf8("members.csv", "full_name");
    assert_rejected_row("members.csv", record, Some("full_name"));
}

#[test]
fn claims_invalid_utf8_in_full_name_is_rejected() {
    let record = record_with_invalid_utf8("claims.csv", "full_name");
    assert_rejected_row("claims.csv", record, Some("full_name"));
}

#[test]
fn evidence_invalid_utf8_in_member_id_is_rejected() {
    let record = record_with_invalid_utf8("evidence.csv", "member_id");
    assert_rejected_row("evidence.csv", record, Some("member_id"));
}

#[test]
fn opt_outs_invalid_utf8_in_submitted_on_is_rejected() {
    let record = record_with_invalid_utf8("opt_outs.csv", "submitted_on");
    assert_rejected_row("opt_outs.csv", record, Some("submitted_on"));
}

#[test]
fn cures_invalid_utf8_in_attested_is_rejected() {
    let record = record_with_invalid_utf8("cures.csv", "attested");
    assert_rejected_row("cures.csv", record, Some("attested"));
}

#[test]
fn subscriptions_invalid_utf8_in_tier_is_rejected() {
    let record = record_with_invalid_utf8("subscriptions.csv", "tier");
    assert_rejected_row("subscriptions.csv", record, Some("tier"));
}

// --- other rejected-row behaviour

#[test]
fn a_row_with_several_problems_is_one_rejected_row_with_joined_messages() {
    let record = row(
        "claims.csv",
        &[("attested", "maybe"), ("payment_method", "bitcoin")],
    );
    let env = Folder::valid().append("claims.csv", record).write();
    assert_exit(&env.process(&[]), 0);
    let rejected = env.rejected_rows();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    let error = &rejected[0].2;
    assert!(error.contains("; "), "{rejected:?}");
    assert!(error.contains("attested:"), "{rejected:?}");
    assert!(error.contains("payment_method:"), "{rejected:?}");
}

#[test]
fn a_rejected_member_makes_its_subscriptions_and_evidence_rejected_rows() {
    let env = Folder::valid()
        .append("members.csv", row("members.csv", &[("country", "USA")]))
        .append(
            "subscriptions.csv",
            row("subscriptions.csv", &[("member_id", "m-9")]),
        )
        .append("evidence.csv", row("evidence.csv", &[("member_id", "m-9")]))
        .write();
    assert_exit(&env.process(&[]), 0);
    let rejected = env.rejected_rows();
    let files: Vec<(&str, u64)> = rejected.iter().map(|(f, l, _)| (f.as_str(), *l)).collect();
    assert_eq!(
        files,
        vec![
            ("members.csv", 4),
            ("subscriptions.csv", 4),
            ("evidence.csv", 6)
        ],
        "{rejected:?}"
    );
}

#[test]
fn mailed_claim_with_bad_submitted_at_is_not_rejected() {
    // Fields the row does not use are not validated.
    let record = row(
        "claims.csv",
        &[
            ("channel", "mail"),
            ("submitted_at", "not a time"),
            ("postmarked_on", "2026-03-20"),
        ],
    );
    let env = Folder::valid().append("claims.csv", record).write();
    assert_exit(&env.process(&["--strict"]), 0);
    assert!(env.rejected_rows().is_empty());
}

#[test]
fn unknown_channel_does_not_validate_the_date_fields() {
    let record = row(
        "claims.csv",
        &[
            ("channel", "fax"),
            ("submitted_at", "garbage"),
            ("postmarked_on", "garbage"),
        ],
    );
    let env = Folder::valid().append("claims.csv", record).write();
    assert_exit(&env.process(&[]), 0);
    let rejected = env.rejected_rows();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(rejected[0].2.starts_with("channel:"), "{rejected:?}");
    assert!(!rejected[0].2.contains("submitted_at"), "{rejected:?}");
    assert!(!rejected[0].2.contains("postmarked_on"), "{rejected:?}");
}

#[test]
fn valid_value_spellings_are_accepted() {
    // Case-insensitive enumerations and booleans, space or `t` separators, `z`, fractions.
    let env = Folder::valid()
        .append(
            "evidence.csv",
            row(
                "evidence.csv",
                &[
                    ("kind", "InMail_Received"),
                    ("occurred_at", "2024-06-03 10:00:00.123456789z"),
                ],
            ),
        )
        .append(
            "claims.csv",
            row(
                "claims.csv",
                &[
                    ("claim_id", "{44444444-4444-4444-8444-44444444444A}"),
                    ("channel", "ONLINE"),
                    ("submitted_at", "2026-03-02t10:00:00+00:00"),
                    ("attested", " Yes "),
                    ("actual_damages", "0"),
                    ("payment_method", "Virtual_Card"),
                ],
            ),
        )
        .append(
            "claims.csv",
            row(
                "claims.csv",
                &[
                    ("claim_id", "555555555555455585555555555555aa"),
                    ("channel", "Mail"),
                    ("submitted_at", ""),
                    ("postmarked_on", "2026-03-03"),
                    ("attested", "0"),
                    ("actual_damages", "12.5"),
                ],
            ),
        )
        .write();
    let o = env.process(&["--strict"]);
    assert_exit(&o, 0);
    assert!(env.rejected_rows().is_empty());
}

#[test]
fn unknown_extra_columns_are_ignored() {
    let members = MEMBERS
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l},{}\n", if i == 0 { "notes" } else { "anything" }))
        .collect::<String>();
    let env = Folder::valid().with("members.csv", members).write();
    assert_exit(&env.process(&["--strict"]), 0);
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(env.out().join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["inputs"]["members.csv"]["unknown_columns"],
        serde_json::json!(["notes"])
    );
}

#[test]
fn rejected_rows_are_ordered_by_file_then_line() {
    let env = Folder::valid()
        .append("cures.csv", row("cures.csv", &[("cured_on", "bad")]))
        .append("claims.csv", row("claims.csv", &[("attested", "bad")]))
        .append("claims.csv", row("claims.csv", &[("channel", "bad")]))
        .append(
            "opt_outs.csv",
            row("opt_outs.csv", &[("submitted_on", "bad")]),
        )
        .append("members.csv", row("members.csv", &[("country", "bad")]))
        .write();
    assert_exit(&env.process(&[]), 0);
    let order: Vec<(String, u64)> = env
        .rejected_rows()
        .into_iter()
        .map(|(f, l, _)| (f, l))
        .collect();
    let expected = [
        ("members.csv", 4),
        ("opt_outs.csv", 3),
        ("claims.csv", 4),
        ("claims.csv", 5),
        ("cures.csv", 3),
    ];
    let expected: Vec<(String, u64)> = expected.iter().map(|(f, l)| (f.to_string(), *l)).collect();
    assert_eq!(order, expected);
}

#[test]
fn repeated_claim_id_with_another_bad_field_reports_both_problems() {
    let record = row(
        "claims.csv",
        &[("claim_id", CLAIM_1), ("attested", "maybe")],
    );
    let env = Folder::valid().append("claims.csv", record).write();
    assert_exit(&env.process(&[]), 0);
    let rejected = env.rejected_rows();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    let error = &rejected[0].2;
    assert!(error.contains("claim_id:"), "{rejected:?}");
    assert!(error.contains("attested:"), "{rejected:?}");
}

#[test]
fn duplicate_member_id_with_another_bad_field_reports_both_problems() {
    let record = row("members.csv", &[("member_id", "m-1"), ("country", "USA")]);
    let env = Folder::valid().append("members.csv", record).write();
    assert_exit(&env.process(&[]), 0);
    let rejected = env.rejected_rows();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(rejected[0].2.starts_with("member_id:"), "{rejected:?}");
    assert!(rejected[0].2.contains("; country:"), "{rejected:?}");
}

#[test]
fn member_id_of_a_rejected_row_may_be_used_by_a_later_row() {
    // Uniqueness is checked against earlier accepted rows only.
    let env = Folder::valid()
        .append("members.csv", row("members.csv", &[("country", "USA")]))
        .append("members.csv", row("members.csv", &[]))
        .write();
    assert_exit(&env.process(&[]), 0);
    let lines: Vec<u64> = env.rejected_rows().iter().map(|r| r.1).collect();
    assert_eq!(lines, vec![4]);
    let o = env.check(&[]);
    assert_eq!(check_counts(&o, "members.csv"), (4, 3, 1));
}

#[test]
fn claim_id_of_a_rejected_row_may_be_used_by_a_later_row() {
    let env = Folder::valid()
        .append("claims.csv", row("claims.csv", &[("attested", "maybe")]))
        .append("claims.csv", row("claims.csv", &[]))
        .write();
    assert_exit(&env.process(&[]), 0);
    let lines: Vec<u64> = env.rejected_rows().iter().map(|r| r.1).collect();
    assert_eq!(lines, vec![4]);
    let determinations = fs::read_to_string(env.out().join("determinations.csv")).unwrap();
    assert!(
        determinations.contains("33333333-3333-4333-8333-333333333333"),
        "{determinations}"
    );
}

#[test]
fn a_cure_of_a_claim_that_was_a_rejected_row_is_rejected() {
    let env = Folder::valid()
        .append("claims.csv", row("claims.csv", &[("attested", "maybe")]))
        .append(
            "cures.csv",
            row(
                "cures.csv",
                &[("claim_id", "33333333-3333-4333-8333-333333333333")],
            ),
        )
        .write();
    assert_exit(&env.process(&[]), 0);
    let files: Vec<(String, u64)> = env
        .rejected_rows()
        .into_iter()
        .map(|(f, l, _)| (f, l))
        .collect();
    assert_eq!(
        files,
        vec![("claims.csv".to_string(), 4), ("cures.csv".to_string(), 3)]
    );
}

#[test]
fn invalid_utf8_in_an_unknown_column_is_ignored() {
    let members = b"member_id,full_name,email,country,notes\n\
                    m-1,Ann,ann@example.com,US,fine\n\
                    m-2,Bob,bob@example.com,US,\xff\xfe\n";
    let env = Folder::valid()
        .with("members.csv", members.to_vec())
        .write();
    assert_exit(&env.process(&["--strict"]), 0);
}

#[test]
fn online_claim_without_a_submitted_at_column_is_rejected_as_absent() {
    let claims = "claim_id,member_id,channel,postmarked_on,attested\n\
                  11111111-1111-4111-8111-111111111111,m-1,online,,true\n\
                  22222222-2222-4222-8222-222222222222,m-2,mail,2026-03-15,yes\n";
    let env = Folder::valid().with("claims.csv", claims).write();
    assert_exit(&env.process(&[]), 0);
    let rejected = env.rejected_rows();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!((rejected[0].0.as_str(), rejected[0].1), ("claims.csv", 2));
    assert!(rejected[0].2.starts_with("submitted_at:"), "{rejected:?}");
}

#[test]
fn check_writes_no_output_folder() {
    let env = Folder::valid()
        .append("claims.csv", row("claims.csv", &[("attested", "maybe")]))
        .write();
    assert_exit(&env.check(&[]), 3);
    assert!(!env.out().exists());
    assert!(!env.data.join("out").exists());
}

// ---------------------------------------------------------------------------------------------
// Fatal problems
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_members_csv_is_fatal() {
    assert_fatal(Folder::valid().without("members.csv"), &[], "members.csv");
}

#[test]
fn missing_claims_csv_is_fatal() {
    assert_fatal(Folder::valid().without("claims.csv"), &[], "claims.csv");
}

#[test]
fn missing_required_column_is_fatal_and_names_file_and_column() {
    let claims = CLAIMS.replace("attested", "signed");
    let folder = Folder::valid().with("claims.csv", claims);
    let env = folder.write();
    let o = env.process(&[]);
    assert_fatal_message(&o, "claims.csv:1:");
    assert!(stderr(&o).contains("attested"), "{}", describe(&o));
    assert!(!env.out().exists());
    assert_fatal_message(&env.check(&[]), "claims.csv:1:");
}

#[test]
fn missing_required_column_in_members_is_fatal() {
    let members = "member_id,full_name\nm-1,Ann\nm-2,Bob\n";
    let env = Folder::valid().with("members.csv", members).write();
    let o = env.process(&[]);
    assert_fatal_message(&o, "members.csv:1:");
    assert!(stderr(&o).contains("country"), "{}", describe(&o));
    assert!(!env.out().exists());
}

#[test]
fn repeated_header_name_is_fatal() {
    let subscriptions = SUBSCRIPTIONS.replacen("end_date", "tier", 1);
    let env = Folder::valid()
        .with("subscriptions.csv", subscriptions)
        .write();
    let o = env.process(&[]);
    assert_fatal_message(&o, "subscriptions.csv:1:");
    assert!(stderr(&o).contains("tier"), "{}", describe(&o));
    assert!(!env.out().exists());
}

#[test]
fn repeated_header_name_after_trimming_is_fatal() {
    let opt_outs = "member_id,submitted_on, member_id \nm-2,2026-04-01,m-2\n";
    assert_fatal(
        Folder::valid().with("opt_outs.csv", opt_outs),
        &[],
        "opt_outs.csv:1:",
    );
}

#[test]
fn empty_members_file_is_fatal() {
    assert_fatal(Folder::valid().with("members.csv", ""), &[], "members.csv");
}

#[test]
fn empty_optional_file_is_fatal_too() {
    // Present but without a header: not a CSV file with the required columns.
    assert_fatal(Folder::valid().with("cures.csv", ""), &[], "cures.csv");
}

#[test]
fn data_dir_that_does_not_exist_is_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nowhere");
    let out = tmp.path().join("out");
    let o = run_in(
        tmp.path(),
        &[
            "process".as_ref(),
            missing.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    // The message names the missing folder itself.
    assert_fatal_message(&o, "nowhere: data folder not found");
    assert!(!out.exists());
}

// --- case file

/// The minimal case file with `extra` appended (new keys or tables).
fn case_with(extra: &str) -> String {
    format!("{CASE}{extra}")
}

/// The minimal case file with one line replaced.
fn case_replacing(from: &str, to: &str) -> String {
    assert!(CASE.contains(from), "case.toml has no {from:?}");
    CASE.replacen(from, to, 1)
}

const FUND: &str = r#"
[fund]
gross = "100000.00"
attorney_fee_rate = "0.25"
litigation_costs = "1000.00"
administration_costs = "2000.00"
service_awards = [ { member_id = "m-1", amount = "500.00" } ]
"#;

/// The case file is fatal, with `error: case.toml: KEY` on stderr.
#[track_caller]
fn assert_case_error(case: String, key: &str) {
    assert_fatal(
        Folder::valid().with("case.toml", case),
        &[],
        &format!("case.toml: {key}"),
    );
}

#[test]
fn valid_case_file_with_fund_succeeds() {
    let env = Folder::valid().with("case.toml", case_with(FUND)).write();
    assert_exit(&env.process(&[]), 0);
    assert_outputs_written(&env.out());
}

#[test]
fn case_file_unknown_key_is_fatal() {
    let case = case_replacing("[class]\n", "[class]\ncolour = \"blue\"\n");
    assert_case_error(case, "class.colour:");
}

#[test]
fn case_file_unknown_table_is_fatal() {
    assert_case_error(case_with("\n[extras]\nnote = \"x\"\n"), "extras");
}

#[test]
fn case_file_bad_time_zone_is_fatal() {
    let case = case_replacing("\"America/Los_Angeles\"", "\"Mars/Olympus_Mons\"");
    assert_case_error(case, "case.timezone:");
}

#[test]
fn case_file_window_end_before_start_is_fatal() {
    let case = case_replacing(
        "disclosure_window = { start = \"2024-08-01\", end = \"2024-09-17\" }",
        "disclosure_window = { start = \"2024-09-17\", end = \"2024-08-01\" }",
    );
    assert_case_error(case, "class.disclosure_window");
}

#[test]
fn case_file_negative_statutory_minimum_is_fatal() {
    let case = case_replacing("\"1000.00\"", "\"-1000.00\"");
    assert_case_error(case, "damages.statutory_minimum:");
}

#[test]
fn case_file_negative_fund_cost_is_fatal() {
    let fund = FUND.replace("\"1000.00\"", "\"-1000.00\"");
    assert_case_error(case_with(&fund), "fund.litigation_costs:");
}

#[test]
fn case_file_fee_rate_above_one_is_fatal() {
    let fund = FUND.replace("\"0.25\"", "1.5");
    assert_case_error(case_with(&fund), "fund.attorney_fee_rate:");
}

#[test]
fn case_file_fee_rate_string_above_one_is_fatal() {
    let fund = FUND.replace("\"0.25\"", "\"1.5\"");
    assert_case_error(case_with(&fund), "fund.attorney_fee_rate:");
}

#[test]
fn case_file_fee_rate_just_above_one_with_many_digits_is_fatal() {
    let fund =
        "\n[fund]\ngross = \"100.00\"\nattorney_fee_rate = \"1.00000000000000000000000000001\"\n\
                litigation_costs = \"0\"\nadministration_costs = \"0\"\nservice_awards = []\n";
    assert_case_error(case_with(fund), "fund.attorney_fee_rate:");
}

#[test]
fn case_error_names_the_file_given_with_case_flag() {
    let env = Folder::valid().without("case.toml").write();
    let case = env.path("elsewhere.toml");
    fs::write(&case, case_replacing("\"America/Los_Angeles\"", "\"PST\"")).unwrap();
    let o = env.process(&["--case", case.to_str().unwrap()]);
    assert_fatal_message(&o, "elsewhere.toml: case.timezone:");
    assert!(!env.out().exists());
}

#[test]
fn case_file_deductions_larger_than_gross_are_fatal() {
    let fund = FUND.replace("\"2000.00\"", "\"99000.00\"");
    assert_case_error(case_with(&fund), "fund:");
}

#[test]
fn case_file_deductions_equal_to_gross_are_allowed() {
    // 25000 fees + 1000 + 73500 + 500 = 100000: a net of 0.
    let fund = FUND.replace("\"2000.00\"", "\"73500.00\"");
    let env = Folder::valid().with("case.toml", case_with(&fund)).write();
    assert_exit(&env.process(&[]), 0);
    assert_outputs_written(&env.out());
}

#[test]
fn case_file_missing_required_key_is_fatal() {
    let case = case_replacing("docket = \"0:00-cv-00000 (N.D. Cal.)\"\n", "");
    assert_case_error(case, "case.docket");
}

#[test]
fn case_file_bad_amount_is_fatal() {
    let case = case_replacing("\"1000.00\"", "\"1000.005\"");
    assert_case_error(case, "damages.statutory_minimum:");
}

#[test]
fn case_file_that_is_not_toml_is_fatal() {
    assert_fatal(
        Folder::valid().with("case.toml", "[case\nname = "),
        &[],
        "case.toml",
    );
}

#[test]
fn case_file_path_that_does_not_exist_is_fatal() {
    let env = Folder::valid().write();
    let missing = env.path("no-such-case.toml");
    let args = ["--case", missing.to_str().unwrap()];
    let o = env.process(&args);
    assert_fatal_message(&o, "no-such-case.toml");
    assert!(!env.out().exists());
    assert_fatal_message(&env.check(&args), "no-such-case.toml");
}

// ---------------------------------------------------------------------------------------------
// Line numbers
// ---------------------------------------------------------------------------------------------

/// `process` on the folder, then the (file, line) pairs of `rejected_rows.csv`.
fn rejected_lines(folder: Folder) -> Vec<(String, u64)> {
    let env = folder.write();
    let o = env.process(&[]);
    assert_exit(&o, 0);
    env.rejected_rows()
        .into_iter()
        .map(|(f, l, _)| (f, l))
        .collect()
}

fn at(file: &str, line: u64) -> Vec<(String, u64)> {
    vec![(file.to_string(), line)]
}

#[test]
fn line_of_a_row_after_a_quoted_field_spanning_two_lines() {
    let members = "member_id,full_name,email,country\n\
                   m-1,\"Ann\nOne\",ann@example.com,US\n\
                   m-2,Bob,bob@example.com,US\n\
                   m-9,Nine,nine@example.com,USA\n";
    assert_eq!(
        rejected_lines(Folder::valid().with("members.csv", members)),
        at("members.csv", 5)
    );
}

#[test]
fn line_of_a_rejected_row_whose_quoted_field_spans_two_lines() {
    let members = "member_id,full_name,email,country\n\
                   m-1,Ann,ann@example.com,US\n\
                   m-2,Bob,bob@example.com,US\n\
                   m-9,\"Nine\nNiner\",nine@example.com,USA\n\
                   m-8,Eight,eight@example.com,U\n";
    assert_eq!(
        rejected_lines(Folder::valid().with("members.csv", members)),
        vec![
            ("members.csv".to_string(), 4),
            ("members.csv".to_string(), 6)
        ]
    );
}

#[test]
fn line_numbers_with_crlf_line_endings() {
    let claims =
        format!("{}{}", CLAIMS, row("claims.csv", &[("attested", "maybe")])).replace('\n', "\r\n");
    assert_eq!(
        rejected_lines(Folder::valid().with("claims.csv", claims)),
        at("claims.csv", 4)
    );
}

#[test]
fn line_numbers_with_crlf_and_a_quoted_crlf_inside_a_field() {
    let members = "member_id,full_name,email,country\r\n\
                   m-1,\"Ann\r\nOne\",ann@example.com,US\r\n\
                   m-2,Bob,bob@example.com,US\r\n\
                   m-9,Nine,nine@example.com,USA\r\n";
    assert_eq!(
        rejected_lines(Folder::valid().with("members.csv", members)),
        at("members.csv", 5)
    );
}

#[test]
fn line_numbers_with_cr_only_line_endings() {
    let claims =
        format!("{}{}", CLAIMS, row("claims.csv", &[("attested", "maybe")])).replace('\n', "\r");
    assert_eq!(
        rejected_lines(Folder::valid().with("claims.csv", claims)),
        at("claims.csv", 4)
    );
}

#[test]
fn line_numbers_count_blank_lines_in_the_middle() {
    let evidence = format!(
        "{}\n\n{}",
        EVIDENCE,
        row("evidence.csv", &[("kind", "letter")])
    );
    let folder = Folder::valid().with("evidence.csv", evidence);
    let env = folder.write();
    let o = env.process(&[]);
    assert_exit(&o, 0);
    let lines: Vec<(String, u64)> = env
        .rejected_rows()
        .into_iter()
        .map(|(f, l, _)| (f, l))
        .collect();
    assert_eq!(lines, at("evidence.csv", 8));
    // Blank lines are not records.
    let o = env.check(&[]);
    assert_exit(&o, 3);
    assert_eq!(check_counts(&o, "evidence.csv"), (5, 4, 1));
}

#[test]
fn blank_lines_right_after_the_header_are_counted() {
    let members = format!(
        "member_id,full_name,email,country\n\n{}{}",
        "m-1,Ann,ann@example.com,US\nm-2,Bob,bob@example.com,US\n",
        "m-9,Nine,nine@example.com,9Z\n"
    );
    assert_eq!(
        rejected_lines(Folder::valid().with("members.csv", members)),
        at("members.csv", 5)
    );
}

#[test]
fn line_numbers_with_a_bom_at_the_start() {
    let members = format!(
        "\u{feff}{}{}",
        MEMBERS,
        row("members.csv", &[("country", "XXX")])
    );
    assert_eq!(
        rejected_lines(Folder::valid().with("members.csv", members)),
        at("members.csv", 4)
    );
}

#[test]
fn bom_before_the_first_column_name_does_not_hide_the_column() {
    // `member_id` is the first column: with the BOM kept it would be missing (fatal).
    let members = format!("\u{feff}{MEMBERS}");
    let env = Folder::valid().with("members.csv", members).write();
    assert_exit(&env.process(&["--strict"]), 0);
}

#[test]
fn line_numbers_with_bom_crlf_blank_lines_and_multiline_field_together() {
    let claims_rows = [
        row("claims.csv", &[("full_name", "Two\nLines")]),
        "\n".to_string(),
        row(
            "claims.csv",
            &[
                ("claim_id", "66666666-6666-4666-8666-666666666666"),
                ("full_name", "Three\nLines\nHere"),
                ("attested", "perhaps"),
            ],
        ),
    ]
    .concat();
    let claims = format!("\u{feff}{CLAIMS}{claims_rows}").replace('\n', "\r\n");
    // header 1, rows 2-3, multi-line row 4-5, blank 6, rejected row starts on 7.
    assert_eq!(
        rejected_lines(Folder::valid().with("claims.csv", claims)),
        at("claims.csv", 7)
    );
}

// ---------------------------------------------------------------------------------------------
// Usage errors
// ---------------------------------------------------------------------------------------------

#[test]
fn no_arguments_is_a_usage_error() {
    assert_exit(&run(&[]), 2);
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    assert_exit(&run(&["frobnicate", "data"]), 2);
}

#[test]
fn process_without_data_dir_is_a_usage_error() {
    assert_exit(&run(&["process"]), 2);
}

#[test]
fn check_without_data_dir_is_a_usage_error() {
    assert_exit(&run(&["check"]), 2);
}

#[test]
fn unknown_option_is_a_usage_error() {
    let env = Folder::valid().write();
    let o = env.process(&["--frobnicate"]);
    assert_exit(&o, 2);
    assert!(!env.out().exists());
}

#[test]
fn option_missing_its_value_is_a_usage_error() {
    let o = run(&["process", "data", "--out"]);
    assert_exit(&o, 2);
}

#[test]
fn help_exits_0_and_mentions_process_and_check() {
    let o = run(&["--help"]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("process"), "{out}");
    assert!(out.contains("check"), "{out}");
}

#[test]
fn process_help_exits_0_and_mentions_its_options() {
    let o = run(&["process", "--help"]);
    assert_exit(&o, 0);
    let out = stdout(&o);
    for option in ["--case", "--out", "--strict", "--quiet"] {
        assert!(out.contains(option), "{option} not in\n{out}");
    }
}

// ---------------------------------------------------------------------------------------------
// A failed run leaves the previous outputs alone
// ---------------------------------------------------------------------------------------------

/// Snapshot of the output folder: file name -> bytes.
fn snapshot(out: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(out)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn previous_outputs_survive_a_run_that_fails_on_a_missing_file() {
    let env = Folder::valid().write();
    assert_exit(&env.process(&[]), 0);
    let before = snapshot(&env.out());
    assert_eq!(before.len(), OUTPUTS.len(), "{:?}", before.keys());

    fs::remove_file(env.data.join("members.csv")).unwrap();
    let o = env.process(&[]);
    assert_fatal_message(&o, "members.csv");
    assert_eq!(snapshot(&env.out()), before);
}

#[test]
fn previous_outputs_survive_a_run_that_fails_on_the_case_file() {
    let env = Folder::valid().write();
    assert_exit(&env.process(&[]), 0);
    let before = snapshot(&env.out());

    let case = case_replacing("\"America/Los_Angeles\"", "\"Nowhere/Special\"");
    fs::write(env.data.join("case.toml"), case).unwrap();
    assert_fatal_message(&env.process(&[]), "case.toml: case.timezone:");
    assert_eq!(snapshot(&env.out()), before);
}

#[test]
fn previous_outputs_survive_a_strict_run_with_rejected_rows() {
    let env = Folder::valid().write();
    assert_exit(&env.process(&[]), 0);
    let before = snapshot(&env.out());

    let claims = format!("{CLAIMS}{}", row("claims.csv", &[("attested", "maybe")]));
    fs::write(env.data.join("claims.csv"), claims).unwrap();
    assert_exit(&env.process(&["--strict"]), 3);
    assert_eq!(snapshot(&env.out()), before);
}

#[test]
fn a_successful_second_run_replaces_the_previous_outputs() {
    let env = Folder::valid().write();
    assert_exit(&env.process(&[]), 0);

    let claims = format!("{CLAIMS}{}", row("claims.csv", &[("attested", "maybe")]));
    fs::write(env.data.join("claims.csv"), claims).unwrap();
    assert_exit(&env.process(&[]), 0);
    assert_outputs_written(&env.out());
    assert_eq!(env.rejected_rows().len(), 1);
}

/// The output folder is the tool's own: a folder holding anything else (a note, a folder at an
/// output's name) is refused, and nothing in it is touched.
#[test]
fn an_output_folder_with_other_files_is_refused_and_left_alone() {
    let env = Folder::valid().write();
    assert_exit(&env.process(&[]), 0);
    let before = fs::read(env.out().join("determinations.csv")).unwrap();
    fs::write(env.out().join("notes.txt"), "the administrator's").unwrap();
    let o = env.process(&[]);
    assert_exit(&o, 1);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("notes.txt") && stderr.contains("folder of its own"),
        "{stderr}"
    );
    assert_eq!(
        fs::read(env.out().join("notes.txt")).unwrap(),
        b"the administrator's"
    );
    assert_eq!(
        fs::read(env.out().join("determinations.csv")).unwrap(),
        before
    );

    fs::remove_file(env.out().join("notes.txt")).unwrap();
    fs::remove_file(env.out().join("report.md")).unwrap();
    fs::create_dir_all(env.out().join("report.md/notes")).unwrap();
    fs::write(env.out().join("report.md/notes/n.txt"), "kept").unwrap();
    assert_exit(&env.process(&[]), 1);
    assert_eq!(
        fs::read(env.out().join("report.md/notes/n.txt")).unwrap(),
        b"kept"
    );
}

// ---------------------------------------------------------------------------------------------
// Where the outputs go
// ---------------------------------------------------------------------------------------------

#[test]
fn out_equal_to_the_data_dir_does_not_delete_the_inputs() {
    let env = Folder::valid().write();
    let data = env.data.to_str().unwrap();
    let o = run_in(env.tmp.path(), &["process", data, "--out", data]);
    assert!(
        env.data.join("members.csv").is_file() && env.data.join("case.toml").is_file(),
        "input files deleted\n{}",
        describe(&o)
    );
}

#[test]
fn out_containing_the_data_dir_does_not_delete_the_inputs() {
    let env = Folder::valid().write();
    let parent = env.tmp.path().to_str().unwrap();
    let o = run_in(
        env.tmp.path(),
        &["process", env.data.to_str().unwrap(), "--out", parent],
    );
    assert!(
        env.data.join("members.csv").is_file(),
        "input files deleted\n{}",
        describe(&o)
    );
}

#[test]
fn out_naming_an_existing_file_fails_and_keeps_the_file() {
    let env = Folder::valid().write();
    let target = env.path("report.txt");
    fs::write(&target, "keep me").unwrap();
    let o = run_in(
        env.tmp.path(),
        &[
            "process",
            env.data.to_str().unwrap(),
            "--out",
            target.to_str().unwrap(),
        ],
    );
    assert_fatal_message(&o, "report.txt");
    assert_eq!(fs::read_to_string(&target).unwrap(), "keep me");
    let leftovers: Vec<String> = fs::read_dir(env.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn out_in_a_folder_that_does_not_exist_yet_is_created() {
    let env = Folder::valid().write();
    let out = env.path("a/b/c");
    let o = run_in(
        env.tmp.path(),
        &[
            "process",
            env.data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_exit(&o, 0);
    assert_outputs_written(&out);
}

#[test]
fn a_successful_run_leaves_no_temporary_folders_behind() {
    let env = Folder::valid().write();
    assert_exit(&env.process(&[]), 0);
    assert_exit(&env.process(&[]), 0);
    let names: Vec<String> = fs::read_dir(env.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, vec!["data", "out"]);
}
