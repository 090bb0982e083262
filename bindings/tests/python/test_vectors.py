"""SCENARIO.md section 2: the known-answer vector files of tests/vectors/ (the same files the
Rust tests run), through the public Python API. Each case is its own test, named by the
case's `name`."""

import functools
from typing import Any

import pytest

import keepsake
from keepsake import (
    AccountPin,
    AlbumBlob,
    AlbumKey,
    DeviceKey,
    ExpectedAlbum,
    MediaBlob,
    MediaKey,
    MediaKind,
)

from helpers import (
    MEDIA_KINDS,
    U64_MAX,
    cases,
    load_vectors,
    open_streaming,
    raises,
    recipient_keyring,
    unhex,
)

# ---------------------------------------------------------------------------------------
# stream-v1.json: open, and the streaming opener fed 1000-byte pieces


@pytest.mark.parametrize("case", cases("stream-v1.json"))
def test_stream_open(case: dict[str, Any]) -> None:
    key = MediaKey.from_secret_bytes(unhex(case["media_key"]))
    opened = key.open(unhex(case["media_id"]), MEDIA_KINDS[case["kind"]], unhex(case["sealed"]))
    assert opened == unhex(case["plaintext"])


@pytest.mark.parametrize("case", cases("stream-v1.json"))
def test_stream_opener_in_pieces(case: dict[str, Any]) -> None:
    key = MediaKey.from_secret_bytes(unhex(case["media_key"]))
    opener = key.opener(unhex(case["media_id"]), MEDIA_KINDS[case["kind"]])
    assert open_streaming(opener, unhex(case["sealed"]), 1000) == unhex(case["plaintext"])


# ---------------------------------------------------------------------------------------
# stream-v1-failures.json: open raises `error`


@pytest.mark.parametrize("case", cases("stream-v1-failures.json"))
def test_stream_open_fails(case: dict[str, Any]) -> None:
    key = MediaKey.from_secret_bytes(unhex(case["media_key"]))
    with raises(case["error"]):
        key.open(unhex(case["media_id"]), MEDIA_KINDS[case["kind"]], unhex(case["sealed"]))


# ---------------------------------------------------------------------------------------
# stream-v1-ranges.json: open_range equals `plaintext`, or raises `error`


@pytest.mark.parametrize("case", cases("stream-v1-ranges.json"))
def test_stream_open_range(case: dict[str, Any]) -> None:
    key = MediaKey.from_secret_bytes(unhex(case["media_key"]))
    args = (
        unhex(case["media_id"]),
        MEDIA_KINDS[case["kind"]],
        unhex(case["sealed"]),
        case["offset"],
        min(case["len"], U64_MAX),
    )
    if "error" in case:
        with raises(case["error"]):
            key.open_range(*args)
    else:
        assert key.open_range(*args) == unhex(case["plaintext"])


# ---------------------------------------------------------------------------------------
# envelope-v1.json and envelope-v1-failures.json

MEDIA_PURPOSES = {"media-metadata": MediaBlob.METADATA, "media-caption": MediaBlob.CAPTION}
ALBUM_PURPOSES = {"album-name": AlbumBlob.NAME, "album-metadata": AlbumBlob.METADATA}


def album_key(case: dict[str, Any]) -> AlbumKey:
    return AlbumKey.from_secret_bytes(unhex(case["album_id"]), case["epoch"], unhex(case["key"]))


def open_envelope(case: dict[str, Any]) -> bytes | MediaKey:
    """Opens the case's `sealed` for its purpose: the plaintext, or (media-key-wrap) the
    unwrapped MediaKey."""
    purpose = case["purpose"]
    sealed = unhex(case["sealed"])
    if purpose in MEDIA_PURPOSES:
        key = MediaKey.from_secret_bytes(unhex(case["key"]))
        return key.open_blob(unhex(case["media_id"]), MEDIA_PURPOSES[purpose], sealed)
    if purpose in ALBUM_PURPOSES:
        return album_key(case).open_blob(ALBUM_PURPOSES[purpose], sealed)
    if purpose == "media-key-wrap":
        return album_key(case).unwrap_media_key(unhex(case["media_id"]), sealed)
    raise AssertionError(f"unknown purpose {purpose!r}")


