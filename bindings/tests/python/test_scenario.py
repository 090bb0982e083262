"""SCENARIO.md section 1: the end-to-end scenario, step by step, through the installed
`keepsake` package. The state each step builds (accounts, device, album, media item) is a
module-scoped fixture, so every check is its own named test and any one runs alone."""

import os
import re
from dataclasses import dataclass

from pathlib import Path

import pytest

import keepsake
from keepsake import (
    AlbumBlob,
    DeviceKey,
    ExpectedAlbum,
    KdfProfile,
    MediaBlob,
    MediaKey,
    MediaKind,
    ProgressListener,
)

from helpers import genesis_hash, open_streaming, pieces, raises

CHUNK = 64 * 1024  # the default chunk size
HEADER_LEN = 88  # magic, version, suite, kind, chunk size, media id, salt, commitment
TAG_LEN = 16
ORIGINAL_LEN = 1024 * 1024 + 123
THUMBNAIL_LEN = 4 * 1024
METADATA = b'{"taken":"2024-05-01T10:00:00Z","camera":"Pixel","w":4032,"h":3024}'
ALICE_PASSPHRASE = "correct horse battery staple, Alice"
FLOOR = keepsake.kdf_profile(KdfProfile.FLOOR)


def deterministic(n: int, seed: int = 0) -> bytes:
    """n deterministic bytes: (i * 31 + seed) % 251."""
    return bytes((i * 31 + seed) % 251 for i in range(n))


def flip(data: bytes, index: int) -> bytes:
    """DATA with one bit of byte INDEX flipped."""
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


class Recorder(ProgressListener):
    """Records every (done, total) call; cancels (returns False) when `cancel` is set."""

    def __init__(self, cancel: bool = False) -> None:
        self.calls: list[tuple[int, int]] = []
        self.cancel = cancel

    def on_progress(self, done: int, total: int) -> bool:
        self.calls.append((done, total))
        return not self.cancel


# ---------------------------------------------------------------------------------------
# The state, built once per module in scenario order.


@pytest.fixture(scope="module")
def alice() -> keepsake.NewAccount:
    """Step 1: Alice's account (Floor KDF profile: tests only)."""
    return keepsake.create_account(ALICE_PASSPHRASE, FLOOR)


@dataclass
class Enrolled:
    device: DeviceKey
    bundle: bytes
    pin: keepsake.AccountPin


@pytest.fixture(scope="module")
def enrolled(alice: keepsake.NewAccount) -> Enrolled:
    """Step 2: Alice's device, enrolled; the new bundle and the account pin."""
    device = DeviceKey.generate()
    enrollment = alice.keyring.enroll_device(alice.bundle, device.public_key())
    return Enrolled(device, enrollment.bundle, enrollment.pin)


@pytest.fixture(scope="module")
def album(alice: keepsake.NewAccount) -> keepsake.AlbumKey:
    """Step 4: an album at the current epoch (0: no rotation yet)."""
    assert alice.keyring.current_epoch() == 0
    return alice.keyring.album_key(keepsake.new_album_id(), alice.keyring.current_epoch())


@dataclass
class Item:
    media_id: bytes
    key: MediaKey
    wrapped: bytes
    original: bytes
    sealed_original: bytes
    thumbnail: bytes
    sealed_thumbnail: bytes
    sealed_metadata: bytes


@pytest.fixture(scope="module")
def item(album: keepsake.AlbumKey) -> Item:
    """Step 5: a media item: key wrapped under the album key, original sealed in one shot,
    thumbnail with the streaming sealer (several pieces), metadata envelope."""
    media_id = keepsake.new_media_id()
    key = MediaKey.generate()
    wrapped = album.wrap_media_key(media_id, key)
    original = deterministic(ORIGINAL_LEN)
    sealed_original = key.seal(media_id, MediaKind.ORIGINAL, original)
    thumbnail = deterministic(THUMBNAIL_LEN, seed=7)
    sealer = key.sealer(media_id, MediaKind.THUMBNAIL)
    sealed_thumbnail = bytearray()
    for piece in pieces(thumbnail, 1500):  # 1500 + 1500 + 1096
        sealed_thumbnail += sealer.push(piece)
    sealed_thumbnail += sealer.finish()
    sealed_metadata = key.seal_blob(media_id, MediaBlob.METADATA, METADATA)
    return Item(
        media_id,
        key,
        wrapped,
        original,
        sealed_original,
        thumbnail,
        bytes(sealed_thumbnail),
        sealed_metadata,
    )


