//! Links Debian's libsodium (package `libsodium-dev`) when it is installed, for the
//! comparison rows that use it; without it the crate still builds and those rows are skipped.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(keepsake_libsodium)");
    println!("cargo::rerun-if-env-changed=KEEPSAKE_BENCH_NO_SODIUM");
    if std::env::var_os("KEEPSAKE_BENCH_NO_SODIUM").is_some() {
        return;
    }
    let from_pkg_config = Command::new("pkg-config")
        .args(["--libs-only-L", "libsodium"])
        .output()
        .ok()
        .filter(|out| out.status.success());
    let found = if let Some(out) = from_pkg_config {
        for flag in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            if let Some(dir) = flag.strip_prefix("-L") {
                println!("cargo::rustc-link-search=native={dir}");
            }
        }
        true
    } else {
        // No pkg-config: look for the development symlink where Debian and others put it.
        [
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64",
            "/usr/lib",
            "/usr/local/lib",
            "/opt/homebrew/lib",
        ]
        .iter()
        .any(|dir| {
            ["libsodium.so", "libsodium.dylib", "libsodium.a"]
                .iter()
                .any(|name| Path::new(dir).join(name).exists())
                && {
                    println!("cargo::rustc-link-search=native={dir}");
                    true
                }
        })
    };
    if found {
        println!("cargo::rustc-link-lib=sodium");
        println!("cargo::rustc-cfg=keepsake_libsodium");
    } else {
        println!(
            "cargo::warning=libsodium not found (apt-get install -y libsodium-dev): the libsodium rows of the comparison are skipped"
        );
    }
}
