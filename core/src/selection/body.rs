//! The encrypted body of a selection grant (SPEC.md 5.11): per item, its ids, its part
//! keys and its manifest.
//!
//! ```text
//! item     = media id (16) || be64(epoch) || part count (1) || parts || be16(m) || manifest (m)
//! part     = kind (1) || stream header (88) || payload key (32)        kind 0..=3
//!          | kind (1) || envelope header (57) || envelope key (32)     kind 4 (metadata)
//! ```

use zeroize::Zeroizing;

use super::open::SelectionItem;
use super::{
    MAX_SELECTION_ITEMS, MAX_SELECTION_PARTS, SelectedItem, SelectedPart, SelectionInfo, malformed,
};
use crate::envelope::{ENVELOPE_HEADER_LEN, ENVELOPE_VERSION, EnvelopePartKey};
use crate::provenance::{MANIFEST_MAX_LEN, Manifest, PartKind, parse_manifest};
use crate::stream::{HEADER_LEN, Header, StreamPartKey};
use crate::{AlbumId, Error, KEY_LEN, MediaId, Result};

/// One part's entry as written: its kind byte, then its header and key.
struct PartBytes {
    kind: u8,
    bytes: Zeroizing<Vec<u8>>,
}

fn part_bytes(item: &SelectedItem<'_>, part: &SelectedPart<'_>) -> Result<PartBytes> {
    match part {
        SelectedPart::Stream(sealed) => {
            let key = StreamPartKey::derive(item.media_key, sealed)?;
            let header = Header::parse(key.header())?;
            if header.media_id() != item.media_id {
                return Err(malformed("a part of another item"));
            }
            let bytes = Zeroizing::new([&key.header()[..], &key.payload_key()[..]].concat());
            Ok(PartBytes {
                kind: header.kind().to_byte(),
                bytes,
            })
        }
        SelectedPart::Metadata(envelope) => {
            let key = EnvelopePartKey::derive(item.media_key, &item.media_id, envelope)?;
            let bytes = Zeroizing::new([&key.header()[..], &key.key()[..]].concat());
            Ok(PartBytes {
                kind: PartKind::Metadata.to_byte(),
                bytes,
            })
        }
    }
}

fn check_manifest(
    manifest: &Manifest,
    media_id: &MediaId,
    album_id: AlbumId,
    epoch: u64,
) -> Result<()> {
    if manifest.media_id() != *media_id
        || manifest.album_id() != album_id
        || manifest.epoch() != epoch
    {
        return Err(Error::ProvenanceWrongItem);
    }
    Ok(())
}

/// Encodes the body, items sorted by media id and parts by kind.
pub(crate) fn encode(album_id: AlbumId, items: &[SelectedItem<'_>]) -> Result<Zeroizing<Vec<u8>>> {
    if items.is_empty() {
        return Err(malformed("no items"));
    }
    if items.len() > MAX_SELECTION_ITEMS {
        return Err(Error::TooLarge {
            what: "selection items",
            len: items.len() as u64,
            max: MAX_SELECTION_ITEMS as u64,
        });
    }
    let mut order: Vec<&SelectedItem<'_>> = items.iter().collect();
    order.sort_by_key(|item| item.media_id);
    if order.windows(2).any(|w| w[0].media_id == w[1].media_id) {
        return Err(malformed("a duplicate media id"));
    }
    let mut out = Zeroizing::new(Vec::new());
    for item in order {
        if item.parts.is_empty() {
            return Err(malformed("an item with no part"));
        }
        if item.parts.len() > MAX_SELECTION_PARTS {
            return Err(Error::TooLarge {
                what: "selection parts of one item",
                len: item.parts.len() as u64,
                max: MAX_SELECTION_PARTS as u64,
            });
        }
        let mut parts = item
            .parts
            .iter()
            .map(|part| part_bytes(item, part))
            .collect::<Result<Vec<_>>>()?;
        parts.sort_by_key(|part| part.kind);
        if parts.windows(2).any(|w| w[0].kind == w[1].kind) {
            return Err(malformed("two parts of one kind"));
        }
        let manifest = item.manifest.unwrap_or_default();
        if item.manifest.is_some() {
            check_manifest(
                &parse_manifest(manifest)?,
                &item.media_id,
                album_id,
                item.epoch,
            )?;
        }
        out.extend_from_slice(item.media_id.as_bytes());
        out.extend_from_slice(&item.epoch.to_be_bytes());
        out.push(parts.len() as u8);
        for part in &parts {
            out.push(part.kind);
            out.extend_from_slice(&part.bytes);
        }
        // parse_manifest refused anything longer than MANIFEST_MAX_LEN.
        out.extend_from_slice(&(manifest.len() as u16).to_be_bytes());
        out.extend_from_slice(manifest);
    }
    Ok(out)
}

/// Reads the body front to back; every length is checked before it is used.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, len: usize, reason: &'static str) -> Result<&'a [u8]> {
        if self.0.len() < len {
            return Err(malformed(reason));
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, reason: &'static str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, reason)?);
        Ok(out)
    }
}

