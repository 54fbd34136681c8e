//! Every input the fuzzers (`fuzz/`) found crashing, replayed through the library on each test
//! run: it must now load without a panic and account for every row.
//!
//! A file `fuzz/regressions/TARGET-N.bin` is read the way the fuzz target TARGET reads its input
//! (see `fuzz/src/lib.rs`): for a CSV target the first byte chooses whether the file's header is
//! prepended (even) and the rest is the file; `case_file` is the whole input; `data_folder` splits
//! the input at 0xFF bytes into case.toml and the six CSV files.

use std::fs;
use std::path::{Path, PathBuf};

use premium_claims::internals::input::parallel::Parallelism;
use premium_claims::internals::input::InputFile;
use premium_claims::internals::output;
use premium_claims::{decide, DataFolder, NoProgress};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn minimal(name: &str) -> Vec<u8> {
    fs::read(root().join("tests/data/minimal").join(name)).unwrap()
}

/// Data records in a CSV file as the `csv` crate counts them (header excluded).
fn records_in(path: &Path) -> u64 {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap();
    let mut record = csv::ByteRecord::new();
    let mut n = 0u64;
    while reader.read_byte_record(&mut record).unwrap_or(false) {
        n += 1;
    }
    n.saturating_sub(1)
}

/// Loads, decides and renders a folder with several split sizes: no panic, every record of every
/// file either used or rejected, and the same result whatever the split.
fn replay(dir: &Path) {
    let mut first: Option<(Vec<u8>, Vec<u8>)> = None;
    for min_chunk_bytes in [u64::MAX, 64, 1] {
        let mut folder = DataFolder::new(dir);
        folder = folder.with_parallelism(Parallelism {
            threads: 2,
            min_chunk_bytes,
        });
        let Ok(data) = folder.load(&mut NoProgress) else {
            continue; // a fatal error is an acceptable answer; a panic is not
        };
        for (file, stats) in &data.inputs {
            assert_eq!(stats.rows, stats.accepted + stats.rejected, "{file}");
            assert_eq!(
                stats.rows,
                records_in(&dir.join(file.name())),
                "{file}: a record was lost"
            );
            let listed = data.rejected.iter().filter(|r| r.file == *file).count() as u64;
            assert_eq!(listed, stats.rejected, "{file}");
        }
        if let Ok(decisions) = decide(&data) {
            output::render(&data, &decisions).unwrap();
            let result = (
                output::determinations_csv(&decisions).unwrap(),
                output::rejected_rows_csv(&data).unwrap(),
            );
            match &first {
                None => first = Some(result),
                Some(expected) => assert_eq!(
                    &result, expected,
                    "the result depends on the split ({min_chunk_bytes})"
                ),
            }
        }
    }
}

#[test]
fn every_saved_fuzz_crash_now_loads_cleanly() {
    let dir = root().join("fuzz/regressions");
    let mut replayed = 0;
    for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some((target, _)) = name.rsplit_once('-') else {
            continue;
        };
        let input = fs::read(&path).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        for f in [
            "case.toml",
            "members.csv",
            "subscriptions.csv",
            "evidence.csv",
            "opt_outs.csv",
            "claims.csv",
            "cures.csv",
        ] {
            fs::write(tmp.path().join(f), minimal(f)).unwrap();
        }
        match target {
            "case_file" => {
                let _ = String::from_utf8_lossy(&input).parse::<premium_claims::Case>();
                continue;
            }
            "data_folder" => {
                let names = [
                    "case.toml",
                    "members.csv",
                    "subscriptions.csv",
                    "evidence.csv",
                    "opt_outs.csv",
                    "claims.csv",
                    "cures.csv",
                ];
                for (part, name) in input.split(|&b| b == 0xFF).zip(names) {
                    fs::write(tmp.path().join(name), part).unwrap();
                }
            }
            csv => {
                let file = InputFile::ALL
                    .into_iter()
                    .find(|f| f.name() == format!("{csv}.csv"))
                    .unwrap_or_else(|| panic!("unknown target {csv}"));
                let (mode, rest) = input.split_first().unwrap();
                let mut bytes = Vec::new();
                if mode & 1 == 0 {
                    let base = minimal(file.name());
                    let header_end = base.iter().position(|&b| b == b'\n').unwrap();
                    bytes.extend_from_slice(&base[..=header_end]);
                }
                bytes.extend_from_slice(rest);
                fs::write(tmp.path().join(file.name()), bytes).unwrap();
            }
        }
        replay(tmp.path());
        replayed += 1;
    }
    assert!(
        replayed > 0 || !dir.exists(),
        "no regression input replayed from {}",
        dir.display()
    );
}
