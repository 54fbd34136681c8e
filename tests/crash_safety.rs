//! All or nothing under kill -9: a run killed at any file operation of its write phase leaves the
//! output folder, as any reader sees it, holding the whole previous set or the whole new set,
//! byte for byte; the next run leaves no debris. The kills are injected with `strace`
//! (`-e inject=SYSCALL:signal=KILL:when=N`) at every call of each syscall the writing makes; where
//! `strace` is not installed the test says so and checks nothing else.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

type Set = BTreeMap<String, Vec<u8>>;

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/linkedin-premium")
}

/// `process` on the example with `case` into `out`, optionally under strace with a kill injected.
fn process(case: &str, out: &Path, inject: Option<(&str, u32)>) -> std::process::ExitStatus {
    let bin = env!("CARGO_BIN_EXE_premium-claims");
    let dir = example();
    let args = [
        "process".to_string(),
        dir.display().to_string(),
        "--case".into(),
        dir.join(case).display().to_string(),
        "--out".into(),
        out.display().to_string(),
        "--quiet".into(),
    ];
    let mut cmd = match inject {
        None => Command::new(bin),
        Some((syscall, n)) => {
            let mut c = Command::new("strace");
            c.args(["-f", "-qq", "-o", "/dev/null", "-e"])
                .arg(format!("inject={syscall}:signal=KILL:when={n}"))
                .arg(bin);
            c
        }
    };
    cmd.args(args).output().expect("runs").status
}

fn read_set(out: &Path) -> Option<Set> {
    let mut set = Set::new();
    for entry in fs::read_dir(out).ok()? {
        let entry = entry.ok()?;
        set.insert(
            entry.file_name().to_string_lossy().into_owned(),
            fs::read(entry.path()).ok()?,
        );
    }
    Some(set)
}

#[test]
fn a_run_killed_at_any_write_operation_leaves_the_old_set_or_the_new_one() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("strace is not installed: the kill points are not exercised here");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(process("case.toml", &out, None).success());
    let old = read_set(&out).unwrap();
    assert!(process("settlement.toml", &out, None).success());
    let new = read_set(&out).unwrap();
    assert_ne!(old, new);
    assert_eq!(old.len(), 5);

    let mut kills = 0;
    for syscall in [
        "write",
        "fsync",
        "mkdir",
        "rename",
        "renameat2",
        "unlinkat",
        "rmdir",
    ] {
        for n in 1.. {
            // Start from the old set, then run towards the new one with a kill at call n.
            fs::remove_dir_all(&out).unwrap();
            assert!(process("case.toml", &out, None).success());
            let status = process("settlement.toml", &out, Some((syscall, n)));
            let seen = read_set(&out);
            assert!(
                seen.as_ref() == Some(&old) || seen.as_ref() == Some(&new),
                "killed at {syscall} #{n}: the output folder is neither set: {:?}",
                seen.map(|s| s.keys().cloned().collect::<Vec<_>>())
            );
            // The next run completes and leaves nothing of the killed one behind.
            assert!(process("settlement.toml", &out, None).success());
            assert_eq!(read_set(&out).as_ref(), Some(&new));
            let debris: Vec<String> = fs::read_dir(tmp.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n != "out")
                .collect();
            assert!(debris.is_empty(), "after {syscall} #{n}: {debris:?}");
            if status.success() {
                break; // no call number n: every call of this syscall has been a kill point
            }
            kills += 1;
            assert!(n < 500, "{syscall}: the run never completes");
        }
    }
    assert!(kills > 10, "only {kills} kill points reached");
}

/// A second run on an output folder another run is writing waits for it, saying so, and then
/// writes its own whole set: the two never interleave.
#[cfg(target_os = "linux")]
#[test]
fn a_run_waits_for_the_lock_of_another_on_the_same_output_folder() {
    use rustix::fs::{flock, FlockOperation};
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // Stand in for a run in its write phase: hold the lock it takes.
    let holder = fs::File::open(tmp.path()).unwrap();
    flock(&holder, FlockOperation::LockExclusive).unwrap();
    let dir = example();
    let mut child = Command::new(env!("CARGO_BIN_EXE_premium-claims"))
        .args([
            "process",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run did not wait for the lock"
    );
    assert!(!out.exists(), "the run wrote while the lock was held");
    drop(holder);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("waiting for another premium-claims run"),
        "{stderr}"
    );
    assert_eq!(read_set(&out).unwrap().len(), 5);
}

/// A switch that fails (every rename refused with EIO) fails the run and leaves the previous set
/// in place, whole: a failed run never deletes the outputs it could not replace.
#[test]
fn a_failed_switch_keeps_the_previous_outputs() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("strace is not installed: the failed switch is not exercised here");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(process("case.toml", &out, None).success());
    let old = read_set(&out).unwrap();
    for (syscalls, when) in [
        ("renameat2,rename", "1+"),
        ("renameat2,rename", "2+"),
        ("renameat2,rename", "3+"),
        ("renameat2", "1+"),
        ("rename", "1+"),
    ] {
        let bin = env!("CARGO_BIN_EXE_premium-claims");
        let dir = example();
        let status = Command::new("strace")
            .args(["-f", "-qq", "-o", "/dev/null", "-e"])
            .arg(format!("inject={syscalls}:error=EIO:when={when}"))
            .arg(bin)
            .args(["process", dir.to_str().unwrap(), "--case"])
            .arg(dir.join("settlement.toml"))
            .args(["--out", out.to_str().unwrap(), "--quiet"])
            .status()
            .unwrap();
        let now = read_set(&out);
        if status.success() {
            // One of the two ways to switch was left working: the new set is in place, whole.
            assert_eq!(now.map(|s| s.len()), Some(5), "{syscalls}");
        } else {
            assert_eq!(
                now.as_ref(),
                Some(&old),
                "{syscalls}: the previous set was lost"
            );
        }
        // The next run cleans up and writes the new set.
        assert!(process("case.toml", &out, None).success());
        assert_eq!(read_set(&out).as_ref(), Some(&old));
    }
}
