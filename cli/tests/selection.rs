//! Selection grants from the command line (SPEC.md 5.11): `share --items`, `accept` of a
//! selection grant (the print-order record), `open --grant` with it, `inspect`, and every
//! refusal with its exit code and error name.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::{Account, T, album, data, text};
use predicates::prelude::*;

/// Alice, a print service, an album of four photos (each sealed alone, the first with a
/// thumbnail) and their containers, in photo order.
struct Setup {
    t: T,
    alice: Account,
    service: Account,
    album: String,
    sealed: Vec<PathBuf>,
}

fn photo(i: usize) -> Vec<u8> {
    data(30_000 + i * 1000, 3 + i as u8)
}

fn setup() -> Setup {
    let t = T::new();
    let alice = t.init("alice", "alice pw");
    let service = t.init("service", "service pw");
    let id = album(&t);
    let mut sealed = Vec::new();
    let thumb = t.write("thumb.jpg", &data(500, 9));
    for i in 0..4 {
        let src = t.write(&format!("in{i}/photo{i}.jpg"), &photo(i));
        let out = format!("sealed{i}");
        let mut cmd = t.cmd();
        cmd.args(["seal", "--album", &id])
            .args(alice.unlock())
            .arg(&src)
            .args(["--out", &out]);
        if i == 0 {
            cmd.arg("--thumbnail").arg(&thumb);
        }
        cmd.assert().success();
        let files = common::containers(&t.path(&out));
        assert_eq!(files.len(), 1);
        sealed.push(files[0].clone());
    }
    Setup {
        t,
        alice,
        service,
        album: id,
        sealed,
    }
}

impl Setup {
    /// `share --items` of the first `n` photos to the service, with extra arguments.
    fn share(&self, n: usize, extra: &[&str], out: &str) -> assert_cmd::assert::Assert {
        self.t
            .cmd()
            .arg("share")
            .args(self.alice.unlock())
            .arg("--items")
            .args(&self.sealed[..n])
            .args(["--to", &self.service.identity, "--out", out])
            .args(extra)
            .assert()
    }

    fn open(&self, grant: &str, files: &[PathBuf], extra: &[&str]) -> assert_cmd::assert::Assert {
        self.t
            .cmd()
            .arg("open")
            .args(self.service.unlock())
            .args([
                "--grant",
                grant,
                "--from",
                &self.alice.identity,
                "--out",
                "print",
            ])
            .args(files)
            .args(extra)
            .assert()
    }
}

#[test]
fn print_order_opens_the_granted_originals_and_refuses_the_rest() {
    let s = setup();
    let out = s
        .share(
            3,
            &["--expires", "2030-01-02T03:04:05+01:00"],
            "order.grant",
        )
        .success();
    let said = text(&out.get_output().stdout);
    assert!(said.contains("expires 2030-01-02T02:04:05Z"), "{said}");
    // 1340 bytes of header, enc, tag and signature; 148 per item with one stream part;
    // each item's signed manifest (SPEC.md 5.10): 1327 + 50 per part + 64 bytes, three
    // parts for the first photo (original, thumbnail, metadata), two for the others.
    assert_eq!(
        std::fs::metadata(s.t.path("order.grant")).unwrap().len(),
        1340 + 3 * 148 + (1327 + 3 * 50 + 64) + 2 * (1327 + 2 * 50 + 64)
    );

    let out =
        s.t.cmd()
            .args(["accept", "order.grant", "--from", &s.alice.identity])
            .args(s.service.unlock())
            .assert()
            .success();
    let record = text(&out.get_output().stdout);
    let whoami =
        s.t.cmd()
            .args(["whoami"])
            .args(s.alice.unlock())
            .assert()
            .success();
    let fingerprint_line = text(&whoami.get_output().stdout)
        .lines()
        .find(|l| l.starts_with("fingerprint:"))
        .unwrap()
        .trim_start_matches("fingerprint:")
        .trim()
        .to_string();
    assert!(
        record.contains(&format!("sender fingerprint: {fingerprint_line}")),
        "{record}"
    );
    assert!(record.contains(&s.alice.digest), "{record}");
    assert!(
        record.contains("expires: 2030-01-02T02:04:05Z (not yet expired)"),
        "{record}"
    );
    assert!(record.contains("items: 3"), "{record}");
    assert_eq!(record.matches(": original (signed)").count(), 3, "{record}");

    // The three open to identical bytes, named by media id (no metadata granted).
    s.open("order.grant", &s.sealed[..3], &[]).success();
    for (i, container) in s.sealed[..3].iter().enumerate() {
        let media_id = container
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            std::fs::read(s.t.path("print").join(media_id)).unwrap(),
            photo(i)
        );
    }
    // A fourth photo: refused with NotInSelection, exit code 3, nothing written.
    s.open("order.grant", &s.sealed[3..], &[])
        .code(3)
        .stderr(predicate::str::contains("NotInSelection"))
        .stderr(predicate::str::contains("this item"));
    assert_eq!(common::names(&s.t.path("print")).len(), 3);
    // The thumbnail of a granted photo: refused too (only the original was granted).
    s.open("order.grant", &s.sealed[..1], &["--thumbnail"])
        .code(3)
        .stderr(predicate::str::contains("NotInSelection"))
        .stderr(predicate::str::contains("this part of the item"));
    // In one batch, the granted ones open and the other is refused by name.
    s.t.cmd()
        .arg("open")
        .args(s.service.unlock())
        .args([
            "--grant",
            "order.grant",
            "--from",
            &s.alice.identity,
            "--out",
            "batch",
        ])
        .args(&s.sealed)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(s.sealed[3].display().to_string()));
    assert_eq!(common::names(&s.t.path("batch")).len(), 3);
    // A range read of a granted original: exactly those bytes, in a file named for them.
    s.open("order.grant", &s.sealed[1..2], &["--range", "1000:5000"])
        .success();
    let media_id = s.sealed[1]
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        std::fs::read(
            s.t.path("print")
                .join(format!("{media_id}.range-1000-5000"))
        )
        .unwrap(),
        &photo(1)[1000..6000]
    );
    // With the album history, each chunk read is checked against the container's chunk
    // hash list under the signed root: a byte flipped in the range's ciphertext is named
    // (`ProvenanceChunkMismatch`, exit code 5) before anything is decrypted.
    let history = common::history_of(&s.alice, &s.album);
    let history = history.to_str().unwrap();
    s.open(
        "order.grant",
        &s.sealed[1..2],
        &["--range", "0:100", "--history", history],
    )
    .success();
    assert_eq!(
        std::fs::read(s.t.path("print").join(format!("{media_id}.range-0-100"))).unwrap(),
        &photo(1)[..100]
    );
    let mut bytes = std::fs::read(&s.sealed[1]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    let tampered = s.t.write("tampered/photo1.ks", &bytes);
    let tampered = [tampered];
    let offset = (middle as u64).saturating_sub(4096).to_string();
    s.open(
        "order.grant",
        &tampered,
        &["--range", &format!("{offset}:8192"), "--history", history],
    )
    .code(5)
    .stderr(predicate::str::contains(
        "chunk 0 does not match the signed manifest",
    ));
}

