//! Secrets from where scripts keep them: standard input, a command, the environment;
//! passphrase strength at `init` and `passwd`; the recovery phrase in numbered columns;
//! every path checked before Argon2id runs.

// Test helpers: a failed step should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{T, album, identity_of, text};
use predicates::prelude::*;

const STRONG: &str = "copper lantern drifts over quiet marmalade hills";

#[test]
fn the_passphrase_comes_from_stdin_a_command_or_the_environment() {
    let t = T::new();
    let a = t.init("alice", "pw for scripts");
    let who = |t: &T| {
        let mut c = t.cmd();
        c.args(["whoami", "--account"]).arg(&a.file);
        c
    };
    // Standard input.
    let out = who(&t)
        .args(["--passphrase-file", "-"])
        .write_stdin("pw for scripts\n")
        .assert()
        .success();
    assert_eq!(identity_of(&text(&out.get_output().stdout)), a.digest);
    // A command, its trailing newline stripped.
    let out = who(&t)
        .args(["--passphrase-command", "printf 'pw for scripts\\n'"])
        .assert()
        .success();
    assert_eq!(identity_of(&text(&out.get_output().stdout)), a.digest);
    // The environment.
    let out = who(&t)
        .env("KEEPSAKE_PASSPHRASE", "pw for scripts")
        .assert()
        .success();
    assert_eq!(identity_of(&text(&out.get_output().stdout)), a.digest);
    who(&t)
        .env("KEEPSAKE_PASSPHRASE", "not it")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wrong passphrase"));
    // An option wins over the environment.
    who(&t)
        .env("KEEPSAKE_PASSPHRASE", "not it")
        .arg("--passphrase-file")
        .arg(&a.pass)
        .assert()
        .success();
    // A failing command is a clear error that shows neither its output nor its text.
    let out = who(&t)
        .args([
            "--passphrase-command",
            "echo hunter2-secret; echo oops >&2; exit 3",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the command for the passphrase failed",
        ));
    let err = text(&out.get_output().stderr);
    assert!(err.contains("exit status: 3"), "{err}");
    assert_eq!(err.matches("hunter2-secret").count(), 0, "{err}");
    assert!(
        text(&out.get_output().stdout).is_empty(),
        "nothing on stdout"
    );
    who(&t)
        .args(["--passphrase-command", "true"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("printed nothing"));
    // A command that never stops printing is cut off, not waited for forever.
    who(&t)
        .args(["--passphrase-command", "yes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the command for the passphrase"));
    // Two sources at once are a usage error.
    who(&t)
        .arg("--passphrase-file")
        .arg(&a.pass)
        .args(["--passphrase-command", "true"])
        .assert()
        .code(64);
}

#[test]
fn the_recovery_phrase_comes_from_a_command_or_the_environment() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let words = t.write("words.txt", format!("{}\n", a.phrase).as_bytes());
    let out = t
        .cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--recovery-command")
        .arg(format!("cat '{}'", words.display()))
        .assert()
        .success();
    assert_eq!(identity_of(&text(&out.get_output().stdout)), a.digest);
    let out = t
        .cmd()
        .args(["whoami", "--recovery", "--account"])
        .arg(&a.file)
        .env("KEEPSAKE_RECOVERY_PHRASE", &a.phrase)
        .assert()
        .success();
    assert_eq!(identity_of(&text(&out.get_output().stdout)), a.digest);
    t.cmd()
        .args(["whoami", "--recovery-file", "-", "--account"])
        .arg(&a.file)
        .write_stdin(a.phrase.clone())
        .assert()
        .success();
    // Without --recovery, the recovery variable is not used (no silent guess).
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .env("KEEPSAKE_RECOVERY_PHRASE", &a.phrase)
        .assert()
        .code(64);
}

