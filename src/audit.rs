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
/// files with the fingerprints its own `summary.json` recorded.
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
    let recorded: Option<Value> = fs::read(out.join("summary.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    for (name, fresh) in rendered {
        v.checked.push((*name).to_string());
        let Ok(on_disk) = fs::read(out.join(name)) else {
            v.differences
                .push(format!("{name}: missing from {}", out.display()));
            continue;
        };
        if let Some(expected) = recorded
            .as_ref()
            .and_then(|r| r["outputs"][*name]["sha256"].as_str())
        {
            let actual = hex(&Sha256::digest(&on_disk));
            if actual != expected {
                v.differences.push(format!("{name}: sha256 {actual} differs from the {expected} recorded in summary.json (the file was changed after the run)"));
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
    if recorded.is_none() {
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

/// Refuses an output path that is an existing file rather than a folder.
///
/// # Errors
/// A message saying why `out` cannot be used.
pub fn check_out_dir(out: &Path) -> Result<(), String> {
    if out.exists() && !out.is_dir() {
        return Err(format!(
            "{}: --out names an existing file, not a folder",
            out.display()
        ));
    }
    Ok(())
}

/// Writes `files` into the folder `out` all or nothing. Every file is first written into a
/// staging folder inside `out`; only then are earlier outputs of the same names set aside and
/// the new ones moved in, and if a move fails the earlier ones are put back. Other files in `out`
/// are never touched, and `out` itself is never replaced (a shell may be standing in it).
///
/// # Errors
/// The I/O error, with the path it concerns.
pub fn write_atomically(out: &Path, files: &[(&str, Vec<u8>)]) -> io::Result<()> {
    fs::create_dir_all(out).map_err(|e| with_path(e, out))?;
    let pid = std::process::id();
    let staging = out.join(format!(".premium-claims-partial-{pid}"));
    let previous = out.join(format!(".premium-claims-previous-{pid}"));
    let _ = fs::remove_dir_all(&staging);
    let _ = fs::remove_dir_all(&previous);
    let result = (|| {
        fs::create_dir(&staging).map_err(|e| with_path(e, &staging))?;
        for (name, bytes) in files {
            let path = staging.join(name);
            fs::write(&path, bytes).map_err(|e| with_path(e, &path))?;
        }
        fs::create_dir(&previous).map_err(|e| with_path(e, &previous))?;
        let mut set_aside = Vec::new();
        let mut moved_in = Vec::new();
        let swap = (|| {
            for (name, _) in files {
                let target = out.join(name);
                if target.exists() {
                    fs::rename(&target, previous.join(name)).map_err(|e| with_path(e, &target))?;
                    set_aside.push(*name);
                }
            }
            for (name, _) in files {
                let target = out.join(name);
                fs::rename(staging.join(name), &target).map_err(|e| with_path(e, &target))?;
                moved_in.push(*name);
            }
            Ok(())
        })();
        if swap.is_err() {
            // Put the earlier set back as it was.
            for name in &moved_in {
                let _ = fs::remove_file(out.join(name));
            }
            for name in &set_aside {
                let _ = fs::rename(previous.join(name), out.join(name));
            }
        }
        swap
    })();
    let _ = fs::remove_dir_all(&staging);
    let _ = fs::remove_dir_all(&previous);
    result
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
