//! Step 7 of the demo: a print order. Alice shares the originals of three of ten photos
//! with a print service's identity (a selection grant, SPEC.md 5.11); the service accepts
//! it (sender fingerprint, expiry), opens the three, and is refused a fourth photo and the
//! thumbnail of one of the three.

use std::fs;
use std::path::Path;

use indicatif::ProgressBar;
use keepsake::identity::IdentityPublicKey;
use keepsake::kdf::KdfParams;
use keepsake::{AlbumKey, Zeroizing};

use super::{fail, io, refused, seal_photo, unlocked};
use crate::account::create_account;
use crate::album_history::AlbumHistory;
use crate::args::PartArg;
use crate::container::ContainerError;
use crate::error::CliResult;
use crate::open::{Dest, Histories, Keys, Part, open_one};
use crate::seal::Uploader;
use crate::unlock::{Secret, Unlocked};
use crate::{fsutil, outln, selection};

const SERVICE: &str = "the print service's passphrase";
const PHOTOS: usize = 10;
const ORDERED: usize = 3;

/// Photo `i`: 40 000 bytes of its own pattern.
fn photo(i: usize) -> Vec<u8> {
    (0..40_000u32)
        .map(|j| (j.wrapping_mul(7) as u8) ^ (i as u8).wrapping_mul(53))
        .collect()
}

fn not_in_selection(what: &str, err: &ContainerError) -> CliResult<()> {
    match err {
        ContainerError::Core {
            err: keepsake::Error::NotInSelection { .. },
            ..
        } => Ok(()),
        other => Err(fail(&format!(
            "{what}: refused for another reason: {other}"
        ))),
    }
}

/// Step 7.
pub(super) fn print_order(
    dir: &Path,
    alice: &Unlocked,
    alice_id: &IdentityPublicKey,
    album: &AlbumKey,
    verified: &mut Vec<String>,
) -> CliResult<()> {
    outln!("\n7. A print order: three of ten photos to a print service");
    let hidden = ProgressBar::hidden();
    let service_file = dir.join("print-service.account.json");
    let service_id = create_account(&service_file, SERVICE, &KdfParams::FLOOR)?.identity;
    let history = AlbumHistory::owned(alice, album.album_id(), None)?;
    let uploader = Uploader {
        keyring: &alice.keyring,
        history: history.entry_at_epoch(album.epoch())?,
    };
    let photos = (0..PHOTOS)
        .map(|i| {
            let bytes = photo(i);
            let name = format!("IMG_{i:04}.jpg");
            seal_photo(album, uploader, dir, &name, &bytes, Some(&bytes[..1024]))
        })
        .collect::<CliResult<Vec<_>>>()?;
    let keys = Keys::Account(&alice.keyring);
    let chosen = photos[..ORDERED]
        .iter()
        .map(|p| selection::choose(&keys, p, &[PartArg::Original]))
        .collect::<CliResult<Vec<_>>>()?;
    let now = selection::now();
    let grant = selection::grant(
        &alice.keyring,
        &service_id,
        &chosen,
        now + 7 * 24 * 3600,
        history.head(),
    )?;
    let grant_file = dir.join("print-order.grant");
    fsutil::write_atomic(&grant_file, &grant, false)?;
    outln!(
        "   Alice sealed {PHOTOS} photos (each with a thumbnail) and granted the originals of \
         {ORDERED} to the print service's identity: a {}-byte selection grant, one key per \
         original, no media or album key",
        grant.len()
    );

    let (service, _) = unlocked(
        &service_file,
        &Secret::Passphrase(Zeroizing::new(SERVICE.into())),
    )?;
    let bytes = selection::read_grant(&grant_file)?;
    let order = selection::accept_selection(&service.keyring, &grant_file, &bytes, alice_id)?;
    outln!("   the print service accepts it with Alice's identity; the print-order record:");
    for line in selection::record_lines(&order, now) {
        outln!("     {line}");
    }
    let service_keys = Keys::Selection(&order);
    // The service verifies each uploader against Alice's album history, sent with the order.
    let service_history = AlbumHistory::load(&history.path, album.album_id(), alice_id, None)?;
    let service_histories = Histories::Fixed(std::sync::Arc::new(service_history.verified));
    let mut uploaders = Vec::new();
    let out = dir.join("print-service");
    for (i, path) in photos[..ORDERED].iter().enumerate() {
        let opened = open_one(
            path,
            &service_keys,
            &service_histories,
            Part::Original,
            &Dest::Dir(out.clone()),
            false,
            &hidden,
        )
        .map_err(|e| fail(&format!("the print service opening photo {i}: {e}")))?;
        uploaders.extend(opened.uploader.clone());
        let got = opened.path.ok_or_else(|| fail("print service: no file"))?;
        if fs::read(&got).map_err(io(&got))? != photo(i) {
            return Err(fail("the print service opened different bytes"));
        }
    }
    outln!(
        "   it opened the {ORDERED} originals: identical bytes (named by media id: the metadata was not granted)"
    );
    let alice_fingerprint = keepsake::sharing::fingerprint(alice_id);
    if uploaders.len() != ORDERED || uploaders.iter().any(|u| *u != alice_fingerprint) {
        return Err(fail(
            "the print service did not verify Alice as the uploader",
        ));
    }
    outln!("   each one's uploader, verified against Alice's album history: {alice_fingerprint}");

    let fourth = refused(
        "the print service opening a fourth photo",
        open_one(
            &photos[ORDERED],
            &service_keys,
            &service_histories,
            Part::Original,
            &Dest::Dir(out.clone()),
            false,
            &hidden,
        ),
    )?;
    not_in_selection("the fourth photo", &fourth)?;
    let thumbnail = refused(
        "the print service opening a thumbnail",
        open_one(
            &photos[0],
            &service_keys,
            &service_histories,
            Part::Thumbnail,
            &Dest::Dir(out),
            false,
            &hidden,
        ),
    )?;
    not_in_selection("the thumbnail", &thumbnail)?;
    outln!("   a fourth photo, IMG_{ORDERED:04}.jpg: refused ({fourth})");
    outln!("   the thumbnail of IMG_0000.jpg, an ordered photo: refused ({thumbnail})");
    verified.push(format!(
        "a print order: the service opened exactly the {ORDERED} originals granted, and was refused another photo and another part of a granted one (NotInSelection)"
    ));
    Ok(())
}
