//! SHA-256 fingerprints of the large input files, computed by a thread of their own while the
//! files are parsed.
//!
//! Hashing is sequential by nature and costs about as much as parsing the evidence on one core.
//! Done by the reading threads, it would have to keep pace with them; done apart, it fills the
//! time a core would otherwise wait (while claims are read, while members are listed, while
//! claims are decided). Each file is therefore read twice, the second time usually from the
//! operating system's cache. So that the fingerprint is that of the bytes parsed, each file's
//! length, modification time and (on Unix) identity and status-change time are taken before any
//! file is read and checked again once all have been: a file changed or replaced in between fails
//! the run.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::ingest::{hex, read_error, InputError, InputFile};

/// What identifies a file's contents cheaply: its length and modification time and, on Unix,
/// the file itself (device and inode) and its status-change time, which no tool can set back
/// (`cp -p`, `rsync -t` or `touch -r` restore the modification time, not this one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Device, inode, status-change seconds and nanoseconds (zero off Unix).
    identity: [i64; 4],
}

pub(crate) fn stamp(path: &Path) -> io::Result<Stamp> {
    let meta = std::fs::metadata(path)?;
    #[cfg(unix)]
    let identity = {
        use std::os::unix::fs::MetadataExt;
        [
            meta.dev() as i64,
            meta.ino() as i64,
            meta.ctime(),
            meta.ctime_nsec(),
        ]
    };
    #[cfg(not(unix))]
    let identity = [0; 4];
    Ok(Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
        identity,
    })
}

/// Files being fingerprinted in the background.
pub struct Fingerprints {
    /// The files, with their stamps taken before any of them was read.
    files: Vec<(InputFile, PathBuf, Stamp)>,
    /// Whether the files are hashed (see [`Fingerprints::start`]).
    hashing: bool,
    worker: Option<JoinHandle<Vec<io::Result<String>>>>,
    /// Tells the thread to stop early: the run ended without needing the hashes.
    cancel: Arc<AtomicBool>,
}

