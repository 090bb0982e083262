//! Public and collect links from the command line (SPEC.md 5.13, the published folder of
//! 8.12): `link create|open|revoke`, `collect create|add|review`, with the adversarial
//! cases of issue 17 and their exit codes.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{Account, T, album, data, text};
use predicates::prelude::*;

/// Exit code of `DecryptionFailed` and the other refused inputs.
const REFUSED: i32 = 3;

struct Setup {
    t: T,
    alice: Account,
    album: String,
    /// One container per photo, photo `i` holding `photo(i)`.
    sealed: Vec<PathBuf>,
}

fn photo(i: usize) -> Vec<u8> {
    data(20_000 + i * 1000, 5 + i as u8)
}

fn setup(count: usize) -> Setup {
    let t = T::new();
    let alice = t.init("alice", "alice pw");
    let id = album(&t);
    let thumb = t.write("thumb.jpg", &data(400, 7));
    let mut sealed = Vec::new();
    for i in 0..count {
        let src = t.write(&format!("in{i}/photo{i}.jpg"), &photo(i));
        let mut cmd = t.cmd();
        cmd.args(["seal", "--album", &id])
            .args(alice.unlock())
            .arg(&src)
            .args(["--out", "album"]);
        if i == 0 {
            cmd.arg("--thumbnail").arg(&thumb);
        }
        cmd.assert().success();
    }
    for c in common::containers(&t.path("album")) {
        sealed.push(c);
    }
    assert_eq!(sealed.len(), count);
    Setup {
        t,
        alice,
        album: id,
        sealed,
    }
}

/// The URL printed on standard output (its only line).
fn url_of(stdout: &[u8]) -> String {
    let out = text(stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].contains("/l/") && lines[0].contains('#'), "{out}");
    lines[0].to_string()
}

fn link_id(url: &str) -> String {
    let path = url.split('#').next().unwrap();
    path.rsplit('/').next().unwrap().to_string()
}

impl Setup {
    fn create(&self, extra: &[&str], paths: &[PathBuf]) -> String {
        let out = self
            .t
            .cmd()
            .args(["link", "create", "--album", &self.album])
            .args(self.alice.unlock())
            .args(["--out", "site", "--kdf-profile", "floor"])
            .args(extra)
            .args(paths)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        url_of(&out)
    }

    fn open(&self, url: &str, out: &str) -> assert_cmd::assert::Assert {
        self.t
            .cmd()
            .args(["link", "open", url, "--from", "site", "--out", out])
            .assert()
    }

    fn dir(&self, url: &str) -> PathBuf {
        self.t.path(&format!("site/l/{}", link_id(url)))
    }

    /// The restored file `photo<i>.jpg` under `out` (sealed by itself: its file name).
    fn restored(&self, out: &str, i: usize) -> PathBuf {
        self.t.path(&format!("{out}/photo{i}.jpg"))
    }
}