@pytest.fixture(scope="module")
def bob() -> keepsake.NewAccount:
    """Step 8: Bob's account."""
    return keepsake.create_account("Bob's own passphrase", FLOOR)


@pytest.fixture(scope="module")
def grant(alice: keepsake.NewAccount, album: keepsake.AlbumKey, bob: keepsake.NewAccount) -> bytes:
    """Step 8: Alice grants the album to Bob's identity."""
    history = genesis_hash(alice.keyring, album.album_id())
    return alice.keyring.grant_album(album, bob.keyring.identity_public_key(), history)


# ---------------------------------------------------------------------------------------
# 1. The account


def test_create_account(alice: keepsake.NewAccount) -> None:
    assert isinstance(alice.keyring, keepsake.Keyring)
    assert alice.bundle and isinstance(alice.bundle, bytes)
    assert isinstance(alice.recovery_phrase, keepsake.RecoveryPhrase)
    words = alice.recovery_phrase.words().split()
    assert len(words) == 24
    assert all(w.isalpha() and w.islower() for w in words)
    assert len(alice.keyring.identity_public_key()) == 1248  # Ed25519 || X-Wing
    assert len(alice.keyring.identity_digest()) == 32
    assert keepsake.identity_digest(alice.keyring.identity_public_key()) == (
        alice.keyring.identity_digest()
    )
    assert re.fullmatch(r"\d{5}( \d{5}){5}", alice.keyring.fingerprint())
    assert keepsake.bundle_devices(alice.bundle) == []


def test_floor_profile_is_the_floor() -> None:
    assert FLOOR == keepsake.KdfParams(memory_kib=19 * 1024, iterations=2, parallelism=1)


# ---------------------------------------------------------------------------------------
# 2. The device


def test_enroll_device_lists_it(alice: keepsake.NewAccount, enrolled: Enrolled) -> None:
    assert len(enrolled.device.public_key()) == 1216  # X-Wing
    assert enrolled.bundle != alice.bundle
    assert keepsake.bundle_devices(enrolled.bundle) == [enrolled.device.public_key()]


def test_account_pin_is_the_identity_digest_at_generation_0(alice: keepsake.NewAccount, enrolled: Enrolled) -> None:
    assert enrolled.pin.identity_digest() == alice.keyring.identity_digest()
    assert enrolled.pin.to_bytes()[:32] == alice.keyring.identity_digest()
    assert enrolled.pin.generation() == 0
    assert enrolled.pin == alice.keyring.pin()
    assert len(enrolled.pin.to_bytes()) == 40


# ---------------------------------------------------------------------------------------
# 3. Unlock three ways


def assert_same_identity(keyring: keepsake.Keyring, alice: keepsake.NewAccount) -> None:
    assert keyring.identity_public_key() == alice.keyring.identity_public_key()
    assert keyring.fingerprint() == alice.keyring.fingerprint()
    assert keepsake.fingerprint(keyring.identity_public_key()) == alice.keyring.fingerprint()


def test_unlock_with_passphrase(alice: keepsake.NewAccount, enrolled: Enrolled) -> None:
    keyring = keepsake.unlock_with_passphrase(enrolled.bundle, ALICE_PASSPHRASE)
    assert_same_identity(keyring, alice)


def test_unlock_with_recovery_words_upper_case_extra_spaces(alice: keepsake.NewAccount, enrolled: Enrolled) -> None:
    words = alice.recovery_phrase.words()
    shouted = "   " + "   ".join(words.upper().split()) + "  "
    assert shouted != words
    phrase = keepsake.RecoveryPhrase.parse(shouted)
    assert phrase.words() == words
    keyring = keepsake.unlock_with_recovery(enrolled.bundle, phrase)
    assert_same_identity(keyring, alice)


def test_unlock_with_device_restored_from_secret(alice: keepsake.NewAccount, enrolled: Enrolled) -> None:
    secret = enrolled.device.secret_bytes()
    assert len(secret) == 32
    restored = DeviceKey.from_secret_bytes(secret)
    assert restored.public_key() == enrolled.device.public_key()
    keyring = keepsake.unlock_with_device(enrolled.bundle, restored, enrolled.pin)
    assert_same_identity(keyring, alice)


def test_wrong_passphrase(enrolled: Enrolled) -> None:
    with raises("WrongPassphrase"):
        keepsake.unlock_with_passphrase(enrolled.bundle, "not Alice's passphrase")