#[test]
fn granted_metadata_and_thumbnail_restore_names() {
    let s = setup();
    s.share(
        1,
        &["--parts", "thumbnail,metadata", "--parts", "original"],
        "all.grant",
    )
    .success();
    assert_eq!(
        std::fs::metadata(s.t.path("all.grant")).unwrap().len(),
        1340 + 27 + 2 * 121 + 90 + (1327 + 3 * 50 + 64)
    );
    let out =
        s.t.cmd()
            .args(["accept", "--json", "all.grant", "--from", &s.alice.identity])
            .args(s.service.unlock())
            .assert()
            .success();
    let record: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(record["type"], "selection");
    assert_eq!(
        record["items"][0]["parts"],
        serde_json::json!(["original", "thumbnail", "metadata"])
    );
    assert_eq!(record["album_id"], s.album);
    s.open("all.grant", &s.sealed[..1], &[]).success();
    s.open("all.grant", &s.sealed[..1], &["--thumbnail"])
        .success();
    assert_eq!(
        common::names(&s.t.path("print")),
        ["photo0.jpg", "photo0.jpg.thumbnail"]
    );
    assert_eq!(
        std::fs::read(s.t.path("print/photo0.jpg")).unwrap(),
        photo(0)
    );
    assert_eq!(
        std::fs::read(s.t.path("print/photo0.jpg.thumbnail")).unwrap(),
        data(500, 9)
    );
}

#[test]
fn accept_refuses_another_sender_recipient_or_an_altered_grant() {
    let s = setup();
    s.share(2, &["--expires", "1000"], "order.grant").success();
    let bob = s.t.init("bob", "bob pw");
    // Another claimed sender.
    s.t.cmd()
        .args(["accept", "order.grant", "--from", &bob.identity])
        .args(s.service.unlock())
        .assert()
        .code(5)
        .stderr(predicate::str::contains("unexpected sender"));
    // Another recipient.
    s.t.cmd()
        .args(["accept", "order.grant", "--from", &s.alice.identity])
        .args(bob.unlock())
        .assert()
        .code(5)
        .stderr(predicate::str::contains("another recipient"));
    // An edited expiry (offset 98): the signature no longer verifies.
    let mut bytes = std::fs::read(s.t.path("order.grant")).unwrap();
    bytes[105] ^= 1;
    s.t.write("edited.grant", &bytes);
    s.t.cmd()
        .args(["accept", "edited.grant", "--from", &s.alice.identity])
        .args(s.service.unlock())
        .assert()
        .code(5)
        .stderr(predicate::str::contains("signature does not verify"));
    s.open("edited.grant", &s.sealed[..1], &[]).code(5);
    // A past expiry is shown, not enforced.
    let out =
        s.t.cmd()
            .args([
                "accept",
                "--json",
                "order.grant",
                "--from",
                &s.alice.identity,
            ])
            .args(s.service.unlock())
            .assert()
            .success();
    let record: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(record["expires_at"], 1000);
    assert_eq!(record["expired"], true);
    s.t.cmd()
        .args(["accept", "order.grant", "--from", &s.alice.identity])
        .args(s.service.unlock())
        .assert()
        .success()
        .stdout(predicate::str::contains("1970-01-01T00:16:40Z (EXPIRED"));
}

