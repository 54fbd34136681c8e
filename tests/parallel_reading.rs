//! Reading large files in parallel ranges gives exactly the result of one sequential read,
//! whatever the number of threads and ranges, including when range splits fall inside quoted
//! fields that span lines (which forces ranges to be re-read).

use std::fs;
use std::path::Path;

use premium_claims::internals::input::parallel::Parallelism;
use premium_claims::internals::output;
use premium_claims::{decide, DataFolder, Loading, NoProgress};
use premium_claims::{generate, Plan};

/// A generated folder with multi-line quoted fields and bad rows sprinkled through the big files.
fn folder(dir: &Path) {
    generate(dir, Plan::new(1500, 7)).unwrap();
    for (file, every, extra) in [
        ("evidence.csv", 37, ",\"batch\nev-!decoy,"),
        ("members.csv", 11, ""),
        ("subscriptions.csv", 13, ""),
        ("claims.csv", 7, ""),
    ] {
        let text = fs::read_to_string(dir.join(file)).unwrap();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            if i > 0 && i % every == 0 {
                match file {
                    // A quoted reference over three lines replaces the last (empty) column.
                    // Its middle line looks like a row of the same member at the same instant
                    // whose id would win any tie: a range that starts there by mistake must
                    // leave no trace in any member's facts.
                    "evidence.csv" => {
                        let (row, _) = line.rsplit_once(',').unwrap();
                        let decoy = row.split_once(',').unwrap().1;
                        out.push_str(&format!("{row}{extra}{decoy},\nend\"\n"))
                    }
                    // A quoted name over three lines.
                    "members.csv" => {
                        let mut cols: Vec<&str> = line.split(',').collect();
                        let name = format!("\"{}\nof\r\nsomewhere\"", cols[1]);
                        cols[1] = &name;
                        out.push_str(&cols.join(","));
                        out.push('\n');
                    }
                    // A quoted name over two lines, and the same claim again (a repeated id,
                    // rejected wherever the ranges fall).
                    "claims.csv" => {
                        let mut cols: Vec<&str> = line.split(',').collect();
                        let name = format!("\"{}\nJr.\"", cols[3]);
                        cols[3] = &name;
                        out.push_str(&cols.join(","));
                        out.push('\n');
                        out.push_str(line);
                        out.push('\n');
                    }
                    _ => out.push_str(&format!("{line}\r\n")),
                }
            } else {
                out.push_str(line);
                out.push('\n');
            }
            if i > 0 && i % 101 == 0 {
                out.push_str("broken,row\n\n");
            }
        }
        fs::write(dir.join(file), out).unwrap();
    }
}

fn outputs(dir: &Path, parallelism: Parallelism) -> (Vec<u8>, Vec<u8>, serde_json::Value, Vec<u8>) {
    let mut data = DataFolder::new(dir);
    data = data.with_parallelism(parallelism);
    let data = data.load(&mut NoProgress).unwrap();
    let decisions = decide(&data).unwrap();
    // The whole summary, input fingerprints included: every split reads the same bytes.
    let summary = output::summary(&data, &decisions);
    (
        output::determinations_csv(&decisions).unwrap(),
        output::rejected_rows_csv(&data).unwrap(),
        summary,
        output::payments_csv(&data, &decisions).unwrap(),
    )
}

/// Every kept member's evidence facts, loading every member.
fn evidence_facts(dir: &Path, parallelism: Parallelism) -> Vec<String> {
    let data = DataFolder::new(dir)
        .with_loading(Loading::EveryMember)
        .with_parallelism(parallelism)
        .load(&mut NoProgress)
        .unwrap();
    data.class
        .every_member()
        .map(|m| format!("{:?} {:?}", m.earliest_inmail, m.latest_disclosure))
        .collect()
}

