//! Link vectors (SPEC.md 5.13): album, selection and collect links from fixed identities,
//! link ids, secrets, salts and nonces; drops from fixed throwaway identities and X-Wing
//! randomness; and refused records and drops.

use keepsake::account::Keyring;
use keepsake::history::verify_history;
use keepsake::kdf::KdfParams;
use keepsake::link::{
    self, LinkDraws, LinkPassword, NewLink, OpenedLink, RECORD_HEADER_LEN, open_link,
};
use keepsake::provenance::ItemRecord;
use keepsake::selection::{SelectedItem, SelectedPart};
use keepsake::stream::SealOptions;
use keepsake::{AlbumId, AlbumKey, MediaId, MediaKey, MediaKind, hazmat};
use keepsake_tests::link_vectors::{DropVector, LinkRefusal, LinkVector};
use keepsake_tests::{array, error_name, pattern};

const ALBUM: AlbumId = AlbumId::from_bytes([0xA1; 16]);
const ORIGIN: &str = "https://keepsake.example";
const OWNER_ROOT: u8 = 1;
const OWNER_IDENTITY: u8 = 2;

fn owner() -> Keyring {
    hazmat::keyring_from_secrets(&[array(OWNER_ROOT)], array(OWNER_IDENTITY))
}

fn history(owner: &Keyring) -> [u8; 32] {
    let genesis = owner.create_album_history(ALBUM).unwrap();
    verify_history(&[genesis], ALBUM, &owner.identity_public_key(), None)
        .unwrap()
        .head()
        .1
}

fn draws(seed: u8) -> LinkDraws {
    LinkDraws {
        link_id: array(seed),
        secret: array(seed.wrapping_add(1)),
        salt: array(seed.wrapping_add(2)),
        nonce: array(seed.wrapping_add(3)),
    }
}

fn header_len(password: bool) -> usize {
    RECORD_HEADER_LEN
        + if password {
            link::PASSWORD_PARAMS_LEN
        } else {
            0
        }
}

/// The vector's fields common to every kind.
fn base(
    comment: &str,
    kind: &str,
    seed: u8,
    link: &NewLink,
    password: Option<&LinkPassword<'_>>,
    album: &AlbumKey,
    history: &[u8; 32],
) -> LinkVector {
    let d = draws(seed);
    let (password_key, link_key) =
        hazmat::link_key_schedule(&d.secret, &link.record, password.map(|p| p.password)).unwrap();
    let header = &link.record[..header_len(password.is_some())];
    let start = header.len() + 24;
    // Decrypt with the recorded key to record the payload (the test recomputes both).
    let payload = payload_of(
        &link_key,
        &link.record[header.len()..start],
        header,
        &link.record[start..],
    );
    LinkVector {
        comment: comment.to_string(),
        kind: kind.to_string(),
        link_id: hex::encode(d.link_id),
        secret: hex::encode(d.secret),
        nonce: hex::encode(d.nonce),
        password: password.map(|p| p.password.to_string()),
        salt: password.map(|_| hex::encode(d.salt)),
        kdf: password.map(|p| {
            [
                p.params.memory_kib(),
                p.params.iterations(),
                p.params.parallelism(),
            ]
        }),
        password_key: password_key.map(hex::encode),
        fragment: link.fragment().to_string(),
        url: link.url(ORIGIN).to_string(),
        header: hex::encode(header),
        link_key: hex::encode(link_key),
        payload: hex::encode(payload),
        record: hex::encode(&link.record),
        album_id: hex::encode(ALBUM.as_bytes()),
        epoch: album.epoch(),
        album_key: hex::encode(hazmat::album_key_bytes(album)),
        history: hex::encode(history),
        owner_identity_secret: hex::encode(array::<32>(OWNER_IDENTITY)),
        expires_at: None,
        item_count: None,
        body: None,
        drop_seed: None,
        drops: Vec::new(),
        refusals: Vec::new(),
    }
}