@pytest.mark.parametrize("case", cases("envelope-v1.json"))
def test_envelope_open(case: dict[str, Any]) -> None:
    opened = open_envelope(case)
    plaintext = unhex(case["plaintext"])
    if case["purpose"] != "media-key-wrap":
        assert opened == plaintext
        return
    # The unwrapped key is opaque: it must open what the expected raw key seals.
    assert isinstance(opened, MediaKey)
    expected = MediaKey.from_secret_bytes(plaintext)
    media_id = unhex(case["media_id"])
    probe = b"sealed by MediaKey.from_secret_bytes(plaintext)"
    blob = expected.seal_blob(media_id, MediaBlob.CAPTION, probe)
    assert opened.open_blob(media_id, MediaBlob.CAPTION, blob) == probe
    stream = expected.seal(media_id, MediaKind.PREVIEW, probe * 10)
    assert opened.open(media_id, MediaKind.PREVIEW, stream) == probe * 10


@pytest.mark.parametrize("case", cases("envelope-v1-failures.json"))
def test_envelope_open_fails(case: dict[str, Any]) -> None:
    with raises(case["error"]):
        open_envelope(case)


# ---------------------------------------------------------------------------------------
# bundle-v1.json: an account's bundles through its steps (create, enroll, enroll, rotate,
# revoke-and-rotate). Every step's bundle parses at its generation; the last unlocks by
# passphrase, recovery words and each device still enrolled, all alike; the revoked device
# is refused; every earlier bundle is a rollback for a device holding the last pin.

ROTATIONS = ("rotate", "revoke-and-rotate")


def bundle_steps(case: dict[str, Any]) -> list[tuple[bytes, str, int]]:
    """(bundle bytes, op, generation after it) for each step, in order."""
    steps: list[tuple[bytes, str, int]] = []
    generation = 0
    for step in case["steps"]:
        if step["op"] in ROTATIONS:
            generation += 1
        steps.append((step["bundle"].encode(), step["op"], generation))
    assert steps and steps[0][1] == "create", "the first step creates the account"
    return steps


def bundle_devices_of(case: dict[str, Any]) -> list[DeviceKey]:
    """Every device of the case, as DeviceKey, from its secret."""
    return [DeviceKey.from_secret_bytes(unhex(s)) for s in case["device_secrets"]]


def revoked_publics(case: dict[str, Any]) -> set[bytes]:
    return {unhex(s["device"]) for s in case["steps"] if s["op"] == "revoke-and-rotate"}


@pytest.mark.parametrize("case", cases("bundle-v1.json"))
def test_bundle_steps_parse_at_their_generation(case: dict[str, Any]) -> None:
    steps = bundle_steps(case)
    for i, (bundle, op, generation) in enumerate(steps):
        assert keepsake.bundle_generation(bundle) == generation, f"step {i} ({op})"
        keepsake.bundle_devices(bundle)
    assert steps[-1][2] == len(case["roots"]) - 1, "one root per generation"


@pytest.mark.parametrize("case", cases("bundle-v1.json"))
def test_bundle_last_unlocks_every_way_alike(case: dict[str, Any]) -> None:
    last, _, generation = bundle_steps(case)[-1]
    by_passphrase = keepsake.unlock_with_passphrase(last, case["passphrase"])
    pin = by_passphrase.pin()
    assert pin.generation() == generation
    unlocked = {
        "passphrase": by_passphrase,
        "recovery words": keepsake.unlock_with_recovery(
            last, keepsake.RecoveryPhrase.parse(case["recovery_words"])
        ),
    }
    enrolled = keepsake.bundle_devices(last)
    revoked = revoked_publics(case)
    assert revoked, "the steps revoke a device"
    for i, device in enumerate(bundle_devices_of(case)):
        if device.public_key() in enrolled:
            unlocked[f"device {i}"] = keepsake.unlock_with_device(last, device, pin)
        else:
            assert device.public_key() in revoked, f"device {i} is neither enrolled nor revoked"
            with raises("DeviceNotEnrolled"):
                keepsake.unlock_with_device(last, device, pin)
    assert len(unlocked) == 2 + len(enrolled)
    identity = by_passphrase.identity_public_key()
    assert len(identity) == 1248
    for how, keyring in unlocked.items():
        assert keyring.identity_public_key() == identity, how
        assert keyring.fingerprint() == by_passphrase.fingerprint(), how
        assert keyring.generation() == generation, how
        assert keyring.pin() == pin, how


@pytest.mark.parametrize("case", cases("bundle-v1.json"))
def test_bundle_earlier_steps_are_rollbacks(case: dict[str, Any]) -> None:
    steps = bundle_steps(case)
    pin = keepsake.unlock_with_passphrase(steps[-1][0], case["passphrase"]).pin()
    devices = bundle_devices_of(case)
    checked = 0
    for i, (bundle, op, generation) in enumerate(steps[:-1]):
        assert generation < pin.generation(), f"step {i} ({op})"
        enrolled = keepsake.bundle_devices(bundle)
        for d, device in enumerate(devices):
            if device.public_key() in enrolled:
                with raises("Rollback"):  # step i, device d
                    keepsake.unlock_with_device(bundle, device, pin)
                checked += 1
    assert checked > 0, "no earlier step enrolls a device"


