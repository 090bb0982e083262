//! The `keepsake` binary: see the `keepsake_cli` library for the commands and exit codes.

fn main() -> std::process::ExitCode {
    keepsake_cli::run()
}