fn payload_of(key: &[u8; 32], nonce: &[u8], header: &[u8], sealed: &[u8]) -> Vec<u8> {
    use chacha20poly1305::aead::inout::InOutBuf;
    use chacha20poly1305::{AeadInOut, KeyInit, XChaCha20Poly1305};
    let (body, tag) = sealed.split_at(sealed.len() - 16);
    let mut out = vec![0u8; body.len()];
    XChaCha20Poly1305::new(key.into())
        .decrypt_inout_detached(
            nonce.try_into().unwrap(),
            header,
            InOutBuf::new(body, &mut out).unwrap(),
            tag.try_into().unwrap(),
        )
        .unwrap();
    out
}

fn record_refusal(
    v: &LinkVector,
    link: &NewLink,
    comment: &str,
    bytes: Vec<u8>,
    fragment: Option<String>,
    password: Option<&str>,
) -> LinkRefusal {
    let fragment_used = fragment.clone().unwrap_or_else(|| v.fragment.clone());
    let address = link::parse_fragment(link.link_id, &fragment_used).unwrap();
    let error = open_link(&address, &bytes, password).unwrap_err();
    LinkRefusal {
        comment: comment.to_string(),
        target: "record".to_string(),
        bytes: hex::encode(bytes),
        fragment,
        password: password.map(str::to_string),
        album_id: None,
        epoch: None,
        error: error_name(&error).to_string(),
    }
}