# ---------------------------------------------------------------------------------------
# bundle-v1-failures.json: parse (bundle_devices) or the named unlock raises `error`


def unlock_failing(case: dict[str, Any]) -> object:
    bundle = case["bundle"].encode()
    how = case["unlock"]
    if how == "parse":
        return keepsake.bundle_devices(bundle)
    if how == "passphrase":
        return keepsake.unlock_with_passphrase(bundle, case["secret"])
    if how == "recovery":
        return keepsake.unlock_with_recovery(bundle, keepsake.RecoveryPhrase.parse(case["secret"]))
    if how == "device":
        device = DeviceKey.from_secret_bytes(unhex(case["secret"]))
        pin = AccountPin.from_bytes(unhex(case["pin"]))
        return keepsake.unlock_with_device(bundle, device, pin)
    raise AssertionError(f"unknown unlock {how!r}")


def test_bundle_failures_count() -> None:
    assert len(load_vectors("bundle-v1-failures.json")) >= 38


@pytest.mark.parametrize("case", cases("bundle-v1-failures.json"))
def test_bundle_fails(case: dict[str, Any]) -> None:
    if case["unlock"] == "device":
        assert len(unhex(case["pin"])) == 40, "the 40-byte account pin"
    with raises(case["error"]):
        unlock_failing(case)


# ---------------------------------------------------------------------------------------
# epoch-move-v1.json: a member removed from a shared album. The owner's remove_member moves
# the album to epoch_after; each grant opens for its recipient only; each item opens under
# its epoch's key; the removed member's key opens the earlier item but not the later one.


@functools.cache
def epoch_move_keyrings(name: str) -> dict[str, keepsake.Keyring]:
    """The accounts of the epoch-move case NAME, unlocked by passphrase, by account name."""
    (case,) = [v for v in load_vectors("epoch-move-v1.json") if v["name"] == name]
    return {
        a["name"]: keepsake.unlock_with_passphrase(a["bundle"].encode(), a["passphrase"])
        for a in case["accounts"]
    }


def item_of(case: dict[str, Any], epoch: int) -> dict[str, Any]:
    (item,) = [i for i in case["items"] if i["epoch"] == epoch]
    assert isinstance(item, dict)
    return item


def open_item(album: keepsake.AlbumKey, item: dict[str, Any]) -> bytes:
    """Unwraps ITEM's media key under ALBUM and opens its sealed original."""
    media_id = unhex(item["media_id"])
    key = album.unwrap_media_key(media_id, unhex(item["wrapped_media_key"]))
    return key.open(media_id, MediaKind.ORIGINAL, unhex(item["sealed"]))


@pytest.mark.parametrize("case", cases("epoch-move-v1.json"))
def test_epoch_move_remove_member(case: dict[str, Any]) -> None:
    k = epoch_move_keyrings(case["name"])
    assert set(k) == {"owner", "stays", "removed"}
    owner = k["owner"]
    album_id = unhex(case["album_id"])
    before = owner.album_key(album_id, case["epoch_before"])
    # The vectors' grants name arbitrary history entries (gen-vectors); any 32 bytes do here.
    moved = owner.remove_member(before, [k["stays"].identity_public_key()], unhex(case["grants"][0]["history"]))
    assert moved.album.epoch() == case["epoch_after"]
    assert moved.album.album_id() == album_id
    assert [g.member_identity for g in moved.grants] == [k["stays"].identity_public_key()]
    # The key's effect: the moved key, the recorded key and the owner's derivation at
    # epoch_after all open the item sealed at epoch_after.
    after = item_of(case, case["epoch_after"])
    plaintext = unhex(after["plaintext"])
    recorded = AlbumKey.from_secret_bytes(
        album_id, case["epoch_after"], unhex(case["album_key_after"])
    )
    for album in (moved.album, recorded, owner.album_key(album_id, case["epoch_after"])):
        assert open_item(album, after) == plaintext
    # The fresh grant opens for the member who stays.
    expected = ExpectedAlbum(album_id=album_id, epoch=case["epoch_after"])
    got = k["stays"].accept_grant(moved.grants[0].grant, owner.identity_public_key(), expected)
    assert open_item(got, after) == plaintext
    with raises("GrantWrongRecipient"):
        k["removed"].accept_grant(moved.grants[0].grant, owner.identity_public_key(), expected)