#[test]
fn rows_read_from_a_wrong_range_start_leave_no_trace_in_the_facts() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path());
    let sequential = evidence_facts(
        tmp.path(),
        Parallelism {
            threads: 1,
            min_chunk_bytes: u64::MAX,
        },
    );
    assert!(sequential.iter().filter(|f| f.contains("Some")).count() > 500);
    assert!(!sequential.iter().any(|f| f.contains("decoy")));
    for parallelism in [
        Parallelism {
            threads: 2,
            min_chunk_bytes: 1,
        },
        Parallelism {
            threads: 3,
            min_chunk_bytes: 700,
        },
    ] {
        assert_eq!(
            evidence_facts(tmp.path(), parallelism),
            sequential,
            "{parallelism:?}"
        );
    }
}

#[test]
fn any_split_gives_the_sequential_result() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path());
    let sequential = outputs(
        tmp.path(),
        Parallelism {
            threads: 1,
            min_chunk_bytes: u64::MAX,
        },
    );
    // The data is meaningful: many claims decided, rejected rows from every big file.
    let determinations = String::from_utf8(sequential.0.clone()).unwrap();
    assert!(determinations.lines().count() > 100);
    let rejected = String::from_utf8(sequential.1.clone()).unwrap();
    for file in [
        "members.csv",
        "subscriptions.csv",
        "evidence.csv",
        "claims.csv",
    ] {
        assert!(
            rejected.lines().any(|l| l.starts_with(file)),
            "no rejected row in {file}"
        );
    }
    assert!(rejected.contains("repeated claim_id"));
    for parallelism in [
        Parallelism {
            threads: 1,
            min_chunk_bytes: 997,
        },
        Parallelism {
            threads: 2,
            min_chunk_bytes: 4096,
        },
        Parallelism {
            threads: 3,
            min_chunk_bytes: 1,
        },
        Parallelism {
            threads: 8,
            min_chunk_bytes: 50_000,
        },
    ] {
        let parallel = outputs(tmp.path(), parallelism);
        assert_eq!(
            parallel.0, sequential.0,
            "determinations differ with {parallelism:?}"
        );
        assert_eq!(
            parallel.1, sequential.1,
            "rejected rows differ with {parallelism:?}"
        );
        assert_eq!(
            parallel.2, sequential.2,
            "summary differs with {parallelism:?}"
        );
        assert_eq!(
            parallel.3, sequential.3,
            "payments differ with {parallelism:?}"
        );
    }
}

/// Counts rows, to check the range reader on its own.
struct CountRows;

impl premium_claims::internals::input::parallel::RangeSink for CountRows {
    type Part = u64;
    fn row(
        &self,
        _: &premium_claims::internals::input::Header,
        _: &premium_claims::internals::input::Record,
        _: u64,
        part: &mut u64,
    ) {
        *part += 1;
    }
}

/// `evidence.csv` at `path` read into `sink` with `parallelism`.
fn read_evidence<S: premium_claims::internals::input::parallel::RowSink>(
    path: &Path,
    sink: &S,
    parallelism: Parallelism,
) -> premium_claims::internals::input::parallel::ParallelRead<S::Part, S::Worker> {
    use premium_claims::internals::input::parallel::{read_parallel, Counters};
    use premium_claims::internals::input::InputFile;
    let counters = Counters::default();
    read_parallel(
        path,
        InputFile::Evidence,
        sink,
        parallelism,
        &counters,
        &mut |_, _| {},
    )
    .unwrap()
}

/// One range, on one thread: the file read as a whole.
const WHOLE: Parallelism = Parallelism {
    threads: 1,
    min_chunk_bytes: u64::MAX,
};

#[test]
fn splits_inside_quoted_fields_are_detected_and_read_again() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path());
    let path = tmp.path().join("evidence.csv");
    let whole = read_evidence(&path, &CountRows, WHOLE);
    let split = read_evidence(
        &path,
        &CountRows,
        Parallelism {
            threads: 2,
            min_chunk_bytes: 1,
        },
    );
    assert_eq!(whole.parts.len(), 1);
    assert!(split.parts.len() > 50, "{} ranges", split.parts.len());
    assert!(split.rereads > 0, "no range started inside a quoted field");
    assert_eq!(split.rows(), whole.rows());
    assert_eq!(
        split.parts.iter().map(|p| p.value).sum::<u64>(),
        whole.parts[0].value
    );
}

