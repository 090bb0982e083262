//! The `keepsake` binary end to end on incremental sealing: the sealed index in the output
//! folder (SPEC.md 8.9), files skipped when unchanged and sealed as new versions when not,
//! a damaged or foreign index refused, permission bits restored, and `open` skipping
//! files already restored identically.

// Test helpers: a failed step should stop the test loudly.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{T, album, containers, data, names, text};
use predicates::prelude::*;

const INDEX: &str = "index.ks-index";

fn seal(t: &T, a: &common::Account, id: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    t.cmd()
        .args(["seal", "--album", id])
        .args(a.unlock())
        .arg(t.path("Photos"))
        .args(["--out", "sealed", "-v"])
        .args(extra)
        .assert()
}

fn open(
    t: &T,
    a: &common::Account,
    files: &[PathBuf],
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(files)
        .args(["--out", "restored", "-v"])
        .args(extra)
        .assert()
}

fn set_mtime(path: &Path, time: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

const T0: Duration = Duration::new(1_700_000_000, 250_000_000);

/// Five files under `Photos/`, with fixed modification times.
fn photos(t: &T) -> Vec<PathBuf> {
    let files: Vec<PathBuf> = [
        ("Photos/2024/IMG_0001.HEIC", data(150_000, 3)),
        ("Photos/2024/IMG_0002.HEIC", data(90_000, 5)),
        ("Photos/2025/clip.mov", data(70_000, 7)),
        ("Photos/notes.txt", b"beach day".to_vec()),
        ("Photos/empty.bin", Vec::new()),
    ]
    .iter()
    .map(|(name, bytes)| t.write(name, bytes))
    .collect();
    for file in &files {
        set_mtime(file, SystemTime::UNIX_EPOCH + T0);
    }
    files
}

fn out(assert: &assert_cmd::assert::Assert) -> String {
    text(&assert.get_output().stdout)
}

#[test]
fn sealing_a_folder_twice_seals_nothing_the_second_time() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    photos(&t);
    let first = seal(&t, &a, &id, &[]).success();
    assert!(out(&first).contains("sealed 5 file(s)"), "{}", out(&first));
    assert!(!out(&first).contains("new version"), "{}", out(&first));
    let sealed = containers(&t.path("sealed"));
    assert_eq!(sealed.len(), 5);
    let index = std::fs::read(t.path("sealed").join(INDEX)).unwrap();
    assert_eq!(&index[..4], b"KSIX");
    for leak in [&b"IMG_0001"[..], b"Photos", b"notes", b"clip"] {
        assert!(
            !index.windows(leak.len()).any(|w| w == leak),
            "the index leaks a name"
        );
    }

    // `inspect` shows its public structure, and nothing more.
    let shown = t
        .cmd()
        .args(["inspect", "sealed/index.ks-index"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&shown.get_output().stdout).unwrap();
    assert_eq!(json["type"], "seal-index");
    assert_eq!(json["album_id"], id.as_str());
    assert_eq!(json["wrapped_index_key"]["len"], 105);
    assert_eq!(json["stream"]["kind"], "sidecar");
    assert_eq!(json["stream"]["media_id"], json["index_id"]);
    assert_eq!(json["len"], index.len());
    assert!(!out(&shown).contains("Photos"));

    let second = seal(&t, &a, &id, &[]).success();
    let stdout = out(&second);
    assert!(stdout.contains("sealed 0 file(s)"), "{stdout}");
    assert!(stdout.contains("skipped 5 unchanged file(s)"), "{stdout}");
    assert_eq!(
        stdout.matches("unchanged ").count(),
        6,
        "one line per file: {stdout}"
    );
    // Nothing new in the folder, and the index was not even rewritten.
    assert_eq!(containers(&t.path("sealed")), sealed);
    assert_eq!(names(&t.path("sealed")).len(), 6);
    assert_eq!(std::fs::read(t.path("sealed").join(INDEX)).unwrap(), index);
}

#[test]
fn a_changed_file_is_sealed_as_one_new_version_and_open_restores_the_newest() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let files = photos(&t);
    seal(&t, &a, &id, &[]).success();
    let before = containers(&t.path("sealed"));

    // Same size and the same modification time, different content: only the hash tells.
    let mut edited = data(90_000, 5);
    edited[45_000] ^= 0xff;
    std::fs::write(&files[1], &edited).unwrap();
    set_mtime(&files[1], SystemTime::UNIX_EPOCH + T0);
    let run = seal(&t, &a, &id, &[]).success();
    let stdout = out(&run);
    assert!(stdout.contains("sealed 1 file(s)"), "{stdout}");
    assert!(stdout.contains("skipped 4 unchanged file(s)"), "{stdout}");
    assert!(
        stdout.contains("IMG_0002.HEIC ->"),
        "the new version is reported: {stdout}"
    );
    assert!(stdout.contains("1 of them new version(s)"), "{stdout}");
    let after = containers(&t.path("sealed"));
    assert_eq!(
        after.len(),
        6,
        "exactly one new container; the old version stays"
    );
    assert!(before.iter().all(|c| after.contains(c)));

    // A bigger change (another size) makes another version.
    std::fs::write(&files[3], b"beach day, then rain").unwrap();
    let stdout = out(&seal(&t, &a, &id, &[]).success());
    assert!(stdout.contains("sealed 1 file(s)"), "{stdout}");
    assert!(stdout.contains("notes.txt ->"), "{stdout}");
    let all = containers(&t.path("sealed"));
    assert_eq!(all.len(), 7);

    // Opening every container restores each name once, the newest version; the earlier
    // versions are skipped (the index lists them), not reported as conflicts.
    let opened = open(&t, &a, &all, &[]).success();
    let stdout = out(&opened);
    assert!(stdout.contains("opened 5 of 7"), "{stdout}");
    assert_eq!(
        stdout.matches("superseded in the index").count(),
        2,
        "{stdout}"
    );
    assert_eq!(
        std::fs::read(t.path("restored/Photos/2024/IMG_0002.HEIC")).unwrap(),
        edited
    );
    assert_eq!(
        std::fs::read(t.path("restored/Photos/notes.txt")).unwrap(),
        b"beach day, then rain"
    );
    // An earlier version opened by itself is restored (it is not skipped alone).
    let out_old = t
        .cmd()
        .arg("open")
        .args(a.unlock())
        .args(&before)
        .args(["--out", "old"])
        .assert()
        .success();
    assert!(out(&out_old).contains("opened 5 of 5"), "{}", out(&out_old));
    assert_eq!(
        std::fs::read(t.path("old/Photos/2024/IMG_0002.HEIC")).unwrap(),
        data(90_000, 5)
    );
}

