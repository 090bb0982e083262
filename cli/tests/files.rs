//! The `keepsake` binary end to end on files: sealing folders, opening batches with bad
//! files in them, refusing to overwrite, interrupted seals, range and thumbnail opens, and
//! `inspect` printing structure and no secret.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::{T, album, containers, data, names, text};
use predicates::prelude::*;

fn seal(
    t: &T,
    a: &common::Account,
    id: &str,
    paths: &[&Path],
    out: &str,
) -> assert_cmd::assert::Assert {
    t.cmd()
        .args(["seal", "--album", id])
        .args(a.unlock())
        .args(paths)
        .args(["--out", out])
        .assert()
}

#[test]
fn a_folder_round_trips_with_names_and_times_and_no_name_leaks() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    t.write("Photos/2024/IMG_0001.HEIC", &data(200_000, 3));
    t.write("Photos/2024/notes.txt", b"beach day");
    t.write("Photos/empty.bin", b"");
    let old = SystemTime::UNIX_EPOCH + Duration::new(1_600_000_000, 987_654_321);
    let img = t.path("Photos/2024/IMG_0001.HEIC");
    std::fs::File::options()
        .write(true)
        .open(&img)
        .unwrap()
        .set_modified(old)
        .unwrap();
    seal(&t, &a, &id, &[&t.path("Photos")], "sealed")
        .success()
        .stdout(predicate::str::contains("sealed 3 file(s)"));
    let sealed = containers(&t.path("sealed"));
    assert_eq!(sealed.len(), 3);
    for file in &sealed {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name.len(), 32 + 3, "{name}");
        let bytes = std::fs::read(file).unwrap();
        for leak in [&b"IMG_0001"[..], b"notes", b"Photos", b"empty.bin"] {
            assert!(
                !bytes.windows(leak.len()).any(|w| w == leak),
                "{name} leaks a name"
            );
        }
    }
    // No temporary file is left behind: the three containers and the index.
    assert_eq!(names(&t.path("sealed")).len(), 4);
    let index = std::fs::read(t.path("sealed/index.ks-index")).unwrap();
    for leak in [&b"IMG_0001"[..], b"notes", b"Photos", b"empty.bin"] {
        assert!(
            !index.windows(leak.len()).any(|w| w == leak),
            "the index leaks a name"
        );
    }

    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--out", "restored", "-v"])
        .assert()
        .success()
        .stdout(predicate::str::contains("opened 3 of 3"));
    assert_eq!(
        std::fs::read(t.path("restored/Photos/2024/IMG_0001.HEIC")).unwrap(),
        data(200_000, 3)
    );
    assert_eq!(
        std::fs::read(t.path("restored/Photos/2024/notes.txt")).unwrap(),
        b"beach day"
    );
    assert_eq!(
        std::fs::read(t.path("restored/Photos/empty.bin")).unwrap(),
        b""
    );
    let restored = std::fs::metadata(t.path("restored/Photos/2024/IMG_0001.HEIC")).unwrap();
    assert_eq!(restored.modified().unwrap(), old);
}

