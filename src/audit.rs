//! Proving outputs: `verify` compares an output folder with what the rules produce now, and the
//! outputs are written all or nothing.

use std::fs;
use std::io;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::ingest::hex;

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verification {
    /// Files compared.
    pub checked: Vec<String>,
    /// Every difference, in words.
    pub differences: Vec<String>,
}

/// Compares an output folder with freshly `rendered` outputs of the same inputs, and the folder's
/// files with the fingerprints its own `summary.json` (or a distribution's `accounting.json`)
/// recorded. A rendered set without `summary.json` (a census, [`crate::Exposure::render`])
/// records no fingerprints: its files are compared byte for byte only.
///
/// # Errors
/// Only when `out` cannot be read at all; every difference is a [`Verification::differences`]
/// entry, not an error.
///
/// # Examples
///
/// ```
/// use premium_claims::{decide, render, verify, DataFolder, NoProgress};
///
/// let data = DataFolder::new("examples/data/linkedin-premium").load(&mut NoProgress)?;
/// let rendered = render(&data, &decide(&data)?)?;
/// let out = std::env::temp_dir().join(format!("pc-verify-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&out)?;
/// for (name, bytes) in &rendered {
///     std::fs::write(out.join(name), bytes)?;
/// }
/// assert!(verify(&out, &rendered)?.differences.is_empty());
///
/// std::fs::write(out.join("payments.csv"), "claim_id\n")?; // tampered with
/// assert!(!verify(&out, &rendered)?.differences.is_empty());
/// std::fs::remove_dir_all(&out)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(out: &Path, rendered: &[(&str, Vec<u8>)]) -> io::Result<Verification> {
    let mut v = Verification::default();
    if !out.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{}: not an output folder", out.display()),
        ));
    }
    let read_json = |name: &str| -> Option<Value> {
        fs::read(out.join(name))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    };
    let recorded: Option<Value> = read_json("summary.json");
    // A distribution's accounting.json fingerprints the distribution's other files.
    let accounting: Option<Value> = read_json("accounting.json");
    for (name, fresh) in rendered {
        v.checked.push((*name).to_string());
        let Ok(on_disk) = fs::read(out.join(name)) else {
            v.differences
                .push(format!("{name}: missing from {}", out.display()));
            continue;
        };
        let fingerprint = |json: &Option<Value>| {
            json.as_ref()
                .and_then(|r| r["outputs"][*name]["sha256"].as_str().map(str::to_string))
        };
        let expected = fingerprint(&recorded)
            .map(|sha| (sha, "summary.json"))
            .or_else(|| fingerprint(&accounting).map(|sha| (sha, "accounting.json")));
        if let Some((expected, by)) = expected {
            let actual = hex(&Sha256::digest(&on_disk));
            if actual != expected {
                v.differences.push(format!("{name}: sha256 {actual} differs from the {expected} recorded in {by} (the file was changed after the run)"));
            }
        }
        if on_disk == *fresh {
            continue;
        }
        if *name == "summary.json" {
            // Compared byte for byte; the JSON differences, by key, say where when they can.
            let fresh: Value = serde_json::from_slice(fresh).map_err(io::Error::other)?;
            let before = v.differences.len();
            match serde_json::from_slice::<Value>(&on_disk) {
                Ok(old) => json_differences("", &old, &fresh, &mut v.differences),
                Err(e) => v
                    .differences
                    .push(format!("summary.json: not valid JSON ({e})")),
            }
            if v.differences.len() == before {
                v.differences.push(
                    "summary.json: the bytes differ from the re-run's though the values read the same (keys repeated, reordered or re-spaced)".into(),
                );
            }
        } else {
            // The first differing line, by number and, for the CSV files, the claim id or file it
            // starts with: rows hold names and emails, which are not echoed.
            let old_text = String::from_utf8_lossy(&on_disk);
            let new_text = String::from_utf8_lossy(fresh);
            let (mut old_lines, mut new_lines) = (old_text.lines(), new_text.lines());
            let mut line = 1;
            loop {
                match (old_lines.next(), new_lines.next()) {
                    (Some(a), Some(b)) if a == b => line += 1,
                    (a, b) => {
                        let key = |l: Option<&str>| match l {
                            None => "<end of file>".to_string(),
                            Some(l) if name.ends_with(".csv") => {
                                format!("row of {}", l.split(',').next().unwrap_or(""))
                            }
                            Some(_) => "a line".to_string(),
                        };
                        v.differences.push(format!(
                            "{name}:{line}: the recorded file has {}, the re-run {} (rows are not shown: they may hold personal data)",
                            key(a),
                            key(b)
                        ));
                        break;
                    }
                }
            }
        }
    }
    // A census (`exposure`) records no fingerprints: its files are compared byte for byte only.
    if recorded.is_none() && rendered.iter().any(|(name, _)| *name == "summary.json") {
        v.differences
            .push("summary.json: missing or unreadable, so no fingerprints to check".into());
    }
    Ok(v)
}