fn album_vectors(owner: &Keyring, history: &[u8; 32]) -> Vec<LinkVector> {
    let album = owner.album_key(ALBUM, 0).unwrap();
    let identity = owner.identity_public_key();
    let other = hazmat::epoch_link_with(
        link::KIND_ALBUM,
        &album,
        history,
        &identity,
        None,
        &draws(90),
    )
    .unwrap();

    let plain = hazmat::epoch_link_with(
        link::KIND_ALBUM,
        &album,
        history,
        &identity,
        None,
        &draws(10),
    )
    .unwrap();
    let mut v = base(
        "an album link, no password",
        "album",
        10,
        &plain,
        None,
        &album,
        history,
    );
    let mut swapped = other.record.clone();
    v.refusals.push(record_refusal(
        &v,
        &plain,
        "the record of another link",
        swapped.clone(),
        None,
        None,
    ));
    swapped[3..19].copy_from_slice(plain.link_id.as_bytes());
    v.refusals.push(record_refusal(
        &v,
        &plain,
        "another link's record, its link id rewritten",
        swapped,
        None,
        None,
    ));
    v.refusals.push(record_refusal(
        &v,
        &plain,
        "the fragment of another link",
        plain.record.clone(),
        Some(other.fragment().to_string()),
        None,
    ));
    let mut kind = plain.record.clone();
    kind[1] = link::KIND_COLLECT;
    v.refusals.push(record_refusal(
        &v,
        &plain,
        "kind changed to collect",
        kind,
        None,
        None,
    ));
    let mut flipped = plain.record.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    v.refusals.push(record_refusal(
        &v,
        &plain,
        "tag altered",
        flipped,
        None,
        None,
    ));
    v.refusals.push(record_refusal(
        &v,
        &plain,
        "cut inside the nonce",
        plain.record[..30].to_vec(),
        None,
        None,
    ));
    let mut version = plain.record.clone();
    version[0] = 2;
    v.refusals
        .push(record_refusal(&v, &plain, "version 2", version, None, None));

    let password = LinkPassword {
        password: "caf\u{e9} au lait",
        params: KdfParams::FLOOR,
    };
    let locked = hazmat::epoch_link_with(
        link::KIND_ALBUM,
        &album,
        history,
        &identity,
        Some(&password),
        &draws(20),
    )
    .unwrap();
    let mut w = base(
        "an album link with a password (Argon2id at the floor; the password in NFC)",
        "album",
        20,
        &locked,
        Some(&password),
        &album,
        history,
    );
    w.refusals.push(record_refusal(
        &w,
        &locked,
        "no password",
        locked.record.clone(),
        None,
        None,
    ));
    w.refusals.push(record_refusal(
        &w,
        &locked,
        "a wrong password",
        locked.record.clone(),
        None,
        Some("cafe au lait"),
    ));
    let at = RECORD_HEADER_LEN;
    for (offset, value, comment) in [
        (at, 1024u32, "memory below the floor"),
        (at + 4, 1, "one pass"),
        (at, u32::MAX, "memory above the ceiling"),
        (at + 8, 9, "nine lanes"),
    ] {
        let mut record = locked.record.clone();
        record[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
        w.refusals.push(record_refusal(
            &w,
            &locked,
            comment,
            record,
            None,
            Some(password.password),
        ));
    }
    let unlocked_fragment = hazmat::epoch_link_with(
        link::KIND_ALBUM,
        &album,
        history,
        &identity,
        None,
        &draws(20),
    )
    .unwrap();
    w.refusals.push(record_refusal(
        &w,
        &locked,
        "a fragment without the password flag",
        locked.record.clone(),
        Some(unlocked_fragment.fragment().to_string()),
        Some(password.password),
    ));
    vec![v, w]
}

fn selection_vector(owner: &Keyring, history: &[u8; 32]) -> LinkVector {
    let album = owner.album_key(ALBUM, 0).unwrap();
    let id = MediaId::from_bytes(array(40));
    let key = MediaKey::from_bytes(array(41));
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    let (thumbnail, thumb) = hazmat::seal_part_with_salt(
        &key,
        &id,
        MediaKind::Thumbnail,
        &pattern(42, 300),
        &options,
        array(43),
    );
    let record = owner
        .sign_item(&id, ALBUM, 0, history, &[thumb.entry()], b"{}")
        .unwrap();
    let manifest = ItemRecord::parse(&record)
        .unwrap()
        .manifest()
        .unwrap()
        .to_vec();
    let parts = [SelectedPart::Stream(&thumbnail)];
    let items = [SelectedItem {
        media_id: id,
        epoch: 0,
        media_key: &key,
        parts: &parts,
        manifest: Some(&manifest),
    }];
    let expires = 1_900_000_000;
    let identity = owner.identity_public_key();
    let link =
        hazmat::selection_link_with(ALBUM, history, expires, &identity, &items, None, &draws(30))
            .unwrap();
    let mut v = base(
        "a selection link: one thumbnail of one signed item",
        "selection",
        30,
        &link,
        None,
        &album,
        history,
    );
    let payload = hex::decode(&v.payload).unwrap();
    v.expires_at = Some(expires);
    v.item_count = Some(1);
    v.body = Some(hex::encode(&payload[link::SELECTION_PAYLOAD_FIXED_LEN..]));
    let OpenedLink::Selection(opened) = open_link(&link.address(), &link.record, None).unwrap()
    else {
        unreachable!()
    };
    assert_eq!(
        opened
            .selection()
            .open_part(&id, MediaKind::Thumbnail, &thumbnail)
            .unwrap(),
        pattern(42, 300)
    );
    v
}

fn collect_vector(owner: &Keyring, history: &[u8; 32]) -> LinkVector {
    let album = owner.album_key(ALBUM, 0).unwrap();
    let identity = owner.identity_public_key();
    let link = hazmat::epoch_link_with(
        link::KIND_COLLECT,
        &album,
        history,
        &identity,
        None,
        &draws(50),
    )
    .unwrap();
    let mut v = base(
        "a collect link and two drops",
        "collect",
        50,
        &link,
        None,
        &album,
        history,
    );
    let OpenedLink::Collect(guest) = open_link(&link.address(), &link.record, None).unwrap() else {
        unreachable!()
    };
    v.drop_seed = Some(hex::encode(hazmat::drop_seed(&album)));
    let options = SealOptions::new().with_chunk_size_log2(8).unwrap();
    for (n, name) in [(60u8, "Grandma Rose"), (70, "Łukasz 🎉")] {
        let id = MediaId::from_bytes(array(n));
        let key = MediaKey::from_bytes(array(n + 1));
        let plaintext = pattern(n + 2, 400);
        let (thumbnail, thumb) = hazmat::seal_part_with_salt(
            &key,
            &id,
            MediaKind::Thumbnail,
            &plaintext,
            &options,
            array(n + 3),
        );
        let drop = hazmat::seal_drop_with(
            &guest,
            &id,
            &key,
            name,
            &[thumb.entry()],
            b"{\"caption\":\"the lake\"}",
            &array(n + 4),
            &array(n + 5),
        )
        .unwrap();
        let opened = link::open_drop(&album, &drop).unwrap();
        let record =
            ItemRecord::encode(Some(&opened.manifest().to_bytes()), opened.metadata()).unwrap();
        let mut pt = hazmat::media_key_bytes(&key).to_vec();
        pt.push(name.len() as u8);
        pt.extend_from_slice(name.as_bytes());
        pt.extend_from_slice(&record);
        v.drops.push(DropVector {
            media_id: hex::encode(id.as_bytes()),
            media_key: hex::encode(hazmat::media_key_bytes(&key)),
            display_name: name.to_string(),
            throwaway_secret: hex::encode(array::<32>(n + 4)),
            eseed: hex::encode(array::<64>(n + 5)),
            thumbnail: hex::encode(&thumbnail),
            thumbnail_plaintext: hex::encode(&plaintext),
            record: hex::encode(&record),
            header: hex::encode(&drop[..link::DROP_HEADER_LEN]),
            plaintext: hex::encode(&pt),
            drop: hex::encode(&drop),
            fingerprint: opened.uploader_fingerprint(),
        });
    }
    let first = hex::decode(&v.drops[0].drop).unwrap();
    let second = hex::decode(&v.drops[1].drop).unwrap();
    let moved = owner.remove_member(&album, &[], history).unwrap().album;
    let mut drop_refusal = |comment: &str, bytes: Vec<u8>, key: &AlbumKey| {
        let error = link::open_drop(key, &bytes).unwrap_err();
        v.refusals.push(LinkRefusal {
            comment: comment.to_string(),
            target: "drop".to_string(),
            bytes: hex::encode(bytes),
            fragment: None,
            password: None,
            album_id: Some(hex::encode(key.album_id().as_bytes())),
            epoch: Some(key.epoch()),
            error: error_name(&error).to_string(),
        });
    };
    let other = owner.album_key(AlbumId::from_bytes([0xB2; 16]), 0).unwrap();
    drop_refusal("opened with another album's key", first.clone(), &other);
    drop_refusal(
        "opened with the album's key of a later epoch",
        first.clone(),
        &moved,
    );
    let mut renamed = first.clone();
    renamed[18..34].copy_from_slice(&[0xB2; 16]);
    drop_refusal("header rewritten to another album", renamed, &other);
    let mut bad_sig = first.clone();
    let last = bad_sig.len() - 1;
    bad_sig[last] ^= 1;
    drop_refusal("signature altered", bad_sig, &album);
    let mut spliced = second[..second.len() - 64].to_vec();
    spliced.extend_from_slice(&first[first.len() - 64..]);
    drop_refusal(
        "the second drop with the first one's signature",
        spliced,
        &album,
    );
    let mut flipped = first.clone();
    flipped[link::DROP_HEADER_LEN + 1200] ^= 1;
    drop_refusal("ciphertext altered", flipped, &album);
    drop_refusal("cut short", first[..100].to_vec(), &album);
    v
}

pub fn vectors() -> Vec<LinkVector> {
    let owner = owner();
    let history = history(&owner);
    let mut out = album_vectors(&owner, &history);
    out.push(selection_vector(&owner, &history));
    out.push(collect_vector(&owner, &history));
    out
}