fn no_secret_in(dir: &Path, url: &str) {
    let fragment = url.split('#').nth(1).unwrap();
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes
                .windows(fragment.len())
                .any(|w| w == fragment.as_bytes()),
            "{} holds the fragment",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if !dir.exists() {
        return out;
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn album_link_round_trip_without_password() {
    let s = setup(2);
    let url = s.create(&[], &[s.t.path("album")]);
    let dir = s.dir(&url);
    assert!(dir.join("record").is_file() && dir.join("history").is_file());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["version"], 1);
    assert_eq!(index["items"].as_array().unwrap().len(), 2);
    for item in index["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        assert_eq!(
            std::fs::read(dir.join(format!("items/{id}/key")))
                .unwrap()
                .len(),
            105
        );
    }
    no_secret_in(&s.t.path("site"), &url);
    let out = s.open(&url, "got").success().get_output().stdout.clone();
    let fp = text(
        &s.t.cmd()
            .args(["whoami", "--json"])
            .args(s.alice.unlock())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    let shown = text(&out);
    assert_eq!(
        shown.matches("verified against the album history").count(),
        2,
        "{shown}"
    );
    let alice_fp = serde_json::from_str::<serde_json::Value>(&fp).unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(shown.matches(&alice_fp).count(), 2, "{shown} / {alice_fp}");
    for i in 0..2 {
        assert_eq!(std::fs::read(s.restored("got", i)).unwrap(), photo(i));
    }
}

#[test]
fn album_link_with_password_and_a_wrong_one() {
    let s = setup(1);
    let pw = s.t.write("link.pw", b"correct horse\n");
    let url = s.create(
        &["--password-file", pw.to_str().unwrap()],
        &[s.sealed[0].clone()],
    );
    // No password: refused, nothing written.
    s.open(&url, "none")
        .code(REFUSED)
        .stderr(predicate::str::contains("password"));
    let wrong = s.t.write("wrong.pw", b"battery staple\n");
    s.t.cmd()
        .args([
            "link",
            "open",
            &url,
            "--from",
            "site",
            "--out",
            "bad",
            "--password-file",
        ])
        .arg(&wrong)
        .assert()
        .code(REFUSED)
        .stderr(predicate::str::contains("decryption failed"));
    assert!(walk(&s.t.path("bad")).is_empty());
    s.t.cmd()
        .args([
            "link",
            "open",
            &url,
            "--from",
            "site",
            "--out",
            "good",
            "--password-stdin",
        ])
        .write_stdin("correct horse\n")
        .assert()
        .success();
    assert_eq!(std::fs::read(s.restored("good", 0)).unwrap(), photo(0));
}

#[test]
fn record_swapped_between_links_and_fragment_of_another_link_refused() {
    let s = setup(1);
    let a = s.create(&[], &[s.sealed[0].clone()]);
    let b = s.create(&[], &[s.sealed[0].clone()]);
    // B's record served for A.
    std::fs::copy(s.dir(&b).join("record"), s.dir(&a).join("record")).unwrap();
    s.open(&a, "x")
        .code(REFUSED)
        .stderr(predicate::str::contains("belongs to another link"));
    // A's path with B's fragment.
    let c = s.create(&[], &[s.sealed[0].clone()]);
    let mixed = format!(
        "{}#{}",
        c.split('#').next().unwrap(),
        b.split('#').nth(1).unwrap()
    );
    s.open(&mixed, "y")
        .code(REFUSED)
        .stderr(predicate::str::contains("decryption failed"));
    assert!(walk(&s.t.path("y")).is_empty());
    // C itself still opens.
    s.open(&c, "z").success();
}

#[test]
fn selection_link_opens_only_the_chosen_items() {
    let s = setup(3);
    let url = s.create(
        &[
            "--items",
            s.sealed[0].to_str().unwrap(),
            s.sealed[2].to_str().unwrap(),
        ],
        &[],
    );
    let dir = s.dir(&url);
    assert_eq!(
        walk(&dir.join("items"))
            .iter()
            .filter(|p| p.ends_with("key"))
            .count(),
        0
    );
    s.open(&url, "sel").success();
    let got: Vec<PathBuf> = walk(&s.t.path("sel"));
    assert_eq!(got.len(), 2, "{got:?}");
    // The unchosen item served in the folder does not open: no part key for it.
    let other = s.create(&[], &[s.sealed[1].clone()]);
    let other_items = s.dir(&other).join("items");
    let id = std::fs::read_dir(&other_items)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let dst = dir.join("items").join(&id);
    std::fs::create_dir_all(&dst).unwrap();
    for part in ["metadata", "original"] {
        std::fs::copy(other_items.join(&id).join(part), dst.join(part)).unwrap();
    }
    let index_path = dir.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    index["items"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": id.to_str().unwrap(), "parts": ["original", "metadata"]
        }));
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    s.open(&url, "sel2")
        .code(REFUSED)
        .stderr(predicate::str::contains("not in the selection"));
    assert_eq!(walk(&s.t.path("sel2")).len(), 2);
}

#[test]
fn revoke_deletes_and_epoch_move_locks_a_copied_record_out() {
    let s = setup(1);
    let url = s.create(&[], &[s.sealed[0].clone()]);
    let dir = s.dir(&url);
    let copy = s.t.path("copied");
    std::fs::create_dir_all(&copy).unwrap();
    for f in ["record", "index.json", "history"] {
        std::fs::copy(dir.join(f), copy.join(f)).unwrap();
    }
    let epoch = text(
        &s.t.cmd()
            .args(["whoami", "--json"])
            .args(s.alice.unlock())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    let generation: u64 = serde_json::from_str::<serde_json::Value>(&epoch).unwrap()["generation"]
        .as_u64()
        .unwrap();
    let epoch = (generation << 32).to_string();
    let out =
        s.t.cmd()
            .args(["link", "revoke", &url, "--from", "site", "--move-epoch"])
            .args(s.alice.unlock())
            .args(["--album", &s.album, "--epoch", &epoch, "--grants", "grants"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
    assert!(!dir.exists());
    s.open(&url, "gone").code(1);
    let next = (generation << 32) + 1;
    assert!(
        text(&out).contains(&format!("epoch {next}")),
        "{}",
        text(&out)
    );
    // A new item sealed under the new epoch, published by a new link at that epoch.
    let src = s.t.write("new/late.jpg", &data(9000, 11));
    s.t.cmd()
        .args(["seal", "--album", &s.album, "--epoch", &next.to_string()])
        .args(s.alice.unlock())
        .arg(&src)
        .args(["--out", "album2"])
        .assert()
        .success();
    let late = common::containers(&s.t.path("album2"));
    let new_url = s.create(&["--epoch", &next.to_string()], &late);
    s.open(&new_url, "new-open").success();
    // The copied record, restored at its old place, served beside the new item.
    std::fs::rename(&copy, &dir).unwrap();
    let items = s.dir(&new_url).join("items");
    let id = std::fs::read_dir(&items)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    copy_dir(&items.join(&id), &dir.join("items").join(&id));
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"version": 1, "items": [
            {"id": id.to_str().unwrap(), "parts": ["original", "metadata"]}
        ]}))
        .unwrap(),
    )
    .unwrap();
    s.open(&url, "late")
        .code(REFUSED)
        .stderr(predicate::str::contains("key: decryption failed"));
    assert!(walk(&s.t.path("late")).is_empty());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn collect_url(s: &Setup, album: &str, root: &str) -> String {
    let out =
        s.t.cmd()
            .args(["collect", "create", "--album", album, "--out", root])
            .args(s.alice.unlock())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
    url_of(&out)
}