# ---------------------------------------------------------------------------------------
# 4. The album


def test_album_key_epoch_zero(album: keepsake.AlbumKey) -> None:
    assert len(album.album_id()) == 16
    assert album.epoch() == 0


def test_album_name_round_trip(album: keepsake.AlbumKey) -> None:
    name = "Summer 2024 ☀️".encode()
    sealed = album.seal_blob(AlbumBlob.NAME, name)
    assert name not in sealed
    assert album.open_blob(AlbumBlob.NAME, sealed) == name


def test_album_key_is_derived_again(alice: keepsake.NewAccount, album: keepsake.AlbumKey) -> None:
    """The same album id and epoch give the same key (it opens the other's envelope)."""
    again = alice.keyring.album_key(album.album_id(), 0)
    sealed = album.seal_blob(AlbumBlob.NAME, b"name")
    assert again.open_blob(AlbumBlob.NAME, sealed) == b"name"


# ---------------------------------------------------------------------------------------
# 5. The media item


def test_media_key_wrap_round_trip(album: keepsake.AlbumKey, item: Item) -> None:
    assert len(item.wrapped) == 105
    unwrapped = album.unwrap_media_key(item.media_id, item.wrapped)
    assert unwrapped.open(item.media_id, MediaKind.THUMBNAIL, item.sealed_thumbnail) == (
        item.thumbnail
    )


def test_original_spans_several_chunks(item: Item) -> None:
    full, rest = divmod(ORIGINAL_LEN, CHUNK)
    assert (full, rest) == (16, 123)
    expected = HEADER_LEN + full * (CHUNK + TAG_LEN) + rest + TAG_LEN
    assert len(item.sealed_original) == expected
    assert item.key.open(item.media_id, MediaKind.ORIGINAL, item.sealed_original) == (
        item.original
    )


def test_thumbnail_streaming_sealer(item: Item) -> None:
    assert len(item.sealed_thumbnail) == HEADER_LEN + THUMBNAIL_LEN + TAG_LEN
    assert item.key.open(item.media_id, MediaKind.THUMBNAIL, item.sealed_thumbnail) == (
        item.thumbnail
    )


def test_metadata_envelope(item: Item) -> None:
    opened = item.key.open_blob(item.media_id, MediaBlob.METADATA, item.sealed_metadata)
    assert opened == METADATA


# ---------------------------------------------------------------------------------------
# 6. Seeking and files

RANGE_OFFSET = 500_000
RANGE_LENGTH = 70_000


def test_open_range(item: Item) -> None:
    got = item.key.open_range(
        item.media_id, MediaKind.ORIGINAL, item.sealed_original, RANGE_OFFSET, RANGE_LENGTH
    )
    assert got == item.original[RANGE_OFFSET : RANGE_OFFSET + RANGE_LENGTH]


def test_open_file_range(item: Item, tmp_path: Path) -> None:
    path = tmp_path / "original.ksms"
    path.write_bytes(item.sealed_original)
    got = item.key.open_file_range(
        item.media_id, MediaKind.ORIGINAL, str(path), RANGE_OFFSET, RANGE_LENGTH
    )
    assert got == item.original[RANGE_OFFSET : RANGE_OFFSET + RANGE_LENGTH]


def assert_progress(recorder: Recorder) -> None:
    assert len(recorder.calls) >= 1
    done, total = recorder.calls[-1]
    assert done == total
    dones = [d for d, _ in recorder.calls]
    assert dones == sorted(dones)
    assert all(t == total for _, t in recorder.calls)


def test_seal_file_open_file_round_trip(item: Item, tmp_path: Path) -> None:
    plain = tmp_path / "original.jpg"
    sealed = tmp_path / "original.ksms"
    opened = tmp_path / "opened.jpg"
    plain.write_bytes(item.original)

    sealing = Recorder()
    size = item.key.seal_file(
        item.media_id, MediaKind.ORIGINAL, str(plain), str(sealed), False, sealing
    )
    assert size == sealed.stat().st_size == len(item.sealed_original)
    assert_progress(sealing)

    opening = Recorder()
    size = item.key.open_file(
        item.media_id, MediaKind.ORIGINAL, str(sealed), str(opened), False, opening
    )
    assert size == ORIGINAL_LEN
    assert opened.read_bytes() == item.original
    assert_progress(opening)
    # The file holds a normal sealed object: it opens in memory too.
    assert item.key.open(item.media_id, MediaKind.ORIGINAL, sealed.read_bytes()) == item.original


