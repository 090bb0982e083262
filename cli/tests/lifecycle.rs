//! The key lifecycle from the command line: `device revoke` (rotating by default),
//! `rotate`, account pins and rollback, `album remove-member`.

// Test code: a failed step should stop the test loudly.
#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use common::{Account, T, album, containers, data, names, text};
use predicates::prelude::*;

/// `device new` then `device enroll --device-file`; returns the file and its public key.
fn device(t: &T, a: &Account, name: &str) -> (PathBuf, String) {
    let file = t.path(&format!("{name}.device.json"));
    let out = t
        .cmd()
        .args(["device", "new", "--out"])
        .arg(&file)
        .assert()
        .success();
    let public = text(&out.get_output().stdout)
        .lines()
        .find_map(|l| l.strip_prefix("device public key: ").map(str::to_string))
        .unwrap();
    t.cmd()
        .args(["device", "enroll"])
        .args(a.unlock())
        .arg("--device-file")
        .arg(&file)
        .assert()
        .success();
    (file, public)
}

fn by_device(account: &Path, device: &Path) -> Vec<OsString> {
    vec![
        "--account".into(),
        account.into(),
        "--device-key".into(),
        device.into(),
    ]
}

fn by_recovery(t: &T, a: &Account) -> Vec<OsString> {
    let words = t.write("alice.words", a.phrase.as_bytes());
    vec![
        "--account".into(),
        a.file.clone().into(),
        "--recovery-file".into(),
        words.into(),
    ]
}

fn json(out: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// The generation recorded in a device key file's account pin (its last 16 hex digits).
fn pinned_generation(device: &Path) -> u64 {
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(device).unwrap()).unwrap();
    let pin = file["account_pin"].as_str().unwrap();
    assert_eq!(pin.len(), 80);
    u64::from_str_radix(&pin[64..], 16).unwrap()
}

/// Seals the folder `in-OUT` holding one file (`name`, pattern `seed`) into `out`.
fn seal(t: &T, unlock: &[OsString], id: &str, name: &str, seed: u8, out: &str) -> PathBuf {
    t.write(&format!("in-{out}/{name}"), &data(30_000, seed));
    t.cmd()
        .args(["seal", "--album", id])
        .args(unlock)
        .arg(t.path(&format!("in-{out}")))
        .args(["--out", out])
        .assert()
        .success();
    containers(&t.path(out)).pop().unwrap()
}

#[test]
fn revoke_rotates_and_locks_the_revoked_device_out() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let (laptop, _) = device(&t, &a, "laptop");
    let (phone, phone_public) = device(&t, &a, "phone");
    let id = album(&t);
    let before = seal(&t, &a.unlock(), &id, "before.jpg", 3, "before");
    // What the phone keeps after it is lost: its key and pin, and the account file.
    let old = t.path("old.account.json");
    std::fs::copy(&a.file, &old).unwrap();

    let out = t
        .cmd()
        .args(["device", "revoke"])
        .args(a.unlock())
        .arg(&phone_public)
        .assert()
        .success()
        .stdout(predicate::str::contains("generation 1"));
    assert!(!text(&out.get_output().stderr).contains("--no-rotate"));
    let after = seal(&t, &a.unlock(), &id, "after.jpg", 5, "after");

    // The phone cannot unlock the new account file...
    t.cmd()
        .arg("whoami")
        .args(by_device(&a.file, &phone))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not enrolled"));
    // ...and holding the old one, it still opens what was sealed before, not after.
    // (Its copy of the album's history: the one beside the account file it was copied from.)
    let history = common::history_of(&a, &id);
    t.cmd()
        .arg("open")
        .args(by_device(&old, &phone))
        .arg("--history")
        .arg(&history)
        .arg(&before)
        .args(["--out", "phone-before"])
        .assert()
        .success();
    t.cmd()
        .arg("open")
        .args(by_device(&old, &phone))
        .arg("--history")
        .arg(&history)
        .arg(&after)
        .args(["--out", "phone-after"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("newer account generation"));
    assert!(!t.path("phone-after/in-after").exists());

    // The passphrase, the recovery phrase and the other device open both.
    for (how, unlock) in [
        ("passphrase", a.unlock()),
        ("recovery", by_recovery(&t, &a)),
        ("laptop", by_device(&a.file, &laptop)),
    ] {
        t.cmd()
            .arg("open")
            .args(&unlock)
            .arg(&before)
            .arg(&after)
            .args(["--out", how])
            .assert()
            .success();
        let dir = t.path(how);
        assert_eq!(
            std::fs::read(dir.join("in-before/before.jpg")).unwrap(),
            data(30_000, 3)
        );
        assert_eq!(
            std::fs::read(dir.join("in-after/after.jpg")).unwrap(),
            data(30_000, 5)
        );
    }
    // The laptop's unlock raised its pin to the generation it saw.
    assert_eq!(pinned_generation(&laptop), 1);
    assert_eq!(pinned_generation(&phone), 0);
}