#[test]
fn a_touched_file_with_identical_content_is_sealed_again_with_its_new_time() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let files = photos(&t);
    seal(&t, &a, &id, &[]).success();
    // The content is the same, but the container records the time, so it is sealed again
    // (a new version recording the new time).
    let later = SystemTime::UNIX_EPOCH + T0 + Duration::from_secs(3600);
    set_mtime(&files[0], later);
    let stdout = out(&seal(&t, &a, &id, &[]).success());
    assert!(stdout.contains("sealed 1 file(s)"), "{stdout}");
    assert!(stdout.contains("IMG_0001.HEIC ->"), "{stdout}");
    assert_eq!(containers(&t.path("sealed")).len(), 6);
    let all = containers(&t.path("sealed"));
    open(&t, &a, &all, &[]).success();
    assert_eq!(mtime(&t.path("restored/Photos/2024/IMG_0001.HEIC")), later);
    // Then it is unchanged again.
    let stdout = out(&seal(&t, &a, &id, &[]).success());
    assert!(stdout.contains("sealed 0 file(s)"), "{stdout}");
}

#[test]
fn a_container_missing_from_the_folder_is_sealed_again() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    photos(&t);
    seal(&t, &a, &id, &[]).success();
    let sealed = containers(&t.path("sealed"));
    std::fs::remove_file(&sealed[2]).unwrap();
    let stdout = out(&seal(&t, &a, &id, &[]).success());
    assert!(stdout.contains("sealed 1 file(s)"), "{stdout}");
    assert!(stdout.contains("skipped 4 unchanged file(s)"), "{stdout}");
    assert_eq!(containers(&t.path("sealed")).len(), 5);
}

