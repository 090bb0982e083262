//! Helpers shared by the command-line tests: a temporary folder, the binary, accounts made
//! with the floor KDF profile and unlocked with `--passphrase-file`.

// Test helpers: a failed step should stop the test loudly.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A temporary folder the commands run in.
pub struct T {
    pub dir: TempDir,
}

/// An account made by `init`.
pub struct Account {
    pub file: PathBuf,
    pub pass: PathBuf,
    pub passphrase: String,
    pub phrase: String,
    /// `@NAME.identity`: the identity public key as an argument (written by `whoami --out`).
    pub identity: String,
    /// The identity public key's hex, as that file holds it.
    pub identity_hex: String,
    /// The identity digest (64 hex digits) `init` and `whoami` print.
    pub digest: String,
}

impl Account {
    /// `--account FILE --passphrase-file FILE`.
    pub fn unlock(&self) -> Vec<OsString> {
        vec![
            "--account".into(),
            self.file.clone().into(),
            "--passphrase-file".into(),
            self.pass.clone().into(),
        ]
    }
}

impl T {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, content).unwrap();
        path
    }

    /// The binary, run in the temporary folder.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_keepsake"));
        cmd.current_dir(self.dir.path());
        cmd.timeout(std::time::Duration::from_secs(60));
        for var in [
            "KEEPSAKE_PASSPHRASE",
            "KEEPSAKE_RECOVERY_PHRASE",
            "KEEPSAKE_NEW_PASSPHRASE",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    /// `init` with the floor profile; parses the identity and the recovery phrase.
    pub fn init(&self, name: &str, passphrase: &str) -> Account {
        let pass = self.write(
            &format!("{name}.pass"),
            format!("{passphrase}\n").as_bytes(),
        );
        let file = self.path(&format!("{name}.account.json"));
        let out = self
            .cmd()
            .args([
                "init",
                "--weak-passphrase-ok",
                "--kdf-profile",
                "floor",
                "--account",
            ])
            .arg(&file)
            .arg("--passphrase-file")
            .arg(&pass)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        let key_file = format!("{name}.identity");
        self.cmd()
            .args(["whoami", "--out", &key_file, "--account"])
            .arg(&file)
            .arg("--passphrase-file")
            .arg(&pass)
            .assert()
            .success();
        let identity_hex = std::fs::read_to_string(self.path(&key_file))
            .unwrap()
            .trim()
            .to_string();
        assert_eq!(identity_hex.len(), 2496);
        Account {
            file,
            pass,
            passphrase: passphrase.into(),
            phrase: phrase_of(&text),
            identity: format!("@{key_file}"),
            identity_hex,
            digest: identity_of(&text),
        }
    }
}

/// The recovery phrase `init` or `recovery rotate` printed: numbered words in columns
/// (`1. word` ...) on the lines after the heading, put back in order.
pub fn phrase_of(stdout: &str) -> String {
    let mut lines = stdout.lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("Recovery phrase"))
        .unwrap();
    let mut numbered: Vec<(usize, String)> = Vec::new();
    for line in lines.take_while(|l| !l.trim().is_empty()) {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        for pair in tokens.chunks(2) {
            let n: usize = pair[0].trim_end_matches('.').parse().unwrap();
            numbered.push((n, pair[1].to_string()));
        }
    }
    numbered.sort();
    let numbers: Vec<usize> = numbered.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, (1..=24).collect::<Vec<_>>(), "{stdout}");
    let words: Vec<String> = numbered.into_iter().map(|(_, w)| w).collect();
    words.join(" ")
}

/// The identity digest of an `identity digest:` line.
pub fn identity_of(stdout: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("identity digest:"))
        .unwrap();
    let hex = line
        .trim_start_matches("identity digest:")
        .trim()
        .to_string();
    assert_eq!(hex.len(), 64);
    hex
}

/// Text of captured output.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `.ks` files in a folder, sorted.
pub fn containers(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ks"))
        .collect();
    out.sort();
    out
}

/// Every file name in a folder (not recursive), sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// A fresh album id from `album new`.
pub fn album(t: &T) -> String {
    let out = t.cmd().args(["album", "new"]).assert().success();
    let id = text(&out.get_output().stdout).trim().to_string();
    assert_eq!(id.len(), 32);
    id
}

/// Bytes with some structure.
pub fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(seed) ^ ((i >> 9) as u8))
        .collect()
}

/// `tests/vectors/NAME` in the repository.
pub fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name)
}

/// Whether `KEEPSAKE_REGEN_VECTORS=1` asks the vector tests to rewrite their files.
pub fn regenerating_vectors() -> bool {
    std::env::var_os("KEEPSAKE_REGEN_VECTORS").is_some_and(|v| v == "1")
}

/// Checks that `tests/vectors/NAME` holds exactly `file` as the generator writes it
/// (pretty JSON and a newline); while regenerating, writes it instead.
pub fn check_vector_file<V: serde::Serialize>(name: &str, file: &V) {
    let mut text = serde_json::to_string_pretty(file).unwrap();
    text.push('\n');
    if regenerating_vectors() {
        std::fs::write(vector_path(name), &text).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(vector_path(name)).unwrap();
    assert!(
        on_disk == text,
        "tests/vectors/{name} differs from what this test generates \
         (KEEPSAKE_REGEN_VECTORS=1 rewrites it, for a deliberate format change only)"
    );
}

/// The vector file `tests/vectors/NAME` on disk; while regenerating, what is being written.
pub fn load_vector_file<V: serde::de::DeserializeOwned>(
    name: &str,
    generate: impl FnOnce() -> V,
) -> V {
    if regenerating_vectors() {
        return generate();
    }
    serde_json::from_str(&std::fs::read_to_string(vector_path(name)).unwrap()).unwrap()
}

/// The owner's copy of album `album`'s history (SPEC.md 8.11), beside its account file:
/// what the owner gives a grant recipient.
pub fn history_of(owner: &Account, album: &str) -> PathBuf {
    let mut dir = owner.file.as_os_str().to_owned();
    dir.push(".albums");
    PathBuf::from(dir).join(format!("{album}.ks-history"))
}
