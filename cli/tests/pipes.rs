//! The binary in pipes and scripts: a closed standard output exits 141 silently, a full
//! disk is an I/O error (1), binary output to a terminal is refused unless forced, and
//! `--out` naming a file or a range past the end are usage errors (64).

#![cfg(unix)]
// Test helpers: a failed step should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{T, album, containers, data, names, text};
use predicates::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_keepsake");

/// An account, a sealed file of `len` bytes and its container.
fn sealed(t: &T, len: usize) -> (common::Account, Vec<u8>, PathBuf) {
    let a = t.init("alice", "pw");
    let id = album(t);
    let plain = data(len, 7);
    let src = t.write("in/video.mov", &plain);
    t.cmd()
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .arg(&src)
        .args(["--out", "sealed"])
        .assert()
        .success();
    let container = containers(&t.path("sealed")).remove(0);
    (a, plain, container)
}

/// Runs `script` with `sh -c` in the test folder, `$K` being the binary.
fn sh(t: &T, script: &str) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("K", BIN)
        .current_dir(t.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display())
}

#[test]
fn a_closed_stdout_ends_quietly_with_141() {
    let t = T::new();
    let (a, plain, container) = sealed(&t, 5 << 20);
    // `inspect | true`: the reader is gone before the write (it panicked with 101 before).
    let out = sh(
        &t,
        &format!(
            "(sleep 0.3; \"$K\" inspect {} 2>inspect.err; echo $? >inspect.code) | true",
            quoted(&container)
        ),
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(t.path("inspect.code")).unwrap(),
        "141\n"
    );
    assert_eq!(std::fs::read_to_string(t.path("inspect.err")).unwrap(), "");

    // `open --stdout | head -c 10`: head takes its 10 bytes and leaves (it exited 3 before).
    let unlock: Vec<String> = a
        .unlock()
        .iter()
        .map(|s| format!("'{}'", s.to_string_lossy()))
        .collect();
    let out = sh(
        &t,
        &format!(
            "(\"$K\" open {} --stdout {} 2>open.err; echo $? >open.code) | head -c 10",
            unlock.join(" "),
            quoted(&container)
        ),
    );
    assert_eq!(out.stdout, &plain[..10]);
    assert_eq!(
        std::fs::read_to_string(t.path("open.code")).unwrap(),
        "141\n"
    );
    assert_eq!(std::fs::read_to_string(t.path("open.err")).unwrap(), "");

    // Help into a closed pipe, too.
    let out = sh(
        &t,
        "(sleep 0.3; \"$K\" --help 2>help.err; echo $? >help.code) | true",
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(t.path("help.code")).unwrap(),
        "141\n"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_io_error_not_a_refusal() {
    let t = T::new();
    let (a, _, container) = sealed(&t, 200_000);
    let full = || {
        Stdio::from(
            std::fs::File::options()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
    };
    let out = Command::new(BIN)
        .current_dir(t.dir.path())
        .arg("open")
        .args(a.unlock())
        .arg(&container)
        .arg("--stdout")
        .stdout(full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("No space left on device"),
        "{}",
        text(&out.stderr)
    );
    let out = Command::new(BIN)
        .current_dir(t.dir.path())
        .arg("inspect")
        .arg(&container)
        .stdout(full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("standard output: No space left on device"));
}

/// Runs `args` under `script`, which gives the binary a terminal; `None` if `script` is
/// missing here.
fn on_a_terminal(t: &T, args: &str) -> Option<(i32, String)> {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script to give the binary a terminal");
        return None;
    }
    let out = Command::new("/usr/bin/script")
        .args(["-qec", &format!("\"$K\" {args}"), "/dev/null"])
        .env("K", BIN)
        .current_dir(t.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Some((out.status.code().unwrap_or(-1), text(&out.stdout)))
}

#[test]
fn binary_output_to_a_terminal_is_refused_unless_forced() {
    let t = T::new();
    let (a, _, container) = sealed(&t, 1000);
    let unlock: Vec<String> = a
        .unlock()
        .iter()
        .map(|s| format!("'{}'", s.to_string_lossy()))
        .collect();
    let base = format!("open {} --stdout {}", unlock.join(" "), quoted(&container));
    let Some((code, shown)) = on_a_terminal(&t, &base) else {
        return;
    };
    assert_eq!(code, 64, "{shown}");
    assert!(
        shown.contains("refusing to write binary data to a terminal"),
        "{shown}"
    );
    let (code, _) = on_a_terminal(&t, &format!("{base} --force-tty")).unwrap();
    assert_eq!(code, 0);
    // --force-tty means nothing without --stdout.
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .arg(&container)
        .args(["--out", "x", "--force-tty"])
        .assert()
        .code(64);
}

#[test]
fn progress_is_drawn_only_on_a_terminal() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let big = t.path("big.bin");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(256 << 20)
        .unwrap();
    let out = t
        .cmd()
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .arg(&big)
        .args(["--out", "piped"])
        .assert()
        .success();
    let err = text(&out.get_output().stderr);
    assert!(
        !err.contains("sealing"),
        "no progress bar into a pipe: {err}"
    );
    let unlock: Vec<String> = a
        .unlock()
        .iter()
        .map(|s| format!("'{}'", s.to_string_lossy()))
        .collect();
    let args = format!(
        "seal --album {id} {} {} --out tty",
        unlock.join(" "),
        quoted(&big)
    );
    let Some((code, shown)) = on_a_terminal(&t, &args) else {
        return;
    };
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("sealing ["),
        "a progress bar on a terminal: {shown}"
    );
    let (code, shown) = on_a_terminal(&t, &format!("--quiet {args}2")).unwrap();
    assert_eq!(code, 0, "{shown}");
    assert!(!shown.contains("sealing ["), "--quiet hides it: {shown}");
}

#[test]
fn out_naming_a_file_and_a_range_past_the_end_are_usage_errors() {
    let t = T::new();
    let (a, _, container) = sealed(&t, 300_000);
    let id = album(&t);
    t.write("taken.txt", b"a file, not a folder");
    t.cmd()
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .arg("in/video.mov")
        .args(["--out", "taken.txt"])
        .assert()
        .code(64)
        .stderr(predicate::str::contains("is a file, not a folder"));
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .arg(&container)
        .args(["--out", "taken.txt"])
        .assert()
        .code(64)
        .stderr(predicate::str::contains("is a file, not a folder"));
    assert_eq!(
        std::fs::read(t.path("taken.txt")).unwrap(),
        b"a file, not a folder"
    );
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .arg(&container)
        .args(["--range", "400000:10", "--out", "parts"])
        .assert()
        .code(64)
        .stderr(predicate::str::contains("300000-byte plaintext"));
    assert_eq!(names(&t.path("parts")), Vec::<String>::new());
}