#[test]
fn a_damaged_or_foreign_index_is_refused_and_nothing_is_sealed() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    photos(&t);
    seal(&t, &a, &id, &[]).success();
    let index_path = t.path("sealed").join(INDEX);
    let good = std::fs::read(&index_path).unwrap();
    let sealed = containers(&t.path("sealed"));

    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let mut wrapped_key = good.clone();
    wrapped_key[100] ^= 1;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("a flipped tag bit", flipped, "failed authentication"),
        (
            "a flipped wrapped-key bit",
            wrapped_key,
            "failed authentication",
        ),
        ("cut", good[..120].to_vec(), "truncated index"),
        (
            "foreign",
            b"PK\x03\x04 a zip file".to_vec(),
            "not a keepsake index",
        ),
        (
            "a container",
            std::fs::read(&sealed[0]).unwrap(),
            "not a keepsake index",
        ),
    ];
    for (what, bytes, message) in cases {
        std::fs::write(&index_path, &bytes).unwrap();
        seal(&t, &a, &id, &[])
            .code(5)
            .stderr(
                predicate::str::contains(message).and(predicate::str::contains("--rebuild-index")),
            )
            .stdout(predicate::str::contains("sealed").not());
        assert_eq!(
            containers(&t.path("sealed")),
            sealed,
            "{what}: nothing sealed"
        );
        assert_eq!(
            std::fs::read(&index_path).unwrap(),
            bytes,
            "{what}: index left alone"
        );
    }

    // Another account sealing the same album id into the folder: another album key.
    let b = t.init("bob", "pw2");
    std::fs::write(&index_path, &good).unwrap();
    t.cmd()
        .args(["seal", "--album", &id])
        .args(b.unlock())
        .arg(t.path("Photos"))
        .args(["--out", "sealed"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("failed authentication"));
    // Another album: named as such.
    let other = album(&t);
    seal(&t, &a, &other, &[])
        .code(5)
        .stderr(predicate::str::contains("the index is for album"));
    assert_eq!(containers(&t.path("sealed")), sealed);

    // An index over its cap is refused before it is read whole (a sparse file here).
    std::fs::File::create(&index_path)
        .unwrap()
        .set_len(80 << 20)
        .unwrap();
    seal(&t, &a, &id, &[])
        .code(5)
        .stderr(predicate::str::contains("index too large"));

    // --rebuild-index discards it (the oversized one here) and starts a new one: the
    // containers already in the folder are recognized by their authenticated content, so
    // nothing is sealed again.
    let rebuilt = seal(&t, &a, &id, &["--rebuild-index"])
        .success()
        .stderr(predicate::str::contains("discarded"));
    let stdout = out(&rebuilt);
    assert!(stdout.contains("sealed 0 file(s)"), "{stdout}");
    assert!(stdout.contains("found 5 of them in containers"), "{stdout}");
    assert_eq!(containers(&t.path("sealed")), sealed);
    assert!(std::fs::metadata(&index_path).unwrap().len() < 4096);
    let stdout = out(&seal(&t, &a, &id, &[]).success());
    assert!(stdout.contains("skipped 5 unchanged file(s)"), "{stdout}");
}

