//! Shared harness for the premium-claims fuzz targets.
//!
//! Every target writes its input into a data folder on a RAM disk, loads it through the public
//! API exactly as `premium-claims process` would (`DataFolder::load`, `premium_claims::decide`,
//! `output::render`), and then checks invariants taken from the contract (SPEC §1-2, §4-5, §7).
//! Any panic inside the library, or any failed `assert!` here, is a crash for libFuzzer.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use premium_claims::{DataFolder, Dataset, Decisions, NoProgress};
use premium_claims::internals::input::parallel::Parallelism;
use premium_claims::internals::input::{FileStats, InputFile};
use premium_claims::internals::output;
use premium_claims::rules::Status;

/// The minimal data folder of the test suite, built into the binary.
pub const MINIMAL_CASE: &[u8] = include_bytes!("../../tests/data/minimal/case.toml");

/// The minimal folder's CSV files, in contract order.
pub const MINIMAL_FILES: [(InputFile, &[u8]); 6] = [
    (
        InputFile::Members,
        include_bytes!("../../tests/data/minimal/members.csv"),
    ),
    (
        InputFile::Subscriptions,
        include_bytes!("../../tests/data/minimal/subscriptions.csv"),
    ),
    (
        InputFile::Evidence,
        include_bytes!("../../tests/data/minimal/evidence.csv"),
    ),
    (
        InputFile::OptOuts,
        include_bytes!("../../tests/data/minimal/opt_outs.csv"),
    ),
    (
        InputFile::Claims,
        include_bytes!("../../tests/data/minimal/claims.csv"),
    ),
    (
        InputFile::Cures,
        include_bytes!("../../tests/data/minimal/cures.csv"),
    ),
];

/// The minimal folder's copy of one file.
pub fn minimal(file: InputFile) -> &'static [u8] {
    MINIMAL_FILES
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, b)| *b)
        .unwrap_or_default()
}

/// Years added to every date of the base folder (see [`base`]): a whole number of 400-year
/// Gregorian cycles, so leap days and weekdays stay where they were.
pub const YEAR_SHIFT: u32 = 400;

/// Adds [`YEAR_SHIFT`] years to every `YYYY-MM-DD` (also inside timestamps) whose year is 1900-2099.
///
/// Why: `CaseClock::local_date` builds a table of the zone's offsets from 1900 to 2100 the first
/// time it meets an instant in that range, and every `DataFolder::load` parses a new `Case`, so
/// every fuzz iteration would rebuild it (about 75 ms under coverage instrumentation: 10 runs per
/// second). Instants outside 1900-2100 use the zone database directly, so a base folder moved to
/// 2300-2499 costs nothing until the fuzzer itself writes a 19xx/20xx instant.
pub fn shift_dates(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + 10 <= out.len() {
        let shape = (0..10).all(|k| {
            if k == 4 || k == 7 {
                out[i + k] == b'-'
            } else {
                out[i + k].is_ascii_digit()
            }
        });
        let starts_word = i == 0 || !out[i - 1].is_ascii_digit();
        if shape && starts_word && (out[i..i + 2] == *b"19" || out[i..i + 2] == *b"20") {
            let year: u32 = std::str::from_utf8(&out[i..i + 4])
                .ok()
                .and_then(|y| y.parse().ok())
                .unwrap_or(0);
            out[i..i + 4].copy_from_slice(format!("{:04}", year + YEAR_SHIFT).as_bytes());
            i += 10;
        } else {
            i += 1;
        }
    }
    out
}

/// True when the environment asks for the minimal folder's real dates
/// (`PREMIUM_CLAIMS_FUZZ_REAL_DATES=1`): slower, but the offset table is built every run.
pub fn real_dates() -> bool {
    static REAL: OnceLock<bool> = OnceLock::new();
    *REAL.get_or_init(|| std::env::var_os("PREMIUM_CLAIMS_FUZZ_REAL_DATES").is_some_and(|v| v == "1"))
}