@pytest.mark.parametrize("case", cases("epoch-move-v1.json"))
def test_epoch_move_grants_open_for_their_recipient_only(case: dict[str, Any]) -> None:
    k = epoch_move_keyrings(case["name"])
    owner = k["owner"]
    album_id = unhex(case["album_id"])
    members = [a["name"] for a in case["accounts"][1:]]
    assert not [g for g in case["grants"] if g["to"] == "removed" and g["epoch"] == case["epoch_after"]]
    for g in case["grants"]:
        grant = unhex(g["grant"])
        assert len(grant) == 1354
        expected = ExpectedAlbum(album_id=album_id, epoch=g["epoch"])
        got = k[g["to"]].accept_grant(grant, owner.identity_public_key(), expected)
        assert got.epoch() == g["epoch"] and got.album_id() == album_id
        item = item_of(case, g["epoch"])
        assert open_item(got, item) == unhex(item["plaintext"]), f"grant to {g['to']}"
        for other in members:
            if other != g["to"]:
                with raises("GrantWrongRecipient"):
                    k[other].accept_grant(grant, owner.identity_public_key(), expected)


@pytest.mark.parametrize("case", cases("epoch-move-v1.json"))
def test_epoch_move_items_open(case: dict[str, Any]) -> None:
    owner = epoch_move_keyrings(case["name"])["owner"]
    album_id = unhex(case["album_id"])
    assert sorted(i["epoch"] for i in case["items"]) == [case["epoch_before"], case["epoch_after"]]
    for item in case["items"]:
        album = owner.album_key(album_id, item["epoch"])
        assert open_item(album, item) == unhex(item["plaintext"]), f"epoch {item['epoch']}"


@pytest.mark.parametrize("case", cases("epoch-move-v1.json"))
def test_epoch_move_removed_member_locked_out(case: dict[str, Any]) -> None:
    k = epoch_move_keyrings(case["name"])
    (g,) = [g for g in case["grants"] if g["to"] == "removed"]
    assert g["epoch"] == case["epoch_before"]
    expected = ExpectedAlbum(album_id=unhex(case["album_id"]), epoch=g["epoch"])
    removed_key = k["removed"].accept_grant(
        unhex(g["grant"]), k["owner"].identity_public_key(), expected
    )
    old = item_of(case, case["epoch_before"])
    assert open_item(removed_key, old) == unhex(old["plaintext"])
    new = item_of(case, case["epoch_after"])
    with raises("DecryptionFailed"):
        removed_key.unwrap_media_key(unhex(new["media_id"]), unhex(new["wrapped_media_key"]))


# ---------------------------------------------------------------------------------------
# grant-v1.json: each grant is addressed to the bundle-v1.json account (`recipient_bundle`),
# unlocked here by passphrase: accepted from the recorded sender for the recorded album and
# epoch, it gives the recorded album key (the accepted key opens what the recorded key seals
# and the other way round; a key one bit off does not).


def test_grant_vectors_count() -> None:
    assert len(load_vectors("grant-v1.json")) == 2


@pytest.mark.parametrize("case", cases("grant-v1.json"))
def test_grant_accepted_by_the_bundle_account(case: dict[str, Any]) -> None:
    keyring = recipient_keyring(case)
    grant = unhex(case["grant"])
    sender = unhex(case["sender_identity_public"])
    album_id, epoch = unhex(case["album_id"]), case["epoch"]
    assert len(grant) == 1354
    info = keepsake.inspect_grant(grant)
    assert info.recipient_identity_digest == keepsake.identity_digest(keyring.identity_public_key())
    assert info.sender_identity_digest == keepsake.identity_digest(sender)
    assert (info.album_id, info.epoch, info.history_entry) == (album_id, epoch, unhex(case["history"]))
    got = keyring.accept_grant(grant, sender, ExpectedAlbum(album_id=album_id, epoch=epoch))
    assert (got.album_id(), got.epoch()) == (album_id, epoch)
    recorded = AlbumKey.from_secret_bytes(album_id, epoch, unhex(case["album_key"]))
    probe = f"the album of {case['name']}".encode()
    assert got.open_blob(AlbumBlob.NAME, recorded.seal_blob(AlbumBlob.NAME, probe)) == probe
    sealed = got.seal_blob(AlbumBlob.NAME, probe)
    assert recorded.open_blob(AlbumBlob.NAME, sealed) == probe
    off = bytearray(unhex(case["album_key"]))
    off[0] ^= 1
    with raises("DecryptionFailed"):
        AlbumKey.from_secret_bytes(album_id, epoch, bytes(off)).open_blob(AlbumBlob.NAME, sealed)
    # The expectation is checked: the same grant for another epoch is refused.
    with raises("GrantWrongAlbum"):
        keyring.accept_grant(grant, sender, ExpectedAlbum(album_id=album_id, epoch=epoch + 1))