#[test]
fn revoke_no_rotate_only_drops_the_slot_and_warns() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let (phone, phone_public) = device(&t, &a, "phone");
    let out = t
        .cmd()
        .args(["device", "revoke", "--no-rotate", "--json"])
        .args(a.unlock())
        .arg(&phone_public)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "still derives every album key, old and new",
        ));
    let report = json(&out);
    assert_eq!(report["revoked"], phone_public.as_str());
    assert_eq!(report["rotated"], false);
    assert_eq!(report["generation"], 0);
    t.cmd()
        .arg("whoami")
        .args(by_device(&a.file, &phone))
        .assert()
        .code(2);
    let out = t
        .cmd()
        .args(["whoami", "--json"])
        .args(a.unlock())
        .assert()
        .success();
    assert_eq!(json(&out)["generation"], 0);
}

#[test]
fn rotate_bumps_the_generation_and_the_default_epoch() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let first = seal(&t, &a.unlock(), &id, "a.jpg", 3, "out");
    let out = t
        .cmd()
        .args(["rotate", "--json"])
        .args(a.unlock())
        .assert()
        .success();
    let report = json(&out);
    assert_eq!(report["generation"], 1);
    assert_eq!(report["epoch"], 1u64 << 32);
    t.cmd()
        .arg("rotate")
        .args(by_recovery(&t, &a))
        .assert()
        .success()
        .stdout(predicate::str::contains("generation 2"));
    let out = t
        .cmd()
        .args(["inspect", "--json"])
        .arg(&a.file)
        .assert()
        .success();
    assert_eq!(json(&out)["generation"], 2);

    // Sealing into the same folder again: the unchanged file is skipped, a new one goes
    // to the new epoch, and the index moves to it.
    t.write("in-out/b.jpg", &data(1_000, 9));
    t.cmd()
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .arg(t.path("in-out"))
        .args(["--out", "out"])
        .assert()
        .success()
        .stdout(predicate::str::contains("skipped 1 unchanged"))
        .stderr(predicate::str::contains(
            "the seal index of epoch 0 moves to epoch 8589934592",
        ));
    let epochs: Vec<u64> = containers(&t.path("out"))
        .iter()
        .map(|c| {
            let out = t
                .cmd()
                .args(["inspect", "--json"])
                .arg(c)
                .assert()
                .success();
            json(&out)["epoch"].as_u64().unwrap()
        })
        .collect();
    let mut sorted = epochs.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 2 << 32], "{epochs:?}");
    let out = t
        .cmd()
        .args(["inspect", "--json"])
        .arg(t.path("out/index.ks-index"))
        .assert()
        .success();
    assert_eq!(json(&out)["epoch"], 2u64 << 32);
    // Both open.
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .arg(t.path("out"))
        .args(["--out", "restored"])
        .assert()
        .success();
    assert!(first.exists());
    assert_eq!(names(&t.path("restored/in-out")), ["a.jpg", "b.jpg"]);
}

#[test]
fn a_device_that_saw_a_newer_generation_refuses_an_older_account_file() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let (laptop, _) = device(&t, &a, "laptop");
    let old = t.path("old.account.json");
    std::fs::copy(&a.file, &old).unwrap();
    t.cmd().arg("rotate").args(a.unlock()).assert().success();
    assert_eq!(pinned_generation(&laptop), 0);
    // Unlocking the current file with the device raises its pin to generation 1.
    t.cmd()
        .arg("whoami")
        .args(by_device(&a.file, &laptop))
        .assert()
        .success();
    assert_eq!(pinned_generation(&laptop), 1);
    // A server (or a backup) serving the generation-0 file again: refused, exit 5.
    let rollback = "is older than one this device has seen: generation 0 < 1";
    t.cmd()
        .arg("whoami")
        .args(by_device(&old, &laptop))
        .assert()
        .code(5)
        .stderr(predicate::str::contains(rollback));
    // A passphrase unlock on that machine checks the device's pin too.
    t.cmd()
        .arg("whoami")
        .args(["--account"])
        .arg(&old)
        .arg("--passphrase-file")
        .arg(&a.pass)
        .arg("--device-pin")
        .arg(&laptop)
        .assert()
        .code(5)
        .stderr(predicate::str::contains(rollback));
    // Without a pin (a fresh machine) the older file cannot be told apart.
    t.cmd()
        .arg("whoami")
        .args(["--account"])
        .arg(&old)
        .arg("--passphrase-file")
        .arg(&a.pass)
        .assert()
        .success();
    // A rotation by the device records the new generation in its own file.
    t.cmd()
        .arg("rotate")
        .args(by_device(&a.file, &laptop))
        .assert()
        .success();
    assert_eq!(pinned_generation(&laptop), 2);
    // A passphrase unlock with --device-pin raises the pin as well.
    t.cmd().arg("rotate").args(a.unlock()).assert().success();
    t.cmd()
        .arg("whoami")
        .args(a.unlock())
        .arg("--device-pin")
        .arg(&laptop)
        .assert()
        .success();
    assert_eq!(pinned_generation(&laptop), 3);
}

