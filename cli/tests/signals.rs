//! The real binary interrupted: SIGINT, SIGTERM and SIGHUP during `seal` and `open` remove
//! the partial file and exit with 128 + the signal number, promptly; after SIGKILL the
//! partial file stays, and the next run into that folder removes it and says so.

#![cfg(unix)]
// Test helpers: a failed step should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::{T, album, containers, names};

/// The partial files (`.keepsake-*.partial`) in a folder.
fn partials(dir: &Path) -> Vec<String> {
    if !dir.exists() {
        return Vec::new();
    }
    names(dir)
        .into_iter()
        .filter(|n| n.starts_with(".keepsake-") && n.ends_with(".partial"))
        .collect()
}

/// Starts the binary with `args` in the test folder (standard error captured).
fn spawn(t: &T, args: &[std::ffi::OsString]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_keepsake"))
        .current_dir(t.dir.path())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until a partial file appears in `dir` while `child` runs; false if it exited
/// first or 30 s passed.
fn wait_for_partial(child: &mut Child, dir: &Path) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if !partials(dir).is_empty() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal}");
}

/// Waits for `child` at most `limit`; panics (after killing it) if it is still running.
fn wait_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("still running {limit:?} after the signal");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn stderr_of(child: &mut Child) -> String {
    use std::io::Read;
    let mut text = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// A sparse file of `len` bytes: instant to make, seconds to seal.
fn sparse(t: &T, name: &str, len: u64) -> std::path::PathBuf {
    let path = t.path(name);
    std::fs::File::create(&path).unwrap().set_len(len).unwrap();
    path
}

const SIGNALS: [(&str, i32); 3] = [("INT", 130), ("TERM", 143), ("HUP", 129)];

fn seal_args(a: &common::Account, id: &str, input: &Path, out: &str) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec!["seal".into(), "--album".into(), id.into()];
    args.extend(a.unlock());
    args.push(input.into());
    args.extend(["--out".into(), out.into()]);
    args
}

#[test]
fn a_signal_during_seal_removes_the_partial_container_and_exits_128_plus_signo() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    // 4 GiB of zeros take many seconds to seal: the signal comes long before the end.
    let big = sparse(&t, "big.bin", 4 << 30);
    for (signal, code) in SIGNALS {
        let out = t.path(&format!("sealed-{signal}"));
        let mut child = spawn(&t, &seal_args(&a, &id, &big, &format!("sealed-{signal}")));
        assert!(
            wait_for_partial(&mut child, &out),
            "SIG{signal}: the seal ended before writing"
        );
        let sent = Instant::now();
        send(&child, signal);
        let status = wait_within(&mut child, Duration::from_secs(5));
        let took = sent.elapsed();
        assert_eq!(status.code(), Some(code), "SIG{signal}");
        assert!(
            took < Duration::from_secs(3),
            "SIG{signal}: exit took {took:?}"
        );
        assert_eq!(partials(&out), Vec::<String>::new(), "SIG{signal}");
        assert!(containers(&out).is_empty(), "SIG{signal}");
        let err = stderr_of(&mut child);
        assert!(
            err.contains(&format!(
                "interrupted by SIG{signal}; removed 1 partial file(s)"
            )),
            "{err}"
        );
    }
}

#[test]
fn a_signal_during_open_removes_the_partial_plaintext_and_exits_128_plus_signo() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let big = sparse(&t, "movie.bin", 512 << 20);
    let mut child = spawn(&t, &seal_args(&a, &id, &big, "sealed"));
    assert!(child.wait().unwrap().success());
    std::fs::remove_file(&big).unwrap();
    let sealed = containers(&t.path("sealed"));
    assert_eq!(sealed.len(), 1);
    for (signal, code) in SIGNALS {
        let out = t.path(&format!("opened-{signal}"));
        let mut args: Vec<std::ffi::OsString> = vec!["open".into()];
        args.extend(a.unlock());
        args.push(sealed[0].clone().into());
        args.extend(["--out".into(), out.clone().into()]);
        let mut child = spawn(&t, &args);
        assert!(
            wait_for_partial(&mut child, &out),
            "SIG{signal}: the open ended before writing"
        );
        let sent = Instant::now();
        send(&child, signal);
        let status = wait_within(&mut child, Duration::from_secs(5));
        assert_eq!(status.code(), Some(code), "SIG{signal}");
        assert!(sent.elapsed() < Duration::from_secs(3), "SIG{signal}");
        // No plaintext is left, under a final name or a temporary one.
        assert_eq!(names(&out), Vec::<String>::new(), "SIG{signal}");
    }
}