/// The base folder the targets start from: the minimal folder, its dates moved by
/// [`YEAR_SHIFT`] years unless [`real_dates`]. Index 0 is case.toml, then [`MINIMAL_FILES`] order.
pub fn base() -> &'static [(Option<InputFile>, Vec<u8>); 7] {
    static BASE: OnceLock<[(Option<InputFile>, Vec<u8>); 7]> = OnceLock::new();
    BASE.get_or_init(|| {
        let f = |b: &[u8]| if real_dates() { b.to_vec() } else { shift_dates(b) };
        let [a, b, c, d, e, g] = MINIMAL_FILES;
        [
            (None, f(MINIMAL_CASE)),
            (Some(a.0), f(a.1)),
            (Some(b.0), f(b.1)),
            (Some(c.0), f(c.1)),
            (Some(d.0), f(d.1)),
            (Some(e.0), f(e.1)),
            (Some(g.0), f(g.1)),
        ]
    })
}

/// The base folder's copy of one file.
pub fn base_file(file: InputFile) -> &'static [u8] {
    base()
        .iter()
        .find(|(f, _)| *f == Some(file))
        .map(|(_, b)| &b[..])
        .unwrap_or_default()
}

/// The header line of the minimal copy of `file`, without its terminator (every known column).
pub fn header_line(file: InputFile) -> &'static [u8] {
    let bytes = minimal(file);
    let end = bytes
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(bytes.len());
    &bytes[..end]
}

const PREFIX: &str = "premium-claims-fuzz-";

/// Removes folders left by earlier fuzzing processes that have ended (a crashing process cannot
/// clean up after itself). Only folders with this harness's prefix and a dead owner are touched.
fn sweep(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// This process's data folder: created once (on /dev/shm when it exists), filled with the base
/// folder ([`base`]). Targets then overwrite only the files they fuzz.
pub fn folder() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let root = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        sweep(&root);
        let dir = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .tempdir_in(&root)
            .expect("create the fuzzing data folder")
            .keep();
        for (file, bytes) in base() {
            let name = file.map_or("case.toml", InputFile::name);
            fs::write(dir.join(name), bytes).expect("write a base input file");
        }
        dir
    })
}

/// Writes one file of the folder.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).expect("write a fuzzed file");
}

/// Removes one (optional) file of the folder.
pub fn remove(dir: &Path, name: &str) {
    match fs::remove_file(dir.join(name)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("cannot remove {name}: {e}"),
    }
}

/// True with `PREMIUM_CLAIMS_FUZZ_TRACE=1`: each run prints its outcome to stderr (to see what a
/// corpus exercises: `-runs=0 corpus/TARGET 2>&1 | grep -E '^(ok|fatal)'`).
fn trace() -> bool {
    static TRACE: OnceLock<bool> = OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("PREMIUM_CLAIMS_FUZZ_TRACE").is_some_and(|v| v == "1"))
}

/// One thread, one range: the plain sequential read.
pub const SEQUENTIAL: Parallelism = Parallelism {
    threads: 1,
    min_chunk_bytes: u64::MAX,
};

/// A read split into many tiny ranges (and two threads), to exercise the speculative splitting
/// of `input::parallel`, whose results must never depend on the split.
pub fn split_read(seed: u8) -> Parallelism {
    Parallelism {
        threads: 2,
        min_chunk_bytes: 4 << (seed % 8),
    }
}

/// The size of the library's read buffer (`BUFFER` in src/input/records.rs): a refill happens
/// when a reader has consumed this many bytes from where it started.
pub const READ_BUFFER: usize = 256 * 1024;