#[test]
fn a_batch_with_tampered_truncated_and_foreign_files_opens_the_good_ones() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let one = t.write("in/one.jpg", &data(100_000, 5));
    let two = t.write("in/two.jpg", &data(70_000, 9));
    let three = t.write("other/three.jpg", &data(150_000, 3));
    seal(&t, &a, &id, &[&one, &two], "sealed").success();
    seal(&t, &a, &id, &[&three], "third").success();
    let sealed = containers(&t.path("sealed"));
    let good = std::fs::read(&containers(&t.path("third"))[0]).unwrap();
    let mut tampered = good.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x10;
    t.write("bad/tampered.ks", &tampered);
    // Cut at a chunk boundary: 150 000 = 2 x 65 536 + 18 928; drop the last chunk.
    t.write("bad/truncated.ks", &good[..good.len() - (18_928 + 16)]);
    t.write("bad/cut-header.ks", &good[..120]);
    t.write("bad/foreign.ks", b"GIF89a and so on");
    let out = t
        .cmd()
        .arg("open")
        .args(a.unlock())
        .arg("bad/tampered.ks")
        .arg(&sealed[0])
        .arg("bad/truncated.ks")
        .arg("bad/cut-header.ks")
        .arg(&sealed[1])
        .arg("bad/foreign.ks")
        .args(["--out", "restored"])
        .assert()
        .code(3);
    let err = text(&out.get_output().stderr);
    for (file, kind) in [
        ("tampered.ks", "authentication failed"),
        (
            "truncated.ks",
            "truncated: the file ends inside the original stream",
        ),
        ("cut-header.ks", "truncated"),
        ("foreign.ks", "foreign file"),
    ] {
        assert!(
            err.lines().any(|l| l.contains(file) && l.contains(kind)),
            "{file}: {kind}\n{err}"
        );
    }
    assert!(err.contains("4 of 6 file(s) not processed"), "{err}");
    assert_eq!(
        std::fs::read(t.path("restored/one.jpg")).unwrap(),
        data(100_000, 5)
    );
    assert_eq!(
        std::fs::read(t.path("restored/two.jpg")).unwrap(),
        data(70_000, 9)
    );
    // Nothing else (no partial plaintext) is left in the output folder.
    assert_eq!(names(&t.path("restored")), vec!["one.jpg", "two.jpg"]);
    // A missing container is an I/O error found before unlocking: nothing is created.
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .arg(&sealed[0])
        .arg("bad/missing.ks")
        .args(["--out", "restored-2"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.ks"));
    assert!(!t.path("restored-2").exists());
}

#[test]
fn open_never_overwrites_without_force() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let photo = t.write("in/photo.jpg", &data(10_000, 7));
    seal(&t, &a, &id, &[&photo], "sealed").success();
    let sealed = containers(&t.path("sealed"));
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--out", "out"])
        .assert()
        .success();
    std::fs::write(t.path("out/photo.jpg"), b"edited by the user").unwrap();
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--out", "out"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(
        std::fs::read(t.path("out/photo.jpg")).unwrap(),
        b"edited by the user"
    );
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--out", "out", "--force"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(t.path("out/photo.jpg")).unwrap(),
        data(10_000, 7)
    );
    assert_eq!(names(&t.path("out")), vec!["photo.jpg"]);
}

#[test]
fn an_interrupted_seal_leaves_nothing_under_a_final_name() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    // A large sparse file takes seconds to seal; kill the process once it is writing.
    let big = t.path("big.bin");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    let out_dir = t.path("sealed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_keepsake"))
        .current_dir(t.dir.path())
        .args(["seal", "--album", &id])
        .args(a.unlock())
        .arg(&big)
        .args(["--out", "sealed"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let mut saw_partial = false;
    while start.elapsed() < Duration::from_secs(20) {
        if out_dir.exists()
            && names(&out_dir)
                .iter()
                .any(|n| n.starts_with(".keepsake-") && n.ends_with(".partial"))
        {
            saw_partial = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        saw_partial,
        "the seal finished before it could be interrupted"
    );
    assert!(containers(&out_dir).is_empty(), "{:?}", names(&out_dir));
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_that_changes_while_sealed_is_refused_and_nothing_is_written() {
    // /proc files claim a length of 0 and then yield more: the seal must notice.
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let ok = t.write("ok.txt", b"fine");
    seal(
        &t,
        &a,
        &id,
        &[Path::new("/proc/self/status"), &ok],
        "sealed",
    )
    .code(1)
    .stderr(predicate::str::contains(
        "changed while it was being sealed",
    ));
    assert_eq!(containers(&t.path("sealed")).len(), 1);
    assert_eq!(
        names(&t.path("sealed")),
        vec![
            containers(&t.path("sealed"))[0]
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
            "index.ks-index".to_string()
        ],
        "a temporary file was left"
    );
}

#[test]
fn range_open_writes_just_that_range() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let video = data(300_000, 13);
    let path = t.write("clip.mov", &video);
    t.cmd()
        .args(["seal", "--chunk-log2", "12", "--album", &id])
        .args(a.unlock())
        .arg(&path)
        .args(["--out", "sealed"])
        .assert()
        .success();
    let sealed = containers(&t.path("sealed"));
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--range", "100000:5000", "--out", "parts"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(t.path("parts/clip.mov.range-100000-5000")).unwrap(),
        &video[100_000..105_000]
    );
    // To standard output, and a range running past the end is clipped.
    let out = t
        .cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--range", "299000:10000", "--stdout"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, &video[299_000..]);
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--range", "300001:1", "--stdout"])
        .assert()
        .code(64)
        .stderr(predicate::str::contains(
            "past the end of the 300000-byte plaintext",
        ));
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--range", "300001:1", "--out", "parts"])
        .assert()
        .code(64);
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--range", "12-34", "--stdout"])
        .assert()
        .code(64);
    // A clipped range's file is named by the bytes it holds.
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--range", "299000:10000", "--out", "parts"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(t.path("parts/clip.mov.range-299000-1000")).unwrap(),
        &video[299_000..]
    );
    assert_eq!(
        names(&t.path("parts")),
        vec!["clip.mov.range-100000-5000", "clip.mov.range-299000-1000"]
    );
    // A range reaching the end of a truncated container is refused.
    let bytes = std::fs::read(&sealed[0]).unwrap();
    // 300 000 = 73 x 4096 + 992: drop the final chunk.
    t.write("cut.ks", &bytes[..bytes.len() - (992 + 16)]);
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(["cut.ks", "--range", "290000:100000", "--stdout"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("truncated"));
    // Whole file to standard output.
    let out = t
        .cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .arg("--stdout")
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, video);
}

