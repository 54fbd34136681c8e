//! Records from anywhere: a dataset built from values, given in any order, decides and renders
//! exactly as the same records read from a folder of CSV files.
//!
//! Written against the public API only.

use std::path::{Path, PathBuf};

use premium_claims::{
    decide, parse_timestamp, render, Case, Claim, Cure, DataFolder, Dataset, DatasetBuilder,
    Evidence, EvidenceKind, InputFile, Member, NoProgress, Plan, Status, Subscription, Summary,
    Utc,
};

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/reference")
        .join(name)
        .join("input")
}

/// Every record of a folder's CSV files: (file, line, column names, values), each file in order.
fn rows_of(dir: &Path) -> Vec<(InputFile, u64, Vec<String>, Vec<String>)> {
    let mut rows = Vec::new();
    for file in InputFile::ALL {
        let Ok(bytes) = std::fs::read(dir.join(file.name())) else {
            continue;
        };
        // A record's line is where it starts: one plus the line breaks before its first byte.
        let (mut line, mut counted) = (1u64, 0usize);
        let mut line_at = |offset: u64| {
            // The reader's offset may point at the end of the previous terminator (`\r\n`).
            let mut offset = offset as usize;
            while matches!(bytes.get(offset), Some(b'\r' | b'\n')) {
                offset += 1;
            }
            line += bytes[counted..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            counted = offset;
            line
        };
        let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[..]);
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        for record in reader.records() {
            let record = record.unwrap();
            let line = line_at(record.position().unwrap().byte());
            let values = record.iter().map(str::to_string).collect();
            rows.push((file, line, header.clone(), values));
        }
    }
    rows
}

/// A small deterministic shuffle (xorshift) that interleaves the files but keeps each file's
/// records in their order: within a file, order decides which of two rows with one id wins.
fn interleave<T>(rows: Vec<(InputFile, T)>, seed: u64) -> Vec<(InputFile, T)> {
    let mut queues: Vec<std::collections::VecDeque<(InputFile, T)>> =
        InputFile::ALL.iter().map(|_| Default::default()).collect();
    for row in rows {
        let i = InputFile::ALL.iter().position(|f| *f == row.0).unwrap();
        queues[i].push_back(row);
    }
    // Cures before claims and evidence before members: the builder must not care.
    let mut state = seed | 1;
    let mut out = Vec::new();
    while queues.iter().any(|q| !q.is_empty()) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let i = (state % 6) as usize;
        let i = (0..6)
            .map(|k| (i + 6 - k) % 6)
            .find(|&k| !queues[k].is_empty())
            .unwrap();
        out.push(queues[i].pop_front().unwrap());
    }
    out
}