/// The file a per-file target fuzzes. The first byte is a mode:
/// - bit 0 clear: the file's valid header line is put in front of the rest;
/// - bits 0-2 = `110`: as well, a single rejected row (one long quoted field) is put between the
///   header and the rest, sized so that the reader's first buffer refill falls `8 * (mode >> 3)`
///   bytes into the rest: inputs are far smaller than the 256 KiB buffer, so without it the
///   refill paths of the record reader would never run;
/// - the upper bits also choose how finely the parallel read is split.
pub fn fuzz_one_file(file: InputFile, data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    // Only members, subscriptions and evidence are read in parallel.
    let parallel = matches!(
        file,
        InputFile::Members | InputFile::Subscriptions | InputFile::Evidence
    );
    let mut bytes = Vec::with_capacity(rest.len() + 128);
    if mode & 1 == 0 {
        bytes.extend_from_slice(header_line(file));
        bytes.push(b'\n');
        if mode & 0b111 == 0b110 {
            // The parallel reader's range reader starts after the header; `CsvTable` at byte 0.
            let into = usize::from(mode >> 3) * 8;
            let start = if parallel { 0 } else { bytes.len() };
            let pad = (READ_BUFFER - into).saturating_sub(start).max(3);
            bytes.push(b'"');
            bytes.resize(bytes.len() + pad - 3, b'x');
            bytes.extend_from_slice(b"\"\n");
        }
    }
    bytes.extend_from_slice(rest);
    let dir = folder();
    write(dir, file.name(), &bytes);
    let contents: Vec<(InputFile, &[u8])> = InputFile::ALL
        .iter()
        .map(|&f| if f == file { (f, &bytes[..]) } else { (f, base_file(f)) })
        .collect();
    run(dir, &contents, parallel.then(|| split_read(mode >> 1)));
}

/// The parts of a `data_folder` input: case.toml and the six CSV files, separated by 0xFF bytes
/// (never valid in UTF-8 text). Missing trailing parts keep the base folder's content; an empty
/// optional file (opt_outs, cures) is left out of the folder altogether.
pub const SEPARATOR: u8 = 0xFF;

/// Fuzzes a whole folder.
pub fn fuzz_data_folder(data: &[u8]) {
    let mut parts = data.split(|&b| b == SEPARATOR);
    let dir = folder();
    let case = parts.next().unwrap_or(&base()[0].1);
    write(dir, "case.toml", case);
    let mut contents: Vec<(InputFile, &[u8])> = Vec::new();
    let mut present = Vec::new();
    for file in InputFile::ALL {
        let bytes = parts.next().unwrap_or(base_file(file));
        if bytes.is_empty() && file.optional() {
            remove(dir, file.name());
        } else {
            write(dir, file.name(), bytes);
            present.push(file);
        }
        contents.push((file, bytes));
    }
    let contents: Vec<(InputFile, &[u8])> = contents
        .into_iter()
        .filter(|(f, _)| present.contains(f))
        .collect();
    let seed = data.len() as u8 ^ data.last().copied().unwrap_or(0);
    run(dir, &contents, Some(split_read(seed)));
}

/// Loads, decides and renders the folder, checking every invariant; with `alternative`, loads it a
/// second time with that parallelism and requires identical results.
pub fn run(dir: &Path, contents: &[(InputFile, &[u8])], alternative: Option<Parallelism>) {
    if known_crash(contents) {
        return;
    }
    let outcome = load_decide_render(dir, contents, SEQUENTIAL, true);
    if let Some(p) = alternative {
        // The invariants were checked on the sequential run; this one must simply agree with it.
        let other = load_decide_render(dir, contents, p, false);
        match (&outcome, &other) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.0, b.0, "file stats depend on the parallel split {p:?}");
                assert_eq!(a.1, b.1, "rejected rows depend on the parallel split {p:?}");
                assert_eq!(a.2, b.2, "decisions depend on the parallel split {p:?}");
                assert!(
                    a.3 == b.3,
                    "rendered outputs depend on the parallel split {p:?}"
                );
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "errors depend on the parallel split {p:?}"),
            (a, b) => panic!(
                "sequential and split reads disagree ({p:?}): {:?} vs {:?}",
                a.as_ref().err(),
                b.as_ref().err()
            ),
        }
    }
}