#[test]
fn after_kill_9_the_next_run_removes_the_stale_partial_file_and_says_so() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let big = sparse(&t, "big.bin", 4 << 30);
    let out = t.path("sealed");
    let mut child = spawn(&t, &seal_args(&a, &id, &big, "sealed"));
    assert!(wait_for_partial(&mut child, &out));
    send(&child, "KILL");
    let status = wait_within(&mut child, Duration::from_secs(5));
    assert_eq!(status.code(), None, "killed by the signal, no exit code");
    let left = partials(&out);
    assert_eq!(left.len(), 1, "SIGKILL cannot clean up: {left:?}");

    // The next run into the folder removes it first, and reports the count.
    let small = t.write("small.txt", b"small");
    let run = t
        .cmd()
        .args(seal_args(&a, &id, &small, "sealed"))
        .assert()
        .success();
    let err = common::text(&run.get_output().stderr);
    assert!(
        err.contains("removed 1 stale partial file(s) left by an interrupted run in sealed"),
        "{err}"
    );
    assert_eq!(partials(&out), Vec::<String>::new());
    assert_eq!(containers(&out).len(), 1);

    // With --quiet the same clean-up is silent; `open` cleans its folder too.
    let restored = t.path("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::write(restored.join(".keepsake-stale1.partial"), b"old plaintext").unwrap();
    std::fs::write(restored.join(".keepsake-stale2.partial"), b"old plaintext").unwrap();
    let run = t
        .cmd()
        .args(["open", "--quiet"])
        .args(a.unlock())
        .args(containers(&out))
        .args(["--out", "restored"])
        .assert()
        .success();
    assert_eq!(common::text(&run.get_output().stderr), "");
    assert_eq!(names(&restored), vec!["small.txt"]);
    std::fs::write(restored.join(".keepsake-stale3.partial"), b"old plaintext").unwrap();
    let run = t
        .cmd()
        .arg("open")
        .args(a.unlock())
        .args(containers(&out))
        .args(["--out", "restored", "--force"])
        .assert()
        .success();
    assert!(
        common::text(&run.get_output().stderr).contains("removed 1 stale partial file(s)"),
        "{}",
        common::text(&run.get_output().stderr)
    );
    assert_eq!(names(&restored), vec!["small.txt"]);
}

#[test]
fn ctrl_c_during_the_key_derivation_exits_130_at_once_and_writes_nothing() {
    let t = T::new();
    // The desktop profile (256 MiB, 6 passes) runs long enough to be interrupted.
    let mut child = Command::new(env!("CARGO_BIN_EXE_keepsake"))
        .current_dir(t.dir.path())
        .args(["init", "--kdf-profile", "desktop", "--account", "a.json"])
        .env(
            "KEEPSAKE_PASSPHRASE",
            "copper lantern drifts over quiet marmalade hills",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    assert!(
        child.try_wait().unwrap().is_none(),
        "init ended before the signal"
    );
    let sent = Instant::now();
    send(&child, "INT");
    let status = wait_within(&mut child, Duration::from_secs(5));
    assert_eq!(status.code(), Some(130));
    assert!(
        sent.elapsed() < Duration::from_secs(1),
        "{:?}",
        sent.elapsed()
    );
    assert_eq!(names(t.dir.path()), Vec::<String>::new());
}

#[test]
fn ctrl_c_at_the_passphrase_prompt_exits_130_with_echo_back_on() {
    if !Path::new("/usr/bin/script").exists() || !Path::new("/bin/bash").exists() {
        eprintln!("skipped: needs /usr/bin/script and /bin/bash for a terminal");
        return;
    }
    use std::io::{Read, Write};
    let t = T::new();
    let a = t.init("alice", "pw");
    // `script` gives the binary a terminal; a ^C byte written to it becomes SIGINT for the
    // foreground process, as a key press would.
    t.write(
        "prompt.sh",
        format!(
            "\"$K\" whoami --account '{}'\necho code=$?\nstty -a | grep -o -- '-*echo '\n",
            a.file.display()
        )
        .as_bytes(),
    );
    let mut child = Command::new("/usr/bin/script")
        .args(["-qec", "/bin/bash ./prompt.sh", "/dev/null"])
        .env("K", env!("CARGO_BIN_EXE_keepsake"))
        .current_dir(t.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = std::sync::Arc::clone(&seen);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    // Press ^C once the prompt is shown.
    let start = Instant::now();
    while !String::from_utf8_lossy(&seen.lock().unwrap()).contains("Passphrase:") {
        assert!(start.elapsed() < Duration::from_secs(20), "no prompt");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\x03").unwrap();
    stdin.flush().unwrap();
    wait_within(&mut child, Duration::from_secs(10));
    drop(stdin);
    reader.join().unwrap();
    let shown = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    assert!(shown.contains("Passphrase:"), "{shown}");
    assert!(shown.contains("code=130"), "{shown}");
    assert!(shown.contains("\necho "), "echo is back on: {shown}");
    assert!(!shown.contains("-echo"), "{shown}");
}