/// Adds one record, as a typed value when its text makes one, else as text fields (which the
/// builder checks and, if bad, rejects in the words of the CSV path).
fn add(builder: &mut DatasetBuilder, file: InputFile, names: &[String], values: &[String]) {
    let pairs = || {
        names
            .iter()
            .map(String::as_str)
            .zip(values.iter().map(String::as_str))
    };
    let text = |name: &str| {
        pairs()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let map: serde_json::Map<String, serde_json::Value> = pairs()
        .map(|(n, v)| (n.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    let json = serde_json::Value::Object(map);
    let typed = match file {
        InputFile::Members => serde_json::from_value::<Member>(json).ok().map(|m| {
            builder.member(m);
        }),
        InputFile::Claims => serde_json::from_value::<Claim>(json).ok().map(|c| {
            builder.claim(c);
        }),
        InputFile::Cures => serde_json::from_value::<Cure>(json).ok().map(|c| {
            builder.cure(c);
        }),
        InputFile::Evidence => (|| {
            let kind: EvidenceKind = text("kind")?.parse().ok()?;
            let at = parse_timestamp(text("occurred_at")?).ok()?;
            let e = Evidence::new(
                text("evidence_id")?,
                text("member_id")?,
                kind,
                at.with_timezone(&Utc),
            );
            builder.evidence(e);
            Some(())
        })(),
        InputFile::Subscriptions => (|| {
            let start = premium_claims::parse_date(text("start_date")?).ok()?;
            let end = match text("end_date") {
                Some(t) => Some(premium_claims::parse_date(t).ok()?),
                None => None,
            };
            let s = Subscription::new(text("tier")?, start, end);
            builder.subscription(text("member_id")?, s);
            Some(())
        })(),
        InputFile::OptOuts => (|| {
            let on = premium_claims::parse_date(text("submitted_on")?).ok()?;
            builder.opt_out(text("member_id")?, on);
            Some(())
        })(),
        _ => None,
    };
    if typed.is_none() {
        builder.fields(file, pairs());
    }
}

/// Decides and renders a folder both ways and compares every output.
fn same_as_the_folder(dir: &Path, seed: u64) -> (Dataset, usize) {
    let from_files = DataFolder::new(dir).load(&mut NoProgress).unwrap();
    let case: Case = std::fs::read_to_string(dir.join("case.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut builder = Dataset::builder(case);
    let rows = rows_of(dir);
    let count = rows.len();
    let tagged = rows
        .into_iter()
        .map(|(f, l, n, v)| (f, (l, n, v)))
        .collect();
    for (file, (line, names, values)) in interleave(tagged, seed) {
        builder.on_line(line);
        add(&mut builder, file, &names, &values);
    }
    let built = builder.build();

    let (a, b) = (decide(&from_files).unwrap(), decide(&built).unwrap());
    let (files_a, files_b) = (
        render(&from_files, &a).unwrap(),
        render(&built, &b).unwrap(),
    );
    for name in ["determinations.csv", "payments.csv", "rejected_rows.csv"] {
        let get =
            |files: &[(&str, Vec<u8>)]| files.iter().find(|(n, _)| *n == name).unwrap().1.clone();
        assert_eq!(
            String::from_utf8(get(&files_a)).unwrap(),
            String::from_utf8(get(&files_b)).unwrap(),
            "{name} of {}",
            dir.display()
        );
    }
    // The summary differs only in the inputs' fingerprints, which a built dataset has not.
    let (mut sa, mut sb) = (Summary::of(&from_files, &a), Summary::of(&built, &b));
    for (file, stats) in &sa.inputs.files {
        let other = sb.inputs.files.iter().find(|(f, _)| f == file).unwrap();
        assert_eq!(
            (stats.rows, stats.accepted, stats.rejected),
            (other.1.rows, other.1.accepted, other.1.rejected),
            "{file}"
        );
    }
    sa.inputs = Default::default();
    sb.inputs = Default::default();
    assert_eq!(sa, sb);
    (built, count)
}

#[test]
fn reference_folders_built_from_values_decide_as_read_from_files() {
    for (name, seed) in [("core-1", 1), ("full-3", 2), ("round2-6", 3)] {
        let (built, rows) = same_as_the_folder(&reference(name), seed);
        assert!(rows > 500, "{name}: {rows} rows");
        // The reference folders carry bad rows of every file: the comparison covers rejections.
        assert!(!built.rejected.is_empty(), "{name}");
    }
}

#[test]
fn a_generated_folder_built_from_values_decides_as_read_from_files() {
    let dir = tempfile::tempdir().unwrap();
    premium_claims::generate(dir.path(), Plan::new(3_000, 5)).unwrap();
    for seed in [7, 8] {
        let (built, _) = same_as_the_folder(dir.path(), seed);
        assert!(built.claims.len() > 200);
    }
}

/// The three ways in-memory records used to go wrong silently.
#[test]
fn values_are_normalised_and_checked_like_file_rows() {
    let case: Case = premium_claims::EXAMPLE_CASE.parse().unwrap();
    let at = |t: &str| parse_timestamp(t).unwrap().with_timezone(&Utc);
    let mut b = Dataset::builder(case);
    // Evidence before the subscription that makes it qualify, and before the member.
    b.evidence(Evidence::new(
        "e-1",
        "m-1",
        EvidenceKind::InmailReceived,
        at("2024-02-01T12:00:00Z"),
    ));
    b.evidence(Evidence::new(
        "e-2",
        "m-1",
        EvidenceKind::Disclosure,
        at("2024-08-20T12:00:00Z"),
    ));
    b.claim(
        Claim::from_fields([
            ("claim_id", "11111111-2222-4333-8444-555555555555"),
            ("member_id", "m-1"),
            ("channel", "mail"),
            ("postmarked_on", "2026-03-01"),
            ("attested", "1"),
        ])
        .unwrap(),
    );
    b.subscription(
        "m-1",
        Subscription::new("Career", "2023-06-01".parse().unwrap(), None),
    );
    b.member(Member::new("m-1", "us"));
    // A member whose country no file could carry, and a subscription ending before it starts.
    b.member(Member::new("m-2", "USA"));
    b.subscription(
        "m-1",
        Subscription::new(
            "business",
            "2024-01-02".parse().unwrap(),
            Some("2024-01-01".parse().unwrap()),
        ),
    );
    let data = b.build();
    let decisions = decide(&data).unwrap();
    assert_eq!(decisions.determinations[0].status(), Status::Approved);
    let rejected: Vec<(InputFile, u64, &str)> = data
        .rejected
        .iter()
        .map(|r| (r.file, r.line, r.error.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (
                InputFile::Members,
                3,
                "country: 'USA' is not a two-letter country code"
            ),
            (
                InputFile::Subscriptions,
                3,
                "end_date: 2024-01-01 is before start_date 2024-01-02"
            ),
        ]
    );
}
