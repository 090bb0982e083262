//! The command line: every subcommand, option and its `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::EXIT_CODES_HELP;

/// Where secrets can come from, appended to the help of commands that unlock.
pub const SECRETS_HELP: &str = "\
Secrets (first that applies):
  --passphrase-file FILE      the file's content less one trailing newline (- is stdin)
  --passphrase-command CMD    run by `sh -c`; its standard output, less one trailing
                              newline; a failing command is an error
  --recovery-file FILE, --recovery-command CMD, --recovery (with
  KEEPSAKE_RECOVERY_PHRASE, or asked for): the recovery phrase instead
  --device-key FILE           an enrolled device key file (its account pin is checked,
                              then raised to the generation seen)
  KEEPSAKE_PASSPHRASE         the passphrase from the environment (weaker: other
                              processes of the user, and crash reports, may see it)
  otherwise the passphrase is asked for on the terminal, without echo
  --device-pin FILE           with a passphrase or recovery phrase: also check the
                              account pin of this device key file (refuse an older
                              account file: exit 5) and raise it";

/// `seal --json` fields.
pub const SEAL_JSON: &str = "Print JSON objects, one per line, on standard output instead of \
text. No object holds a secret or a file's content.
  {\"type\":\"sealed\", \"source\", \"container\", \"media_id\", \"plaintext_len\", \"sealed_len\"}
      per sealed file
  {\"type\":\"error\", \"source\", \"kind\", \"exit_code\"}  per file not sealed
  {\"type\":\"summary\", \"sealed\", \"failed\", \"plaintext_bytes\", \"seconds\", \"out\",
   \"album_id\", \"epoch\"}  last";

/// `open --json` fields.
pub const OPEN_JSON: &str = "Print JSON objects, one per line, on standard output instead of \
text (not with --stdout, whose output is the plaintext). No object holds a secret.
  {\"type\":\"opened\", \"container\", \"path\", \"len\", \"uploader_fingerprint\"}  per opened
      container (the verified uploader; null when not verified: a selection grant
      opened without --history)
  {\"type\":\"error\", \"container\", \"kind\", \"exit_code\"}  per container not opened
  {\"type\":\"summary\", \"opened\", \"failed\", \"plaintext_bytes\", \"seconds\", \"out\"}  last";

/// `whoami --json` and `device list --json` fields.
pub const REPORT_JSON: &str = "Print JSON objects, one per line, on standard output instead of \
text.
  whoami:       {\"identity\", \"digest\", \"fingerprint\", \"generation\"}
                (\"identity\": the identity public key, 2496 hex digits)
  device list:  {\"public_key\", \"this_device\"}  per enrolled device";

/// How the commands that take a public key read it, appended to their `--help`.
pub const KEYS_HELP: &str = "\
Public keys on the command line (--to, --from, --member, --identity, --device-public,
device revoke): the hex digits themselves, or @FILE to read them from FILE (ASCII
white space ignored), as `whoami --out FILE` and `device new --public-out FILE`
write them. An identity public key is 2496 hex digits (1248 bytes: Ed25519 and
X-Wing), a device public key 2432 (1216 bytes: X-Wing); grants, pins and
fingerprints name an identity by its 64-hex-digit digest.";

/// `device revoke --json` fields.
pub const REVOKE_JSON: &str = "Print one JSON object on standard output instead of text:
  {\"revoked\", \"rotated\", \"generation\", \"account\"}
  (\"rotated\" is false with --no-rotate; \"generation\" is the account's after the command)";

/// `rotate --json` fields.
pub const ROTATE_JSON: &str = "Print one JSON object on standard output instead of text:
  {\"account\", \"generation\", \"epoch\"}
  (\"epoch\" is the epoch new items of an album are sealed under by default)";

/// `album remove-member --json` fields.
pub const REMOVE_MEMBER_JSON: &str = "Print JSON objects, one per line, on standard output \
instead of text:
  {\"type\":\"grant\", \"grant_file\", \"recipient_digest\", \"recipient_fingerprint\"}
      per remaining member
  {\"type\":\"summary\", \"album_id\", \"old_epoch\", \"epoch\", \"grants\", \"removed_digest\",
   \"history\"}  last (\"history\": the removal entry the grants name)";

/// `share --json` fields.
pub const SHARE_JSON: &str = "Print one JSON object on standard output instead of text:
  {\"grant_file\", \"history_file\", \"history\", \"album_id\", \"epoch\", \"recipient_digest\",
   \"recipient_fingerprint\"}
  (\"history\": the album history entry the grant names, its head; give the recipient
   \"history_file\" too)
With --items (a selection grant), \"epoch\" is replaced by:
  {\"selection_id\", \"expires_at\", \"items\", \"parts\", \"len\"}";

/// `accept --json` fields.
pub const ACCEPT_JSON: &str = "Print one JSON object on standard output instead of text:
  {\"history\", \"album_id\", \"epoch\", \"sender_digest\", \"sender_fingerprint\"}
  (\"history\": the head of the album history checked with --history, else null)
For a selection grant (a print order):
  {\"type\":\"selection\", \"album_id\", \"selection_id\", \"expires_at\", \"expired\",
   \"history\", \"sender_digest\", \"sender_fingerprint\",
   \"items\": [{\"media_id\", \"epoch\", \"parts\", \"signed\", \"uploader_fingerprint\"}]}
  (\"uploader_fingerprint\" only with --history: each uploader, verified)
  (\"expired\": the local clock is past \"expires_at\"; the server enforces expiry)";

/// `bench --json` fields.
pub const BENCH_JSON: &str = "Print JSON objects, one per line, on standard output instead of \
text, one per candidate:
  {\"name\", \"size_bytes\", \"repeats\", \"seal_seconds\", \"open_seconds\",
   \"seal_gb_per_s\", \"open_gb_per_s\"}";

/// `inspect --json`.
pub const INSPECT_JSON: &str = "Print the JSON object on one line (the default is indented). \
Its fields: \"type\" (container, stream, grant or account), \"file\", \"len\", and the public \
structure of that type (ids, epoch, lengths, salts, commitments, public keys; a grant's \
suite, sender and recipient identity digests and fingerprints; a selection grant's \
selection id, expiry, history entry and item count); \
\"authenticated\" is false: inspect uses no key, unless --account is given for a container, \
which then gains \"provenance\": {\"verified\", \"uploader_fingerprint\", \"uploader_digest\", \
\"history\", \"parts\"} and \"authenticated\": true.";

/// keepsake: end-to-end encrypted memories, from the command line.
///
/// Create an account, seal photo and video folders into self-contained encrypted files,
/// open them again (whole or a byte range), inspect them without keys, and share albums
/// with other accounts. `keepsake demo` shows all of it in a temporary folder.
#[derive(Parser, Debug)]
#[command(name = "keepsake", version)]
pub struct Cli {
    /// Print no notes, warnings or progress on standard error (errors still are).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The command line's definition, with the exit-code table in every subcommand's
/// `--help`: what `run` parses, and what the completions and the man page describe.
pub fn command() -> clap::Command {
    fn with_codes(cmd: clap::Command) -> clap::Command {
        let unlocks = cmd
            .get_arguments()
            .any(|a| a.get_id() == "recovery_command");
        let mut help = match cmd.get_after_help() {
            Some(text) => format!("{text}\n\n"),
            None => String::new(),
        };
        if unlocks {
            help.push_str(SECRETS_HELP);
            help.push_str("\n\n");
        }
        let takes_keys = cmd.get_arguments().any(|a| {
            matches!(
                a.get_id().as_str(),
                "to" | "from" | "members" | "identity" | "device_public" | "public_key"
            )
        });
        if takes_keys {
            help.push_str(KEYS_HELP);
            help.push_str("\n\n");
        }
        help.push_str(EXIT_CODES_HELP);
        cmd.after_help(help).mut_subcommands(with_codes)
    }
    with_codes(<Cli as clap::CommandFactory>::command())
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an account file; prints the recovery phrase once.
    Init(InitArgs),
    /// Change the passphrase (rewrites the account file).
    Passwd(PasswdArgs),
    /// Recovery phrase management.
    #[command(subcommand)]
    Recovery(RecoveryCommand),
    /// Rotate the account's root key (a new generation; rewrites the account file): new
    /// items are sealed under keys earlier roots cannot derive; old items still open.
    Rotate(RotateArgs),
    /// Device keys: create, enroll, list, revoke, pin.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Print this account's identity digest and fingerprint (safety number); `--out` writes
    /// the identity public key others share to.
    Whoami(IdentityArgs),
    /// Albums.
    #[command(subcommand)]
    Album(AlbumCommand),
    /// Seal files and folders (recursively) into self-contained `.ks` containers, each
    /// signed by this account (a manifest naming the album's history entry).
    Seal(SealArgs),
    /// Open `.ks` containers: restore names and modification times, or a byte range;
    /// each item's signed manifest is verified against the album's history first and its
    /// uploader reported (an unsigned item, an uploader who was not a member, a bad
    /// signature or content that differs from what was signed is refused: exit code 5).
    Open(OpenArgs),
    /// Print a file's public structure as JSON (containers, streams, grants, account
    /// files); needs no key and never prints a secret.
    Inspect(InspectArgs),
    /// Grant an album (one epoch), or only chosen items and parts of it (--items: a
    /// selection grant, such as a print order), to another account's identity.
    Share(ShareArgs),
    /// Check a grant from a given sender and print what it gives (an album, or a
    /// selection's print-order record).
    Accept(AcceptArgs),
    /// Quick throughput comparison: keepsake vs raw ChaCha20-Poly1305 vs age (< 30 s).
    Bench(BenchArgs),
    /// The tour: two accounts, three unlocks, a sealed video, seeking, sharing, tampering,
    /// a print order, a lost device revoked.
    Demo(DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to standard
    /// output.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to standard output, or write every page (one per
    /// subcommand) into a folder; `cli/doc/` holds the committed copies.
    #[command(hide = true)]
    Man(ManArgs),
    /// Public links: publish an album epoch or chosen containers as a link folder, open
    /// one, revoke one (SPEC.md 5.13, 8.12).
    #[command(subcommand)]
    Link(crate::link::LinkCommand),
    /// Collect links (drop boxes): guests add files to an album they cannot see; the owner
    /// accepts or discards them (SPEC.md 5.13, 8.12).
    #[command(subcommand)]
    Collect(crate::collect::CollectCommand),
}

/// `man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write `keepsake.1` and one `keepsake-SUBCOMMAND.1` per subcommand into DIR.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `completions`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  keepsake completions bash > ~/.local/share/bash-completion/completions/keepsake
  keepsake completions zsh > ~/.zfunc/_keepsake
  keepsake completions fish > ~/.config/fish/completions/keepsake.fish")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Argon2id parameter profiles for the passphrase slot.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KdfProfile {
    /// 19 MiB, 2 passes: the accepted minimum; for tests only.
    Floor,
    /// 32 MiB, 60 passes, 4 lanes: fits an iOS app extension.
    IosExtension,
    /// 128 MiB, 15 passes, 4 lanes (the default).
    Phone,
    /// 256 MiB, 6 passes, 4 lanes.
    Desktop,
}

impl KdfProfile {
    /// The parameters of the profile.
    pub fn params(self) -> keepsake::kdf::KdfParams {
        use keepsake::kdf::KdfParams;
        match self {
            Self::Floor => KdfParams::FLOOR,
            Self::IosExtension => KdfParams::IOS_EXTENSION,
            Self::Phone => KdfParams::PHONE,
            Self::Desktop => KdfParams::DESKTOP,
        }
    }
}

/// How to unlock an account. Without an option, the passphrase comes from
/// `KEEPSAKE_PASSPHRASE` or is asked for (no echo).
#[derive(Args, Debug, Clone)]
#[command(group = clap::ArgGroup::new("secret").multiple(false).args([
    "passphrase_file", "passphrase_command", "recovery", "recovery_file",
    "recovery_command", "device_key",
]))]
pub struct UnlockArgs {
    /// The account file written by `init`.
    #[arg(long, value_name = "FILE")]
    pub account: PathBuf,
    /// Read the passphrase from FILE (its whole content, less one trailing newline); `-`
    /// reads standard input.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Run CMD with `sh -c` and use its standard output (less one trailing newline) as the
    /// passphrase, e.g. `pass show keepsake`.
    #[arg(long, value_name = "CMD")]
    pub passphrase_command: Option<String>,
    /// Unlock with the recovery phrase: from KEEPSAKE_RECOVERY_PHRASE if set, else asked
    /// for without echo.
    #[arg(long)]
    pub recovery: bool,
    /// Unlock with the recovery phrase read from FILE (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub recovery_file: Option<PathBuf>,
    /// Unlock with the recovery phrase printed by the command CMD (run with `sh -c`).
    #[arg(long, value_name = "CMD")]
    pub recovery_command: Option<String>,
    /// Unlock with an enrolled device key file (see `device new` and `device enroll`).
    #[arg(long, value_name = "FILE")]
    pub device_key: Option<PathBuf>,
    /// With a passphrase or recovery phrase: check the account pin of this device key
    /// file (refusing an account file older than one the device has seen, exit 5), and
    /// raise it to the generation seen.
    #[arg(long, value_name = "FILE", conflicts_with = "device_key")]
    pub device_pin: Option<PathBuf>,
}

/// Where a new passphrase comes from (`init`, `passwd`).
#[derive(Args, Debug, Clone)]
pub struct NewPassphraseArgs {
    /// Accept a passphrase that zxcvbn scores below 3 of 4 (guessable): for tests, or a
    /// passphrase whose strength you know better.
    #[arg(long)]
    pub weak_passphrase_ok: bool,
}

/// `init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the account file (refused if it exists).
    #[arg(long, value_name = "FILE")]
    pub account: PathBuf,
    /// Read the new passphrase from FILE (`-`: standard input) instead of asking for it
    /// twice.
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_command")]
    pub passphrase_file: Option<PathBuf>,
    /// Run CMD with `sh -c`; its standard output (less one trailing newline) is the new
    /// passphrase. Without either option, KEEPSAKE_PASSPHRASE is used if set.
    #[arg(long, value_name = "CMD")]
    pub passphrase_command: Option<String>,
    /// Strength checks.
    #[command(flatten)]
    pub strength: NewPassphraseArgs,
    /// Argon2id cost of the passphrase slot.
    #[arg(long, value_enum, default_value = "phone")]
    pub kdf_profile: KdfProfile,
}

/// `passwd`.
#[derive(Args, Debug)]
pub struct PasswdArgs {
    /// How to unlock (the current passphrase, the recovery phrase or a device key).
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// Read the new passphrase from FILE (`-`: standard input) instead of asking for it
    /// twice.
    #[arg(long, value_name = "FILE", conflicts_with = "new_passphrase_command")]
    pub new_passphrase_file: Option<PathBuf>,
    /// Run CMD with `sh -c`; its standard output (less one trailing newline) is the new
    /// passphrase. Without either option, KEEPSAKE_NEW_PASSPHRASE is used if set.
    #[arg(long, value_name = "CMD")]
    pub new_passphrase_command: Option<String>,
    /// Strength checks.
    #[command(flatten)]
    pub strength: NewPassphraseArgs,
    /// Argon2id cost of the new slot (default: keep the current parameters).
    #[arg(long, value_enum)]
    pub kdf_profile: Option<KdfProfile>,
}

/// `recovery ...`.
#[derive(Subcommand, Debug)]
pub enum RecoveryCommand {
    /// Replace the recovery phrase with a new one (printed once); the old one stops
    /// working for the rewritten account file.
    Rotate(WhoamiArgs),
}

/// `whoami` and other commands that only unlock.
#[derive(Args, Debug)]
pub struct WhoamiArgs {
    /// How to unlock.
    #[command(flatten)]
    pub unlock: UnlockArgs,
}

/// `whoami`.
#[derive(Args, Debug)]
pub struct IdentityArgs {
    /// How to unlock.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// Also write the identity public key (2496 hex digits and a newline; public) to FILE,
    /// for others to pass as `--to @FILE` or `--from @FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Print JSON objects, one per line, on standard output instead of text.
    #[arg(long, long_help = REPORT_JSON)]
    pub json: bool,
}

/// `device list`: unlock, then report.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// How to unlock.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// Print JSON objects, one per line, on standard output instead of text.
    #[arg(long, long_help = REPORT_JSON)]
    pub json: bool,
}

/// `device ...`.
#[derive(Subcommand, Debug)]
pub enum DeviceCommand {
    /// Generate a device key pair file (mode 0600) without enrolling it; prints its
    /// public key.
    New(DeviceNewArgs),
    /// Enroll a device: wrap the root key to its public key (rewrites the account file).
    Enroll(DeviceEnrollArgs),
    /// List the enrolled devices' public keys.
    List(ReportArgs),
    /// Revoke a device and rotate the root key (rewrites the account file): the device
    /// can neither unlock the account nor open anything sealed from now on.
    Revoke(DeviceRevokeArgs),
    /// Record the account pin (identity and generation) in a device key file enrolled
    /// from elsewhere.
    Pin(DevicePinArgs),
}

/// `device new`.
#[derive(Args, Debug)]
pub struct DeviceNewArgs {
    /// The device key file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also write the device public key (2432 hex digits and a newline) to FILE, for
    /// `device enroll --device-public @FILE` on a machine that can unlock the account.
    #[arg(long, value_name = "FILE")]
    pub public_out: Option<PathBuf>,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

/// `device enroll`.
#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["device_public", "device_file"]))]
pub struct DeviceEnrollArgs {
    /// How to unlock.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The public key (2432 hex digits, or @FILE) of a device whose key file is
    /// elsewhere; it must then record the printed pin with `device pin`.
    #[arg(long, value_name = "HEX|@FILE")]
    pub device_public: Option<String>,
    /// A device key file here: it is enrolled and gets the identity pin written into it.
    #[arg(long, value_name = "FILE")]
    pub device_file: Option<PathBuf>,
}

/// `device revoke`.
#[derive(Args, Debug)]
pub struct DeviceRevokeArgs {
    /// How to unlock.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The device's public key (2432 hex digits, as `device list` prints it, or @FILE).
    #[arg(value_name = "HEX|@FILE")]
    pub public_key: String,
    /// Only remove the device's slot, without rotating the root key: a device that kept
    /// the root still derives every album key, old and new.
    #[arg(long)]
    pub no_rotate: bool,
    /// Print one JSON object on standard output instead of text.
    #[arg(long, long_help = REVOKE_JSON)]
    pub json: bool,
}

/// `rotate`.
#[derive(Args, Debug)]
pub struct RotateArgs {
    /// How to unlock.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// Print one JSON object on standard output instead of text.
    #[arg(long, long_help = ROTATE_JSON)]
    pub json: bool,
}

/// `device pin`.
#[derive(Args, Debug)]
pub struct DevicePinArgs {
    /// The device key file.
    #[arg(long, value_name = "FILE")]
    pub device_file: PathBuf,
    /// The account's identity digest (64 hex digits), as `device enroll` or `whoami`
    /// printed it, or its identity public key (2496 hex digits, or @FILE); compare the
    /// fingerprint printed.
    #[arg(long, value_name = "HEX|@FILE")]
    pub identity: String,
    /// The account generation `device enroll` printed (the newest this device has seen;
    /// every unlock with the device raises it).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub generation: u64,
    /// Replace a pin of another identity already recorded.
    #[arg(long)]
    pub force: bool,
}

/// `album ...`.
#[derive(Subcommand, Debug)]
pub enum AlbumCommand {
    /// Print a fresh random album id (32 hex characters). Its history (this account as
    /// owner) is created on the first `seal --album`, `share` or `remove-member`.
    New,
    /// Remove a member from an album this account owns: move the album to a new epoch and
    /// write a grant of it for each remaining member (not for the removed one).
    RemoveMember(Box<RemoveMemberArgs>),
}

/// `album remove-member`.
#[derive(Args, Debug)]
pub struct RemoveMemberArgs {
    /// How to unlock the owner's account.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The album (32 hex characters).
    #[arg(long, value_name = "ID")]
    pub album: String,
    /// The album's current epoch (what it was last sealed and shared under).
    #[arg(long, value_name = "N")]
    pub epoch: u64,
    /// The album's history file (SPEC.md 8.11), as its owner gave it (default: this
    /// account's own copy, `ACCOUNT.albums/<album id>.ks-history`, for an album it owns).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// A remaining member's identity public key (2496 hex digits, or @FILE); repeat for
    /// each. The removed member is simply not named.
    #[arg(long = "member", value_name = "IDENTITY")]
    pub members: Vec<String>,
    /// The folder to write the grants into, one `<member identity digest>.grant` per
    /// member (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace existing grant files.
    #[arg(long)]
    pub force: bool,
    /// Print JSON objects, one per line, on standard output instead of text.
    #[arg(long, long_help = REMOVE_MEMBER_JSON)]
    pub json: bool,
}

/// `seal`.
#[derive(Args, Debug)]
pub struct SealArgs {
    /// How to unlock.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The album (32 hex characters); its key is derived from the account.
    #[arg(long, value_name = "ID", required_unless_present = "grant")]
    pub album: Option<String>,
    /// The album epoch (default: the account's current epoch, `generation * 2^32`; after
    /// `album remove-member`, the epoch it printed).
    #[arg(long, value_name = "N", conflicts_with = "grant")]
    pub epoch: Option<u64>,
    /// Seal into an album received in this grant instead (with --from).
    #[arg(
        long,
        value_name = "GRANT_FILE",
        requires = "from",
        conflicts_with = "album"
    )]
    pub grant: Option<PathBuf>,
    /// The grant's sender: an identity public key (2496 hex digits, or @FILE).
    #[arg(long, value_name = "IDENTITY", requires = "grant")]
    pub from: Option<String>,
    /// The album's history file (SPEC.md 8.11), as its owner gave it (default: this
    /// account's own copy, `ACCOUNT.albums/<album id>.ks-history`, for an album it owns).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// The album owner's identity public key (2496 hex digits, or @FILE), which the
    /// history must start from (default: the grant's sender, --from).
    #[arg(long, value_name = "IDENTITY", requires = "history")]
    pub owner: Option<String>,
    /// Files and folders to seal; folders are sealed recursively. A file the index of
    /// --out records as sealed, unchanged (name, size, modification time, permission bits
    /// and SHA-256), is skipped; a changed one is sealed as a new container.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// The folder to write `<media id>.ks` files into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// A thumbnail to put in the container (only when sealing a single file; the file is
    /// then sealed even if the index records it unchanged).
    #[arg(long, value_name = "FILE")]
    pub thumbnail: Option<PathBuf>,
    /// Discard an index in --out that cannot be used (altered, malformed, another album
    /// or epoch) and start a new one from the containers in --out that open with this
    /// album key and hold the files unchanged; the other files are sealed.
    #[arg(long)]
    pub rebuild_index: bool,
    /// log2 of the chunk size (8 to 22; default 16, 64 KiB).
    #[arg(long, value_name = "N", default_value_t = keepsake::stream::DEFAULT_CHUNK_LOG2)]
    pub chunk_log2: u8,
    /// Print one line per file.
    #[arg(short, long)]
    pub verbose: bool,
    /// Print JSON objects, one per line, on standard output instead of text.
    #[arg(long, long_help = SEAL_JSON)]
    pub json: bool,
}

/// `open`.
#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("dest").required(true).args(["out", "stdout"]))]
pub struct OpenArgs {
    /// How to unlock.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// Take the keys from this grant (accepted with the unlocked account) instead of
    /// deriving them: an album grant gives the album key; a selection grant gives only
    /// its items' granted parts (any other item or part is refused: NotInSelection, exit
    /// code 3); without the metadata granted, files are named by media id.
    #[arg(long, value_name = "GRANT_FILE", requires = "from")]
    pub grant: Option<PathBuf>,
    /// The grant's sender: an identity public key (2496 hex digits, or @FILE).
    #[arg(long, value_name = "IDENTITY", requires = "grant")]
    pub from: Option<String>,
    /// The album's history file (SPEC.md 8.11), as its owner gave it (default: this
    /// account's own copy, `ACCOUNT.albums/<album id>.ks-history`, for an album it owns).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// The album owner's identity public key (2496 hex digits, or @FILE), which the
    /// history must start from (default: the grant's sender, --from).
    #[arg(long, value_name = "IDENTITY", requires = "history")]
    pub owner: Option<String>,
    /// Containers to open; a folder stands for the `.ks` files in it (not recursive).
    /// Files already restored identically are skipped, and so are earlier versions that
    /// the seal index beside them marks superseded.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The folder to restore into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the plaintext to standard output instead (one FILE only). Only
    /// authenticated chunks are written; if a later chunk fails, the output stops there
    /// and the exit code is 3. Refused when standard output is a terminal.
    #[arg(long)]
    pub stdout: bool,
    /// With --stdout: write to standard output even when it is a terminal.
    #[arg(long)]
    pub force_tty: bool,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
    /// Open only bytes OFFSET..OFFSET+LEN of the original (one FILE only), decrypting
    /// only the chunks they touch; written as `<name>.range-OFFSET-LEN`.
    #[arg(long, value_name = "OFFSET:LEN", conflicts_with = "thumbnail")]
    pub range: Option<String>,
    /// Open the thumbnail instead of the original, written as `<name>.thumbnail`.
    #[arg(long)]
    pub thumbnail: bool,
    /// Print one line per file.
    #[arg(short, long)]
    pub verbose: bool,
    /// Print JSON objects, one per line, on standard output instead of text.
    #[arg(long, long_help = OPEN_JSON)]
    pub json: bool,
}

/// `inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A container, a bare media stream, a grant, an album history or an account file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// With a container of an album this account owns: unlock it (--passphrase-file,
    /// --device-key, else KEEPSAKE_PASSPHRASE or a prompt), verify the item's signed
    /// manifest against the album's history and print the verified uploader (a refusal is
    /// exit code 5, as `open`).
    #[arg(long, value_name = "FILE")]
    pub account: Option<PathBuf>,
    /// With --account: read the passphrase from FILE (`-`: standard input).
    #[arg(
        long,
        value_name = "FILE",
        requires = "account",
        conflicts_with = "device_key"
    )]
    pub passphrase_file: Option<PathBuf>,
    /// With --account: unlock with this enrolled device key file (its pins are used).
    #[arg(long, value_name = "FILE", requires = "account")]
    pub device_key: Option<PathBuf>,
    /// With --account: the album's history file (default: the account's own copy).
    #[arg(long, value_name = "FILE", requires = "account")]
    pub history: Option<PathBuf>,
    /// Print the JSON object on one line (the default is indented).
    #[arg(long, long_help = INSPECT_JSON)]
    pub json: bool,
}

/// `share`.
#[derive(Args, Debug)]
pub struct ShareArgs {
    /// How to unlock the sender's account.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The album (32 hex characters): grant the whole album (an album grant).
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "items",
        conflicts_with = "items"
    )]
    pub album: Option<String>,
    /// The album epoch (default: the account's current epoch, `generation * 2^32`).
    #[arg(long, value_name = "N", conflicts_with = "items")]
    pub epoch: Option<u64>,
    /// Grant only these items (containers of one album, sealed by this account's album
    /// keys) instead of an album: a selection grant (a print order), which carries one
    /// key per chosen part and never a media or album key.
    #[arg(long, value_name = "CONTAINER", num_args = 1..)]
    pub items: Vec<PathBuf>,
    /// With --items: the parts of each item to grant (repeat or separate by commas;
    /// default: original).
    #[arg(
        long,
        value_name = "PART",
        value_enum,
        num_args = 1..,
        value_delimiter = ','
    )]
    pub parts: Vec<PartArg>,
    /// With --items: when the grant expires, RFC 3339 (`2026-12-31T23:59:59Z`, an offset
    /// such as `+02:00` is accepted) or Unix seconds; default 30 days from now. Shown to
    /// the recipient; the server enforces it by deleting the grant.
    #[arg(long, value_name = "TIME")]
    pub expires: Option<String>,
    /// The recipient's identity public key (2496 hex digits, or @FILE: the file their
    /// `whoami --out FILE` wrote).
    #[arg(long, value_name = "IDENTITY")]
    pub to: String,
    /// The album's history file (SPEC.md 8.11; default: this account's own copy,
    /// `ACCOUNT.albums/<album id>.ks-history`). An album grant to someone who is not yet
    /// a member first appends their addition to it. Give the recipient this file too.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Where to write the grant (public: 1354 bytes for an album grant; a selection grant
    /// is 1340 bytes plus 148 to 359 per item, by the parts granted).
    #[arg(long, value_name = "GRANT_FILE")]
    pub out: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
    /// Print JSON objects, one per line, on standard output instead of text.
    #[arg(long, long_help = SHARE_JSON)]
    pub json: bool,
}

/// A part of an item a selection grant can give (`share --items --parts`).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartArg {
    /// The original file.
    Original,
    /// The thumbnail (an item sealed without one is refused).
    Thumbnail,
    /// The metadata: the file's name, size and modification time.
    Metadata,
}

/// `accept`.
#[derive(Args, Debug)]
pub struct AcceptArgs {
    /// How to unlock the recipient's account.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The grant file.
    #[arg(value_name = "GRANT_FILE")]
    pub grant: PathBuf,
    /// The sender's identity public key (2496 hex digits, or @FILE); compare the
    /// fingerprint printed.
    #[arg(long, value_name = "IDENTITY")]
    pub from: String,
    /// The album's history file, as its owner gave it: the grant is then checked against
    /// the membership at the history entry it names (SPEC.md 5.12), and the history's
    /// head is printed.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// The album owner's identity public key (2496 hex digits, or @FILE), which the
    /// history must start from (default: the grant's sender, --from).
    #[arg(long, value_name = "IDENTITY", requires = "history")]
    pub owner: Option<String>,

    /// Print JSON objects, one per line, on standard output instead of text.
    #[arg(long, long_help = ACCEPT_JSON)]
    pub json: bool,
}

/// `bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Size of the buffer sealed and opened, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub size_mib: usize,
    /// Repeats of each measurement (the median is shown).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub repeats: usize,
    /// Print JSON objects, one per line, on standard output instead of text.
    #[arg(long, long_help = BENCH_JSON)]
    pub json: bool,
}

/// `demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Size of the generated video, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    pub size_mib: u64,
}
