"""SCENARIO.md section 9 (issue 17): public and collect links.

link-v1.json checked through the bindings (every outcome the API reaches: URL and fragment
parsing, the record's header, what each record opens to, each drop opened and reviewed, and
every refusal), then round trips: an album link with and without a password, a record
swapped between links, a selection link, and a collect link whose drop a guest seals and the
owner opens, accepts and cannot replay into another album. `link_values` gives
test_secrets.py one value of every link type and the secrets they hold.
"""

import base64
from typing import Any

import pytest

import keepsake
from keepsake import AlbumBlob, AlbumKey, LinkKind, MediaBlob, MediaKey, MediaKind, OpenedLink
from helpers import load_vectors, raises, unhex

FLOOR = keepsake.kdf_profile(keepsake.KdfProfile.FLOOR)
ORIGIN = "https://keepsake.example"
VECTORS = load_vectors("link-v1.json")
KINDS = {"album": LinkKind.ALBUM, "selection": LinkKind.SELECTION, "collect": LinkKind.COLLECT}
IDENTITY_LEN = 1248


def test_the_vector_file_has_every_case() -> None:
    assert len(VECTORS) == 4
    assert sorted(v["kind"] for v in VECTORS) == ["album", "album", "collect", "selection"]
    assert sum(len(v["refusals"]) for v in VECTORS) == 21
    assert sum(len(v.get("drops", [])) for v in VECTORS) == 2


def _opens_with(album: AlbumKey, album_id: bytes, epoch: int, key: bytes) -> None:
    """`album` is the key `key` of `album_id` at `epoch`: each opens what the other seals."""
    assert album.album_id() == album_id and album.epoch() == epoch
    reference = AlbumKey.from_secret_bytes(album_id, epoch, key)
    assert album.open_blob(AlbumBlob.NAME, reference.seal_blob(AlbumBlob.NAME, b"name")) == b"name"
    assert reference.open_blob(AlbumBlob.METADATA, album.seal_blob(AlbumBlob.METADATA, b"m")) == b"m"


@pytest.mark.parametrize("v", [pytest.param(v, id=v["comment"]) for v in VECTORS])
def test_link_vectors(v: dict[str, Any]) -> None:
    link_id, record, payload = unhex(v["link_id"]), unhex(v["record"]), unhex(v["payload"])
    album_id, epoch, history = unhex(v["album_id"]), int(v["epoch"]), unhex(v["history"])
    password: str | None = v.get("password")
    # The URL and the fragment: the id, the flag; the URL is origin /l/ id # fragment.
    assert v["url"] == f"{ORIGIN}/l/{v['link_id']}#{v['fragment']}"
    fragment_bytes = base64.urlsafe_b64decode(v["fragment"] + "==")
    assert fragment_bytes == bytes([1, 1 if password else 0]) + unhex(v["secret"])
    for address in (
        keepsake.parse_link_url(v["url"]),
        keepsake.parse_link_fragment(link_id, v["fragment"]),
    ):
        assert address.link_id() == link_id
        assert address.needs_password() == (password is not None)
    # The record: header || nonce || sealed payload; the header read with no key.
    header = unhex(v["header"])
    assert record[: len(header)] == header and record[len(header) : len(header) + 24] == unhex(v["nonce"])
    assert len(record) == len(header) + 24 + len(payload) + 16
    info = keepsake.inspect_link_record(record)
    assert info.kind == KINDS[v["kind"]] and info.link_id == link_id
    kdf = v.get("kdf")
    assert info.password == (
        keepsake.KdfParams(memory_kib=kdf[0], iterations=kdf[1], parallelism=kdf[2]) if kdf else None
    )
    # What it opens to.
    opened = keepsake.open_link(keepsake.parse_link_url(v["url"]), record, password)
    if v["kind"] == "album":
        assert isinstance(opened, OpenedLink.ALBUM)
        assert payload[24:56] == unhex(v["album_key"])
        _opens_with(opened.album, album_id, epoch, unhex(v["album_key"]))
        assert opened.history_entry == history and payload[56:88] == history
        assert opened.owner == payload[88:] and len(opened.owner) == IDENTITY_LEN
    elif v["kind"] == "selection":
        assert isinstance(opened, OpenedLink.SELECTION)
        assert opened.history_entry == history
        owner = payload[56 : 56 + IDENTITY_LEN]
        assert opened.owner == owner and opened.selection.sender() == owner
        sel = opened.selection.info()
        assert sel.album_id == album_id and sel.selection_id == link_id
        assert sel.expires_at == int(v["expires_at"]) and sel.item_count == int(v["item_count"])
        assert sel.history_entry == history and sel.recipient_identity_digest == bytes(32)
        assert sel.sender_identity_digest == keepsake.identity_digest(owner)
        items = opened.selection.items()
        assert len(items) == int(v["item_count"]) == 1
        assert items[0].media_id == unhex(v["body"])[:16] and items[0].epoch == epoch
        assert items[0].parts == [keepsake.PartKind.THUMBNAIL] and items[0].signed
        assert payload.endswith(unhex(v["body"]))
    else:
        assert isinstance(opened, OpenedLink.COLLECT)
        link = opened.link
        assert link.link_id() == link_id and link.album_id() == album_id and link.epoch() == epoch
        assert link.history_entry() == history
        assert link.owner() == payload[56 : 56 + IDENTITY_LEN]
        assert link.drop_key() == payload[56 + IDENTITY_LEN :] and len(link.drop_key()) == 1216
        _check_drops(v)
    _check_refusals(v)


