//! Hostile inputs are bounded: a header of a great many columns is checked in linear time, and
//! inputs that are not regular files (devices that never end, FIFOs that block) are refused with
//! a clear error instead of being read.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_premium-claims"))
        .args(args)
        .output()
        .expect("binary runs")
}

/// A copy of the bundled example in a temporary folder.
fn example_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium");
    for entry in fs::read_dir(example).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    tmp
}

#[test]
fn a_header_of_two_hundred_thousand_columns_is_checked() {
    let tmp = example_copy();
    let mut header = String::from("member_id,country");
    let mut row = String::from("m-1,US");
    for i in 0..200_000 {
        header.push_str(&format!(",extra_{i}"));
        row.push_str(",x");
    }
    fs::write(tmp.path().join("members.csv"), format!("{header}\n{row}\n")).unwrap();
    let o = run(&["check", tmp.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    // Rejected rows elsewhere (their members are gone) give exit 3; the member row is accepted.
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let members = stdout
        .lines()
        .find(|l| l.starts_with("members.csv"))
        .unwrap();
    assert_eq!(
        members.split_whitespace().collect::<Vec<_>>(),
        ["members.csv", "1", "1", "0"]
    );

    // The same header with one name repeated at the far end is refused, naming it.
    fs::write(
        tmp.path().join("members.csv"),
        format!("{header},extra_7\n{row},x\n"),
    )
    .unwrap();
    let o = run(&["check", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("members.csv:1: column 'extra_7' appears more than once"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn an_input_that_is_a_device_is_refused() {
    let tmp = example_copy();
    let evidence = tmp.path().join("evidence.csv");
    fs::remove_file(&evidence).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &evidence).unwrap();
    let out = tmp.path().join("out");
    let o = run(&[
        "process",
        tmp.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: evidence.csv: not a regular file\n"
    );
    assert!(!out.join("determinations.csv").exists());
}

#[cfg(unix)]
#[test]
fn an_input_that_is_a_fifo_is_refused_without_waiting() {
    let tmp = example_copy();
    let claims = tmp.path().join("claims.csv");
    fs::remove_file(&claims).unwrap();
    let made = Command::new("mkfifo").arg(&claims).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system: nothing to test
    }
    let o = run(&["check", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: claims.csv: not a regular file\n"
    );
}

#[cfg(unix)]
#[test]
fn a_case_file_that_is_a_device_is_refused() {
    let tmp = example_copy();
    let o = run(&["check", tmp.path().to_str().unwrap(), "--case", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr, "error: zero: cannot read: not a regular file\n");

    // A regular case file past a mebibyte is refused before it is parsed.
    let big = tmp.path().join("big.toml");
    fs::write(&big, format!("# {}\n", "x".repeat(2 << 20))).unwrap();
    let o = run(&[
        "check",
        tmp.path().to_str().unwrap(),
        "--case",
        big.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("larger than 1048576 bytes"));
}

/// Appends a line to a file when the reading of another file starts: an input changed while the
/// run is under way.
struct ChangeDuring {
    path: std::path::PathBuf,
    when: premium_claims::InputFile,
}

impl premium_claims::Progress for ChangeDuring {
    fn start(&mut self, file: premium_claims::InputFile, _bytes: u64) {
        if file == self.when {
            let mut text = fs::read_to_string(&self.path).unwrap();
            text.push_str("\n# changed\n");
            fs::write(&self.path, text).unwrap();
        }
    }
}

/// Every input, the small ones and the case file included, changed during a run fails it: its
/// fingerprint in summary.json would otherwise describe other bytes than those decided on.
#[test]
fn any_input_changed_during_the_run_fails_it() {
    use premium_claims::{DataFolder, InputFile};
    for (name, when) in [
        ("cures.csv", InputFile::Evidence),
        ("opt_outs.csv", InputFile::Members),
        ("case.toml", InputFile::Members),
        ("members.csv", InputFile::Evidence),
    ] {
        let tmp = example_copy();
        let mut progress = ChangeDuring {
            path: tmp.path().join(name),
            when,
        };
        let error = DataFolder::new(tmp.path())
            .load(&mut progress)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(name) && error.ends_with("the file changed while it was being read"),
            "{name}: {error}"
        );
    }
}

/// Values are withheld from the terminal even when they contain an apostrophe, and a repeated
/// header name is shown only when it is one of the file's column names (a header that is really
/// a data row would otherwise print a claimant's email).
#[test]
fn values_with_apostrophes_and_data_rows_as_headers_are_withheld() {
    let tmp = example_copy();
    let members = fs::read_to_string(tmp.path().join("members.csv")).unwrap();
    let members = format!("{members}m-o'neil,Pat O'Neil,pat.o'neil@example.com,USA,,,\n");
    fs::write(tmp.path().join("members.csv"), members).unwrap();
    let o = run(&["check", tmp.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    for shown in [&stdout, &stderr] {
        assert!(!shown.contains("neil"), "{shown}");
    }
    assert!(
        stderr
            .contains("members.csv:52: country: (value withheld) is not a two-letter country code"),
        "{stderr}"
    );

    let claims = "ann@example.com,m-1,ann@example.com,online\n";
    fs::write(tmp.path().join("claims.csv"), claims).unwrap();
    let o = run(&["check", tmp.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr.contains("ann@"), "{stderr}");
    assert!(stderr.contains("the name of columns 1 and 3"), "{stderr}");
}

/// No message in rejected_rows.csv begins with a value, so a spreadsheet never reads one as a
/// formula, even for values written as formulas.
#[test]
fn rejected_row_messages_begin_with_a_column_name() {
    let tmp = example_copy();
    let claims = fs::read_to_string(tmp.path().join("claims.csv")).unwrap();
    let hostile = "=cmd|' /C calc'!A0,=HYPERLINK(\"x\"),@SUM(1),+1,-1,=1,=2,@x,=3,+4,-5,=6\n";
    fs::write(tmp.path().join("claims.csv"), format!("{claims}{hostile}")).unwrap();
    let out = tmp.path().join("out");
    let o = run(&[
        "process",
        tmp.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = fs::read_to_string(out.join("rejected_rows.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let error = &record[2];
        let column = error.split(':').next().unwrap();
        assert!(
            error.starts_with("row has")
                || column.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{error}"
        );
        rows += 1;
    }
    assert!(rows > 10);
    // The hostile row is listed, its values inside the message (apostrophes doubled).
    assert!(
        text.contains("claims.csv,64,\"claim_id: '=cmd|'' /C calc''!A0' is not a UUID; channel: unknown channel '-1';"),
        "{text}"
    );
}

/// A file that never ends its record (an unclosed quote, or no line breaks at all) stops with an
/// error at 64 MiB instead of growing memory without bound.
#[test]
fn an_endless_record_is_refused() {
    let tmp = example_copy();
    let path = tmp.path().join("evidence.csv");
    let mut text = fs::read(&path).unwrap();
    text.push(b'"');
    text.resize(text.len() + (66 << 20), b'a');
    fs::write(&path, text).unwrap();
    let o = run(&["check", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.starts_with("error: evidence.csv: cannot read: the record starting at byte"),
        "{stderr}"
    );
    assert!(stderr.contains("longer than 64 MiB"), "{stderr}");
}