#[test]
fn init_and_passwd_refuse_a_weak_passphrase_unless_told() {
    let t = T::new();
    let weak = t.write("weak.pass", b"password1\n");
    let init = |t: &T, account: &str, extra: &[&str]| {
        let mut c = t.cmd();
        c.args(["init", "--kdf-profile", "floor", "--account", account])
            .args(extra);
        c
    };
    let out = init(&t, "weak.json", &["--passphrase-file", "weak.pass"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("refusing a weak passphrase"))
        .stderr(predicate::str::contains("--weak-passphrase-ok"));
    assert!(!text(&out.get_output().stderr).contains("password1"));
    assert!(!t.path("weak.json").exists());
    // A strong one from a command, with numbered columns for the recovery phrase.
    let out = init(
        &t,
        "strong.json",
        &["--passphrase-command", &format!("echo '{STRONG}'")],
    )
    .assert()
    .success()
    .stderr(predicate::str::contains("passphrase strength: 4 of 4"));
    let printed = text(&out.get_output().stdout);
    let phrase = common::phrase_of(&printed);
    let rows: Vec<&str> = printed
        .lines()
        .skip_while(|l| !l.starts_with("Recovery phrase"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(rows.len(), 6, "{printed}");
    assert!(rows[0].trim_start().starts_with("1. "), "{printed}");
    assert!(
        rows[0].contains(" 7. ") && rows[5].contains("24. "),
        "{printed}"
    );
    assert!(!printed.contains(&phrase), "not on one line");
    // Through the environment too; passwd checks the new passphrase the same way.
    let account = t.path("strong.json");
    t.cmd()
        .arg("passwd")
        .arg("--account")
        .arg(&account)
        .env("KEEPSAKE_PASSPHRASE", STRONG)
        .arg("--new-passphrase-file")
        .arg(&weak)
        .assert()
        .code(5);
    t.cmd()
        .arg("passwd")
        .arg("--account")
        .arg(&account)
        .env("KEEPSAKE_PASSPHRASE", STRONG)
        .env("KEEPSAKE_NEW_PASSPHRASE", "password1")
        .arg("--weak-passphrase-ok")
        .assert()
        .success()
        .stderr(predicate::str::contains("weak passphrase"));
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&account)
        .arg("--passphrase-file")
        .arg(&weak)
        .assert()
        .success();
    // One standard input cannot give two secrets.
    t.cmd()
        .args([
            "passwd",
            "--passphrase-file",
            "-",
            "--new-passphrase-file",
            "-",
        ])
        .arg("--account")
        .arg(&account)
        .assert()
        .code(64);
}

#[test]
fn every_path_is_checked_before_the_key_derivation() {
    // With a wrong passphrase, a path error proves the paths were looked at first:
    // checking them after Argon2id would report the wrong passphrase (exit 2) instead.
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let wrong = t.write("wrong.pass", b"wrong");
    let ok = t.write("ok.txt", b"fine");
    let cmd = |t: &T, sub: &str| {
        let mut c = t.cmd();
        c.args([sub, "--account"])
            .arg(&a.file)
            .arg("--passphrase-file")
            .arg(&wrong);
        c
    };
    cmd(&t, "seal")
        .args(["--album", &id, "missing.jpg", "--out", "sealed"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.jpg"));
    assert!(!t.path("sealed").exists(), "nothing was created");
    cmd(&t, "seal")
        .args(["--album", &id])
        .arg(&ok)
        .args(["--thumbnail", "missing-thumb.jpg", "--out", "sealed"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing-thumb.jpg"));
    cmd(&t, "seal")
        .args(["--album", &id])
        .arg(&ok)
        .args(["--out", "ok.txt"])
        .assert()
        .code(64);
    cmd(&t, "open")
        .args(["missing.ks", "--out", "restored"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.ks"));
    assert!(!t.path("restored").exists());
    t.write("taken.grant", b"x");
    cmd(&t, "share")
        .args(["--album", &id, "--to", &a.identity, "--out", "taken.grant"])
        .assert()
        .code(4);
    cmd(&t, "share")
        .args([
            "--album",
            &id,
            "--to",
            &a.identity,
            "--out",
            "no/such/dir/g",
        ])
        .assert()
        .code(1);
    cmd(&t, "accept")
        .args(["missing.grant", "--from", &a.identity])
        .assert()
        .code(1);
    // And init checks its folder before running Argon2id.
    t.cmd()
        .args([
            "init",
            "--kdf-profile",
            "desktop",
            "--account",
            "no/dir/a.json",
        ])
        .env("KEEPSAKE_PASSPHRASE", STRONG)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no/dir"));
    // With the right passphrase the same seal works.
    t.cmd()
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .arg(&ok)
        .args(["--out", "sealed"])
        .assert()
        .success();
}

#[test]
fn a_malformed_device_key_file_is_refused_input_and_not_echoed() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let bad = t.write("d.json", b"{\"secret\":\"0123456789abcdef-not-json");
    let out = t
        .cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--device-key")
        .arg(&bad)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not a keepsake device key file"));
    assert!(!text(&out.get_output().stderr).contains("0123456789abcdef"));
}