def test_seal_file_without_listener(item: Item, tmp_path: Path) -> None:
    plain = tmp_path / "thumb.jpg"
    sealed = tmp_path / "thumb.ksms"
    plain.write_bytes(item.thumbnail)
    item.key.seal_file(item.media_id, MediaKind.THUMBNAIL, str(plain), str(sealed), False, None)
    assert item.key.open(item.media_id, MediaKind.THUMBNAIL, sealed.read_bytes()) == (
        item.thumbnail
    )


def test_seal_file_cancelled_leaves_nothing(item: Item, tmp_path: Path) -> None:
    plain = tmp_path / "original.jpg"
    sealed = tmp_path / "original.ksms"
    plain.write_bytes(item.original)
    recorder = Recorder(cancel=True)
    with raises("Cancelled"):
        item.key.seal_file(
            item.media_id, MediaKind.ORIGINAL, str(plain), str(sealed), False, recorder
        )
    assert recorder.calls, "the listener was never asked"
    assert not sealed.exists()
    assert sorted(os.listdir(tmp_path)) == ["original.jpg"], "a temporary file was left"


def test_open_file_cancelled_leaves_nothing(item: Item, tmp_path: Path) -> None:
    sealed = tmp_path / "original.ksms"
    opened = tmp_path / "opened.jpg"
    sealed.write_bytes(item.sealed_original)
    recorder = Recorder(cancel=True)
    with raises("Cancelled"):
        item.key.open_file(
            item.media_id, MediaKind.ORIGINAL, str(sealed), str(opened), False, recorder
        )
    assert recorder.calls, "the listener was never asked"
    assert not opened.exists()
    assert sorted(os.listdir(tmp_path)) == ["original.ksms"], "a temporary file was left"


# ---------------------------------------------------------------------------------------
# 7. Streaming open


def test_streaming_opener_in_1000_byte_pieces(item: Item) -> None:
    opener = item.key.opener(item.media_id, MediaKind.THUMBNAIL)
    assert open_streaming(opener, item.sealed_thumbnail, 1000) == item.thumbnail


# ---------------------------------------------------------------------------------------
# 8. Sharing


def test_share_album_with_bob(alice: keepsake.NewAccount, album: keepsake.AlbumKey, item: Item, bob: keepsake.NewAccount, grant: bytes) -> None:
    expected = ExpectedAlbum(album_id=album.album_id(), epoch=0)
    received = bob.keyring.accept_grant(grant, alice.keyring.identity_public_key(), expected)
    assert received.album_id() == album.album_id()
    assert received.epoch() == 0
    key = received.unwrap_media_key(item.media_id, item.wrapped)
    assert key.open(item.media_id, MediaKind.ORIGINAL, item.sealed_original) == item.original
    assert key.open(item.media_id, MediaKind.THUMBNAIL, item.sealed_thumbnail) == item.thumbnail
    assert key.open_blob(item.media_id, MediaBlob.METADATA, item.sealed_metadata) == METADATA


def test_grant_from_wrong_sender(album: keepsake.AlbumKey, bob: keepsake.NewAccount, grant: bytes) -> None:
    carol = keepsake.create_account("Carol's passphrase", FLOOR)
    expected = ExpectedAlbum(album_id=album.album_id(), epoch=0)
    with raises("GrantWrongSender"):
        bob.keyring.accept_grant(grant, carol.keyring.identity_public_key(), expected)


def test_grant_is_1354_bytes_naming_both_digests(alice: keepsake.NewAccount, bob: keepsake.NewAccount, grant: bytes) -> None:
    assert len(grant) == 1354
    info = keepsake.inspect_grant(grant)
    assert info.sender_identity_digest == alice.keyring.identity_digest()
    assert info.recipient_identity_digest == bob.keyring.identity_digest()
    assert info.sender_fingerprint == alice.keyring.fingerprint()


# The grant's layout (SPEC.md 5.7): version, suite, sender digest, recipient digest,
# album id, be64 epoch, history entry hash (122 bytes), then enc (1120), ciphertext (48), signature (64).
GRANT_SUITE = 1
GRANT_EPOCH = 2 + 32 + 32 + 16