def _check_drops(v: dict[str, Any]) -> None:
    album_id, epoch = unhex(v["album_id"]), int(v["epoch"])
    album = AlbumKey.from_secret_bytes(album_id, epoch, unhex(v["album_key"]))
    owner = keepsake.create_account("owner", FLOOR).keyring
    fingerprints = set()
    for d in v["drops"]:
        media_id, thumbnail = unhex(d["media_id"]), unhex(d["thumbnail"])
        drop = unhex(d["drop"])
        assert drop.startswith(unhex(d["header"]))
        opened = keepsake.open_drop(album, drop)
        assert opened.link_id() == unhex(v["link_id"]) and opened.media_id() == media_id
        assert opened.album_id() == album_id and opened.epoch() == epoch
        assert opened.display_name() == d["display_name"]
        assert opened.uploader_fingerprint() == d["fingerprint"]
        assert keepsake.fingerprint(opened.uploader()) == d["fingerprint"]
        assert opened.metadata() == keepsake.parse_item_record(unhex(d["record"])).metadata
        assert keepsake.PartKind.THUMBNAIL in [p.kind for p in opened.parts()]
        assert opened.verify_part(MediaKind.THUMBNAIL, thumbnail).root in [p.root for p in opened.parts()]
        assert opened.open_part(MediaKind.THUMBNAIL, thumbnail) == unhex(d["thumbnail_plaintext"])
        # The plaintext the drop carries starts with the media key: it opens the part.
        key = MediaKey.from_secret_bytes(unhex(d["media_key"]))
        assert unhex(d["plaintext"]).startswith(unhex(d["media_key"]))
        assert key.open(media_id, MediaKind.THUMBNAIL, thumbnail) == unhex(d["thumbnail_plaintext"])
        # Accepted by an owner: the wrapped key opens the part, the envelope a signed record.
        accepted = owner.accept_drop(album, opened, unhex(v["history"]))
        assert accepted.media_id == media_id and accepted.epoch == epoch
        unwrapped = album.unwrap_media_key(media_id, accepted.wrapped_media_key)
        assert unwrapped.open(media_id, MediaKind.THUMBNAIL, thumbnail) == unhex(d["thumbnail_plaintext"])
        signed = unwrapped.open_blob(media_id, MediaBlob.METADATA, accepted.metadata_envelope)
        assert keepsake.parse_item_record(signed).manifest is not None
        fingerprints.add(opened.uploader_fingerprint())
    assert len(fingerprints) == len(v["drops"]), "each drop has its own throwaway key"