#[test]
fn open_skips_files_already_restored_identically_and_refuses_changed_ones() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    photos(&t);
    seal(&t, &a, &id, &[]).success();
    let sealed = containers(&t.path("sealed"));
    let first = open(&t, &a, &sealed, &[]).success();
    assert!(out(&first).contains("opened 5 of 5"), "{}", out(&first));
    let restored = t.path("restored/Photos/2025/clip.mov");
    let restored_time = mtime(&restored);

    let again = open(&t, &a, &sealed, &[]).success();
    let stdout = out(&again);
    assert!(stdout.contains("opened 0 of 5"), "{stdout}");
    assert!(stdout.contains("skipped 5 file(s)"), "{stdout}");
    assert_eq!(stdout.matches("already holds it").count(), 5, "{stdout}");
    assert_eq!(mtime(&restored), restored_time);

    // A file the user changed (same length) stays a refusal; the others are skipped.
    let mut changed = data(70_000, 7);
    changed[69_999] ^= 1;
    std::fs::write(&restored, &changed).unwrap();
    let refused = open(&t, &a, &sealed, &[])
        .code(4)
        .stderr(predicate::str::contains("already exists"));
    assert!(
        out(&refused).contains("skipped 4 file(s)"),
        "{}",
        out(&refused)
    );
    assert_eq!(std::fs::read(&restored).unwrap(), changed);
    // A longer one too.
    std::fs::write(&restored, data(70_001, 7)).unwrap();
    open(&t, &a, &sealed, &[]).code(4);
    // --force replaces it.
    open(&t, &a, &sealed, &["--force"]).success();
    assert_eq!(std::fs::read(&restored).unwrap(), data(70_000, 7));
    assert_eq!(names(&t.path("restored/Photos/2025")), vec!["clip.mov"]);
}

#[cfg(unix)]
#[test]
fn permission_bits_are_recorded_and_restored() {
    use std::os::unix::fs::PermissionsExt;
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let files = photos(&t);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    let set = |p: &Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    set(&files[0], 0o640);
    set(&files[2], 0o755);
    set(&files[3], 0o400);
    seal(&t, &a, &id, &[]).success();
    open(&t, &a, &containers(&t.path("sealed")), &[]).success();
    assert_eq!(mode(&t.path("restored/Photos/2024/IMG_0001.HEIC")), 0o640);
    assert_eq!(mode(&t.path("restored/Photos/2025/clip.mov")), 0o755);
    assert_eq!(mode(&t.path("restored/Photos/notes.txt")), 0o400);
    assert_eq!(
        std::fs::read(t.path("restored/Photos/notes.txt")).unwrap(),
        b"beach day"
    );
    // A change of mode alone is a change: sealed again, recording the new bits.
    set(&files[0], 0o600);
    let stdout = out(&seal(&t, &a, &id, &[]).success());
    assert!(stdout.contains("sealed 1 file(s)"), "{stdout}");
    open(&t, &a, &containers(&t.path("sealed")), &["--force"]).success();
    assert_eq!(mode(&t.path("restored/Photos/2024/IMG_0001.HEIC")), 0o600);
}

#[test]
fn open_takes_a_folder_of_containers_and_leaves_the_index_out() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    photos(&t);
    seal(&t, &a, &id, &[]).success();
    // The folder itself.
    let stdout = out(&open(&t, &a, &[t.path("sealed")], &[]).success());
    assert!(stdout.contains("opened 5 of 5"), "{stdout}");
    assert_eq!(
        std::fs::read(t.path("restored/Photos/2024/IMG_0001.HEIC")).unwrap(),
        data(150_000, 3)
    );
    // Every file in it, as a shell glob gives them: the index is named and left out.
    let mut every: Vec<PathBuf> = names(&t.path("sealed"))
        .iter()
        .map(|n| t.path("sealed").join(n))
        .collect();
    every.sort();
    assert_eq!(every.len(), 6);
    let again = open(&t, &a, &every, &[])
        .success()
        .stderr(predicate::str::contains("the seal index, not a container"));
    let stdout = out(&again);
    assert!(stdout.contains("opened 0 of 5"), "{stdout}");
    assert!(stdout.contains("skipped 5 file(s)"), "{stdout}");
    // --stdout still takes exactly one container: a usage error.
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .arg(t.path("sealed"))
        .arg("--stdout")
        .assert()
        .code(64);
}

