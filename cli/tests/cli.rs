//! The `keepsake` binary end to end: accounts, unlocking three ways, devices, passphrase
//! and recovery changes, sharing, help, demo and bench, with their failure paths and exit
//! codes. Sealing, opening and inspecting are in `files.rs`.

mod common;

use common::{T, album, data, identity_of, phrase_of, text};
use predicates::prelude::*;

#[test]
fn help_lists_exit_codes_and_every_subcommand_has_help() {
    let t = T::new();
    let out = t.cmd().arg("--help").assert().success();
    let help = text(&out.get_output().stdout);
    assert!(help.contains("Exit codes:"), "{help}");
    let table = [
        "    0  success",
        "    1  I/O error",
        "    2  wrong passphrase",
        "    3  refused input",
        "    4  already exists",
        "    5  security refusal",
        "   64  usage error",
        "  129  interrupted by SIGHUP",
        "  130  interrupted by SIGINT",
        "  143  interrupted by SIGTERM",
        "  141  standard output closed early",
    ];
    for code in table {
        assert!(help.contains(code), "{code}");
    }
    for sub in [
        vec!["init"],
        vec!["passwd"],
        vec!["recovery", "rotate"],
        vec!["rotate"],
        vec!["device", "new"],
        vec!["device", "enroll"],
        vec!["device", "list"],
        vec!["device", "revoke"],
        vec!["device", "pin"],
        vec!["whoami"],
        vec!["album", "new"],
        vec!["album", "remove-member"],
        vec!["seal"],
        vec!["open"],
        vec!["inspect"],
        vec!["share"],
        vec!["accept"],
        vec!["bench"],
        vec!["demo"],
    ] {
        // Every subcommand's help carries the same exit-code table.
        let out = t.cmd().args(&sub).arg("--help").assert().success();
        let help = text(&out.get_output().stdout);
        for code in table {
            assert!(help.contains(code), "{sub:?}: {code}");
        }
    }
    // Commands that unlock list where secrets come from.
    let out = t.cmd().args(["seal", "--help"]).assert().success();
    let help = text(&out.get_output().stdout);
    assert!(help.contains("KEEPSAKE_PASSPHRASE"), "{help}");
    assert!(help.contains("--passphrase-command"), "{help}");
    // Usage errors exit with 64.
    t.cmd().arg("seal").assert().code(64);
    t.cmd().arg("frobnicate").assert().code(64);
}

#[test]
fn init_prints_the_phrase_once_and_never_replaces_an_account() {
    let t = T::new();
    let a = t.init("alice", "correct horse");
    assert_eq!(a.phrase.split(' ').count(), 24);
    let before = std::fs::read(&a.file).unwrap();
    t.cmd()
        .args(["init", "--kdf-profile", "floor", "--account"])
        .arg(&a.file)
        .arg("--passphrase-file")
        .arg(&a.pass)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(std::fs::read(&a.file).unwrap(), before);
    // An empty passphrase is refused.
    let empty = t.write("empty.pass", b"\n");
    t.cmd()
        .args([
            "init",
            "--kdf-profile",
            "floor",
            "--account",
            "x.json",
            "--passphrase-file",
        ])
        .arg(&empty)
        .assert()
        .code(64);
    assert!(!t.path("x.json").exists());
    // Without a terminal and without a file, the prompt cannot be shown.
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .env_remove("KEEPSAKE_PASSPHRASE")
        .assert()
        .code(64)
        .stderr(predicate::str::contains("--passphrase-file"));
}

#[test]
fn wrong_passphrase_gets_exit_code_2_after_one_argon2_run() {
    let t = T::new();
    let a = t.init("alice", "right one");
    let wrong = t.write("wrong.pass", b"wrong one");
    let start = std::time::Instant::now();
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--passphrase-file")
        .arg(&wrong)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wrong passphrase"))
        .stdout(predicate::str::is_empty());
    assert!(start.elapsed().as_secs() < 20);
    // The wrong passphrase never appears in any output; the right one works.
    let out = t.cmd().arg("whoami").args(a.unlock()).assert().success();
    assert_eq!(identity_of(&text(&out.get_output().stdout)), a.digest);
    // A garbled recovery phrase is a wrong secret too, and names no word.
    let bad = t.write("bad.words", b"abandon abandon abandon");
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--recovery-file")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("abandon").not());
}