#[test]
fn share_items_refuses_bad_requests() {
    let s = setup();
    // No thumbnail in the second container.
    s.t.cmd()
        .arg("share")
        .args(s.alice.unlock())
        .arg("--items")
        .arg(&s.sealed[1])
        .args([
            "--parts",
            "thumbnail",
            "--to",
            &s.service.identity,
            "--out",
            "x.grant",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no thumbnail"));
    // One item twice.
    s.t.cmd()
        .arg("share")
        .args(s.alice.unlock())
        .arg("--items")
        .args([&s.sealed[0], &s.sealed[0]])
        .args(["--to", &s.service.identity, "--out", "x.grant"])
        .assert()
        .code(64)
        .stderr(predicate::str::contains("same item"));
    // Items of two albums.
    let other = album(&s.t);
    let src = s.t.write("other/x.jpg", &data(1000, 5));
    s.t.cmd()
        .args(["seal", "--album", &other])
        .args(s.alice.unlock())
        .arg(&src)
        .args(["--out", "other-sealed"])
        .assert()
        .success();
    let foreign = common::containers(&s.t.path("other-sealed"));
    s.t.cmd()
        .arg("share")
        .args(s.alice.unlock())
        .arg("--items")
        .args([&s.sealed[0], &foreign[0]])
        .args(["--to", &s.service.identity, "--out", "x.grant"])
        .assert()
        .code(64)
        .stderr(predicate::str::contains("one album"));
    // Another account's containers: its album keys do not unwrap them.
    s.t.cmd()
        .arg("share")
        .args(s.service.unlock())
        .arg("--items")
        .arg(&s.sealed[0])
        .args(["--to", &s.alice.identity, "--out", "x.grant"])
        .assert()
        .code(3);
    // A bad expiry, parts without items, both --album and --items.
    for bad in ["2030-02-30T00:00:00Z", "tomorrow", "2030-01-01T00:00:00"] {
        s.share(1, &["--expires", bad], "x.grant")
            .code(64)
            .stderr(predicate::str::contains("--expires"));
    }
    s.t.cmd()
        .arg("share")
        .args(s.alice.unlock())
        .args(["--album", &s.album, "--parts", "original"])
        .args(["--to", &s.service.identity, "--out", "x.grant"])
        .assert()
        .code(64);
    s.t.cmd()
        .arg("share")
        .args(s.alice.unlock())
        .args(["--album", &s.album, "--items"])
        .arg(&s.sealed[0])
        .args(["--to", &s.service.identity, "--out", "x.grant"])
        .assert()
        .code(64);
    assert!(!s.t.path("x.grant").exists());
}

#[test]
fn inspect_shows_the_public_header_of_a_selection_grant() {
    let s = setup();
    s.share(2, &["--expires", "1893456000"], "order.grant")
        .success();
    let out =
        s.t.cmd()
            .args(["inspect", "--json", "order.grant"])
            .assert()
            .success();
    let value: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(value["type"], "selection_grant");
    assert_eq!(value["items"], 2);
    assert_eq!(value["expires_at"], 1_893_456_000u64);
    assert_eq!(value["expires"], "2030-01-01T00:00:00Z");
    assert_eq!(value["album_id"], s.album);
    assert_eq!(value["sender_digest"], s.alice.digest);
    assert_eq!(value["recipient_digest"], s.service.digest);
    assert_eq!(value["authenticated"], false);
    // The head of Alice's history of the album: its genesis (she shared to no member).
    let history = std::fs::read(common::history_of(&s.alice, &s.album)).unwrap();
    assert_eq!(
        value["history"],
        hex::encode(keepsake::history::history_entry_hash(&history))
    );
    // A cut grant is refused as malformed, not read as something else.
    let bytes = std::fs::read(s.t.path("order.grant")).unwrap();
    // Two items need at least 2 * 117 body bytes: one fewer does not fit the count.
    s.t.write("cut.grant", &bytes[..1340 + 2 * 117 - 1]);
    s.t.cmd()
        .args(["inspect", "cut.grant"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("malformed selection grant"));
}