/// Parses and checks the opened body of a grant whose header is `info` (SPEC.md 5.11,
/// step 9).
pub(crate) fn parse(body: &[u8], info: &SelectionInfo) -> Result<Vec<SelectionItem>> {
    let mut cursor = Cursor(body);
    // item_count is at most MAX_SELECTION_ITEMS (inspect_selection).
    let mut items: Vec<SelectionItem> = Vec::with_capacity(info.item_count);
    for _ in 0..info.item_count {
        let media_id = MediaId::from_bytes(cursor.array("item cut short")?);
        if items.last().is_some_and(|prev| prev.media_id() >= media_id) {
            return Err(malformed("media ids not strictly increasing"));
        }
        let epoch = u64::from_be_bytes(cursor.array("item cut short")?);
        let [count] = cursor.array("item cut short")?;
        if count == 0 || usize::from(count) > MAX_SELECTION_PARTS {
            return Err(malformed("part count"));
        }
        let mut item = SelectionItem::new(media_id, epoch);
        let mut previous: Option<u8> = None;
        for _ in 0..count {
            let [kind] = cursor.array("part cut short")?;
            if previous.is_some_and(|p| p >= kind) {
                return Err(malformed("part kinds not strictly increasing"));
            }
            previous = Some(kind);
            match PartKind::from_byte(kind).map_err(|_| malformed("unknown part kind"))? {
                PartKind::Media(media_kind) => {
                    let header: [u8; HEADER_LEN] = cursor.array("part cut short")?;
                    let key = Zeroizing::new(cursor.array::<KEY_LEN>("part cut short")?);
                    let parsed = Header::parse(&header).map_err(|_| malformed("part header"))?;
                    if parsed.media_id() != media_id || parsed.kind() != media_kind {
                        return Err(malformed("a part header names another part"));
                    }
                    item.add_stream(media_kind, StreamPartKey::new(header, key));
                }
                PartKind::Metadata => {
                    let header: [u8; ENVELOPE_HEADER_LEN] = cursor.array("part cut short")?;
                    let key = Zeroizing::new(cursor.array::<KEY_LEN>("part cut short")?);
                    if header[0] != ENVELOPE_VERSION {
                        return Err(malformed("part header"));
                    }
                    item.set_metadata(EnvelopePartKey::new(header, key));
                }
            }
        }
        let m = usize::from(u16::from_be_bytes(cursor.array("item cut short")?));
        if m > MANIFEST_MAX_LEN {
            return Err(malformed("manifest length"));
        }
        if m > 0 {
            let manifest = parse_manifest(cursor.take(m, "manifest cut short")?)?;
            check_manifest(&manifest, &media_id, info.album_id, epoch)?;
            if !manifest.signature_verifies() {
                return Err(Error::ProvenanceBadSignature);
            }
            item.set_manifest(manifest);
        }
        items.push(item);
    }
    if !cursor.0.is_empty() {
        return Err(malformed("bytes after the last item"));
    }
    Ok(items)
}