def _check_refusals(v: dict[str, Any]) -> None:
    for r in v["refusals"]:
        if r["target"] == "record":
            fragment = r.get("fragment", v["fragment"])
            with raises(r["error"]):
                address = keepsake.parse_link_fragment(unhex(v["link_id"]), fragment)
                keepsake.open_link(address, unhex(r["bytes"]), r.get("password"))
        else:
            assert r["target"] == "drop", r["comment"]
            # The vector's key bytes under the refusal's album id and epoch: the album and
            # epoch are checked before any key is used; another album's key fails as HPKE.
            album = AlbumKey.from_secret_bytes(unhex(r["album_id"]), int(r["epoch"]), unhex(v["album_key"]))
            with raises(r["error"]):
                keepsake.open_drop(album, unhex(r["bytes"]))


# ---------------------------------------------------------------------------------------
# Round trips.


class Owner:
    """Alice, an album at her current epoch, its history, and an item sealed under it."""

    def __init__(self) -> None:
        self.keyring = keepsake.create_account("alice", FLOOR).keyring
        self.identity = self.keyring.identity_public_key()
        self.album_id = keepsake.new_album_id()
        self.album = self.keyring.album_key(self.album_id, self.keyring.current_epoch())
        genesis = self.keyring.create_album_history(self.album_id)
        self.history = keepsake.verify_history([genesis], self.album_id, self.identity)
        self.head = self.history.head_hash()
        self.media_id = keepsake.new_media_id()
        self.media = MediaKey.generate()
        self.wrapped = self.album.wrap_media_key(self.media_id, self.media)
        self.photo = bytes(i * 31 % 251 for i in range(70_000))
        self.sealed = self.media.seal(self.media_id, MediaKind.ORIGINAL, self.photo)

    def opens_item(self, album: AlbumKey) -> bool:
        media = album.unwrap_media_key(self.media_id, self.wrapped)
        return media.open(self.media_id, MediaKind.ORIGINAL, self.sealed) == self.photo


@pytest.fixture(scope="module")
def alice() -> Owner:
    return Owner()


def test_album_link_round_trip_without_password(alice: Owner) -> None:
    link = keepsake.create_album_link(alice.album, alice.head, alice.identity)
    assert not link.needs_password() and len(link.link_id()) == 16
    url = link.url(ORIGIN + "/").reveal()
    assert url == f"{ORIGIN}/l/{link.link_id().hex()}#{link.fragment().reveal()}"
    assert len(link.fragment().reveal()) == 46
    address = keepsake.parse_link_url(url)
    assert address.link_id() == link.link_id() and not address.needs_password()
    opened = keepsake.open_link(address, link.record())
    assert isinstance(opened, OpenedLink.ALBUM)
    assert opened.owner == alice.identity and opened.history_entry == alice.head
    assert opened.album.epoch() == alice.album.epoch() and alice.opens_item(opened.album)
    # A password given to a link without one is ignored.
    assert isinstance(keepsake.open_link(address, link.record(), "ignored"), OpenedLink.ALBUM)
    assert keepsake.inspect_link_record(link.record()).password is None