#[test]
fn two_inputs_with_one_name_are_not_both_sealed() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let one = t.write("a/photo.jpg", b"one");
    let two = t.write("b/photo.jpg", b"two");
    t.cmd()
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .args([&one, &two])
        .args(["--out", "sealed"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is also that of"));
    assert_eq!(containers(&t.path("sealed")).len(), 1);
    // The next run skips the one sealed and refuses the other again: nothing new.
    t.cmd()
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .args([&one, &two])
        .args(["--out", "sealed"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("skipped 1 unchanged"));
    assert_eq!(containers(&t.path("sealed")).len(), 1);
}

#[test]
fn an_output_folder_inside_the_sealed_folder_is_not_sealed_into_itself() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    photos(&t);
    for _ in 0..2 {
        t.cmd()
            .args(["seal", "--album", &id])
            .args(a.unlock())
            .arg(t.path("Photos"))
            .args(["--out", "Photos/sealed"])
            .assert()
            .success();
    }
    let run = t
        .cmd()
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .arg(t.path("Photos"))
        .args(["--out", "Photos/sealed"])
        .assert()
        .success()
        .stderr(predicate::str::contains("inside the output folder"));
    assert!(out(&run).contains("skipped 5 unchanged"), "{}", out(&run));
    assert_eq!(containers(&t.path("Photos/sealed")).len(), 5);
}

#[test]
fn a_grant_holder_opens_and_seals_with_the_same_index() {
    let t = T::new();
    let alice = t.init("alice", "pw");
    let bob = t.init("bob", "pw2");
    let id = album(&t);
    let files = photos(&t);
    seal(&t, &alice, &id, &[]).success();
    std::fs::write(&files[3], b"beach day, then rain").unwrap();
    seal(&t, &alice, &id, &[]).success();
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
    let history = common::history_of(&alice, &id).display().to_string();
    let grant = [
        "--grant",
        "bob.grant",
        "--from",
        alice.identity.as_str(),
        "--history",
        history.as_str(),
    ];
    // Bob opens the folder with the grant's key: the index opens too, so the earlier
    // version of notes.txt is skipped.
    let opened = t
        .cmd()
        .arg("open")
        .args(grant)
        .args(bob.unlock())
        .arg(t.path("sealed"))
        .args(["--out", "bob-out"])
        .assert()
        .success();
    assert!(out(&opened).contains("opened 5 of 6"), "{}", out(&opened));
    assert_eq!(
        std::fs::read(t.path("bob-out/Photos/notes.txt")).unwrap(),
        b"beach day, then rain"
    );
    // Sealing the same files with the grant's key finds them unchanged.
    let sealed = t
        .cmd()
        .arg("seal")
        .args(grant)
        .args(bob.unlock())
        .arg(t.path("Photos"))
        .args(["--out", "sealed"])
        .assert()
        .success();
    assert!(
        out(&sealed).contains("skipped 5 unchanged"),
        "{}",
        out(&sealed)
    );
}

#[test]
fn containers_the_index_does_not_record_are_recognized_not_sealed_again() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let files = photos(&t);
    seal(&t, &a, &id, &[]).success();
    let sealed = containers(&t.path("sealed"));
    // A seal killed before it wrote its index, or a folder sealed before indexes existed:
    // containers and no index.
    std::fs::remove_file(t.path("sealed").join(INDEX)).unwrap();
    // One file changed meanwhile, one container is foreign (another album), one is junk.
    std::fs::write(&files[3], b"beach day, then rain").unwrap();
    let other = album(&t);
    t.cmd()
        .args(["seal", "--album", &other])
        .args(a.unlock())
        .arg(&files[4])
        .args(["--out", "elsewhere"])
        .assert()
        .success();
    let foreign = containers(&t.path("elsewhere"))[0].clone();
    std::fs::copy(
        &foreign,
        t.path("sealed").join(foreign.file_name().unwrap()),
    )
    .unwrap();
    std::fs::write(
        t.path("sealed").join(format!("{}.ks", "ab".repeat(16))),
        b"junk",
    )
    .unwrap();

    let run = seal(&t, &a, &id, &[]).success();
    let stdout = out(&run);
    assert!(
        stdout.contains("sealed 1 file(s)"),
        "only the changed one: {stdout}"
    );
    assert!(stdout.contains("skipped 4 unchanged file(s)"), "{stdout}");
    assert!(stdout.contains("found 4 of them in containers"), "{stdout}");
    assert_eq!(containers(&t.path("sealed")).len(), 5 + 2 + 1);
    // Then the index records them: the next seal finds all five unchanged, from the index.
    let stdout = out(&seal(&t, &a, &id, &[]).success());
    assert!(stdout.contains("skipped 5 unchanged file(s)"), "{stdout}");
    assert!(!stdout.contains("found"), "{stdout}");
    // The foreign and junk files were left alone.
    assert!(t.path("sealed").join(foreign.file_name().unwrap()).exists());
    assert!(sealed.iter().all(|c| c.exists()));
}