@pytest.mark.parametrize(
    "where", [GRANT_EPOCH + 7, 1354 - 1, 1354 - 64], ids=["epoch", "signature-end", "signature"]
)
def test_altered_grant_has_a_bad_signature(alice: keepsake.NewAccount, bob: keepsake.NewAccount, grant: bytes, where: int) -> None:
    with raises("GrantBadSignature") as err:
        bob.keyring.accept_grant(flip(grant, where), alice.keyring.identity_public_key(), None)
    assert "signature" in str(err.value)


def test_grant_of_suite_1_is_a_refused_downgrade(alice: keepsake.NewAccount, bob: keepsake.NewAccount, grant: bytes) -> None:
    downgraded = grant[:GRANT_SUITE] + b"\x01" + grant[GRANT_SUITE + 1 :]
    with raises("UnsupportedSuite"):
        bob.keyring.accept_grant(downgraded, alice.keyring.identity_public_key(), None)
    with raises("UnsupportedSuite"):
        keepsake.inspect_grant(downgraded)


def test_malformed_device_public_keys_are_refused(alice: keepsake.NewAccount) -> None:
    good = DeviceKey.generate().public_key()
    # An ML-KEM coefficient of 0xfff, past the modulus 3329.
    past_modulus = b"\xff\x0f" + good[2:]
    # The all-zero X25519 half (a point of small order).
    zero_x25519 = good[:-32] + bytes(32)
    for bad in (past_modulus, zero_x25519):
        with raises("InvalidPublicKey") as err:
            alice.keyring.enroll_device(alice.bundle, bad)
        assert "device public key" in str(err.value)
    with raises("InvalidLength"):
        alice.keyring.enroll_device(alice.bundle, good[:32])


def test_malformed_identity_public_keys_are_refused(alice: keepsake.NewAccount, album: keepsake.AlbumKey) -> None:
    good = alice.keyring.identity_public_key()
    past_modulus = good[:32] + b"\xff\x0f" + good[34:]
    for bad in (past_modulus, good[:-32] + bytes(32)):
        with raises("InvalidPublicKey"):
            alice.keyring.grant_album(album, bad, bytes(32))
        with raises("InvalidPublicKey"):
            keepsake.fingerprint(bad)
        with raises("InvalidPublicKey"):
            keepsake.identity_digest(bad)
    with raises("InvalidLength"):
        keepsake.identity_digest(alice.keyring.identity_digest())


# ---------------------------------------------------------------------------------------
# 9. Tampering


def test_flipped_byte_in_original(item: Item) -> None:
    tampered = flip(item.sealed_original, len(item.sealed_original) // 2)
    with raises("DecryptionFailed"):
        item.key.open(item.media_id, MediaKind.ORIGINAL, tampered)


def test_original_opened_as_thumbnail(item: Item) -> None:
    with raises("DecryptionFailed"):
        item.key.open(item.media_id, MediaKind.THUMBNAIL, item.sealed_original)


def test_original_cut_at_last_chunk_boundary(item: Item) -> None:
    full_chunks = ORIGINAL_LEN // CHUNK
    cut = item.sealed_original[: HEADER_LEN + full_chunks * (CHUNK + TAG_LEN)]
    with raises("TruncatedStream"):
        item.key.open(item.media_id, MediaKind.ORIGINAL, cut)


def test_flipped_byte_in_wrapped_media_key(album: keepsake.AlbumKey, item: Item) -> None:
    with raises("DecryptionFailed"):
        album.unwrap_media_key(item.media_id, flip(item.wrapped, len(item.wrapped) // 2))


def test_garbage_bundle(alice: keepsake.NewAccount) -> None:
    garbage = b"\x00\xffnot a keepsake bundle at all" * 3
    with raises("MalformedBundle"):
        keepsake.bundle_devices(garbage)
    with raises("MalformedBundle"):
        keepsake.unlock_with_passphrase(garbage, ALICE_PASSPHRASE)
    with raises("MalformedBundle"):
        alice.keyring.enroll_device(garbage, DeviceKey.generate().public_key())


def test_streaming_sealer_after_finish(item: Item) -> None:
    sealer = item.key.sealer(item.media_id, MediaKind.PREVIEW)
    sealer.push(b"some preview bytes")
    sealer.finish()
    with raises("StreamClosed"):
        sealer.push(b"more")
    with raises("StreamClosed"):
        sealer.finish()


def test_errors_are_flat_keepsake_errors() -> None:
    """Every variant is a subclass of KeepsakeError (callers may catch the base)."""
    with pytest.raises(keepsake.KeepsakeError):
        keepsake.bundle_devices(b"garbage")