def test_album_link_round_trip_with_password(alice: Owner) -> None:
    password = keepsake.LinkPassword("café au lait", FLOOR)
    assert password.params() == FLOOR
    link = keepsake.create_album_link(alice.album, alice.head, alice.identity, password)
    assert link.needs_password()
    address = keepsake.parse_link_url(link.url(ORIGIN).reveal())
    assert address.needs_password()
    assert keepsake.inspect_link_record(link.record()).password == FLOOR
    with raises("LinkPasswordRequired"):
        keepsake.open_link(address, link.record())
    with raises("DecryptionFailed"):
        keepsake.open_link(address, link.record(), "cafe au lait")
    # The password is normalized to NFC: the decomposed spelling opens too.
    for spelling in ("café au lait", "cafe\u0301 au lait"):
        opened = keepsake.open_link(address, link.record(), spelling)
        assert isinstance(opened, OpenedLink.ALBUM) and alice.opens_item(opened.album)
    # Someone with only the record (no fragment) has another link's secret: refused.
    other = keepsake.create_album_link(alice.album, alice.head, alice.identity, password)
    forged = keepsake.parse_link_fragment(link.link_id(), other.fragment().reveal())
    with raises("DecryptionFailed"):
        keepsake.open_link(forged, link.record(), "café au lait")


def test_weak_link_password_parameters_are_refused() -> None:
    with raises("KdfParamsTooWeak"):
        keepsake.LinkPassword("pw", keepsake.KdfParams(memory_kib=8, iterations=1, parallelism=1))


def test_a_record_swapped_between_links_is_refused(alice: Owner) -> None:
    first = keepsake.create_album_link(alice.album, alice.head, alice.identity)
    second = keepsake.create_album_link(alice.album, alice.head, alice.identity)
    with raises("LinkWrongId"):
        keepsake.open_link(first.address(), second.record())
    # The second record with its id rewritten to the first's: the key does not match.
    rewritten = bytearray(second.record())
    rewritten[3:19] = first.link_id()
    with raises("DecryptionFailed"):
        keepsake.open_link(first.address(), bytes(rewritten))
    altered = bytearray(first.record())
    altered[-1] ^= 1
    with raises("DecryptionFailed"):
        keepsake.open_link(first.address(), bytes(altered))
    with raises("MalformedLink"):
        keepsake.parse_link_url(f"{ORIGIN}/l/{first.link_id().hex()}#short")
    with raises("MalformedLink"):
        keepsake.inspect_link_record(first.record()[:40])


def test_selection_link_round_trip(alice: Owner) -> None:
    part = alice.media.seal_part(alice.media_id, MediaKind.THUMBNAIL, b"a small thumbnail")
    item = keepsake.SelectedItem(
        media_id=alice.media_id,
        epoch=alice.album.epoch(),
        media_key=alice.media,
        parts=[keepsake.SelectedPart.STREAM(part.sealed[:88])],
        manifest=None,
    )
    link = keepsake.create_selection_link(
        alice.album_id, alice.head, 2_000_000_000, alice.identity, [item]
    )
    assert keepsake.inspect_link_record(link.record()).kind == LinkKind.SELECTION
    opened = keepsake.open_link(keepsake.parse_link_url(link.url(ORIGIN).reveal()), link.record())
    assert isinstance(opened, OpenedLink.SELECTION)
    selection = opened.selection
    assert selection.info().selection_id == link.link_id()
    assert selection.open_part(alice.media_id, MediaKind.THUMBNAIL, part.sealed) == b"a small thumbnail"
    with raises("NotInSelection"):
        selection.open_part(alice.media_id, MediaKind.ORIGINAL, alice.sealed)


def _guest_drop(link: keepsake.CollectLink, name: str) -> tuple[bytes, bytes, bytes]:
    """A guest seals a photo for `link`: (media id, sealed thumbnail, drop)."""
    media_id, media = keepsake.new_media_id(), MediaKey.generate()
    part = media.seal_part(media_id, MediaKind.THUMBNAIL, b"grandma's photo")
    drop = link.seal_drop(media_id, media, name, [part.entry], b'{"caption": "at the lake"}')
    return media_id, part.sealed, drop


