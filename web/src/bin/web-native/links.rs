//! `web-native links SITE`: the published link folders (SPEC.md 8.12) the browser tests and
//! the viewer read, under `SITE/l/<link id>/`, and `SITE/links.json` naming each link with
//! its fragment (test fixtures only: a real fragment is never written to a server).
//! `web-native review SITE LINK_ID`: opens every drop a guest uploaded to the collect link
//! with the album key (`open_drop`), checks its parts, and prints one line per drop.
//!
//! One album (owner: identity seed 10, album `a1..a1`, epoch 0, history = its genesis):
//! - `album`: photos `sunrise` and `lake`; `tampered` (thumbnail and original replaced by
//!   re-sealed other content under the same key: "content does not match"); `unsigned`
//!   (an item record without a manifest); `stranger` (signed by a non-member); `video`
//!   (4 MiB original in 16 KiB chunks, for seeking by HTTP range).
//! - `movie`: `movie`, a real WebM (web/www/movie.webm) in 4 KiB chunks, played through
//!   Media Source Extensions; `movie_cut`, the same with one ciphertext byte three quarters
//!   in flipped (playback stops at that chunk with the item's error).
//! - `password`: the two photos, password `correct horse`, Argon2id at the floor.
//! - `selection`: `sunrise`'s thumbnail and original, `lake`'s thumbnail.
//! - `collect`: an empty drop box.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use keepsake::account::Keyring;
use keepsake::history::{VerifiedHistory, verify_history};
use keepsake::kdf::KdfParams;
use keepsake::link::{self, LinkPassword, NewLink};
use keepsake::provenance::{ItemRecord, PartEntry};
use keepsake::selection::{SelectedItem, SelectedPart};
use keepsake::stream::{self, SealOptions};
use keepsake::{AlbumId, AlbumKey, MediaBlob, MediaId, MediaKey, MediaKind, hazmat};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const ALBUM: AlbumId = AlbumId::from_bytes([0xA1; 16]);
/// The password of the `password` link.
pub const PASSWORD: &str = "correct horse";

fn keyring(seed: u8) -> Keyring {
    hazmat::keyring_from_secrets(&[[seed; 32]], [seed.wrapping_add(1); 32])
}

/// An uncompressed 24-bit BMP (every browser shows it): a diagonal gradient from `a` to
/// `b`, a disc of `sun`.
fn bmp(width: u32, height: u32, a: [u8; 3], b: [u8; 3], sun: [u8; 3]) -> Vec<u8> {
    let row = (width * 3).div_ceil(4) * 4;
    let size = 54 + row * height;
    let mut out = Vec::with_capacity(size as usize);
    out.extend_from_slice(b"BM");
    for v in [size, 0, 54, 40] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(width as i32).to_le_bytes());
    out.extend_from_slice(&(height as i32).to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    for v in [0u32, row * height, 2835, 2835, 0, 0] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let (cx, cy, r) = (width as i64 * 2 / 3, height as i64 / 2, height as i64 / 5);
    for y in 0..height {
        for x in 0..width {
            let t = (x + y) * 255 / (width + height);
            let (dx, dy) = (x as i64 - cx, y as i64 - cy);
            let px: [u8; 3] = if dx * dx + dy * dy < r * r {
                sun
            } else {
                std::array::from_fn(|i| {
                    ((u32::from(a[i]) * (255 - t) + u32::from(b[i]) * t) / 255) as u8
                })
            };
            out.extend_from_slice(&[px[2], px[1], px[0]]); // BGR
        }
        out.resize(out.len() + (row - width * 3) as usize, 0);
    }
    out
}

/// A published item: its files, and what a selection needs.
struct Published {
    id: MediaId,
    key: MediaKey,
    original: Vec<u8>,
    thumbnail: Vec<u8>,
    record: Vec<u8>,
}

struct Album {
    owner: Keyring,
    album: AlbumKey,
    history: VerifiedHistory,
    genesis: Vec<u8>,
}

impl Album {
    fn head(&self) -> [u8; 32] {
        self.history.head().1
    }