impl Drop for Fingerprints {
    /// A load that fails early drops its fingerprints unfinished: the thread stops reading.
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Fingerprints {
    /// Notes each file's length and modification time (checked again by
    /// [`Fingerprints::finish`]) and, when `hash` is set, starts hashing the files, in order, on a
    /// thread of its own. Without, each hash comes back empty: for a load whose results never
    /// name the files' SHA-256.
    ///
    /// # Errors
    /// [`InputError`] when a file's metadata cannot be read.
    pub fn start(files: Vec<(InputFile, PathBuf)>, hash: bool) -> Result<Fingerprints, InputError> {
        let stamped = stamp_all(files)?;
        let cancel = Arc::new(AtomicBool::new(false));
        let worker = if hash {
            let paths: Vec<PathBuf> = stamped.iter().map(|(_, p, _)| p.clone()).collect();
            let stop = Arc::clone(&cancel);
            std::thread::Builder::new()
                .name("fingerprints".into())
                .spawn(move || paths.iter().map(|p| hash_file(p, &stop)).collect())
                .ok()
        } else {
            None
        };
        Ok(Fingerprints {
            files: stamped,
            hashing: hash,
            worker,
            cancel,
        })
    }

    /// Waits for the hashes and checks that no file changed since the run began. Lower-case hex
    /// SHA-256 per file (empty when started without hashing).
    ///
    /// # Errors
    /// [`InputError`] when a file could not be read, or changed while the run read it.
    pub fn finish(mut self) -> Result<Vec<(InputFile, String)>, InputError> {
        let hashes = match self.worker.take().map(JoinHandle::join) {
            Some(Ok(hashes)) => hashes,
            None if !self.hashing => self.files.iter().map(|_| Ok(String::new())).collect(),
            // No thread could be started (or it stopped): hash here instead.
            _ => self
                .files
                .iter()
                .map(|(_, p, _)| hash_file(p, &AtomicBool::new(false)))
                .collect(),
        };
        let mut out = Vec::with_capacity(hashes.len());
        for ((file, path, before), hash) in std::mem::take(&mut self.files).into_iter().zip(hashes)
        {
            let hash = hash.map_err(|e| read_error(file, 0, e))?;
            let after = stamp(&path).map_err(|e| read_error(file, 0, e))?;
            if after != before {
                return Err(read_error(
                    file,
                    0,
                    io::Error::other("the file changed while it was being read"),
                ));
            }
            out.push((file, hash));
        }
        Ok(out)
    }
}

/// Each file with its stamp, taken now.
fn stamp_all(
    files: Vec<(InputFile, PathBuf)>,
) -> Result<Vec<(InputFile, PathBuf, Stamp)>, InputError> {
    files
        .into_iter()
        .map(|(file, path)| {
            let before = stamp(&path).map_err(|e| read_error(file, 0, e))?;
            Ok((file, path, before))
        })
        .collect()
}

/// The SHA-256 of a file's bytes (an error if `stop` is set meanwhile).
fn hash_file(path: &Path, stop: &AtomicBool) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(io::Error::other("fingerprinting stopped"));
        }
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_the_sha256_of_each_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, b"member_id\nm-1\n").unwrap();
        std::fs::write(&b, b"").unwrap();
        let prints = Fingerprints::start(
            vec![(InputFile::Members, a), (InputFile::Evidence, b)],
            true,
        )
        .unwrap();
        let hashes = prints.finish().unwrap();
        assert_eq!(
            hashes,
            vec![
                (
                    InputFile::Members,
                    hex(&Sha256::digest(b"member_id\nm-1\n"))
                ),
                (
                    InputFile::Evidence,
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into()
                ),
            ]
        );
    }

    #[test]
    fn a_file_changed_during_the_run_fails_it_hashed_or_not() {
        for hash in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("members.csv");
            std::fs::write(&path, b"member_id\nm-1\n").unwrap();
            let prints =
                Fingerprints::start(vec![(InputFile::Members, path.clone())], hash).unwrap();
            std::fs::write(&path, b"member_id\nm-1\nm-2\n").unwrap();
            let error = prints.finish().unwrap_err().to_string();
            assert!(error.contains("members.csv"), "{hash}: {error}");
            assert!(
                error.contains("changed while it was being read"),
                "{hash}: {error}"
            );
        }
    }

    #[test]
    fn without_hashing_each_hash_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, b"member_id\nm-1\n").unwrap();
        std::fs::write(&b, b"member_id\nm-2\n").unwrap();
        let files = vec![(InputFile::Members, a), (InputFile::Evidence, b)];
        let prints = Fingerprints::start(files, false).unwrap();
        assert_eq!(
            prints.finish().unwrap(),
            vec![
                (InputFile::Members, String::new()),
                (InputFile::Evidence, String::new())
            ]
        );
    }

    #[test]
    fn a_same_length_rewrite_with_its_old_modification_time_fails_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("members.csv");
        std::fs::write(&path, b"member_id,country\nm-1,US\n").unwrap();
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        let prints = Fingerprints::start(vec![(InputFile::Members, path.clone())], true).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, b"member_id,country\nm-2,US\n").unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(modified).unwrap();
        drop(file);
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            modified
        );
        let error = prints.finish().unwrap_err().to_string();
        assert!(error.contains("changed while it was being read"), "{error}");
    }

    #[test]
    fn a_file_replaced_by_another_of_the_same_length_and_time_fails_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evidence.csv");
        let other = dir.path().join("evidence.new");
        std::fs::write(&path, b"evidence_id\nev-1\n").unwrap();
        std::fs::write(&other, b"evidence_id\nev-2\n").unwrap();
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::fs::File::options()
            .write(true)
            .open(&other)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        let prints = Fingerprints::start(vec![(InputFile::Evidence, path.clone())], true).unwrap();
        std::fs::rename(&other, &path).unwrap();
        let error = prints.finish().unwrap_err().to_string();
        assert!(error.contains("changed while it was being read"), "{error}");
    }

    #[test]
    fn hashing_stops_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evidence.csv");
        std::fs::write(&path, b"evidence_id\n").unwrap();
        assert!(hash_file(&path, &AtomicBool::new(true)).is_err());
        assert!(hash_file(&path, &AtomicBool::new(false)).is_ok());
    }

    #[test]
    fn a_missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("evidence.csv");
        let error = Fingerprints::start(vec![(InputFile::Evidence, missing)], true)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("evidence.csv"), "{error}");
    }
}
