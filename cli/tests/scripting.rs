//! Scripting conventions: `--json` (one object per line, documented fields, no secret),
//! `-q/--quiet`, shell completions, and the committed man page kept in step with the
//! command-line definitions.

// Test helpers: a failed step should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::{T, album, containers, data, text};
use serde_json::Value;

/// Every line of standard output parsed as one JSON object; checks no secret is in it.
fn json_lines(stdout: &[u8], secrets: &[&str]) -> Vec<Value> {
    let printed = text(stdout);
    for secret in secrets {
        assert!(!printed.contains(secret), "a secret in --json output");
    }
    assert!(printed.ends_with('\n'), "{printed}");
    printed
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            assert!(v.is_object(), "{l}");
            v
        })
        .collect()
}

#[test]
fn json_output_of_every_reporting_command() {
    let t = T::new();
    let a = t.init("alice", "alice secret pw");
    let b = t.init("bob", "bob secret pw");
    let id = album(&t);
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
    let device_json: Value = serde_json::from_slice(&std::fs::read(&device).unwrap()).unwrap();
    let device_secret = device_json["secret"].as_str().unwrap().to_string();
    let secrets = [
        a.passphrase.as_str(),
        a.phrase.as_str(),
        device_secret.as_str(),
    ];

    t.write("in/a.jpg", &data(70_000, 3));
    t.write("in/b.jpg", &data(1_000, 5));
    let out = t
        .cmd()
        .args(["seal", "--json", "--album", &id])
        .args(a.unlock())
        .arg(t.path("in"))
        .args(["--out", "sealed"])
        .assert()
        .success();
    let lines = json_lines(&out.get_output().stdout, &secrets);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["type"], "sealed");
    assert_eq!(lines[0]["plaintext_len"], 70_000);
    assert_eq!(lines[0]["media_id"].as_str().unwrap().len(), 32);
    assert!(lines[0]["container"].as_str().unwrap().ends_with(".ks"));
    assert_eq!(lines[2]["type"], "summary");
    assert_eq!(lines[2]["sealed"], 2);
    assert_eq!(lines[2]["failed"], 0);
    assert_eq!(lines[2]["album_id"], id.as_str());
    let sealed = containers(&t.path("sealed"));

    t.write("bad.ks", b"GIF89a, not a container");
    let out = t
        .cmd()
        .args(["open", "--json"])
        .args(a.unlock())
        .args(&sealed)
        .arg("bad.ks")
        .args(["--out", "restored"])
        .assert()
        .code(3);
    let lines = json_lines(&out.get_output().stdout, &secrets);
    assert_eq!(lines.len(), 4);
    let opened: Vec<&Value> = lines.iter().filter(|l| l["type"] == "opened").collect();
    assert_eq!(opened.len(), 2);
    assert!(opened.iter().all(|l| l["len"].as_u64().is_some()));
    let error = lines.iter().find(|l| l["type"] == "error").unwrap();
    assert_eq!(error["kind"], "foreign file");
    assert_eq!(error["exit_code"], 3);
    assert_eq!(lines[3]["type"], "summary");
    assert_eq!(lines[3]["opened"], 2);

    let out = t
        .cmd()
        .args(["inspect", "--json"])
        .arg(&sealed[0])
        .assert()
        .success();
    let lines = json_lines(&out.get_output().stdout, &secrets);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["type"], "container");

    let out = t
        .cmd()
        .args(["whoami", "--json"])
        .args(a.unlock())
        .assert()
        .success();
    let lines = json_lines(&out.get_output().stdout, &secrets);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["identity"], a.identity_hex.as_str());
    assert_eq!(lines[0]["digest"], a.digest.as_str());
    assert!(lines[0]["fingerprint"].as_str().is_some());

    let out = t
        .cmd()
        .args(["device", "list", "--json", "--account"])
        .arg(&a.file)
        .arg("--device-key")
        .arg(&device)
        .assert()
        .success();
    let lines = json_lines(&out.get_output().stdout, &secrets);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["public_key"], device_json["public_key"]);
    assert_eq!(lines[0]["this_device"], true);

    let out = t
        .cmd()
        .args(["share", "--json", "--album", &id, "--to", &b.identity])
        .args(["--out", "bob.grant"])
        .args(a.unlock())
        .assert()
        .success();
    let lines = json_lines(&out.get_output().stdout, &secrets);
    assert_eq!(lines[0]["grant_file"], "bob.grant");
    assert_eq!(lines[0]["recipient_digest"], b.digest.as_str());
    assert_eq!(lines[0]["epoch"], 0);

    let out = t
        .cmd()
        .args(["accept", "--json", "bob.grant", "--from", &a.identity])
        .args(b.unlock())
        .assert()
        .success();
    let lines = json_lines(
        &out.get_output().stdout,
        &[b.passphrase.as_str(), &b.phrase],
    );
    assert_eq!(lines[0]["album_id"], id.as_str());
    assert_eq!(lines[0]["sender_digest"], a.digest.as_str());

    let out = t
        .cmd()
        .args(["bench", "--json", "--size-mib", "1", "--repeats", "1"])
        .assert()
        .success();
    let lines = json_lines(&out.get_output().stdout, &[]);
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|l| l["seal_gb_per_s"].as_f64().is_some()));
    assert_eq!(lines[0]["size_bytes"], 1 << 20);
}

