//! Signed items and album histories from the command line (SPEC.md 5.10, 5.12, 8.4 step
//! 15-18, 8.11): `seal` signs every item, `open` verifies the uploader against the album's
//! history (the owner's own copy, or `--history` with a grant), grants name the history
//! head, and a history file that was truncated, forked or tampered with is refused.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Account, T, album, data, text};
use keepsake::history::{HistoryAction, history_entry_hash, verify_history};
use keepsake::identity::IdentityPublicKey;
use keepsake::sharing::{fingerprint, inspect_grant};
use keepsake::stream::SealOptions;
use keepsake::{AlbumId, MediaKind};
use keepsake_cli::album_history::{owned_path, split_entries};
use keepsake_cli::container::write::{Parts, write_container};
use keepsake_cli::container::{self, Metadata};
use keepsake_cli::unlock::{Secret, load_bundle, unlock_bundle};
use predicates::prelude::*;
use zeroize::Zeroizing;

fn keyring(account: &Account) -> keepsake::account::Keyring {
    let bundle = load_bundle(&account.file).unwrap();
    unlock_bundle(
        &bundle,
        &Secret::Passphrase(Zeroizing::new(account.passphrase.clone())),
    )
    .unwrap()
}

fn identity(account: &Account) -> IdentityPublicKey {
    keyring(account).identity_public_key()
}

/// Seals `content` as `name` into album `id` (as the owner, `--album`) into folder `out`;
/// returns the container.
fn seal(t: &T, who: &Account, id: &str, name: &str, content: &[u8], out: &str) -> PathBuf {
    let src = t.write(&format!("src-{out}/{name}"), content);
    t.cmd()
        .args(["seal", "--album", id])
        .args(who.unlock())
        .arg(&src)
        .args(["--out", out])
        .assert()
        .success();
    common::containers(&t.path(out)).pop().unwrap()
}

/// `open --json` of `files` by `who` (extra arguments first) into `dir`.
fn open(
    t: &T,
    who: &Account,
    extra: &[&str],
    files: &[&Path],
    dir: &str,
) -> assert_cmd::assert::Assert {
    t.cmd()
        .arg("open")
        .args(who.unlock())
        .args(extra)
        .args(files)
        .args(["--out", dir, "--json"])
        .assert()
}

fn uploader_of(stdout: &[u8]) -> String {
    let line = text(stdout)
        .lines()
        .find(|l| l.contains("\"opened\""))
        .unwrap()
        .to_string();
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    value["uploader_fingerprint"].as_str().unwrap().to_string()
}

/// Alice owns an album, shares it with Bob (who becomes a member: the history records
/// him), and each seals one photo.
struct Shared {
    t: T,
    alice: Account,
    bob: Account,
    album: String,
    grant: PathBuf,
    history: PathBuf,
    alices: PathBuf,
}