#[test]
fn remove_member_grants_only_the_remaining_members() {
    let t = T::new();
    let alice = t.init("alice", "pw");
    let bob = t.init("bob", "pw2");
    let carol = t.init("carol", "pw3");
    let id = album(&t);
    for (who, to) in [("bob", &bob.identity), ("carol", &carol.identity)] {
        t.cmd()
            .args(["share", "--album", &id, "--to", to, "--out"])
            .arg(format!("{who}.grant"))
            .args(alice.unlock())
            .assert()
            .success();
    }
    let old = seal(&t, &alice.unlock(), &id, "old.jpg", 3, "old");

    // Bob is removed: Carol alone gets a grant of the new epoch.
    let out = t
        .cmd()
        .args(["album", "remove-member", "--json", "--album", &id])
        .args([
            "--epoch",
            "0",
            "--member",
            &carol.identity,
            "--out",
            "grants",
        ])
        .args(alice.unlock())
        .assert()
        .success();
    let lines: Vec<serde_json::Value> = text(&out.get_output().stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["type"], "grant");
    assert_eq!(lines[0]["recipient_digest"], carol.digest.as_str());
    assert_eq!(lines[1]["type"], "summary");
    assert_eq!(lines[1]["old_epoch"], 0);
    assert_eq!(lines[1]["epoch"], 1);
    assert_eq!(lines[1]["grants"], 1);
    let carols = format!("{}.grant", carol.digest);
    assert_eq!(names(&t.path("grants")), std::slice::from_ref(&carols));
    let carols = t.path("grants").join(carols);
    // Existing grant files are not replaced without --force.
    t.cmd()
        .args(["album", "remove-member", "--album", &id])
        .args([
            "--epoch",
            "0",
            "--member",
            &carol.identity,
            "--out",
            "grants",
        ])
        .args(alice.unlock())
        .assert()
        .code(4);

    t.write("in-new/new.jpg", &data(20_000, 7));
    t.cmd()
        .args(["seal", "--album", &id, "--epoch", "1"])
        .args(alice.unlock())
        .arg(t.path("in-new"))
        .args(["--out", "new"])
        .assert()
        .success();
    let new = containers(&t.path("new")).pop().unwrap();

    // Carol opens the new item with her new grant, and the old one with her old grant.
    t.cmd()
        .args(["open", "--grant"])
        .arg(&carols)
        .args(["--from", &alice.identity, "--history"])
        .arg(common::history_of(&alice, &id))
        .args(carol.unlock())
        .arg(&new)
        .args(["--out", "carol"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(t.path("carol/in-new/new.jpg")).unwrap(),
        data(20_000, 7)
    );
    t.cmd()
        .args(["open", "--grant", "carol.grant", "--from", &alice.identity])
        .arg("--history")
        .arg(common::history_of(&alice, &id))
        .args(carol.unlock())
        .arg(&old)
        .args(["--out", "carol"])
        .assert()
        .success();
    // Bob still opens the old item, not the new one; Carol's grant is not his to accept.
    t.cmd()
        .args(["open", "--grant", "bob.grant", "--from", &alice.identity])
        .arg("--history")
        .arg(common::history_of(&alice, &id))
        .args(bob.unlock())
        .arg(&old)
        .args(["--out", "bob"])
        .assert()
        .success();
    t.cmd()
        .args(["open", "--grant", "bob.grant", "--from", &alice.identity])
        .arg("--history")
        .arg(common::history_of(&alice, &id))
        .args(bob.unlock())
        .arg(&new)
        .args(["--out", "bob"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("wrong album"));
    t.cmd()
        .arg("accept")
        .arg(&carols)
        .args(["--from", &alice.identity])
        .args(bob.unlock())
        .assert()
        .code(5);
    assert!(!t.path("bob/in-new").exists());
}