#[test]
fn quiet_silences_notes_but_not_errors() {
    let t = T::new();
    let a = t.init("alice", "pw");
    let id = album(&t);
    let fifo_dir = t.path("dir");
    std::fs::create_dir_all(&fifo_dir).unwrap();
    std::fs::write(fifo_dir.join("real.txt"), b"real").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", fifo_dir.join("link")).unwrap();
    let out = t
        .cmd()
        .args(["seal", "-q", "--album", &id])
        .args(a.unlock())
        .arg(&fifo_dir)
        .args(["--out", "sealed"])
        .assert()
        .success();
    assert_eq!(text(&out.get_output().stderr), "");
    assert!(text(&out.get_output().stdout).contains("sealed 1 file(s)"));
    let out = t
        .cmd()
        .args(["--quiet", "seal", "--album", &id])
        .args(a.unlock())
        .arg("missing.jpg")
        .args(["--out", "sealed"])
        .assert()
        .code(1);
    assert!(text(&out.get_output().stderr).contains("error: missing.jpg"));
}

#[test]
fn completions_for_every_shell() {
    let t = T::new();
    for (shell, marker) in [
        ("bash", "_keepsake()"),
        ("zsh", "#compdef keepsake"),
        ("fish", "complete -c keepsake"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = t.cmd().args(["completions", shell]).assert().success();
        let script = text(&out.get_output().stdout);
        assert!(script.contains(marker), "{shell}");
        assert!(script.contains("passphrase-command"), "{shell}");
    }
    t.cmd().args(["completions", "tcsh"]).assert().code(64);
}

/// The committed man pages are what `keepsake man --dir` writes now; `UPDATE_DOCS=1 cargo
/// test -p keepsake-cli --test scripting` rewrites them.
#[test]
fn the_committed_man_pages_are_up_to_date() {
    let t = T::new();
    let out = t.cmd().arg("man").assert().success();
    let page = text(&out.get_output().stdout);
    assert!(page.starts_with(".ie"), "roff");
    for needle in ["keepsake", "seal", "completions", "Exit codes"] {
        assert!(page.contains(needle), "{needle}");
    }
    t.cmd().args(["man", "--dir", "pages"]).assert().success();
    let fresh = t.path("pages");
    let seal_page = std::fs::read_to_string(fresh.join("keepsake-seal.1")).unwrap();
    assert!(seal_page.contains("KEEPSAKE_PASSPHRASE"));
    assert!(seal_page.contains("plaintext_len"), "the --json fields");
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("doc");
    let pages = |dir: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .map(|list| {
                list.map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "1"))
                    .map(|p| {
                        let name = p.file_name().unwrap().to_string_lossy().into_owned();
                        (name, std::fs::read(&p).unwrap())
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    };
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&committed).unwrap();
        for (name, _) in pages(&committed) {
            std::fs::remove_file(committed.join(name)).unwrap();
        }
        for (name, bytes) in pages(&fresh) {
            std::fs::write(committed.join(name), bytes).unwrap();
        }
    }
    let (now, before) = (pages(&fresh), pages(&committed));
    assert!(now.len() > 15, "one page per subcommand");
    assert!(
        now == before,
        "cli/doc/*.1 are stale: run `UPDATE_DOCS=1 cargo test -p keepsake-cli --test \
         scripting` (or `keepsake man --dir cli/doc`) and commit them"
    );
}
