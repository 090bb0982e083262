//! `demo`: the README's first command. In a temporary folder it creates two accounts
//! (Alice with the phone Argon2id profile, Bob with the floor profile to keep it short),
//! unlocks Alice's by passphrase, recovery phrase and device key, seals a generated
//! video-like file with a thumbnail and metadata into a container, seeks into it, opens
//! it, shares the album with Bob who opens it too, and shows tampered, truncated and
//! foreign files refused while the good one in the same batch opens. A print service gets
//! three of ten photos by a selection grant and is refused a fourth. Last, Alice loses a
//! phone: she revokes it and rotates the root; the phone cannot open a photo sealed after
//! the rotation, while her passphrase, recovery phrase and laptop open the photos from
//! before and after, and the laptop refuses the older account file served again.
//!
//! It calls the functions the subcommands call (account creation, unlocking, `seal_one`,
//! `open_one`, grants), never the binary.

use std::fs::{self, File};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indicatif::ProgressBar;
use keepsake::kdf::KdfParams;
use keepsake::sharing::fingerprint;
use keepsake::stream::{RangePlan, SealOptions};
use keepsake::{AlbumId, AlbumKey};
use rayon::prelude::*;
use zeroize::Zeroizing;

use crate::account::{self, create_account};
use crate::album_history::AlbumHistory;
use crate::args::DemoArgs;
use crate::container::{self, ContainerError};
use crate::error::{CliError, CliResult};
use crate::fsutil;
use crate::open::{Dest, Histories, Keys, Part, open_one};
use crate::outln;
use crate::seal::{Job, Uploader, seal_one};
use crate::unlock::{self, DeviceFile, Secret, Unlocked};

mod print_order;

const ALICE: &str = "alice: correct horse battery staple";
const BOB: &str = "bob's own passphrase";
const MIB: u64 = 1 << 20;
/// 2026-07-14 18:30:00 UTC, the recorded modification time of the video.
const TAKEN: u64 = 1_784_053_800;

fn io(path: &Path) -> impl Fn(std::io::Error) -> CliError + '_ {
    move |e| CliError::io(path, &e)
}

fn fail(what: &str) -> CliError {
    CliError::failure(format!("demo: {what}"))
}

fn gbps(bytes: u64, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64().max(1e-9) / 1e9
}

/// Byte `i` of the generated video: a frame pattern that changes every MiB.
fn video_byte(i: u64) -> u8 {
    ((i % MIB) as u8).wrapping_mul(31) ^ ((i / MIB) as u8)
}

fn write_video(path: &Path, mib: u64) -> CliResult<()> {
    let mut file = File::create(path).map_err(io(path))?;
    let mut frame = vec![0u8; MIB as usize];
    for m in 0..mib {
        for (j, b) in frame.iter_mut().enumerate() {
            *b = video_byte(m * MIB + j as u64);
        }
        file.write_all(&frame).map_err(io(path))?;
    }
    file.sync_all().map_err(io(path))?;
    let taken = UNIX_EPOCH + Duration::from_secs(TAKEN);
    filetime::set_file_mtime(path, filetime::FileTime::from_system_time(taken)).map_err(io(path))
}