    fn item(
        &self,
        name: &'static str,
        n: u8,
        original: &[u8],
        thumb: &[u8],
        log2: u8,
    ) -> Res<Published> {
        let id = MediaId::from_bytes([n; 16]);
        let key = MediaKey::from_bytes([n.wrapping_add(100); 32]);
        let options = SealOptions::new().with_chunk_size_log2(log2)?;
        let (original, orig) =
            stream::seal_part(&key, &id, MediaKind::Original, original, &options)?;
        let (thumbnail, th) = stream::seal_part(&key, &id, MediaKind::Thumbnail, thumb, &options)?;
        let entries: [PartEntry; 2] = [orig.entry(), th.entry()];
        let kind = match name {
            "video" => "video",
            "movie" | "movie_cut" => "video/webm",
            _ => "image/bmp",
        };
        let metadata = format!("{{\"title\":\"{name}\",\"type\":\"{kind}\"}}");
        let signer = match name {
            "stranger" => keyring(40),
            _ => keyring(10),
        };
        let mut record =
            signer.sign_item(&id, ALBUM, 0, &self.head(), &entries, metadata.as_bytes())?;
        if name == "unsigned" {
            record = ItemRecord::encode(None, metadata.as_bytes())?;
        }
        let (mut original, mut thumbnail) = (original, thumbnail);
        if name == "tampered" {
            // Re-sealed other content under the same key: each chunk authenticates, the
            // signed roots do not match.
            let other = |pt: &[u8]| pt.iter().map(|b| b ^ 0x55).collect::<Vec<u8>>();
            original = stream::seal_part(
                &key,
                &id,
                MediaKind::Original,
                &other(&stream::open(&key, &id, MediaKind::Original, &original)?),
                &options,
            )?
            .0;
            thumbnail =
                stream::seal_part(&key, &id, MediaKind::Thumbnail, &other(thumb), &options)?.0;
        }
        Ok(Published {
            id,
            key,
            original,
            thumbnail,
            record,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Writes one link folder: record, index, history, and per item the files `with_keys`
/// (album links) or only the parts (selection links).
fn publish(
    site: &Path,
    link: &NewLink,
    a: &Album,
    items: &[&Published],
    album_link: bool,
    thumbnail_only: Option<MediaId>,
) -> Res<String> {
    let dir = site.join("l").join(link.link_id.to_string());
    fs::create_dir_all(dir.join("drops"))?;
    fs::write(dir.join("record"), &link.record)?;
    let mut history = (a.genesis.len() as u32).to_be_bytes().to_vec();
    history.extend_from_slice(&a.genesis);
    fs::write(dir.join("history"), history)?;
    let mut index = Vec::new();
    for item in items {
        let at = dir.join("items").join(hex(item.id.as_bytes()));
        fs::create_dir_all(&at)?;
        fs::write(at.join("thumbnail"), &item.thumbnail)?;
        let original = thumbnail_only != Some(item.id);
        if original {
            fs::write(at.join("original"), &item.original)?;
        }
        if album_link {
            fs::write(at.join("key"), a.album.wrap_media_key(&item.id, &item.key)?)?;
            fs::write(
                at.join("metadata"),
                item.key
                    .seal_blob(&item.id, MediaBlob::Metadata, &item.record)?,
            )?;
        }
        let parts = match (album_link, original) {
            (true, _) => r#"["original","thumbnail","metadata"]"#,
            (false, true) => r#"["original","thumbnail"]"#,
            (false, false) => r#"["thumbnail"]"#,
        };
        index.push(format!(
            r#"{{"id":"{}","parts":{parts}}}"#,
            hex(item.id.as_bytes())
        ));
    }
    // A collect link has no index.json (SPEC.md 8.12).
    if !items.is_empty() {
        fs::write(
            dir.join("index.json"),
            format!(r#"{{"version":1,"items":[{}]}}"#, index.join(",")),
        )?;
    }
    Ok(format!(
        r#"{{"id":"{}","fragment":"{}"}}"#,
        link.link_id,
        &*link.fragment()
    ))
}

fn album() -> Res<Album> {
    let owner = keyring(10);
    let genesis = owner.create_album_history(ALBUM)?;
    let history = verify_history(&[&genesis], ALBUM, &owner.identity_public_key(), None)?;
    Ok(Album {
        album: owner.album_key(ALBUM, 0)?,
        owner,
        history,
        genesis,
    })
}

/// `web-native links SITE`.
pub fn links(site: &Path) -> Res<()> {
    let a = album()?;
    let _ = fs::remove_dir_all(site.join("l"));
    let sunrise = a.item(
        "sunrise",
        1,
        &bmp(640, 420, [249, 177, 110], [213, 87, 122], [255, 233, 168]),
        &bmp(160, 105, [249, 177, 110], [213, 87, 122], [255, 233, 168]),
        14,
    )?;
    let lake = a.item(
        "lake",
        2,
        &bmp(640, 420, [120, 190, 230], [30, 70, 140], [250, 250, 250]),
        &bmp(160, 105, [120, 190, 230], [30, 70, 140], [250, 250, 250]),
        14,
    )?;
    let tampered = a.item(
        "tampered",
        3,
        &bmp(640, 420, [140, 200, 120], [40, 90, 50], [250, 220, 90]),
        &bmp(160, 105, [140, 200, 120], [40, 90, 50], [250, 220, 90]),
        14,
    )?;
    let unsigned = a.item(
        "unsigned",
        4,
        b"unsigned original",
        &bmp(160, 105, [90, 90, 90], [20, 20, 20], [200, 0, 0]),
        12,
    )?;
    let stranger = a.item(
        "stranger",
        5,
        b"stranger original",
        &bmp(160, 105, [90, 90, 90], [20, 20, 20], [0, 0, 200]),
        12,
    )?;
    let video_plain: Vec<u8> = (0..4u32 << 20)
        .map(|i| (i.wrapping_mul(31) % 251) as u8)
        .collect();
    let video = a.item(
        "video",
        6,
        &video_plain,
        &bmp(160, 105, [40, 40, 60], [90, 40, 120], [240, 240, 240]),
        14,
    )?;
    // A real WebM (web/www/movie.webm, VP8, 2 s) in 4 KiB chunks, and the same with one
    // ciphertext byte three quarters in flipped: the viewer plays it through MSE chunk by
    // chunk, and must stop at that chunk.
    let movie_plain = include_bytes!("../../../www/movie.webm");
    let movie = a.item(
        "movie",
        7,
        movie_plain,
        &bmp(160, 105, [20, 60, 20], [40, 120, 40], [240, 240, 0]),
        12,
    )?;
    let mut movie_cut = a.item(
        "movie_cut",
        8,
        movie_plain,
        &bmp(160, 105, [60, 20, 20], [120, 40, 40], [240, 240, 0]),
        12,
    )?;
    let late = movie_cut.original.len() * 3 / 4;
    movie_cut.original[late] ^= 1;
    let owner = a.owner.identity_public_key();
    let head = a.head();

    let album_link = link::create_album_link(&a.album, &head, &owner, None)?;
    let all = [&sunrise, &lake, &tampered, &unsigned, &stranger, &video];
    let album_json = publish(site, &album_link, &a, &all, true, None)?;

    let password = LinkPassword {
        password: PASSWORD,
        params: KdfParams::FLOOR,
    };
    let pw_link = link::create_album_link(&a.album, &head, &owner, Some(&password))?;
    let pw_json = publish(site, &pw_link, &a, &[&sunrise, &lake], true, None)?;

    let manifest = |p: &Published| {
        ItemRecord::parse(&p.record)
            .ok()
            .and_then(|r| r.manifest().map(<[u8]>::to_vec))
    };
    let (m1, m2) = (manifest(&sunrise), manifest(&lake));
    let parts1 = [
        SelectedPart::Stream(&sunrise.thumbnail),
        SelectedPart::Stream(&sunrise.original),
    ];
    let parts2 = [SelectedPart::Stream(&lake.thumbnail)];
    let mut chosen = [
        SelectedItem {
            media_id: sunrise.id,
            epoch: 0,
            media_key: &sunrise.key,
            parts: &parts1,
            manifest: m1.as_deref(),
        },
        SelectedItem {
            media_id: lake.id,
            epoch: 0,
            media_key: &lake.key,
            parts: &parts2,
            manifest: m2.as_deref(),
        },
    ];
    chosen.sort_by_key(|i| i.media_id);
    let sel_link = link::create_selection_link(ALBUM, &head, 1_900_000_000, &owner, &chosen, None)?;
    // The selection grants only lake's thumbnail: its original is not published.
    let sel_json = publish(
        site,
        &sel_link,
        &a,
        &[&sunrise, &lake],
        false,
        Some(lake.id),
    )?;

    let collect_link = link::create_collect_link(&a.album, &head, &owner, None)?;
    let collect_json = publish(site, &collect_link, &a, &[], true, None)?;
    let movie_link = link::create_album_link(&a.album, &head, &owner, None)?;
    let movie_json = publish(site, &movie_link, &a, &[&movie, &movie_cut], true, None)?;

    fs::write(
        site.join("links.json"),
        format!(
            r#"{{"album":{album_json},"password":{pw_json},"password_text":"{PASSWORD}","selection":{sel_json},"collect":{collect_json},"movie":{movie_json},"ids":{{"sunrise":"{}","lake":"{}","tampered":"{}","unsigned":"{}","stranger":"{}","video":"{}","movie":"{}","movie_cut":"{}"}},"video_len":{},"movie_len":{}}}"#,
            hex(sunrise.id.as_bytes()),
            hex(lake.id.as_bytes()),
            hex(tampered.id.as_bytes()),
            hex(unsigned.id.as_bytes()),
            hex(stranger.id.as_bytes()),
            hex(video.id.as_bytes()),
            hex(movie.id.as_bytes()),
            hex(movie_cut.id.as_bytes()),
            video_plain.len(),
            movie_plain.len()
        ),
    )?;
    Ok(())
}

/// `web-native review SITE LINK_ID`: one line per drop, `drop <media id> from "<name>"
/// (<uploader fingerprint>): original <n> bytes, thumbnail <n> bytes`.
pub fn review(site: &Path, link_id: &str) -> Res<()> {
    let a = album()?;
    let drops = site.join("l").join(link_id).join("drops");
    let mut names: Vec<String> = fs::read_dir(&drops)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.len() == 32 && n.bytes().all(|c| c.is_ascii_hexdigit()))
        .collect();
    names.sort();
    for name in names {
        let opened = link::open_drop(&a.album, &fs::read(drops.join(&name))?)?;
        let original = opened.open_part(
            MediaKind::Original,
            &fs::read(drops.join(format!("{name}.original")))?,
        )?;
        let thumbnail = match fs::read(drops.join(format!("{name}.thumbnail"))) {
            Ok(sealed) => opened.open_part(MediaKind::Thumbnail, &sealed)?.len(),
            Err(_) => 0,
        };
        println!(
            "drop {name} from {:?} ({}): original {} bytes, thumbnail {thumbnail} bytes",
            opened.display_name(),
            opened.uploader_fingerprint(),
            original.len()
        );
    }
    Ok(())
}