#[test]
fn collect_add_review_accept_opens_with_the_owner_as_uploader() {
    let s = setup(1);
    let url = collect_url(&s, &s.album, "site");
    let id = add_drop(&s, &url, "Grandma", "guest/gift.jpg", &data(12_345, 13));
    let review = |extra: &[&str]| {
        s.t.cmd()
            .args(["collect", "review", "--album", &s.album, "--from", "site"])
            .args(s.alice.unlock())
            .args(extra)
            .assert()
    };
    let listed = text(&review(&["--list"]).success().get_output().stdout.clone());
    assert!(
        listed.contains(&id) && listed.contains("\"Grandma\""),
        "{listed}"
    );
    assert!(listed.contains("fingerprint "), "{listed}");
    review(&["--accept", &id, "--into", "album"]).success();
    let accepted = s.t.path(&format!("album/{id}.ks"));
    assert!(accepted.is_file());
    assert!(!s.dir(&url).join("drops").join(&id).exists());
    // It opens in the album like any container...
    s.t.cmd()
        .args(["open"])
        .args(s.alice.unlock())
        .arg(&accepted)
        .args(["--out", "opened"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(s.t.path("opened/gift.jpg")).unwrap(),
        data(12_345, 13)
    );
    // ...and, published, its uploader is the owner.
    let link = s.create(&[], &[accepted]);
    let shown = text(&s.open(&link, "pub").success().get_output().stdout.clone());
    assert!(
        shown.contains("verified against the album history"),
        "{shown}"
    );
}

/// `collect add` of one file as `name`; the drop's media id it printed.
fn add_drop(s: &Setup, url: &str, name: &str, file: &str, content: &[u8]) -> String {
    let gift = s.t.write(file, content);
    let out =
        s.t.cmd()
            .args(["collect", "add", url, "--from", "site", "--name", name])
            .arg(&gift)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
    text(&out).trim().rsplit(' ').next().unwrap().to_string()
}

#[test]
fn collect_discard_deletes_the_drop() {
    let s = setup(1);
    let url = collect_url(&s, &s.album, "site");
    let id = add_drop(&s, &url, "Bob", "gift.jpg", &data(1000, 3));
    s.t.cmd()
        .args([
            "collect",
            "review",
            "--album",
            &s.album,
            "--from",
            "site",
            "--discard",
            &id,
        ])
        .args(s.alice.unlock())
        .assert()
        .success();
    assert!(walk(&s.dir(&url).join("drops")).is_empty());
}

#[test]
fn drop_replayed_into_another_albums_drops_folder_refused() {
    let s = setup(1);
    let other = album(&s.t);
    let a = collect_url(&s, &s.album, "site");
    let b = collect_url(&s, &other, "site");
    let id = add_drop(&s, &a, "Mallory", "gift.jpg", &data(2000, 5));
    let (from, to) = (s.dir(&a).join("drops"), s.dir(&b).join("drops"));
    for name in [id.clone(), format!("{id}.original")] {
        std::fs::rename(from.join(&name), to.join(&name)).unwrap();
    }
    s.t.cmd()
        .args(["collect", "review", "--album", &other, "--from", "site"])
        .args(["--link", &link_id(&b), "--accept", &id, "--into", "other"])
        .args(s.alice.unlock())
        .assert()
        .code(REFUSED)
        .stderr(predicate::str::contains(
            "the drop is for another album or epoch",
        ));
    assert!(!s.t.path(&format!("other/{id}.ks")).exists());
    assert!(to.join(&id).exists());
}