#[test]
fn an_unrecorded_container_with_other_content_is_not_taken_for_the_file() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let files = photos(&t);
    seal(&t, &a, &id, &[]).success();
    std::fs::remove_file(t.path("sealed").join(INDEX)).unwrap();
    // Same length, same time, same mode, other bytes: the metadata matches, the content
    // does not, so the file is sealed again.
    let mut edited = data(90_000, 5);
    edited[0] ^= 1;
    std::fs::write(&files[1], &edited).unwrap();
    set_mtime(&files[1], SystemTime::UNIX_EPOCH + T0);
    let stdout = out(&seal(&t, &a, &id, &[]).success());
    assert!(stdout.contains("sealed 1 file(s)"), "{stdout}");
    assert!(stdout.contains("IMG_0002.HEIC ->"), "{stdout}");
    assert!(stdout.contains("found 4 of them"), "{stdout}");
    // The unrecorded container of the old content is now an earlier version: opening the
    // folder restores the new content, once, without a conflict.
    let stdout = out(&open(&t, &a, &[t.path("sealed")], &[]).success());
    assert!(stdout.contains("opened 5 of 6"), "{stdout}");
    assert_eq!(
        std::fs::read(t.path("restored/Photos/2024/IMG_0002.HEIC")).unwrap(),
        edited
    );
}

#[test]
fn a_folder_with_every_file_sealed_twice_before_indexes_opens_cleanly() {
    // The case: a folder sealed twice by a version without the index holds two
    // containers per file (here made by sealing into two folders and merging them).
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    photos(&t);
    seal(&t, &a, &id, &[]).success();
    t.cmd()
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .arg(t.path("Photos"))
        .args(["--out", "again"])
        .assert()
        .success();
    for c in containers(&t.path("again")) {
        std::fs::copy(&c, t.path("sealed").join(c.file_name().unwrap())).unwrap();
    }
    std::fs::remove_file(t.path("sealed").join(INDEX)).unwrap();
    assert_eq!(containers(&t.path("sealed")).len(), 10);

    let stdout = out(&seal(&t, &a, &id, &[]).success());
    assert!(stdout.contains("sealed 0 file(s)"), "{stdout}");
    assert!(stdout.contains("found 5 of them"), "{stdout}");
    assert_eq!(containers(&t.path("sealed")).len(), 10);
    // The duplicates are recorded as earlier versions: opening the folder restores each
    // file once, with exit code 0, instead of five "already exists" refusals.
    let stdout = out(&open(&t, &a, &[t.path("sealed")], &[]).success());
    assert!(stdout.contains("opened 5 of 10"), "{stdout}");
    assert!(stdout.contains("skipped 5 file(s)"), "{stdout}");
}