fn shared() -> Shared {
    let t = T::new();
    let alice = t.init("alice", "alice pw");
    let bob = t.init("bob", "bob pw");
    let id = album(&t);
    let alices = seal(&t, &alice, &id, "alice.jpg", &data(50_000, 1), "alice-out");
    let out = t
        .cmd()
        .arg("share")
        .args(alice.unlock())
        .args([
            "--album",
            &id,
            "--to",
            &bob.identity,
            "--out",
            "bob.grant",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let history = PathBuf::from(value["history_file"].as_str().unwrap());
    assert_eq!(
        history,
        owned_path(&alice.file, AlbumId::from_bytes(hex_id(&id)))
    );
    Shared {
        grant: t.path("bob.grant"),
        t,
        alice,
        bob,
        album: id,
        history,
        alices,
    }
}

fn hex_id(id: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    hex::decode_to_slice(id, &mut out).unwrap();
    out
}

impl Shared {
    /// Bob's `--grant ... --from ALICE --history ...` arguments.
    fn by_grant(&self) -> Vec<String> {
        vec![
            "--grant".into(),
            self.grant.display().to_string(),
            "--from".into(),
            self.alice.identity.clone(),
            "--history".into(),
            self.history.display().to_string(),
        ]
    }

    /// Bob seals `content` through his grant into `out`.
    fn bob_seals(&self, content: &[u8], out: &str) -> PathBuf {
        let src = self.t.write(&format!("src-{out}/bob.jpg"), content);
        self.t
            .cmd()
            .arg("seal")
            .args(self.bob.unlock())
            .args(self.by_grant())
            .arg(&src)
            .args(["--out", out])
            .assert()
            .success();
        common::containers(&self.t.path(out)).pop().unwrap()
    }
}

#[test]
fn an_item_sealed_by_the_tool_opens_with_its_uploaders_fingerprint() {
    let s = shared();
    let alice_fp = fingerprint(&identity(&s.alice));
    let bob_fp = fingerprint(&identity(&s.bob));
    // Alice opens her own item with her own copy of the history.
    let out = open(&s.t, &s.alice, &[], &[&s.alices], "a").success();
    assert_eq!(uploader_of(&out.get_output().stdout), alice_fp);
    // Bob seals through the grant; Alice (the owner) opens it and sees Bob as uploader.
    let bobs = s.bob_seals(&data(40_000, 2), "bob-out");
    let out = open(&s.t, &s.alice, &[], &[&bobs], "b").success();
    assert_eq!(uploader_of(&out.get_output().stdout), bob_fp);
    // Bob opens Alice's item through the grant and her history: Alice uploaded it.
    let args = s.by_grant();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = open(&s.t, &s.bob, &args, &[&s.alices], "c").success();
    assert_eq!(uploader_of(&out.get_output().stdout), alice_fp);
    assert_eq!(fs::read(s.t.path("c/alice.jpg")).unwrap(), data(50_000, 1));
    // The text report names the uploader too.
    s.t.cmd()
        .arg("open")
        .args(s.alice.unlock())
        .arg(&bobs)
        .args(["--out", "d"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "uploader {bob_fp}: 1 file(s)"
        )));
    // A range is verified too (against the container's hash list).
    s.t.cmd()
        .arg("open")
        .args(s.alice.unlock())
        .arg(&s.alices)
        .args(["--range", "1000:10", "--out", "e"])
        .assert()
        .success();
    // An album grant opened without the history is a usage error, before anything opens.
    s.t.cmd()
        .arg("open")
        .args(s.bob.unlock())
        .args(["--grant", "bob.grant", "--from", &s.alice.identity])
        .arg(&s.alices)
        .args(["--out", "f"])
        .assert()
        .code(64)
        .stderr(predicate::str::contains("--history FILE is needed"));
}

/// Rewrites container `path` with its original re-sealed under the same media key (as a
/// member holding the album key can) from `content`, and a matching hash list.
fn reseal_original(path: &Path, album: &keepsake::AlbumKey, content: &[u8]) {
    let bytes = fs::read(path).unwrap();
    let mut cursor = std::io::Cursor::new(&bytes);
    let layout = container::read_layout(&mut cursor).unwrap();
    let item = container::open_item(&layout, album).unwrap();
    let (section, header) = layout.original;
    let options = SealOptions::new()
        .with_chunk_size_log2(header.chunk_size_log2())
        .unwrap();
    let (forged, part) = keepsake::stream::seal_part(
        &item.media_key,
        &layout.media_id,
        MediaKind::Original,
        content,
        &options,
    )
    .unwrap();
    assert_eq!(forged.len() as u64, section.len, "same length");
    let start = usize::try_from(section.offset).unwrap();
    let mut out = bytes[..start].to_vec();
    out.extend_from_slice(&forged);
    out.extend(part.hashes().list_bytes());
    out.extend_from_slice(
        &bytes[usize::try_from(layout.hash_list.offset + layout.hash_list.len).unwrap()..],
    );
    fs::write(path, out).unwrap();
}

#[test]
fn an_original_resealed_by_another_member_is_refused_as_a_content_mismatch() {
    let s = shared();
    // Bob, a member, holds the album key through his grant and re-seals Alice's original
    // under its media key: the streams authenticate, the signed root does not match.
    let bob = keyring(&s.bob);
    let grant = fs::read(&s.grant).unwrap();
    let album = bob.accept_grant(&grant, &identity(&s.alice), None).unwrap();
    reseal_original(&s.alices, &album, &data(50_000, 7));
    open(&s.t, &s.alice, &[], &[&s.alices], "a")
        .code(5)
        .stderr(predicate::str::contains("content mismatch"))
        .stderr(predicate::str::contains(
            "content does not match the signed manifest",
        ));
    assert!(!s.t.path("a/alice.jpg").exists(), "nothing released");
    // A range read of it is refused too, chunk by chunk.
    s.t.cmd()
        .arg("open")
        .args(s.alice.unlock())
        .arg(&s.alices)
        .args(["--range", "0:10", "--out", "r"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("content"));
}

#[test]
fn an_item_signed_by_a_removed_member_after_the_removal_is_refused() {
    let s = shared();
    let epoch: u64 = 0;
    // Alice removes Bob (the one member not named): a removal entry, a new epoch.
    let out =
        s.t.cmd()
            .args(["album", "remove-member", "--json", "--album", &s.album])
            .args(s.alice.unlock())
            .args(["--epoch", &epoch.to_string(), "--out", "grants"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
    let summary: serde_json::Value =
        serde_json::from_str(text(&out).lines().last().unwrap()).unwrap();
    let new_epoch = summary["epoch"].as_u64().unwrap();
    assert_eq!(summary["removed_digest"], s.bob.digest);
    let removal = summary["history"].as_str().unwrap().to_string();
    // Bob signs an item of the new epoch naming the removal entry (the album key stands
    // for any way he could hold it): refused, he is not a member there.
    let alice = keyring(&s.alice);
    let album_id = AlbumId::from_bytes(hex_id(&s.album));
    let album = alice.album_key(album_id, new_epoch).unwrap();
    let bob = keyring(&s.bob);
    let mut history = [0u8; 32];
    hex::decode_to_slice(&removal, &mut history).unwrap();
    let content = data(20_000, 4);
    let metadata = Metadata::new("late.jpg".into(), content.len() as u64, None);
    let parts = Parts {
        album: &album,
        signer: &bob,
        history,
        media_id: keepsake::MediaId::random().unwrap(),
        metadata: &metadata,
        thumbnail: None,
        options: SealOptions::new(),
    };
    let late = s.t.path("late.ks");
    let file = fs::File::create(&late).unwrap();
    write_container(&parts, &content[..], file, &mut |_| {}).unwrap();
    open(&s.t, &s.alice, &[], &[&late], "a")
        .code(5)
        .stderr(predicate::str::contains("uploader not a member"))
        .stderr(predicate::str::contains(
            "not a member of the album at that epoch",
        ));
    // Alice's own item of the new epoch, sealed after the removal, opens.
    let src = s.t.write("after/after.jpg", &data(1000, 5));
    s.t.cmd()
        .args([
            "seal",
            "--album",
            &s.album,
            "--epoch",
            &new_epoch.to_string(),
        ])
        .args(s.alice.unlock())
        .arg(&src)
        .args(["--out", "after-out"])
        .assert()
        .success();
    let after = common::containers(&s.t.path("after-out")).pop().unwrap();
    open(&s.t, &s.alice, &[], &[&after], "b").success();
    // Through his old grant Bob still seals under epoch 0 naming the entry before his
    // removal, where he is a member: a backdated item verifies (SPEC.md 5.12, what a
    // client cannot detect alone).
    let backdated = s.bob_seals(&data(3000, 6), "backdated");
    open(&s.t, &s.alice, &[], &[&backdated], "c").success();
}

#[test]
fn grants_name_the_head_of_the_album_history() {
    let s = shared();
    let entries = fs::read(&s.history).unwrap();
    let split = split_entries(&entries).unwrap();
    assert_eq!(split.len(), 2, "the genesis and Bob's addition");
    let head = history_entry_hash(split[1]);
    let grant = fs::read(&s.grant).unwrap();
    assert_eq!(inspect_grant(&grant).unwrap().history, head);
    assert_ne!(head, [0; 32]);
    // `inspect` shows it.
    let out =
        s.t.cmd()
            .args(["inspect", "--json"])
            .arg(&s.grant)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["history"], hex::encode(head));
    // A selection grant names it too (and sharing again to Bob appends nothing).
    s.t.cmd()
        .arg("share")
        .args(s.alice.unlock())
        .arg("--items")
        .arg(&s.alices)
        .args(["--to", &s.bob.identity, "--out", "sel.grant"])
        .assert()
        .success();
    let info =
        keepsake::selection::inspect_selection(&fs::read(s.t.path("sel.grant")).unwrap()).unwrap();
    assert_eq!(info.history, head);
    // Bob opens the selected item with the history: its uploader is verified.
    let out =
        s.t.cmd()
            .arg("open")
            .args(s.bob.unlock())
            .args([
                "--grant",
                "sel.grant",
                "--from",
                &s.alice.identity,
                "--history",
            ])
            .arg(&s.history)
            .arg(&s.alices)
            .args(["--out", "sel", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
    assert_eq!(uploader_of(&out), fingerprint(&identity(&s.alice)));
    // `accept --history` checks an album grant against the membership at its entry.
    s.t.cmd()
        .arg("accept")
        .args(s.bob.unlock())
        .arg(&s.grant)
        .args(["--from", &s.alice.identity, "--history"])
        .arg(&s.history)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "checked against album history entry 1",
        ));
    // The history verifies from Alice's identity, not from Bob's.
    let entries: Vec<&[u8]> = split.clone();
    let album_id = AlbumId::from_bytes(hex_id(&s.album));
    assert!(verify_history(&entries, album_id, &identity(&s.alice), None).is_ok());
    assert!(verify_history(&entries, album_id, &identity(&s.bob), None).is_err());
}

/// Makes `device` a device key file pinned to `who` (enrolled), for `--device-pin`.
fn device(t: &T, who: &Account, name: &str) -> PathBuf {
    let path = t.path(name);
    t.cmd()
        .args(["device", "new", "--out"])
        .arg(&path)
        .assert()
        .success();
    t.cmd()
        .args(["device", "enroll", "--device-file"])
        .arg(&path)
        .args(who.unlock())
        .assert()
        .success();
    path
}

#[test]
fn a_truncated_forked_or_tampered_history_file_is_refused() {
    let s = shared();
    let pin = device(&s.t, &s.alice, "alice.device.json");
    let with_pin = |dir: &str| {
        s.t.cmd()
            .arg("open")
            .args(s.alice.unlock())
            .arg("--device-pin")
            .arg(&pin)
            .arg(&s.alices)
            .args(["--out", dir])
            .assert()
    };
    // Verified once with the device: the pin records entry 1.
    with_pin("a").success();
    let pinned = fs::read_to_string(&pin).unwrap();
    assert!(pinned.contains("history_pins"), "{pinned}");
    let good = fs::read(&s.history).unwrap();
    let split = split_entries(&good).unwrap();

    // Truncated: the genesis alone verifies, but is below the pin.
    fs::write(&s.history, split[0]).unwrap();
    with_pin("b")
        .code(5)
        .stderr(predicate::str::contains("album history rolled back"));

    // Forked: another entry 1 signed by the owner (Carol added instead of Bob).
    let alice = keyring(&s.alice);
    let album_id = AlbumId::from_bytes(hex_id(&s.album));
    let genesis_only =
        verify_history(&[split[0]], album_id, &alice.identity_public_key(), None).unwrap();
    let carol = s.t.init("carol", "carol pw");
    let fork = alice
        .append_history(&genesis_only, HistoryAction::AddMember(identity(&carol)))
        .unwrap();
    fs::write(&s.history, [split[0], &fork[..]].concat()).unwrap();
    with_pin("c").code(5).stderr(predicate::str::contains(
        "forks from the one this device has seen",
    ));
    // Without the device's pin, the fork alone verifies: what a pin is for.
    open(&s.t, &s.alice, &[], &[&s.alices], "d").success();

    // Tampered: one bit of Bob's addition's signature.
    let mut tampered = good.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    fs::write(&s.history, &tampered).unwrap();
    open(&s.t, &s.alice, &[], &[&s.alices], "e")
        .code(5)
        .stderr(predicate::str::contains(
            "the signature of album history entry 1 does not verify",
        ));
    // Cut inside an entry: refused as malformed.
    fs::write(&s.history, &good[..good.len() - 10]).unwrap();
    open(&s.t, &s.alice, &[], &[&s.alices], "f")
        .code(5)
        .stderr(predicate::str::contains("the file ends inside an entry"));
    // The good file again: opens.
    fs::write(&s.history, &good).unwrap();
    with_pin("g").success();
}

#[test]
fn an_album_the_account_does_not_own_has_no_history_to_verify_against() {
    let t = T::new();
    let alice = t.init("alice", "alice pw");
    let id = album(&t);
    let sealed = seal(&t, &alice, &id, "x.jpg", &data(1000, 1), "out");
    // The owner's copy moved away: nothing to verify the uploader against.
    let history = owned_path(&alice.file, AlbumId::from_bytes(hex_id(&id)));
    fs::rename(&history, t.path("elsewhere.ks-history")).unwrap();
    open(&t, &alice, &[], &[&sealed], "a")
        .code(5)
        .stderr(predicate::str::contains("no history of album"));
    // Named explicitly, it verifies.
    open(
        &t,
        &alice,
        &["--history", "elsewhere.ks-history"],
        &[&sealed],
        "b",
    )
    .success();
}

#[test]
fn every_cut_or_flipped_length_of_a_container_is_refused_without_panicking() {
    let t = T::new();
    let alice = t.init("alice", "alice pw");
    let id = album(&t);
    let thumb = t.write("thumb.jpg", &data(300, 2));
    let src = t.write("in/x.jpg", &data(3000, 1));
    t.cmd()
        .args(["seal", "--album", &id, "--chunk-log2", "8", "--thumbnail"])
        .arg(&thumb)
        .args(alice.unlock())
        .arg(&src)
        .args(["--out", "out"])
        .assert()
        .success();
    let good = fs::read(common::containers(&t.path("out")).pop().unwrap()).unwrap();
    let layout = container::read_layout(&mut std::io::Cursor::new(&good)).unwrap();
    for cut in 0..good.len() {
        let err = container::read_layout(&mut std::io::Cursor::new(&good[..cut]))
            .err()
            .unwrap();
        assert!(
            matches!(
                err.name().as_str(),
                "TruncatedContainer" | "LengthOutOfRange" | "TruncatedHeader"
            ),
            "cut at {cut}: {err}"
        );
    }
    // Each byte of the three length fields, flipped: refused (or, for a low bit of T
    // that still lands on a stream, a stream mismatch), never a panic.
    let s_at = 154 + usize::try_from(layout.thumbnail.unwrap().0.len).unwrap();
    let m_at = usize::try_from(layout.hash_list.offset + layout.hash_list.len).unwrap();
    for at in (150..154).chain(s_at..s_at + 8).chain(m_at..m_at + 4) {
        for bit in 0..8 {
            let mut bad = good.clone();
            bad[at] ^= 1 << bit;
            assert!(
                container::read_layout(&mut std::io::Cursor::new(&bad)).is_err(),
                "byte {at} bit {bit}"
            );
        }
    }
}

#[test]
fn inspect_with_the_account_verifies_the_uploader() {
    let s = shared();
    let bobs = s.bob_seals(&data(4000, 8), "bob-out");
    let inspect = |file: &Path| {
        s.t.cmd()
            .args(["inspect", "--json", "--account"])
            .arg(&s.alice.file)
            .arg("--passphrase-file")
            .arg(&s.alice.pass)
            .arg(file)
            .assert()
    };
    let out = inspect(&bobs).success().get_output().stdout.clone();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["authenticated"], true);
    assert_eq!(value["provenance"]["verified"], true);
    assert_eq!(
        value["provenance"]["uploader_fingerprint"],
        fingerprint(&identity(&s.bob))
    );
    assert_eq!(value["provenance"]["uploader_digest"], s.bob.digest);
    // Without the account: the public structure only.
    let out =
        s.t.cmd()
            .args(["inspect", "--json"])
            .arg(&bobs)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["authenticated"], false);
    assert!(value.get("uploader_fingerprint").is_none());
    // A re-sealed original is not inspect's to find (it reads no stream), but an unsigned
    // record is: exit 5, as `open`.
    let album = keyring(&s.alice)
        .album_key(AlbumId::from_bytes(hex_id(&s.album)), 0)
        .unwrap();
    let bytes = fs::read(&bobs).unwrap();
    let layout = container::read_layout(&mut std::io::Cursor::new(&bytes)).unwrap();
    let item = container::open_item(&layout, &album).unwrap();
    let json = container::read::record_metadata(&item.record).unwrap();
    let unsigned = keepsake::provenance::ItemRecord::encode(None, json).unwrap();
    let envelope = item
        .media_key
        .seal_blob(&layout.media_id, keepsake::MediaBlob::Metadata, &unsigned)
        .unwrap();
    let at = usize::try_from(layout.metadata_section.offset).unwrap() - 4;
    let mut forged = bytes[..at].to_vec();
    forged.extend_from_slice(&u32::try_from(envelope.len()).unwrap().to_be_bytes());
    forged.extend_from_slice(&envelope);
    let unsigned_file = s.t.write("unsigned.ks", &forged);
    inspect(&unsigned_file)
        .code(5)
        .stderr(predicate::str::contains("the item is not signed"));
    open(&s.t, &s.alice, &[], &[&unsigned_file], "u")
        .code(5)
        .stderr(predicate::str::contains("unsigned"));
}
