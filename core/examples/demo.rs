//! The README's demo: create an account and unlock it three ways, seal a generated
//! video-like file into an album, seek into it, open it, share the album to a second
//! account, and watch tampering, misplacement and impersonation get refused.
//!
//! `cargo run --release -p keepsake --example demo [SIZE_MIB]` (default 256).

use std::io::{Cursor, Write};
use std::ops::ControlFlow;
use std::time::Instant;

use keepsake::account::{self, AccountBundle, DeviceKey};
use keepsake::kdf::KdfParams;
use keepsake::stream::{self, Sealer};
use keepsake::{
    AlbumBlob, AlbumId, AlbumKey, Error, FileOptions, MediaBlob, MediaId, MediaKey, MediaKind,
    RecoveryPhrase,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mib: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(256);
    let dir = tempfile::tempdir()?;
    println!("Keepsake demo in {}", dir.path().display());

    // Alice's account: passphrase and recovery slots, then this device enrolled.
    let start = Instant::now();
    let alice_new =
        account::create_account("alice: correct horse battery staple", &KdfParams::PHONE)?;
    println!(
        "account created in {:.2} s (Argon2id {} MiB x {} passes); recovery phrase has {} words",
        start.elapsed().as_secs_f64(),
        KdfParams::PHONE.memory_kib() / 1024,
        KdfParams::PHONE.iterations(),
        alice_new.recovery_phrase.words().split(' ').count()
    );
    let device = DeviceKey::generate()?;
    let (bundle, pin) = alice_new
        .keyring
        .enroll_device(&alice_new.bundle, &device.public_key())?;
    let stored = bundle.to_bytes();
    let bundle = AccountBundle::parse(&stored)?;
    let words = RecoveryPhrase::parse(alice_new.recovery_phrase.words())?;
    account::unlock_with_passphrase(&bundle, "alice: correct horse battery staple")?;
    account::unlock_with_recovery(&bundle, &words)?;
    let alice = account::unlock_with_device(&bundle, &device, &pin)?;
    println!(
        "unlocked by passphrase, by recovery phrase and by device key ({} bytes of bundle)",
        stored.len()
    );
    let err = refused(account::unlock_with_passphrase(
        &bundle,
        "alice: wrong guess",
    ))?;
    println!("wrong passphrase: refused ({err})");

    // An album at epoch 0, derived from Alice's root.
    let album = alice.album_key(AlbumId::random()?, 0);
    let album_name = album.seal_blob(AlbumBlob::Name, "Summer 2026".as_bytes())?;

    // A video-like file: a repeating frame pattern with a little noise.
    let video = dir.path().join("beach.mp4");
    let mut file = std::fs::File::create(&video)?;
    let mut frame = vec![0u8; 1 << 20];
    for i in 0..mib {
        for (j, b) in frame.iter_mut().enumerate() {
            *b = (j as u8).wrapping_mul(31) ^ (i as u8);
        }
        file.write_all(&frame)?;
    }
    drop(file);
    let size = (mib as u64) << 20;

    // One media item: a random media key, wrapped under the album key.
    let media_id = MediaId::random()?;
    let media_key = MediaKey::generate()?;
    let wrapped = album.wrap_media_key(&media_id, &media_key)?;
    let metadata = media_key.seal_blob(
        &media_id,
        MediaBlob::Metadata,
        br#"{"name":"beach.mp4","taken":"2026-07-14"}"#,
    )?;
    let thumbnail = stream::seal(&media_key, &media_id, MediaKind::Thumbnail, &frame[..4096])?;

    let sealed_path = dir.path().join("beach.ks");
    let mut last_percent = 0;
    let mut progress = |done: u64, total: u64| {
        let percent = done * 100 / total.max(1);
        if percent >= last_percent + 25 {
            println!("  sealing… {percent}%");
            last_percent = percent;
        }
        ControlFlow::Continue(())
    };
    let start = Instant::now();
    let sealed_size = keepsake::seal_file(
        &media_key,
        &media_id,
        MediaKind::Original,
        &video,
        &sealed_path,
        FileOptions::new().progress(&mut progress),
    )?;
    let seal_secs = start.elapsed().as_secs_f64();
    println!(
        "sealed {mib} MiB in {seal_secs:.2} s ({:.2} GB/s, file to file); overhead {} bytes",
        size as f64 / seal_secs / 1e9,
        sealed_size - size
    );

    // Another device: it has the album key, unwraps the media key, seeks, then opens all.
    let media_key2 = album.unwrap_media_key(&media_id, &wrapped)?;
    println!(
        "album name: {:?}",
        String::from_utf8(album.open_blob(AlbumBlob::Name, &album_name)?)?
    );
    println!(
        "metadata: {}",
        String::from_utf8(media_key2.open_blob(&media_id, MediaBlob::Metadata, &metadata)?)?
    );
    let thumb = stream::open(&media_key2, &media_id, MediaKind::Thumbnail, &thumbnail)?;
    assert_eq!(thumb, &frame[..4096]);

    let offset = size / 2 + 12_345;
    let header = stream::Header::parse(&std::fs::read(&sealed_path)?[..stream::HEADER_LEN])?;
    let plan = stream::RangePlan::new(&header, sealed_size, offset, 1 << 20)?;
    let mut source = std::fs::File::open(&sealed_path)?;
    let start = Instant::now();
    let part = stream::open_range(
        &media_key2,
        &media_id,
        MediaKind::Original,
        &mut source,
        offset,
        1 << 20,
    )?;
    println!(
        "seek to {offset}: 1 MiB opened in {:.1} ms by decrypting {} of {} chunks",
        start.elapsed().as_secs_f64() * 1e3,
        plan.chunk_count,
        size.div_ceil(header.chunk_size() as u64)
    );
    let expect_first = ((offset % (1 << 20)) as u8).wrapping_mul(31) ^ ((offset >> 20) as u8);
    assert_eq!(part[0], expect_first);

    let opened_path = dir.path().join("beach-opened.mp4");
    let start = Instant::now();
    keepsake::open_file(
        &media_key2,
        &media_id,
        MediaKind::Original,
        &sealed_path,
        &opened_path,
        FileOptions::new(),
    )?;
    let open_secs = start.elapsed().as_secs_f64();
    let same = std::fs::read(&opened_path)? == std::fs::read(&video)?;
    println!(
        "opened in {open_secs:.2} s ({:.2} GB/s); identical to the original: {same}",
        size as f64 / open_secs / 1e9
    );
    assert!(same);

    // What a malicious server can try.
    let sealed_bytes = std::fs::read(&sealed_path)?;
    let mut tampered = sealed_bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    let err = refused(stream::open(
        &media_key2,
        &media_id,
        MediaKind::Original,
        &tampered,
    ))?;
    println!("one flipped bit in the middle: refused ({err})");
    let err = refused(stream::open(
        &media_key2,
        &media_id,
        MediaKind::Original,
        &thumbnail,
    ))?;
    println!("thumbnail served as the original: refused ({err})");
    let last_chunk = header.chunk_size() + 16;
    let truncated = &sealed_bytes[..sealed_bytes.len() - last_chunk];
    let err = refused(stream::open(
        &media_key2,
        &media_id,
        MediaKind::Original,
        truncated,
    ))?;
    println!("last chunk dropped: refused ({err})");
    let other = AlbumKey::from_bytes(album.album_id(), 1, [7; 32]);
    let err = refused(other.unwrap_media_key(&media_id, &wrapped))?;
    println!("media key opened at another epoch: refused ({err})");

    // Share the album with Bob, who opens the video's thumbnail and a range of it.
    let bob = account::create_account("bob's passphrase", &KdfParams::FLOOR)?.keyring;
    println!(
        "Alice's safety number, to compare with Bob: {}",
        keepsake::sharing::fingerprint(&alice.identity_public_key())
    );
    let grant = alice.grant_album(&album, &bob.identity_public_key())?;
    let bobs_album = bob.accept_grant(
        &grant,
        &alice.identity_public_key(),
        Some((album.album_id(), 0)),
    )?;
    let bobs_key = bobs_album.unwrap_media_key(&media_id, &wrapped)?;
    let thumb = stream::open(&bobs_key, &media_id, MediaKind::Thumbnail, &thumbnail)?;
    assert_eq!(thumb, &frame[..4096]);
    println!(
        "Bob accepted a {}-byte grant and opened the thumbnail",
        grant.len()
    );
    let mallory = account::create_account("mallory", &KdfParams::FLOOR)?.keyring;
    let err = refused(bob.accept_grant(&grant, &mallory.identity_public_key(), None))?;
    println!("the grant claimed by another sender: refused ({err})");

    // Streaming, for data that never touches the disk.
    let mut sealer = Sealer::new(&media_key, &media_id, MediaKind::Sidecar, Vec::new())?;
    sealer.write_all(b"edit list v1")?;
    let sidecar = sealer.finish()?;
    let mut opener = stream::Opener::new(
        &media_key2,
        &media_id,
        MediaKind::Sidecar,
        Cursor::new(sidecar),
    )?;
    let mut edits = String::new();
    std::io::Read::read_to_string(&mut opener, &mut edits)?;
    println!("sidecar streamed through: {edits:?}");
    println!("all checks passed");
    Ok(())
}

/// The error an attack must produce; an attack that succeeds stops the demo.
fn refused<T>(result: keepsake::Result<T>) -> Result<Error, Box<dyn std::error::Error>> {
    match result {
        Ok(_) => Err("an attack was not refused".into()),
        Err(err) => Ok(err),
    }
}