type Rendered = Vec<(&'static str, Vec<u8>)>;
type Outcome = (
    Vec<(InputFile, FileStats)>,
    Vec<premium_claims::internals::input::RejectedRow>,
    Decisions,
    Rendered,
);

fn load_decide_render(
    dir: &Path,
    contents: &[(InputFile, &[u8])],
    parallelism: Parallelism,
    check: bool,
) -> Result<Outcome, String> {
    let mut folder = DataFolder::new(dir);
    folder = folder.with_parallelism(parallelism);
    let data = match folder.load(&mut NoProgress) {
        Ok(d) => d,
        Err(e) => {
            let message = e.to_string();
            if check && trace() {
                eprintln!("fatal: {message}");
            }
            if check {
                check_fatal_error(&message);
            }
            return Err(message);
        }
    };
    if check {
        check_dataset(&data, contents);
    }
    // A conservation failure is documented as a defect of the crate, never an input problem.
    let decisions = match premium_claims::decide(&data) {
        Ok(d) => d,
        Err(e) => panic!("decide failed on a loaded dataset: {e}"),
    };
    let rendered = output::render(&data, &decisions).expect("render in memory");
    if trace() {
        for r in &data.rejected {
            eprintln!("rejected ({parallelism:?}): {} line {}: {}", r.file, r.line, r.error);
        }
    }
    if check && trace() {
        let counts: Vec<String> = data
            .inputs
            .iter()
            .map(|(f, s)| format!("{f}={}/{}", s.accepted, s.rows))
            .collect();
        let approved = decisions
            .determinations
            .iter()
            .filter(|d| d.status() == Status::Approved)
            .count();
        eprintln!(
            "ok: {} claims, {approved} approved, paid {}, fund {}; {}",
            decisions.determinations.len(),
            decisions.money.paid,
            data.case.fund.is_some(),
            counts.join(" ")
        );
    }
    if check {
        check_decisions(&data, &decisions);
        check_rendered(&data, &decisions, &rendered);
    }
    Ok((data.inputs.clone(), data.rejected.clone(), decisions, rendered))
}

/// SPEC §2: a fatal error names the file (and column); §6: `error: FILE:LINE: ...` or
/// `error: case.toml: KEY: ...`.
fn check_fatal_error(message: &str) {
    let named = message.starts_with("case.toml")
        || InputFile::ALL
            .iter()
            .any(|f| message.starts_with(f.name()));
    assert!(named, "fatal error does not name its file: {message:?}");
    assert!(
        !message.starts_with("conservation"),
        "conservation failure while loading: {message}"
    );
}

/// Records of a CSV text as the `csv` crate counts them (blank lines are not records), with
/// `csv_core` directly: building its parser is costly under coverage instrumentation, so one
/// parser per thread is reused.
fn csv_records(bytes: &[u8]) -> u64 {
    csv_shape(bytes).0
}

/// (records, most fields in one record) of a CSV text, as `csv_core` splits it.
fn csv_shape(bytes: &[u8]) -> (u64, usize) {
    thread_local! {
        static PARSER: std::cell::RefCell<(csv_core::Reader, Vec<u8>, Vec<usize>)> =
            std::cell::RefCell::new((csv_core::Reader::new(), vec![0; 4096], vec![0; 64]));
    }
    PARSER.with(|p| {
        let (reader, out, ends) = &mut *p.borrow_mut();
        reader.reset();
        let mut input = bytes;
        let (mut records, mut widest, mut fields) = (0, 0, 0);
        loop {
            let (result, n_in, _, n_ends) = reader.read_record(input, out, ends);
            input = &input[n_in..];
            fields += n_ends;
            match result {
                csv_core::ReadRecordResult::Record => {
                    records += 1;
                    widest = widest.max(fields);
                    fields = 0;
                }
                csv_core::ReadRecordResult::End => return (records, widest),
                // Only the counts matter: let fields overwrite the buffers.
                csv_core::ReadRecordResult::InputEmpty
                | csv_core::ReadRecordResult::OutputFull
                | csv_core::ReadRecordResult::OutputEndsFull => {}
            }
        }
    })
}

/// Known crashes to step around, from `PREMIUM_CLAIMS_FUZZ_SKIP_KNOWN` (comma-separated ids; see
/// README.md). Off by default, so that every reproducer in `regressions/` crashes as found; a
/// campaign sets it to keep exploring once a crash is recorded instead of finding it again.
fn skip_known(id: &str) -> bool {
    static KNOWN: OnceLock<Vec<String>> = OnceLock::new();
    KNOWN
        .get_or_init(|| {
            std::env::var("PREMIUM_CLAIMS_FUZZ_SKIP_KNOWN")
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .iter()
        .any(|k| k == id || k == "all")
}

/// True when the input would only find a crash already recorded (and skipping it was asked for).
fn known_crash(contents: &[(InputFile, &[u8])]) -> bool {
    // wide-records: a record of more than 32 fields leaves `Record::starts` shorter than
    // `Record::ends`; a later plain line that is wide enough indexes past `starts`
    // (src/input/records.rs, read_plain_line / read_plain). Regression: claims-1.
    (skip_known("wide-records") && contents.iter().any(|(_, b)| csv_shape(b).1 > 32))
    // mid-file-bom: csv_core drops a UTF-8 BOM at the start of the first record *it* parses,
    // which the record reader's fast path can make a record in the middle of the file (and the
    // parallel reader, the first of any range). Regressions: opt_outs-1, members-1.
        || (skip_known("mid-file-bom")
            && contents
                .iter()
                .any(|(_, b)| b.len() > 3 && memchr::memmem::find(&b[1..], b"\xEF\xBB\xBF").is_some()))
}

/// Physical lines of a text: `\r`, `\n` and `\r\n` each end one.
fn line_breaks(bytes: &[u8]) -> u64 {
    let crs = memchr::memchr_iter(b'\r', bytes).count();
    let lfs = memchr::memchr_iter(b'\n', bytes).count();
    let crlfs = memchr::memmem::find_iter(bytes, b"\r\n").count();
    (crs + lfs - crlfs) as u64
}

/// SPEC §2 and §7 on a loaded dataset: every row used or rejected, counts that add up, rejected
/// rows that name their column, lines that exist.
pub fn check_dataset(data: &Dataset, contents: &[(InputFile, &[u8])]) {
    let lines: Vec<(InputFile, u64)> = contents
        .iter()
        .filter(|(f, _)| data.rejected.iter().any(|r| r.file == *f))
        .map(|(f, bytes)| (*f, line_breaks(bytes) + 1))
        .collect();
    let lines_of = |file: InputFile| lines.iter().find(|(f, _)| *f == file).map(|(_, n)| *n);
    let mut last: Option<(InputFile, u64)> = None;
    for r in &data.rejected {
        assert!(r.line >= 2, "rejected row on line {} (<2): {r:?}", r.line);
        let first = r.error.split("; ").next().unwrap_or_default();
        let names_column = first.starts_with("row has ")
            || r
                .file
                .columns()
                .iter()
                .any(|(c, _)| first.starts_with(&format!("{c}: ")));
        assert!(
            names_column,
            "rejected row's message does not start with a column of {}: {r:?}",
            r.file
        );
        if let Some((file, line)) = last {
            assert!(
                (file, line) < (r.file, r.line),
                "rejected rows not ordered by file then line: ({file}, {line}) before {r:?}"
            );
        }
        last = Some((r.file, r.line));
        if let Some(lines) = lines_of(r.file) {
            assert!(
                r.line <= lines,
                "rejected row on line {} but {} has {lines} lines: {r:?}",
                r.line,
                r.file
            );
        }
        assert!(
            data.inputs.iter().any(|(f, _)| *f == r.file),
            "rejected row of a file that was not read: {r:?}"
        );
    }
    let mut seen = Vec::new();
    for (file, stats) in &data.inputs {
        assert!(!seen.contains(file), "{file} listed twice in inputs");
        seen.push(*file);
        assert_eq!(
            stats.rows,
            stats.accepted + stats.rejected,
            "{file}: rows != accepted + rejected: {stats:?}"
        );
        let listed = data.rejected.iter().filter(|r| r.file == *file).count() as u64;
        assert_eq!(
            stats.rejected, listed,
            "{file}: stats say {} rejected, {listed} rejected rows listed",
            stats.rejected
        );
        assert_eq!(stats.sha256.len(), 64, "{file}: sha256 {:?}", stats.sha256);
        if let Some((_, bytes)) = contents.iter().find(|(f, _)| f == file) {
            let records = csv_records(bytes);
            assert_eq!(
                stats.rows,
                records.saturating_sub(1),
                "{file}: {} data rows read, the csv crate sees {records} records (header included)",
                stats.rows
            );
        }
    }
    for file in InputFile::ALL {
        if !file.optional() {
            assert!(seen.contains(&file), "required {file} missing from inputs");
        }
    }
    let stats = |f: InputFile| data.inputs.iter().find(|(g, _)| *g == f).map(|(_, s)| s);
    if let Some(members) = stats(InputFile::Members) {
        assert_eq!(
            data.class.len() as u64,
            members.accepted,
            "class size != accepted member rows"
        );
    }
    if let Some(claims) = stats(InputFile::Claims) {
        assert_eq!(
            data.claims.len() as u64,
            claims.accepted,
            "accepted claims != accepted claim rows"
        );
    }
    let cure_rows: usize = data.cures().count();
    assert_eq!(
        cure_rows as u64,
        stats(InputFile::Cures).map_or(0, |s| s.accepted),
        "cures kept != accepted cure rows"
    );
    assert_eq!(
        data.opt_outs.timely + data.opt_outs.untimely,
        stats(InputFile::OptOuts).map_or(0, |s| s.accepted),
        "opt_outs timely + untimely != accepted opt-out rows (SPEC §7)"
    );
}

/// SPEC §3-4 on the decisions.
pub fn check_decisions(data: &Dataset, decisions: &Decisions) {
    assert_eq!(decisions.determinations.len(), data.claims.len());
    let cure_rows: usize = data.cures().count();
    assert_eq!(
        decisions.cures_applied + decisions.cures_ignored,
        cure_rows as u64,
        "cures applied + ignored != accepted cure rows (SPEC §7)"
    );
    let mut paid = 0i128;
    let mut entitled = 0i128;
    for d in &decisions.determinations {
        assert!(d.payment.0 >= 0, "negative payment: {d:?}");
        assert!(d.payment <= d.entitlement, "payment above entitlement: {d:?}");
        if d.status() != Status::Approved {
            assert_eq!(d.entitlement.0, 0, "entitlement of a non-approved claim: {d:?}");
        }
        paid += d.payment.0;
        entitled += d.entitlement.0;
    }
    assert_eq!(decisions.money.paid.0, paid, "paid != sum of payments");
    assert_eq!(decisions.money.entitled.0, entitled, "entitled != sum of entitlements");
}

/// Parses a money string of summary.json: `-?digits.dd`.
fn cents(v: &serde_json::Value, what: &str) -> i128 {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("summary.json money.{what} is not a string: {v}"));
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = s
        .split_once('.')
        .unwrap_or_else(|| panic!("money.{what} {s:?} has no decimal point"));
    assert!(
        frac.len() == 2 && frac.bytes().all(|b| b.is_ascii_digit()),
        "money.{what} {s:?} does not have two decimals"
    );
    assert!(
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()),
        "money.{what} {s:?} is not a decimal"
    );
    let v: i128 = whole.parse::<i128>().expect("whole dollars") * 100 + frac.parse::<i128>().expect("cents");
    if neg {
        -v
    } else {
        v
    }
}

/// SPEC §4-5 on the rendered outputs: money conserves to the cent, counts agree with the data.
pub fn check_rendered(data: &Dataset, decisions: &Decisions, rendered: &[(&str, Vec<u8>)]) {
    let file = |name: &str| {
        rendered
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| &b[..])
            .unwrap_or_else(|| panic!("render produced no {name}"))
    };
    let summary: serde_json::Value =
        serde_json::from_slice(file("summary.json")).expect("summary.json is JSON");
    let money = &summary["money"];
    let m = |k: &str| cents(&money[k], k);
    let (entitled, paid, residual) = (m("entitled"), m("paid"), m("residual"));
    let (fees, costs, admin, awards) = (
        m("attorney_fees"),
        m("litigation_costs"),
        m("administration_costs"),
        m("service_awards"),
    );
    assert_eq!(paid, decisions.money.paid.0);
    assert_eq!(entitled, decisions.money.entitled.0);
    assert!(residual >= 0, "negative residual: {money}");
    if money["gross_fund"].is_null() {
        assert!(data.case.fund.is_none());
        assert!(money["net_fund"].is_null(), "net_fund without a fund: {money}");
        assert_eq!(paid, entitled, "without a fund paid must equal entitled: {money}");
        assert_eq!(
            (fees, costs, admin, awards, residual),
            (0, 0, 0, 0, 0),
            "deductions without a fund: {money}"
        );
    } else {
        let gross = m("gross_fund");
        let net = m("net_fund");
        assert_eq!(
            gross,
            fees + costs + admin + awards + paid + residual,
            "money does not conserve: {money}"
        );
        assert_eq!(net, gross - fees - costs - admin - awards, "net fund: {money}");
        assert!(paid <= net, "paid more than the net fund: {money}");
    }
    // Payment statistics cover payments > 0.
    let positive: Vec<i128> = decisions
        .determinations
        .iter()
        .map(|d| d.payment.0)
        .filter(|&p| p > 0)
        .collect();
    let p = &money["payments"];
    assert_eq!(p["count"].as_u64(), Some(positive.len() as u64), "payments.count: {p}");
    if !positive.is_empty() {
        let (min, max, mean, median) = (
            cents(&p["min"], "payments.min"),
            cents(&p["max"], "payments.max"),
            cents(&p["mean"], "payments.mean"),
            cents(&p["median"], "payments.median"),
        );
        assert_eq!(min, *positive.iter().min().unwrap_or(&0), "payments.min: {p}");
        assert_eq!(max, *positive.iter().max().unwrap_or(&0), "payments.max: {p}");
        assert!(min <= mean && mean <= max, "payments.mean outside [min, max]: {p}");
        assert!(min <= median && median <= max, "payments.median outside [min, max]: {p}");
    }
    // Counts.
    let claims = &summary["claims"];
    let determined = claims["determined"].as_u64().unwrap_or(u64::MAX);
    assert_eq!(determined, decisions.determinations.len() as u64);
    let by_status: u64 = claims["by_status"]
        .as_object()
        .map(|o| o.values().filter_map(|v| v.as_u64()).sum())
        .unwrap_or(0);
    assert_eq!(by_status, determined, "by_status does not add up: {claims}");
    assert_eq!(
        claims["by_status"].as_object().map(|o| o.len()),
        Some(5),
        "by_status must list all five statuses"
    );
    assert_eq!(
        claims["by_reason"].as_object().map(|o| o.len()),
        Some(20),
        "by_reason must list all twenty codes"
    );
    let stats = |f: InputFile| data.inputs.iter().find(|(g, _)| *g == f).map(|(_, s)| s);
    assert_eq!(
        claims["received"].as_u64(),
        stats(InputFile::Claims).map(|s| s.rows),
        "claims.received != rows of claims.csv"
    );
    assert_eq!(
        summary["class_members"].as_u64(),
        stats(InputFile::Members).map(|s| s.accepted),
        "class_members != accepted member rows"
    );
    for (f, s) in &data.inputs {
        let entry = &summary["inputs"][f.name()];
        assert_eq!(entry["rows"].as_u64(), Some(s.rows), "inputs.{f}: {entry}");
        assert_eq!(entry["accepted"].as_u64(), Some(s.accepted), "inputs.{f}: {entry}");
        assert_eq!(entry["rejected"].as_u64(), Some(s.rejected), "inputs.{f}: {entry}");
    }
    assert!(
        summary["inputs"]["case.toml"]["sha256"].is_string(),
        "the case file is missing from inputs"
    );
    // The CSV outputs hold one record per determination / payment / rejected row.
    let records = |name: &str| csv_records(file(name)).saturating_sub(1);
    assert_eq!(records("determinations.csv"), decisions.determinations.len() as u64);
    assert_eq!(records("payments.csv"), positive.len() as u64);
    assert_eq!(records("rejected_rows.csv"), data.rejected.len() as u64);
}