def test_collect_drop_sealed_by_a_guest_opened_and_accepted_by_the_owner(alice: Owner) -> None:
    link = keepsake.create_collect_link(alice.album, alice.head, alice.identity)
    assert keepsake.inspect_link_record(link.record()).kind == LinkKind.COLLECT
    opened = keepsake.open_link(keepsake.parse_link_url(link.url(ORIGIN).reveal()), link.record())
    assert isinstance(opened, OpenedLink.COLLECT)
    guest = opened.link
    assert guest.album_id() == alice.album_id and guest.epoch() == alice.album.epoch()
    assert guest.owner() == alice.identity and guest.link_id() == link.link_id()
    media_id, sealed, drop = _guest_drop(guest, "Grandma Rose")
    got = keepsake.open_drop(alice.album, drop)
    assert got.display_name() == "Grandma Rose" and got.media_id() == media_id
    assert got.metadata() == b'{"caption": "at the lake"}'
    assert got.uploader() != alice.identity
    assert got.open_part(MediaKind.THUMBNAIL, sealed) == b"grandma's photo"
    with raises("ProvenanceMismatch"):
        got.verify_part(MediaKind.THUMBNAIL, alice.media.seal(media_id, MediaKind.THUMBNAIL, b"x"))
    accepted = alice.keyring.accept_drop(alice.album, got, alice.head)
    key = alice.album.unwrap_media_key(media_id, accepted.wrapped_media_key)
    assert key.open(media_id, MediaKind.THUMBNAIL, sealed) == b"grandma's photo"
    record = key.open_blob(media_id, MediaBlob.METADATA, accepted.metadata_envelope)
    verified = keepsake.verify_item(record, media_id, accepted.epoch, alice.history)
    assert verified.uploader() == alice.identity
    assert verified.metadata() == b'{"caption": "at the lake"}'
    with raises("MalformedDrop"):
        guest.seal_drop(media_id, MediaKey.generate(), "", [], b"")


def test_a_drop_replayed_into_another_album_is_refused(alice: Owner) -> None:
    link = keepsake.create_collect_link(alice.album, alice.head, alice.identity)
    opened = keepsake.open_link(link.address(), link.record())
    assert isinstance(opened, OpenedLink.COLLECT)
    _, _, drop = _guest_drop(opened.link, "Cousin Ann")
    other_album = alice.keyring.album_key(keepsake.new_album_id(), alice.album.epoch())
    with raises("DropWrongAlbum"):
        keepsake.open_drop(other_album, drop)
    later = alice.keyring.album_key(alice.album_id, alice.album.epoch() + 1)
    with raises("DropWrongAlbum"):
        keepsake.open_drop(later, drop)
    got = keepsake.open_drop(alice.album, drop)
    with raises("DropWrongAlbum"):
        alice.keyring.accept_drop(other_album, got, alice.head)
    forged = bytearray(drop)
    forged[-1] ^= 1
    with raises("DropBadSignature"):
        keepsake.open_drop(alice.album, bytes(forged))


# ---------------------------------------------------------------------------------------
# Secrets: test_secrets.py adds these values to its own and checks every string form.


def link_values(
    keyring: keepsake.Keyring, album: AlbumKey, media: MediaKey, history_entry: bytes
) -> tuple[dict[type, Any], list[str | bytes]]:
    """One value of every link type, built from `album` and `media` (their secrets are
    already checked for), and the secrets they add: the link password, the fragments and
    URLs, and the link secrets they encode."""
    password_text = "a link password nobody should see"
    password = keepsake.LinkPassword(password_text, FLOOR)
    identity = keyring.identity_public_key()
    album_link = keepsake.create_album_link(album, history_entry, identity, password)
    collect = keepsake.create_collect_link(album, history_entry, identity)
    by_class: dict[type, Any] = {
        keepsake.LinkPassword: password,
        keepsake.NewLink: album_link,
        keepsake.LinkText: album_link.url(ORIGIN),
        keepsake.LinkAddress: album_link.address(),
        keepsake.LinkRecordInfo: keepsake.inspect_link_record(album_link.record()),
    }
    opened = keepsake.open_link(album_link.address(), album_link.record(), password_text)
    by_class[OpenedLink] = opened
    guest = keepsake.open_link(collect.address(), collect.record())
    assert isinstance(guest, OpenedLink.COLLECT)
    by_class[keepsake.CollectLink] = guest.link
    media_id = keepsake.new_media_id()
    part = media.seal_part(media_id, MediaKind.THUMBNAIL, b"a guest's photo")
    drop = guest.link.seal_drop(media_id, media, "Guest", [part.entry], b"")
    opened_drop = keepsake.open_drop(album, drop)
    by_class[keepsake.OpenedDrop] = opened_drop
    by_class[keepsake.AcceptedDrop] = keyring.accept_drop(album, opened_drop, history_entry)
    secrets: list[str | bytes] = [password_text]
    for link in (album_link, collect):
        fragment = link.fragment().reveal()
        secrets += [fragment, link.url(ORIGIN).reveal(), base64.urlsafe_b64decode(fragment + "==")[2:]]
    return by_class, secrets