#[test]
fn unlock_by_passphrase_recovery_and_device_gives_one_identity() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let words = t.write("alice.words", a.phrase.as_bytes());
    let out = t
        .cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--recovery-file")
        .arg(&words)
        .assert()
        .success();
    let printed = text(&out.get_output().stdout);
    assert_eq!(identity_of(&printed), a.digest);
    assert!(printed.contains("fingerprint: "));
    assert!(!printed.contains(&a.phrase));

    // A device key file: no pin until enrolled.
    let device = t.path("laptop.device.json");
    let out = t
        .cmd()
        .args(["device", "new", "--out"])
        .arg(&device)
        .assert()
        .success();
    let public = text(&out.get_output().stdout)
        .lines()
        .find_map(|l| l.strip_prefix("device public key: ").map(str::to_string))
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&device).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let secret: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&device).unwrap()).unwrap();
    let secret = secret["secret"].as_str().unwrap().to_string();
    let by_device = |t: &T| {
        let mut c = t.cmd();
        c.args(["whoami", "--account"])
            .arg(&a.file)
            .arg("--device-key")
            .arg(&device);
        c
    };
    by_device(&t)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no account pin"));
    t.cmd()
        .args(["device", "new", "--out"])
        .arg(&device)
        .assert()
        .code(4);

    let out = t
        .cmd()
        .args(["device", "enroll"])
        .args(a.unlock())
        .arg("--device-file")
        .arg(&device)
        .assert()
        .success();
    assert!(!text(&out.get_output().stdout).contains(&secret));
    let out = by_device(&t).assert().success();
    assert_eq!(identity_of(&text(&out.get_output().stdout)), a.digest);
    let out = t
        .cmd()
        .args(["device", "list", "--account"])
        .arg(&a.file)
        .arg("--device-key")
        .arg(&device)
        .assert()
        .success();
    let listed = text(&out.get_output().stdout);
    assert!(
        listed.contains(&format!("{public}  (this device)")),
        "{listed}"
    );
    assert!(!listed.contains(&secret));
}

#[test]
fn device_enroll_by_public_key_pin_and_revoke() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let phone = t.path("phone.device.json");
    let out = t
        .cmd()
        .args(["device", "new", "--public-out", "phone.public", "--out"])
        .arg(&phone)
        .assert()
        .success();
    let public = text(&out.get_output().stdout)
        .lines()
        .find_map(|l| l.strip_prefix("device public key: ").map(str::to_string))
        .unwrap();
    assert_eq!(public.len(), 2432);
    assert_eq!(
        std::fs::read_to_string(t.path("phone.public")).unwrap(),
        format!("{public}\n")
    );
    let out = t
        .cmd()
        .args(["device", "enroll", "--device-public", "@phone.public"])
        .args(a.unlock())
        .assert()
        .success();
    let printed = text(&out.get_output().stdout);
    assert!(
        printed.contains(&format!(
            "device pin --device-file FILE --identity {}",
            a.digest
        )),
        "{printed}"
    );
    // A wrong pin (another account's identity) is refused as a planted slot.
    let b = t.init("bob", "pw2");
    t.cmd()
        .args(["device", "pin", "--device-file"])
        .arg(&phone)
        .args(["--identity", &b.identity])
        .assert()
        .success();
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--device-key")
        .arg(&phone)
        .assert()
        .code(5);
    t.cmd()
        .args(["device", "pin", "--device-file"])
        .arg(&phone)
        .args(["--identity", &a.identity])
        .assert()
        .code(4);
    // The digest `device enroll` printed names the identity as well as its public key.
    t.cmd()
        .args(["device", "pin", "--force", "--device-file"])
        .arg(&phone)
        .args(["--identity", &a.digest])
        .assert()
        .success();
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--device-key")
        .arg(&phone)
        .assert()
        .success();
    // Revoke: the device no longer unlocks (exit 2), and is no longer listed.
    t.cmd()
        .args(["device", "revoke"])
        .args(a.unlock())
        .arg(&public)
        .assert()
        .success();
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--device-key")
        .arg(&phone)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not enrolled"));
    let out = t
        .cmd()
        .args(["device", "list"])
        .args(a.unlock())
        .assert()
        .success();
    assert!(!text(&out.get_output().stdout).contains(&public));
    t.cmd()
        .args(["device", "revoke"])
        .args(a.unlock())
        .arg(&public)
        .assert()
        .code(2);
    t.cmd()
        .args(["device", "revoke"])
        .args(a.unlock())
        .arg("not-hex")
        .assert()
        .code(64);
}