fn same_contents(a: &Path, b: &Path) -> CliResult<bool> {
    let (fa, fb) = (File::open(a).map_err(io(a))?, File::open(b).map_err(io(b))?);
    let (mut ra, mut rb) = (
        BufReader::with_capacity(MIB as usize, fa),
        BufReader::with_capacity(MIB as usize, fb),
    );
    let (mut ba, mut bb) = (vec![0u8; MIB as usize], vec![0u8; MIB as usize]);
    loop {
        let n = read_full(&mut ra, &mut ba).map_err(io(a))?;
        let m = read_full(&mut rb, &mut bb).map_err(io(b))?;
        if n != m || ba[..n] != bb[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

fn modified(path: &Path) -> CliResult<SystemTime> {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(io(path))
}

fn unlocked(path: &Path, secret: &Secret) -> CliResult<(Unlocked, Duration)> {
    let bundle = unlock::load_bundle(path)?;
    let start = Instant::now();
    let keyring = unlock::unlock_bundle(&bundle, secret)?;
    let elapsed = start.elapsed();
    let device = match secret {
        Secret::Device(d) => Some(d.public_key()),
        _ => None,
    };
    Ok((
        Unlocked {
            path: path.to_path_buf(),
            bundle,
            keyring,
            device,
            pin_file: None,
        },
        elapsed,
    ))
}

/// The album histories an unlocked owner verifies its items against: its own copies.
fn owned_histories(who: &Unlocked) -> Histories {
    Histories::Owned {
        account: who.path.clone(),
        explicit: None,
        owner: Box::new(who.keyring.identity_public_key()),
        pin_file: who.pin_file.clone(),
        cache: std::sync::Mutex::new(std::collections::HashMap::new()),
    }
}

/// Refusal expected: returns the error's text, or fails the demo if the attack worked.
fn refused<T>(what: &str, result: Result<T, ContainerError>) -> CliResult<ContainerError> {
    match result {
        Ok(_) => Err(fail(&format!("{what} was not refused"))),
        Err(e) => Ok(e),
    }
}

/// `demo`.
///
/// # Errors
/// Any step failing, or any attack not refused.
pub fn run(args: &DemoArgs) -> CliResult<()> {
    let mib = args.size_mib;
    if mib == 0 || mib > 16 * 1024 {
        return Err(fail("--size-mib must be 1..=16384"));
    }
    let temp = tempfile::tempdir().map_err(|e| fail(&e.to_string()))?;
    crate::interrupt::scratch_folder(temp.path());
    let dir = temp.path();
    let hidden = ProgressBar::hidden();
    outln!("Keepsake demo in {}", dir.display());
    let mut verified: Vec<String> = Vec::new();

    // 1. Two accounts.
    outln!("\n1. Accounts");
    let alice_file = dir.join("alice.account.json");
    let created = create_account(&alice_file, ALICE, &KdfParams::PHONE)?;
    outln!(
        "   alice: created in {:.2} s (Argon2id {} MiB x {} passes); 24-word recovery phrase shown once",
        created.elapsed.as_secs_f64(),
        KdfParams::PHONE.memory_kib() / 1024,
        KdfParams::PHONE.iterations()
    );
    let words = Zeroizing::new(created.recovery_phrase.words().to_string());
    let alice_id = created.identity.clone();
    let bob_file = dir.join("bob.account.json");
    let bob_created = create_account(&bob_file, BOB, &KdfParams::FLOOR)?;
    let bob_id = bob_created.identity.clone();
    outln!(
        "   bob:   created in {:.2} s (floor profile, to keep the demo short)",
        bob_created.elapsed.as_secs_f64()
    );
    drop(bob_created);
    drop(created);

    // 2. Unlock three ways, and a device enrolled.
    outln!("\n2. Unlocking Alice's account");
    let (by_pass, t) = unlocked(
        &alice_file,
        &Secret::Passphrase(Zeroizing::new(ALICE.into())),
    )?;
    outln!("   by passphrase:      {:.2} s", t.as_secs_f64());
    let device_file = dir.join("alice-laptop.device.json");
    DeviceFile::generate()?.save(&device_file, false)?;
    account::enroll_file(&by_pass, &device_file)?;
    let (_, t) = unlocked(
        &alice_file,
        &Secret::Recovery(unlock::parse_recovery(&words)?),
    )?;
    outln!("   by recovery phrase: {:.3} s", t.as_secs_f64());
    let (alice, t) = unlocked(
        &alice_file,
        &Secret::Device(Box::new(DeviceFile::load(&device_file)?)),
    )?;
    outln!(
        "   by device key:      {:.3} s (enrolled {}, pinned to the identity)",
        t.as_secs_f64(),
        device_file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
    );
    if alice.keyring.identity_public_key() != alice_id {
        return Err(fail("the three unlocks disagree"));
    }
    let wrong = unlocked(
        &alice_file,
        &Secret::Passphrase(Zeroizing::new("alice: guess".into())),
    );
    let wrong = wrong
        .err()
        .ok_or_else(|| fail("a wrong passphrase opened the account"))?;
    outln!(
        "   wrong passphrase:   refused, exit code {} ({})",
        wrong.code,
        wrong.message
    );
    verified.push("three unlocks (passphrase, recovery phrase, device key) give one identity; a wrong passphrase is refused".into());

    // 3. Seal a video with a thumbnail and metadata.
    outln!("\n3. Sealing a {mib} MiB video");
    let camera = dir.join("camera");
    fs::create_dir_all(&camera).map_err(io(&camera))?;
    let video = camera.join("beach-2026-07-14.mp4");
    write_video(&video, mib)?;
    let thumbnail: Vec<u8> = (0..4096u64).map(video_byte).collect();
    let album_id = AlbumId::random().map_err(|e| CliError::core("album id", &e))?;
    let album = alice
        .keyring
        .album_key(album_id, alice.keyring.current_epoch())
        .map_err(|e| CliError::core("album key", &e))?;
    let mut history = AlbumHistory::owned(&alice, album_id, None)?;
    let uploader = Uploader {
        keyring: &alice.keyring,
        history: history.head(),
    };
    let sealed_dir = dir.join("sealed");
    fs::create_dir_all(&sealed_dir).map_err(io(&sealed_dir))?;
    let job = Job {
        src: video.clone(),
        name: "camera/beach-2026-07-14.mp4".into(),
        size: mib * MIB,
    };
    let start = Instant::now();
    let sealed = seal_one(
        &album,
        uploader,
        &job,
        &sealed_dir,
        Some(&thumbnail),
        SealOptions::new(),
        &hidden,
    )
    .map_err(|e| fail(&format!("sealing: {e}")))?;
    let seal_time = start.elapsed();
    let size = mib * MIB;
    outln!(
        "   sealed in {:.2} s ({:.2} GB/s, file to file) -> {}",
        seal_time.as_secs_f64(),
        gbps(size, seal_time),
        sealed
            .path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
    );
    let mut file = File::open(&sealed.path).map_err(io(&sealed.path))?;
    let layout = container::read_layout(&mut file).map_err(|e| fail(&e.to_string()))?;
    let (original, header) = &layout.original;
    outln!(
        "   container: {} bytes = {} of video + {} of overhead (wrapped key 105, metadata {}, thumbnail {}, {} chunk tags)",
        sealed.sealed_len,
        size,
        sealed.sealed_len - size,
        layout.metadata_section.len,
        layout.thumbnail.map_or(0, |(s, _)| s.len),
        size.div_ceil(header.chunk_size() as u64)
    );
    outln!(
        "   the file name on disk is the media id: the original name is only inside the metadata envelope"
    );
    outln!(
        "   signed by Alice: the manifest inside the metadata envelope names the ciphertext root of \
         the video and thumbnail and album history {}",
        history.head_display()
    );
    verified.push(format!("a {mib} MiB video sealed with a thumbnail and metadata into one container, named by its media id"));

    // 4. Seek into it, then open it whole.
    outln!("\n4. Seeking and opening (Alice)");
    let keys = Keys::Account(&alice.keyring);
    let alice_histories = owned_histories(&alice);
    let offset = size / 2 + 12_345;
    let plan =
        RangePlan::new(header, original.len, offset, MIB).map_err(|e| fail(&e.to_string()))?;
    let range_dir = dir.join("range");
    let start = Instant::now();
    let part = open_one(
        &sealed.path,
        &keys,
        &alice_histories,
        Part::Range(offset, MIB),
        &Dest::Dir(range_dir),
        false,
        &hidden,
    )
    .map_err(|e| fail(&format!("range: {e}")))?;
    let range_time = start.elapsed();
    let part_path = part.path.ok_or_else(|| fail("range: no file"))?;
    let bytes = fs::read(&part_path).map_err(io(&part_path))?;
    let expect: Vec<u8> = (offset..(offset + MIB).min(size)).map(video_byte).collect();
    if bytes != expect {
        return Err(fail("the range opened to the wrong bytes"));
    }
    outln!(
        "   seek to byte {offset}: {} bytes in {:.1} ms, decrypting {} of {} chunks",
        bytes.len(),
        range_time.as_secs_f64() * 1e3,
        plan.chunk_count,
        size.div_ceil(header.chunk_size() as u64)
    );
    let restore = dir.join("alice-restored");
    let start = Instant::now();
    let opened = open_one(
        &sealed.path,
        &keys,
        &alice_histories,
        Part::Original,
        &Dest::Dir(restore.clone()),
        false,
        &hidden,
    )
    .map_err(|e| fail(&format!("open: {e}")))?;
    let open_time = start.elapsed();
    let restored = opened.path.ok_or_else(|| fail("open: no file"))?;
    let same = same_contents(&video, &restored)?;
    let mtime_ok = modified(&restored)? == modified(&video)?;
    outln!(
        "   opened in {:.2} s ({:.2} GB/s) as {}: identical {same}, modification time restored {mtime_ok}",
        open_time.as_secs_f64(),
        gbps(size, open_time),
        restored
            .strip_prefix(&restore)
            .unwrap_or(&restored)
            .display()
    );
    if !same || !mtime_ok {
        return Err(fail("the opened file differs from the original"));
    }
    verified.push("a 1 MiB range opened by decrypting only the chunks it touches".into());
    verified.push(
        "the whole video opened to identical bytes, under its name, with its modification time"
            .into(),
    );

    // 5. Share the album with Bob.
    outln!("\n5. Sharing the album with Bob");
    let head = history.append(
        &alice.keyring,
        keepsake::history::HistoryAction::AddMember(bob_id.clone()),
    )?;
    let grant = account::grant(&alice.keyring, &album, &bob_id, &head)?;
    let grant_file = dir.join("album.grant");
    fsutil::write_atomic(&grant_file, &grant, false)?;
    outln!(
        "   Alice's fingerprint, to compare with Bob out of band: {}",
        fingerprint(&alice_id)
    );
    let (bob, _) = unlocked(&bob_file, &Secret::Passphrase(Zeroizing::new(BOB.into())))?;
    let bytes = account::read_grant(&grant_file)?;
    let bobs_album = account::accept_grant(&bob.keyring, &grant_file, &bytes, &alice_id)?;
    let bob_keys = Keys::Grant(&bobs_album);
    // Bob verifies Alice's history from her identity, which he checked by its fingerprint.
    let bobs_history = AlbumHistory::load(&history.path, album_id, &alice_id, None)?;
    let bob_histories = Histories::Fixed(std::sync::Arc::new(bobs_history.verified));
    let bob_dir = dir.join("bob-restored");
    let thumb = open_one(
        &sealed.path,
        &bob_keys,
        &bob_histories,
        Part::Thumbnail,
        &Dest::Dir(bob_dir.clone()),
        false,
        &hidden,
    )
    .map_err(|e| fail(&format!("bob's thumbnail: {e}")))?;
    let start = Instant::now();
    let bobs = open_one(
        &sealed.path,
        &bob_keys,
        &bob_histories,
        Part::Original,
        &Dest::Dir(bob_dir),
        false,
        &hidden,
    )
    .map_err(|e| fail(&format!("bob's open: {e}")))?;
    let bob_time = start.elapsed();
    let bobs_path = bobs.path.ok_or_else(|| fail("bob: no file"))?;
    if !same_contents(&video, &bobs_path)? || thumb.len != thumbnail.len() as u64 {
        return Err(fail("Bob opened different bytes"));
    }
    outln!(
        "   Bob accepted the {}-byte grant (album {} epoch {}) and opened the thumbnail ({} bytes) and the video in {:.2} s ({:.2} GB/s)",
        grant.len(),
        album.album_id(),
        album.epoch(),
        thumb.len,
        bob_time.as_secs_f64(),
        gbps(size, bob_time)
    );
    let impostor = account::accept_grant(&bob.keyring, &grant_file, &bytes, &bob_id);
    let impostor = impostor
        .err()
        .ok_or_else(|| fail("a grant claimed by another sender was accepted"))?;
    outln!(
        "   the grant claimed by another sender: refused ({})",
        impostor.message
    );
    outln!(
        "   Bob verified the video's uploader against Alice's album history ({}): {}",
        history.head_display(),
        bobs.uploader.as_deref().unwrap_or("not verified")
    );
    if bobs.uploader.as_deref() != Some(fingerprint(&alice_id).as_str()) {
        return Err(fail("Bob did not verify Alice as the uploader"));
    }
    verified.push(
        "Bob received the album through an authenticated grant and opened the container".into(),
    );

    // 6. What a malicious server or a damaged disk can do.
    outln!("\n6. Tampered, truncated and foreign files, in one batch with the good one");
    let mut copy = fs::read(&sealed.path).map_err(io(&sealed.path))?;
    let tampered = dir.join("tampered.ks");
    let middle = copy.len() / 2;
    copy[middle] ^= 1;
    fs::write(&tampered, &copy).map_err(io(&tampered))?;
    copy[middle] ^= 1;
    // Cut at a chunk boundary: the last chunk is dropped, the rest authenticates.
    let truncated = dir.join("truncated.ks");
    let stride = header.chunk_size() as u64 + 16;
    let body = original.len - keepsake::stream::HEADER_LEN as u64;
    let cut = original.offset + (original.len - body) + (body.div_ceil(stride) - 1) * stride;
    copy.truncate(usize::try_from(cut).map_err(|_| fail("size"))?);
    fs::write(&truncated, &copy).map_err(io(&truncated))?;
    drop(copy);
    let batch: Vec<PathBuf> = vec![sealed.path.clone(), tampered, truncated, video.clone()];
    let batch_dir = dir.join("batch");
    let results: Vec<_> = batch
        .par_iter()
        .map(|f| {
            open_one(
                f,
                &keys,
                &alice_histories,
                Part::Original,
                &Dest::Dir(batch_dir.clone()),
                false,
                &hidden,
            )
        })
        .collect();
    let mut refusals = 0;
    for (file, result) in batch.iter().zip(results) {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        match result {
            Ok(_) if file == &sealed.path => outln!("   {name}: opened"),
            Ok(_) => return Err(fail(&format!("{name} was not refused"))),
            Err(e) if file != &sealed.path => {
                refusals += 1;
                outln!("   {name}: refused, {e}");
            }
            Err(e) => return Err(fail(&format!("the good file failed: {e}"))),
        }
    }
    if !batch_dir.join("camera/beach-2026-07-14.mp4").exists() || refusals != 3 {
        return Err(fail("the batch did not behave"));
    }
    // Opening it again over the identical restored file is skipped; over a file the
    // user changed, it is refused.
    let repeat = open_one(
        &sealed.path,
        &keys,
        &alice_histories,
        Part::Original,
        &Dest::Dir(restore.clone()),
        false,
        &hidden,
    )
    .map_err(|e| fail(&format!("opening again over the identical file: {e}")))?;
    if repeat.skipped.is_none() {
        return Err(fail(
            "opening again over the identical file was not skipped",
        ));
    }
    fs::OpenOptions::new()
        .append(true)
        .open(&restored)
        .and_then(|mut f| f.write_all(b"edited"))
        .map_err(io(&restored))?;
    let again = refused(
        "opening over a changed file",
        open_one(
            &sealed.path,
            &keys,
            &alice_histories,
            Part::Original,
            &Dest::Dir(restore),
            false,
            &hidden,
        ),
    )?;
    outln!("   opening again over the identical restored file: skipped");
    outln!("   opening again over the restored file, edited since: {again}");
    verified.push("a flipped bit, a cut tail and a foreign file are refused by name and kind; the good file in the same batch opens; nothing is overwritten".into());

    verified.push("Bob verified Alice as the video's uploader: her signed manifest, her membership at the album history entry it names, the video's ciphertext root".into());
    print_order::print_order(dir, &alice, &alice_id, &album, &mut verified)?;

    lost_device(
        dir,
        &alice_file,
        &device_file,
        &words,
        &album,
        &mut verified,
    )?;

    outln!("\nVerified:");
    for line in &verified {
        outln!("  - {line}");
    }
    outln!(
        "Throughput ({mib} MiB, file to file): seal {:.2} GB/s, open {:.2} GB/s; seek {:.1} ms for 1 MiB",
        gbps(size, seal_time),
        gbps(size, open_time),
        range_time.as_secs_f64() * 1e3
    );
    outln!(
        "What a server dump protects: every slot and grant is X-Wing (ML-KEM-768 + X25519), so \
         a dump taken today stays confidential even against a future quantum computer; media \
         and envelopes are symmetric (ChaCha20-Poly1305, 256-bit keys)."
    );
    outln!("all checks passed");
    Ok(())
}

/// Seals `bytes` as `photos/NAME` into `DIR/sealed`, with `thumbnail` if given, signed by
/// `uploader`.
fn seal_photo(
    album: &AlbumKey,
    uploader: Uploader<'_>,
    dir: &Path,
    name: &str,
    bytes: &[u8],
    thumbnail: Option<&[u8]>,
) -> CliResult<PathBuf> {
    let src = dir.join("photos").join(name);
    fs::create_dir_all(dir.join("photos")).map_err(io(dir))?;
    fs::write(&src, bytes).map_err(io(&src))?;
    let job = Job {
        src,
        name: format!("photos/{name}"),
        size: bytes.len() as u64,
    };
    let out = dir.join("sealed");
    let sealed = seal_one(
        album,
        uploader,
        &job,
        &out,
        thumbnail,
        SealOptions::new(),
        &ProgressBar::hidden(),
    )
    .map_err(|e| fail(&format!("sealing {name}: {e}")))?;
    Ok(sealed.path)
}

/// Step 8: a lost phone, revoked with a root rotation.
fn lost_device(
    dir: &Path,
    alice_file: &Path,
    laptop_file: &Path,
    words: &str,
    album: &AlbumKey,
    verified: &mut Vec<String>,
) -> CliResult<()> {
    outln!("\n8. Alice loses her phone: revoke it and rotate the root key");
    let hidden = ProgressBar::hidden();
    let laptop = || DeviceFile::load(laptop_file).map(|d| Secret::Device(Box::new(d)));
    let phone_file = dir.join("alice-phone.device.json");
    DeviceFile::generate()?.save(&phone_file, false)?;
    let (by_laptop, _) = unlocked(alice_file, &laptop()?)?;
    account::enroll_file(&by_laptop, &phone_file)?;
    // What the phone keeps: its key and pin, this account file, the keys it derives.
    let old_bundle = fs::read(alice_file).map_err(io(alice_file))?;
    let (phone, _) = unlocked(
        alice_file,
        &Secret::Device(Box::new(DeviceFile::load(&phone_file)?)),
    )?;
    let mut history = AlbumHistory::owned(&phone, album.album_id(), None)?;
    let uploader = Uploader {
        keyring: &phone.keyring,
        history: history.entry_at_epoch(album.epoch())?,
    };
    let before = seal_photo(album, uploader, dir, "before.jpg", &[1u8; 70_000], None)?;

    let (by_laptop, _) = unlocked(alice_file, &laptop()?)?;
    let by_laptop = Unlocked {
        pin_file: Some(laptop_file.to_path_buf()),
        ..by_laptop
    };
    let phone_key = phone
        .device
        .clone()
        .ok_or_else(|| fail("the phone has no key"))?;
    let start = Instant::now();
    let rotated = crate::lifecycle::rotate_account(&by_laptop, Some(&phone_key))?;
    let new_album = rotated
        .album_key(album.album_id(), rotated.current_epoch())
        .map_err(|e| CliError::core("album key", &e))?;
    outln!(
        "   revoked the phone and rotated in {:.1} ms: generation {}, new items of the album go to epoch {}",
        start.elapsed().as_secs_f64() * 1e3,
        rotated.generation(),
        new_album.epoch()
    );
    // The album's history records the move to the new generation's epoch (an epoch move).
    let uploader = Uploader {
        keyring: &rotated,
        history: history.owned_entry_at_epoch(&rotated, new_album.epoch())?,
    };
    let after = seal_photo(&new_album, uploader, dir, "after.jpg", &[2u8; 70_000], None)?;

    let locked_out = unlocked(
        alice_file,
        &Secret::Device(Box::new(DeviceFile::load(&phone_file)?)),
    )
    .err()
    .ok_or_else(|| fail("the revoked phone unlocked the new account file"))?;
    let phone_keys = Keys::Account(&phone.keyring);
    let open = |file: &Path, keys: &Keys<'_>, to: &str| {
        open_one(
            file,
            keys,
            &owned_histories(&phone),
            Part::Original,
            &Dest::Dir(dir.join(to)),
            false,
            &hidden,
        )
    };
    let no_open = refused(
        "the phone opening after.jpg",
        open(&after, &phone_keys, "phone"),
    )?;
    open(&before, &phone_keys, "phone").map_err(|e| fail(&format!("phone, before: {e}")))?;
    outln!(
        "   the phone (its key, its pin, the old account file and every key it derived):\n     \
         unlocking the new account file: refused, exit code {} ({})\n     \
         after.jpg, sealed after the rotation: refused ({no_open})\n     \
         before.jpg, sealed before: still opens (it held those keys before the loss)",
        locked_out.code,
        locked_out.message
    );

    let phrase = Secret::Recovery(unlock::parse_recovery(words)?);
    let passphrase = Secret::Passphrase(Zeroizing::new(ALICE.into()));
    for (how, secret) in [
        ("passphrase", passphrase),
        ("recovery-phrase", phrase),
        ("laptop", laptop()?),
    ] {
        let (who, _) = unlocked(alice_file, &secret)?;
        let keys = Keys::Account(&who.keyring);
        for file in [&before, &after] {
            open(file, &keys, how).map_err(|e| fail(&format!("{how}: {e}")))?;
        }
    }
    outln!("   passphrase, recovery phrase and laptop: each opens before.jpg and after.jpg");

    let stale = dir.join("alice.account.generation-0.json");
    fs::write(&stale, &old_bundle).map_err(io(&stale))?;
    let rollback = unlocked(&stale, &laptop()?)
        .err()
        .ok_or_else(|| fail("the laptop accepted the older account file"))?;
    outln!(
        "   the laptop, offered the generation-0 account file again: refused, exit code {} ({})",
        rollback.code,
        rollback.message
    );
    verified.push("a revoked phone cannot unlock the rotated account nor open a photo sealed after the rotation; the passphrase, recovery phrase and another device open photos from before and after; a device refuses an older account file".into());
    Ok(())
}