LINK_TYPES = [
    "LinkPassword",
    "NewLink",
    "LinkText",
    "LinkAddress",
    "LinkRecordInfo",
    "OpenedLink",
    "CollectLink",
    "OpenedDrop",
    "AcceptedDrop",
]


@pytest.fixture(scope="module")
def link_secrets() -> tuple[dict[type, Any], list[str | bytes], bytes, bytes]:
    album_secret, media_secret = bytes(range(40, 72)), bytes(range(140, 172))
    keyring = keepsake.create_account("links", FLOOR).keyring
    album_id = keepsake.new_album_id()
    album = AlbumKey.from_secret_bytes(album_id, 0, album_secret)
    head = keepsake.history_entry_hash(keyring.create_album_history(album_id))
    by_class, secrets = link_values(keyring, album, MediaKey.from_secret_bytes(media_secret), head)
    return by_class, secrets + [album_secret, media_secret], album_secret, media_secret


@pytest.mark.parametrize("name", LINK_TYPES)
def test_no_link_secret_in_string_forms(link_secrets: Any, name: str) -> None:
    from test_secrets import assert_no_secret

    by_class, secrets, _, _ = link_secrets
    value = by_class[getattr(keepsake, name)]
    assert_no_secret(value, secrets, name)
    if name == "OpenedLink":  # the album key it holds, through the enum's own forms
        assert_no_secret(value.album, secrets, "OpenedLink.album")


def test_the_link_secrets_checked_for_are_real(link_secrets: Any) -> None:
    from test_secrets import assert_no_secret

    by_class, secrets, _, _ = link_secrets
    text = by_class[keepsake.LinkText]
    assert str(text) == "LinkText(url, redacted)" and text.reveal() in secrets
    with pytest.raises(AssertionError):
        assert_no_secret(text.reveal(), secrets, "revealed url")
    fragment = text.reveal().split("#")[1]
    with pytest.raises(AssertionError):  # the link secret's own bytes, hex-spelled
        assert_no_secret(base64.urlsafe_b64decode(fragment + "==")[2:].hex(), secrets, "hex")
    assert "password redacted" in str(by_class[keepsake.LinkPassword])
    assert "secret redacted" in repr(by_class[keepsake.NewLink])
    assert "media key redacted" in str(by_class[keepsake.OpenedDrop])


def test_link_errors_carry_no_secret(link_secrets: Any) -> None:
    from test_secrets import assert_no_secret

    by_class, secrets, _, _ = link_secrets
    link = by_class[keepsake.NewLink]
    with pytest.raises(keepsake.KeepsakeError) as wrong:
        keepsake.open_link(link.address(), link.record(), "not the password")
    with pytest.raises(keepsake.KeepsakeError) as malformed:
        keepsake.parse_link_url(link.url(ORIGIN).reveal() + "x")
    for err in (wrong.value, malformed.value):
        assert_no_secret(err, secrets, type(err).__name__)