#[test]
fn passwd_replaces_the_passphrase() {
    let t = T::new();
    let a = t.init("alice", "old passphrase");
    let new = t.write("new.pass", "nouvelle phrase secrète\n".as_bytes());
    t.cmd()
        .arg("passwd")
        .args(a.unlock())
        .arg("--new-passphrase-file")
        .arg(&new)
        .assert()
        .success();
    t.cmd().arg("whoami").args(a.unlock()).assert().code(2);
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--passphrase-file")
        .arg(&new)
        .assert()
        .success();
    // The same passphrase typed in another Unicode form (NFD) still works.
    let nfd = t.write("nfd.pass", "nouvelle phrase secre\u{300}te".as_bytes());
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--passphrase-file")
        .arg(&nfd)
        .assert()
        .success();
}

#[test]
fn recovery_rotate_makes_the_old_phrase_fail() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let old = t.write("old.words", a.phrase.as_bytes());
    let out = t
        .cmd()
        .args(["recovery", "rotate", "--account"])
        .arg(&a.file)
        .arg("--recovery-file")
        .arg(&old)
        .assert()
        .success();
    let printed = text(&out.get_output().stdout);
    let new_phrase = phrase_of(&printed);
    assert_ne!(new_phrase, a.phrase);
    assert!(!printed.contains(&a.phrase));
    let new = t.write("new.words", new_phrase.as_bytes());
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--recovery-file")
        .arg(&old)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wrong recovery phrase"));
    t.cmd()
        .args(["whoami", "--account"])
        .arg(&a.file)
        .arg("--recovery-file")
        .arg(&new)
        .assert()
        .success();
    t.cmd().arg("whoami").args(a.unlock()).assert().success();
}

#[test]
fn an_altered_account_file_is_refused() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let text_bundle = std::fs::read_to_string(&a.file).unwrap();
    let at = text_bundle.find("\"mac\":\"").unwrap() + 7;
    let mut altered = text_bundle.into_bytes();
    altered[at] = if altered[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&a.file, &altered).unwrap();
    t.cmd()
        .arg("whoami")
        .args(a.unlock())
        .assert()
        .code(5)
        .stderr(predicate::str::contains("altered"));
    std::fs::write(&a.file, b"{\"body\":{}}").unwrap();
    t.cmd()
        .arg("whoami")
        .args(a.unlock())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not a usable account file"));
}