#[test]
fn thumbnail_slot_and_inspect_print_structure_but_no_secret() {
    let t = T::new();
    let a = t.init("alice", "a passphrase to look for");
    let id = album(&t);
    let photo = t.write("in/photo.jpg", &data(100_000, 17));
    let thumb = t.write("thumb.jpg", &data(3_000, 19));
    t.cmd()
        .args(["seal", "--album", &id, "--thumbnail"])
        .arg(&thumb)
        .args(a.unlock())
        .arg(&photo)
        .args(["--out", "sealed"])
        .assert()
        .success();
    let sealed = containers(&t.path("sealed"));
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(&sealed)
        .args(["--thumbnail", "--out", "thumbs"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(t.path("thumbs/photo.jpg.thumbnail")).unwrap(),
        data(3_000, 19)
    );
    // --thumbnail needs a single input.
    let other = t.write("in/other.jpg", b"x");
    t.cmd()
        .args(["seal", "--album", &id, "--thumbnail"])
        .arg(&thumb)
        .args(a.unlock())
        .args([&photo, &other])
        .args(["--out", "sealed2"])
        .assert()
        .code(64);

    // A device key file, so its secret can be looked for too.
    let device = t.path("d.json");
    t.cmd()
        .args(["device", "new", "--out"])
        .arg(&device)
        .assert()
        .success();
    t.cmd()
        .args(["device", "enroll", "--device-file"])
        .arg(&device)
        .args(a.unlock())
        .assert()
        .success();
    let device_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&device).unwrap()).unwrap();
    let secret = device_json["secret"].as_str().unwrap().to_string();

    let out = t.cmd().arg("inspect").args(&sealed).assert().success();
    let printed = text(&out.get_output().stdout);
    let json: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(json["type"], "container");
    assert_eq!(json["magic"], "KSCT");
    assert_eq!(json["album_id"], id.as_str());
    assert_eq!(json["epoch"], 0);
    assert_eq!(json["wrapped_media_key"]["len"], 105);
    assert_eq!(json["original"]["kind"], "original");
    assert_eq!(json["original"]["plaintext_len"], 100_000);
    assert_eq!(json["original"]["chunk_size"], 65_536);
    assert_eq!(json["thumbnail"]["kind"], "thumbnail");
    assert_eq!(json["thumbnail"]["plaintext_len"], 3_000);
    assert_eq!(
        json["chunk_hash_list"]["len"], 64,
        "two chunks, 32 bytes each"
    );
    assert_eq!(
        json["original"]["salt"].as_str().unwrap().len(),
        64,
        "salts are public and shown"
    );
    for secret_text in [&a.passphrase, &a.phrase, &secret] {
        assert!(!printed.contains(secret_text.as_str()));
    }
    for word in a.phrase.split(' ') {
        assert!(!printed.contains(&format!(" {word} ")));
    }
    assert!(!printed.contains("photo.jpg\""), "the name is not public");

    // Without a thumbnail, --thumbnail is a per-file failure.
    seal(&t, &a, &id, &[&other], "plain").success();
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(containers(&t.path("plain")))
        .args(["--thumbnail", "--out", "thumbs"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no thumbnail"));

    // Account files and bare streams are recognized; foreign files refused (exit 3).
    let out = t.cmd().arg("inspect").arg(&a.file).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["type"], "account");
    assert_eq!(json["kdf"]["memory_kib"], 19_456);
    assert_eq!(json["devices"].as_array().unwrap().len(), 1);
    let container = std::fs::read(&sealed[0]).unwrap();
    let layout =
        keepsake_cli::container::read_layout(&mut std::io::Cursor::new(&container)).unwrap();
    let (original, _) = layout.original;
    let start = usize::try_from(original.offset).unwrap();
    let end = start + usize::try_from(original.len).unwrap();
    t.write("bare.ksms", &container[start..end]);
    let out = t.cmd().args(["inspect", "bare.ksms"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["type"], "stream");
    assert_eq!(json["chunks"], 2);
    t.write("foreign.bin", b"\x89PNG\r\n");
    t.cmd()
        .args(["inspect", "foreign.bin"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("foreign file"));
    let mut bad = container.clone();
    bad[150..154].copy_from_slice(&u32::MAX.to_be_bytes());
    t.write("bad.ks", &bad);
    t.cmd()
        .args(["inspect", "bad.ks"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "thumbnail stream length 4294967295",
        ));
    // Opening a bare stream as a container says what it is.
    t.cmd()
        .arg("open")
        .args(a.unlock())
        .args(["bare.ksms", "--out", "x"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("bare media stream"));
}

#[test]
fn seal_reports_bad_inputs_and_bad_arguments() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let ok = t.write("ok.txt", b"fine");
    // A missing input fails before unlocking, and creates nothing.
    seal(
        &t,
        &a,
        &id,
        &[&ok, Path::new("does-not-exist.jpg")],
        "sealed",
    )
    .code(1)
    .stderr(predicate::str::contains("does-not-exist.jpg"));
    assert!(!t.path("sealed").exists());
    t.cmd()
        .args(["seal", "--album", "xyz"])
        .args(a.unlock())
        .arg(&ok)
        .args(["--out", "o"])
        .assert()
        .code(64)
        .stderr(predicate::str::contains("32 hex"));
    t.cmd()
        .args(["seal", "--chunk-log2", "30", "--album", &id])
        .args(a.unlock())
        .arg(&ok)
        .args(["--out", "o"])
        .assert()
        .code(64);
    let wrong = t.write("wrong.pass", b"nope");
    t.cmd()
        .args(["seal", "--album", &id, "--account"])
        .arg(&a.file)
        .arg("--passphrase-file")
        .arg(&wrong)
        .arg(&ok)
        .args(["--out", "o"])
        .assert()
        .code(2);
    assert!(!t.path("o").exists());
    #[cfg(unix)]
    {
        // Symbolic links inside folders are skipped, not followed.
        std::fs::create_dir_all(t.path("dir")).unwrap();
        std::fs::write(t.path("dir/real.txt"), b"real").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", t.path("dir/link")).unwrap();
        seal(&t, &a, &id, &[&t.path("dir")], "linked")
            .success()
            .stderr(predicate::str::contains("skipped"));
        assert_eq!(containers(&t.path("linked")).len(), 1);
    }
}