/// What a look-ahead saw and what was handed over, in order.
#[derive(Debug)]
enum Event {
    /// The first field of each line of a run seen.
    Seen(Vec<String>),
    /// The first field of a record handed over, and whether it came as a plain line.
    Row(String, bool),
}

/// A sink that notes its look-ahead's runs and the records it is handed.
struct Looks;

impl premium_claims::internals::input::parallel::RowSink for Looks {
    type Part = Vec<Event>;
    type Worker = ();

    fn worker(&self) {}

    fn row(
        &self,
        _: &premium_claims::internals::input::Header,
        record: &premium_claims::internals::input::Record,
        _: u64,
        part: &mut Vec<Event>,
        _: &mut (),
    ) {
        let id = String::from_utf8_lossy(record.get(0).unwrap_or_default()).into_owned();
        part.push(Event::Row(id, false));
    }

    fn plain_line(
        &self,
        _: &premium_claims::internals::input::Header,
        line: &str,
        _: u64,
        part: &mut Vec<Event>,
        _: &mut (),
    ) -> bool {
        let id = line.split(',').next().unwrap_or_default();
        part.push(Event::Row(id.into(), true));
        true
    }

    fn look_ahead(
        &self,
        _: &premium_claims::internals::input::Header,
        lines: &[u8],
        part: &mut Vec<Event>,
        _: &mut (),
    ) {
        let text = String::from_utf8_lossy(lines);
        let firsts = text
            .lines()
            .map(|l| l.split(',').next().unwrap_or_default().into());
        part.push(Event::Seen(firsts.collect()));
    }
}

/// The look-ahead sees the file's lines in runs, in order, each once, quoted lines included; the
/// records handed over after a call are (nearly all) those of the run seen three calls before,
/// plain lines and quoted records alike, across reading buffers and records of several lines.
#[test]
fn the_look_ahead_sees_each_run_three_calls_before_its_records() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path());
    let path = tmp.path().join("evidence.csv");
    let size = fs::metadata(&path).unwrap().len();
    assert!(size > 1 << 20, "the file spans several reading buffers");
    let read = read_evidence(&path, &Looks, WHOLE);
    let events = &read.parts[0].value;
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();

    // Runs in file order, no line seen twice.
    let seen: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Seen(run) => Some(run.iter().map(String::as_str)),
            Event::Row(..) => None,
        })
        .flatten()
        .collect();
    let mut next = 0;
    for first in &seen {
        let at = lines[next..]
            .iter()
            .position(|l| l == first)
            .expect("in order, once");
        next += at + 1;
    }

    // Each record against the run seen three calls before the last.
    let mut runs: Vec<&[String]> = Vec::new();
    let (mut rows, mut aligned, mut quoted, mut quoted_aligned) = (0, 0, 0, 0);
    for event in events {
        match event {
            Event::Seen(run) => runs.push(run),
            Event::Row(id, plain) => {
                rows += 1;
                let hit = runs.len() >= 4 && runs[runs.len() - 4].contains(id);
                aligned += usize::from(hit);
                if !plain {
                    quoted += 1;
                    quoted_aligned += usize::from(hit);
                }
            }
        }
    }
    assert_eq!(rows as u64, read.rows());
    assert!(
        seen.len() * 100 >= lines.len() * 99,
        "{} of {} lines seen",
        seen.len(),
        lines.len()
    );
    assert!(
        aligned * 100 >= rows * 98,
        "{aligned} of {rows} records aligned"
    );
    assert!(quoted > 500, "{quoted} quoted records");
    assert!(
        quoted_aligned * 100 >= quoted * 90,
        "{quoted_aligned} of {quoted} quoted records aligned"
    );
}