#[test]
fn share_accept_and_open_by_grant() {
    let t = T::new();
    let alice = t.init("alice", "alice pw");
    let bob = t.init("bob", "bob pw");
    let id = album(&t);
    let photo = t.write("in/beach.jpg", &data(150_000, 11));
    t.cmd()
        .args(["seal", "--album", &id])
        .args(alice.unlock())
        .arg(&photo)
        .args(["--out", "sealed"])
        .assert()
        .success();
    let sealed = common::containers(&t.path("sealed"));

    // Alice grants the album to Bob; the grant is public and names both.
    t.cmd()
        .args([
            "share",
            "--album",
            &id,
            "--to",
            &bob.identity,
            "--out",
            "bob.grant",
        ])
        .args(alice.unlock())
        .assert()
        .success();
    assert_eq!(std::fs::metadata(t.path("bob.grant")).unwrap().len(), 1354);
    t.cmd()
        .args([
            "share",
            "--album",
            &id,
            "--to",
            &bob.identity,
            "--out",
            "bob.grant",
        ])
        .args(alice.unlock())
        .assert()
        .code(4);
    let out = t
        .cmd()
        .args(["accept", "bob.grant", "--from", &alice.identity])
        .args(bob.unlock())
        .assert()
        .success();
    let printed = text(&out.get_output().stdout);
    assert!(
        printed.contains(&format!("album {id} epoch 0")),
        "{printed}"
    );

    // The wrong sender, or the wrong recipient: refused (exit 5).
    t.cmd()
        .args(["accept", "bob.grant", "--from", &bob.identity])
        .args(bob.unlock())
        .assert()
        .code(5)
        .stderr(predicate::str::contains("unexpected sender"));
    t.cmd()
        .args(["accept", "bob.grant", "--from", &alice.identity])
        .args(alice.unlock())
        .assert()
        .code(5);
    let mut forged = std::fs::read(t.path("bob.grant")).unwrap();
    forged[120] ^= 1;
    t.write("forged.grant", &forged);
    t.cmd()
        .args(["accept", "forged.grant", "--from", &alice.identity])
        .args(bob.unlock())
        .assert()
        .code(5)
        .stderr(predicate::str::contains("signature does not verify"));
    // The identity given as its hex instead of @FILE: the same grant.
    t.cmd()
        .args(["accept", "bob.grant", "--from", &alice.identity_hex])
        .args(bob.unlock())
        .assert()
        .success();
    // A truncated or garbled identity is a usage error that names the expected length.
    t.cmd()
        .args(["accept", "bob.grant", "--from", &alice.identity_hex[..64]])
        .args(bob.unlock())
        .assert()
        .code(64)
        .stderr(predicate::str::contains("2496 hex digits"));
    t.cmd()
        .args(["accept", "bob.grant", "--from", "@missing.identity"])
        .args(bob.unlock())
        .assert()
        .code(1);

    // Bob's own root does not reach Alice's album; the grant does.
    t.cmd()
        .arg("open")
        .args(bob.unlock())
        .args(&sealed)
        .args(["--out", "bob-own"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("authentication failed"));
    t.cmd()
        .args(["open", "--grant", "bob.grant", "--from", &alice.identity])
        .arg("--history")
        .arg(common::history_of(&alice, &id))
        .args(bob.unlock())
        .args(&sealed)
        .args(["--out", "bob-out"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(t.path("bob-out/beach.jpg")).unwrap(),
        data(150_000, 11)
    );

    // Bob adds a photo to the shared album; Alice opens it with her own keys.
    let bobs = t.write("in/from-bob.jpg", &data(5_000, 3));
    t.cmd()
        .args(["seal", "--grant", "bob.grant", "--from", &alice.identity])
        .arg("--history")
        .arg(common::history_of(&alice, &id))
        .args(bob.unlock())
        .arg(&bobs)
        .args(["--out", "from-bob"])
        .assert()
        .success();
    t.cmd()
        .arg("open")
        .args(alice.unlock())
        .args(common::containers(&t.path("from-bob")))
        .args(["--out", "alice-out"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(t.path("alice-out/from-bob.jpg")).unwrap(),
        data(5_000, 3)
    );

    // A container of another album with the grant: "wrong album".
    let other = album(&t);
    t.cmd()
        .args(["seal", "--album", &other])
        .args(alice.unlock())
        .arg(&photo)
        .args(["--out", "epoch1"])
        .assert()
        .success();
    t.cmd()
        .args(["open", "--grant", "bob.grant", "--from", &alice.identity])
        .arg("--history")
        .arg(common::history_of(&alice, &id))
        .args(bob.unlock())
        .args(common::containers(&t.path("epoch1")))
        .args(["--out", "bob-epoch1"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("wrong album"));

    // inspect shows the grant's public header.
    let out = t.cmd().args(["inspect", "bob.grant"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["type"], "grant");
    assert_eq!(json["suite"], 2);
    assert_eq!(json["len"], 1354);
    assert_eq!(json["sender_digest"], alice.digest.as_str());
    assert_eq!(json["recipient_digest"], bob.digest.as_str());
    assert_eq!(json["sender_fingerprint"].as_str().unwrap().len(), 35);
    assert_eq!(json["album_id"], id.as_str());
}

#[test]
fn album_new_prints_fresh_ids() {
    let t = T::new();
    assert_ne!(album(&t), album(&t));
}

#[test]
fn demo_runs_with_a_small_video() {
    let t = T::new();
    t.cmd()
        .args(["demo", "--size-mib", "2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("all checks passed"))
        .stdout(predicate::str::contains("by device key"))
        .stdout(predicate::str::contains(
            "after.jpg, sealed after the rotation: refused",
        ))
        .stdout(predicate::str::contains(
            "passphrase, recovery phrase and laptop: each opens before.jpg and after.jpg",
        ))
        .stdout(predicate::str::contains("tampered.ks: refused"))
        .stdout(predicate::str::contains("truncated.ks: refused, truncated"))
        // Issue 16's print order: three of ten photos to a print service, which opens them
        // (uploader verified) and is refused a fourth.
        .stdout(predicate::str::contains(
            "7. A print order: three of ten photos to a print service",
        ))
        .stdout(predicate::str::contains(
            "it opened the 3 originals: identical bytes",
        ))
        .stdout(predicate::str::contains(
            "each one's uploader, verified against Alice's album history",
        ))
        .stdout(predicate::str::is_match(
            r"a fourth photo, IMG_0003\.jpg: refused \(.*NotInSelection|a fourth photo, IMG_0003\.jpg: refused \(.*not in the selection",
        )
        .unwrap())
        .stdout(predicate::str::contains("GB/s"));
}

#[test]
fn bench_prints_the_comparison_table() {
    let t = T::new();
    let out = t
        .cmd()
        .args(["bench", "--size-mib", "1", "--repeats", "1"])
        .assert()
        .success();
    let table = text(&out.get_output().stdout);
    for row in ["ChaCha20-Poly1305, raw", "keepsake stream (1 core)", "age"] {
        assert!(table.contains(row), "{table}");
    }
    assert!(table.contains("1.00x"));
    t.cmd().args(["bench", "--size-mib", "0"]).assert().code(64);
}