/// Lists where two JSON documents differ, by dotted path.
fn json_differences(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match b.get(k) {
                    Some(vb) => json_differences(&p, va, vb, out),
                    None => out.push(format!(
                        "summary.json: {p}: recorded but not produced by the re-run"
                    )),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                out.push(format!(
                    "summary.json: {p}: produced by the re-run but not recorded"
                ));
            }
        }
        (a, b) if a != b => out.push(format!(
            "summary.json: {path}: recorded {a}, re-run gives {b}"
        )),
        _ => {}
    }
}

/// Every file name this crate writes into an output folder; a folder holding anything else is
/// not one of its output folders.
pub const OUTPUT_NAMES: [&str; 14] = [
    "determinations.csv",
    "payments.csv",
    "rejected_rows.csv",
    "summary.json",
    "report.md",
    "exposure.csv",
    "exposure.json",
    "comparison.csv",
    "comparison.json",
    "ledger.csv",
    "second_payments.csv",
    "tax_1099.csv",
    "accounting.json",
    "accounting.md",
];

/// Refuses an output path that is not this crate's to replace: an existing file, or a folder
/// holding anything but output files of this crate (a run replaces the whole folder).
///
/// # Errors
/// A message saying why `out` cannot be used.
pub fn check_out_dir(out: &Path) -> Result<(), String> {
    match fs::symlink_metadata(out) {
        Err(_) => return Ok(()),
        Ok(m) if !m.is_dir() => {
            return Err(format!(
                "{}: --out names an existing file, not a folder",
                out.display()
            ))
        }
        Ok(_) => {}
    }
    let entries = fs::read_dir(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut foreign = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", out.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || !OUTPUT_NAMES.contains(&name.as_str()) {
            foreign.push(name);
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
    Err(format!(
        "{}: holds {} that premium-claims did not write ({}{}); --out must name a folder of its own, which each run replaces as a whole",
        out.display(),
        if foreign.len() == 1 { "an entry" } else { "entries" },
        shown.join(", "),
        if foreign.len() > shown.len() { ", ..." } else { "" }
    ))
}

/// Writes `files` as the whole content of the folder `out`, all or nothing, even if the process is
/// killed at any instant: the set is written and synced into a staging folder beside `out`, then
/// switched with `out` in one atomic exchange (`renameat2` with `RENAME_EXCHANGE`), so that any
/// reader sees either the whole previous set or the whole new one; the previous set is then
/// removed. Runs on the same parent folder are serialised by a lock, and a run removes the
/// staging folders a killed run left behind. `out` must be absent or hold only this crate's
/// output files ([`check_out_dir`]).
///
/// Where the exchange is not supported (not Linux, or a file system without it), the previous set
/// is renamed aside, the new one renamed in, and the previous one removed; a run killed between
/// the two renames leaves no `out` but the previous set beside it, which the next run puts back
/// before it starts.
///
/// # Errors
/// The I/O error, with the path it concerns; a folder `out` holding other files.
pub fn write_atomically(out: &Path, files: &[(&str, Vec<u8>)]) -> io::Result<()> {
    let name = out
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{}: not a folder name", out.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    fs::create_dir_all(&parent).map_err(|e| with_path(e, &parent))?;
    let _lock = lock_folder(&parent)?;
    let staging_prefix = format!(".{name}.staging-");
    let previous_prefix = format!(".{name}.previous-");
    recover(out, &parent, &staging_prefix, &previous_prefix)?;
    check_out_dir(out).map_err(io::Error::other)?;

    let pid = std::process::id();
    let staging = parent.join(format!("{staging_prefix}{pid}"));
    let result = (|| {
        fs::create_dir(&staging).map_err(|e| with_path(e, &staging))?;
        for (file, bytes) in files {
            let path = staging.join(file);
            let mut f = fs::File::create(&path).map_err(|e| with_path(e, &path))?;
            io::Write::write_all(&mut f, bytes).map_err(|e| with_path(e, &path))?;
            f.sync_all().map_err(|e| with_path(e, &path))?;
        }
        sync_folder(&staging)?;
        if fs::symlink_metadata(out).is_err() {
            fs::rename(&staging, out).map_err(|e| with_path(e, out))?;
        } else if exchange(&staging, out).is_err() {
            let previous = parent.join(format!("{previous_prefix}{pid}"));
            fs::rename(out, &previous).map_err(|e| with_path(e, out))?;
            if let Err(e) = fs::rename(&staging, out) {
                // Put the previous set back; never leave the folder without it.
                let _ = fs::rename(&previous, out);
                return Err(with_path(e, out));
            }
            sync_folder(&parent)?;
            let _ = fs::remove_dir_all(&previous);
            return Ok(());
        }
        sync_folder(&parent)?;
        Ok(())
    })();
    // After an exchange the staging path holds the previous set; after a failure, a partial one.
    let _ = fs::remove_dir_all(&staging);
    result
}

/// Puts back a previous set a killed run left aside, and removes staging folders of killed runs
/// (the lock is held: no other run is writing).
fn recover(out: &Path, parent: &Path, staging: &str, previous: &str) -> io::Result<()> {
    let mut aside = Vec::new();
    for entry in fs::read_dir(parent).map_err(|e| with_path(e, parent))? {
        let entry = entry.map_err(|e| with_path(e, parent))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        if file.starts_with(staging) {
            let _ = fs::remove_dir_all(entry.path());
        } else if file.starts_with(previous) {
            aside.push(entry.path());
        }
    }
    for path in aside {
        if fs::symlink_metadata(out).is_err() {
            fs::rename(&path, out).map_err(|e| with_path(e, out))?;
        } else {
            let _ = fs::remove_dir_all(&path);
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// An exclusive lock on a folder, held until dropped: a second run on the same output folder
/// waits for the first instead of interleaving with it.
#[cfg(target_os = "linux")]
fn lock_folder(folder: &Path) -> io::Result<fs::File> {
    use rustix::fs::{flock, FlockOperation};
    let handle = fs::File::open(folder).map_err(|e| with_path(e, folder))?;
    if flock(&handle, FlockOperation::NonBlockingLockExclusive).is_err() {
        eprintln!(
            "waiting for another premium-claims run writing into {}",
            folder.display()
        );
        flock(&handle, FlockOperation::LockExclusive)
            .map_err(|e| with_path(io::Error::from(e), folder))?;
    }
    Ok(handle)
}

#[cfg(not(target_os = "linux"))]
fn lock_folder(folder: &Path) -> io::Result<fs::File> {
    fs::File::open(folder).map_err(|e| with_path(e, folder))
}

/// Makes a folder's entries durable (its renames and new files survive a power loss).
fn sync_folder(folder: &Path) -> io::Result<()> {
    match fs::File::open(folder).and_then(|f| f.sync_all()) {
        Ok(()) => Ok(()),
        // Some systems cannot sync a folder handle; the files themselves are synced.
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        Err(e) => Err(with_path(e, folder)),
    }
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
