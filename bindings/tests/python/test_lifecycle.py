"""SCENARIO.md section 6: the key lifecycle (issue 14) through the installed `keepsake`
package: revoke-and-rotate locks a device out, every remaining unlock method opens items
sealed before and after, a device pin refuses a rolled-back bundle, member removal re-keys
an album, and the pin round-trips through its 40 bytes."""

from dataclasses import dataclass

import pytest

import keepsake
from keepsake import AccountPin, AlbumBlob, DeviceKey, ExpectedAlbum, KdfProfile, MediaKey, MediaKind

from helpers import genesis_hash, raises

PASSPHRASE = "lifecycle passphrase of Alice"
FLOOR = keepsake.kdf_profile(KdfProfile.FLOOR)
GENERATION_1 = 1 << 32  # the first epoch of generation 1


@dataclass
class Sealed:
    """One item of an album: its id, wrapped media key, sealed original and the album name
    sealed under the same album key."""

    media_id: bytes
    wrapped: bytes
    original: bytes
    sealed: bytes
    text: bytes
    name: bytes


def seal_item(album: keepsake.AlbumKey, text: bytes) -> Sealed:
    media_id = keepsake.new_media_id()
    key = MediaKey.generate()
    original = text * 50
    return Sealed(
        media_id,
        album.wrap_media_key(media_id, key),
        original,
        key.seal(media_id, MediaKind.ORIGINAL, original),
        text,
        album.seal_blob(AlbumBlob.NAME, text),
    )


def opens(album: keepsake.AlbumKey, item: Sealed) -> bool:
    """Whether ALBUM (a key of the item's epoch) opens the item and its album name."""
    key = album.unwrap_media_key(item.media_id, item.wrapped)
    assert key.open(item.media_id, MediaKind.ORIGINAL, item.sealed) == item.original
    assert album.open_blob(AlbumBlob.NAME, item.name) == item.text
    return True


@dataclass
class World:
    account: keepsake.NewAccount
    phone: DeviceKey
    lost: DeviceKey
    phone_pin: AccountPin
    lost_pin: AccountPin
    bundle0: bytes
    lost_keyring: keepsake.Keyring  # what the lost device unlocked before it was lost
    album_id: bytes
    album0: keepsake.AlbumKey  # the album key at epoch 0 (the lost device derived it)
    before: Sealed
    bundle1: bytes
    keyring1: keepsake.Keyring
    album1: keepsake.AlbumKey
    after: Sealed


@pytest.fixture(scope="module")
def world() -> World:
    account = keepsake.create_account(PASSPHRASE, FLOOR)
    keyring = account.keyring
    phone, lost = DeviceKey.generate(), DeviceKey.generate()
    enrolled = keyring.enroll_device(account.bundle, phone.public_key())
    enrolled_lost = keyring.enroll_device(enrolled.bundle, lost.public_key())
    bundle0 = enrolled_lost.bundle
    lost_keyring = keepsake.unlock_with_device(bundle0, lost, enrolled_lost.pin)
    album_id = keepsake.new_album_id()
    album0 = lost_keyring.album_key(album_id, lost_keyring.current_epoch())
    before = seal_item(album0, b"sealed before the rotation")
    rotated = keyring.revoke_device_and_rotate(bundle0, lost.public_key())
    album1 = rotated.keyring.album_key(album_id, rotated.keyring.current_epoch())
    after = seal_item(album1, b"sealed after the rotation")
    return World(
        account,
        phone,
        lost,
        enrolled.pin,
        enrolled_lost.pin,
        bundle0,
        lost_keyring,
        album_id,
        album0,
        before,
        rotated.bundle,
        rotated.keyring,
        album1,
        after,
    )


# ---------------------------------------------------------------------------------------
# Generations and epochs


def test_rotation_moves_to_generation_1(world: World) -> None:
    assert world.account.keyring.generation() == 0
    assert world.account.keyring.current_epoch() == 0
    assert world.keyring1.generation() == 1
    assert world.keyring1.current_epoch() == GENERATION_1
    assert world.album1.epoch() == GENERATION_1
    assert keepsake.bundle_generation(world.bundle0) == 0
    assert keepsake.bundle_generation(world.bundle1) == 1
    assert keepsake.bundle_devices(world.bundle1) == [world.phone.public_key()]


def test_identity_survives_rotation(world: World) -> None:
    assert world.keyring1.identity_public_key() == world.account.keyring.identity_public_key()
    assert world.keyring1.fingerprint() == world.account.keyring.fingerprint()


def test_bundle_generation_of_garbage() -> None:
    with raises("MalformedBundle"):
        keepsake.bundle_generation(b"not a bundle")


# ---------------------------------------------------------------------------------------
# Revocation locks out


def test_revoked_device_cannot_unlock_rotated_bundle(world: World) -> None:
    with raises("DeviceNotEnrolled"):
        keepsake.unlock_with_device(world.bundle1, world.lost, world.lost_pin)


def test_revoked_device_cannot_derive_the_new_epoch(world: World) -> None:
    with raises("UnknownGeneration") as err:
        world.lost_keyring.album_key(world.album_id, GENERATION_1)
    assert "generation 1" in str(err.value) and "generation 0" in str(err.value)


def test_old_album_key_cannot_open_items_of_the_new_epoch(world: World) -> None:
    with raises("DecryptionFailed"):
        world.album0.unwrap_media_key(world.after.media_id, world.after.wrapped)
    with raises("DecryptionFailed"):
        world.album0.open_blob(AlbumBlob.NAME, world.after.name)
    # The key of epoch 1 << 32 built from the old keyring's epoch-0 secret does not exist:
    # the lost device's every derivable key of this album is refused.
    for epoch in (0, 1, GENERATION_1 - 1):
        key = world.lost_keyring.album_key(world.album_id, epoch)
        with raises("DecryptionFailed"):
            key.unwrap_media_key(world.after.media_id, world.after.wrapped)


def test_revoking_an_unenrolled_device_fails(world: World) -> None:
    with raises("DeviceNotEnrolled"):
        world.keyring1.revoke_device_and_rotate(world.bundle1, world.lost.public_key())


# ---------------------------------------------------------------------------------------
# Every remaining unlock method opens items sealed before and after


def remaining_unlocks(world: World) -> dict[str, keepsake.Keyring]:
    return {
        "passphrase": keepsake.unlock_with_passphrase(world.bundle1, PASSPHRASE),
        "recovery": keepsake.unlock_with_recovery(world.bundle1, world.account.recovery_phrase),
        "phone": keepsake.unlock_with_device(world.bundle1, world.phone, world.phone_pin),
    }


@pytest.mark.parametrize("how", ["passphrase", "recovery", "phone"])
def test_remaining_unlocks_open_before_and_after(world: World, how: str) -> None:
    keyring = remaining_unlocks(world)[how]
    assert keyring.generation() == 1
    assert keyring.identity_public_key() == world.account.keyring.identity_public_key()
    assert opens(keyring.album_key(world.album_id, 0), world.before)
    assert opens(keyring.album_key(world.album_id, keyring.current_epoch()), world.after)


def test_plain_rotation_needs_no_secret_and_keeps_everything(world: World) -> None:
    rotated = world.keyring1.rotate(world.bundle1)
    assert rotated.keyring.generation() == 2
    assert keepsake.bundle_generation(rotated.bundle) == 2
    assert keepsake.bundle_devices(rotated.bundle) == [world.phone.public_key()]
    by_phone = keepsake.unlock_with_device(rotated.bundle, world.phone, world.phone_pin)
    assert by_phone.generation() == 2
    assert opens(by_phone.album_key(world.album_id, 0), world.before)
    assert opens(by_phone.album_key(world.album_id, GENERATION_1), world.after)
    by_passphrase = keepsake.unlock_with_passphrase(rotated.bundle, PASSPHRASE)
    assert by_passphrase.identity_public_key() == by_phone.identity_public_key()


def test_a_newer_keyring_refuses_to_rotate_an_older_bundle(world: World) -> None:
    with raises("Rollback") as err:
        world.keyring1.rotate(world.bundle0)
    assert "seen generation 1" in str(err.value) and "generation 0" in str(err.value)


# ---------------------------------------------------------------------------------------
# Rollback: a device pin at generation 1 refuses the generation-0 bundle


def test_pin_at_generation_1_refuses_generation_0_bundle(world: World) -> None:
    keyring = keepsake.unlock_with_device(world.bundle1, world.phone, world.phone_pin)
    pin = keyring.pin()
    assert pin.generation() == 1
    assert world.phone_pin.generation() == 0
    with raises("Rollback") as err:
        keepsake.unlock_with_device(world.bundle0, world.phone, pin)
    message = str(err.value)
    assert "seen generation 1" in message and "generation 0" in message, message
    # The newer bundle still unlocks with the newer pin.
    assert keepsake.unlock_with_device(world.bundle1, world.phone, pin).generation() == 1


def test_check_pin_after_a_passphrase_unlock(world: World) -> None:
    pin1 = world.keyring1.pin()
    old = keepsake.unlock_with_passphrase(world.bundle0, PASSPHRASE)
    with raises("Rollback") as err:
        old.check_pin(pin1)
    assert "seen generation 1" in str(err.value)
    world.keyring1.check_pin(pin1)
    world.keyring1.check_pin(world.phone_pin)  # an older pin is fine
    other = keepsake.create_account("someone else", FLOOR).keyring
    with raises("IdentityMismatch"):
        world.keyring1.check_pin(other.pin())


def test_pin_round_trips_through_bytes(world: World) -> None:
    pin = world.keyring1.pin()
    data = pin.to_bytes()
    assert len(data) == 40
    assert data[:32] == pin.identity_digest() == world.keyring1.identity_digest()
    assert pin.identity_digest() == keepsake.identity_digest(world.keyring1.identity_public_key())
    assert data[32:] == (1).to_bytes(8, "big")
    again = AccountPin.from_bytes(data)
    assert again == pin and hash(again) == hash(pin)
    assert again.generation() == 1
    assert again != world.phone_pin
    assert len({again, pin, world.phone_pin}) == 2
    assert world.phone_pin.to_bytes() == world.keyring1.identity_digest() + bytes(8)
    for bad in (b"", data[:39], data + b"\x00", data[:32]):
        with raises("InvalidLength"):
            AccountPin.from_bytes(bad)


def test_enrollment_pin_is_the_keyrings(world: World) -> None:
    assert world.phone_pin == world.account.keyring.pin()
    assert world.phone_pin.identity_digest() == world.account.keyring.identity_digest()


# ---------------------------------------------------------------------------------------
# Member removal re-keys an album


# Bob, Carol, their keys of the album before the move, the move, an item sealed after it.
Shared = tuple[
    keepsake.Keyring, keepsake.Keyring, keepsake.AlbumKey, keepsake.AlbumKey, keepsake.EpochMove, Sealed
]


@pytest.fixture(scope="module")
def shared(world: World) -> Shared:
    """Alice (generation 1) shares the album at its current epoch with Bob and Carol, who
    accept; then removes Carol."""
    alice = world.keyring1
    bob = keepsake.create_account("Bob's passphrase", FLOOR).keyring
    carol = keepsake.create_account("Carol's passphrase", FLOOR).keyring
    sender = alice.identity_public_key()
    expected = ExpectedAlbum(album_id=world.album_id, epoch=world.album1.epoch())
    # The album's history: Alice's genesis, Bob and Carol added, Carol removed (the entry
    # every grant of the removal names).
    history = keepsake.verify_history(
        [alice.create_album_history(world.album_id)], world.album_id, sender
    )
    for member in (bob, carol):
        change = keepsake.HistoryChange.ADD_MEMBER(member.identity_public_key())
        history = history.extended(alice.append_history(history, change))
    added_both = history.head_hash()
    bob_old = bob.accept_grant(
        alice.grant_album(world.album1, bob.identity_public_key(), added_both), sender, expected
    )
    carol_old = carol.accept_grant(
        alice.grant_album(world.album1, carol.identity_public_key(), added_both), sender, expected
    )
    removal = alice.append_history(
        history, keepsake.HistoryChange.REMOVE_MEMBER(carol.identity_digest())
    )
    history = history.extended(removal)
    moved = alice.remove_member(
        world.album1, [bob.identity_public_key()], keepsake.history_entry_hash(removal)
    )
    assert history.current_epoch() == moved.album.epoch()
    added = seal_item(moved.album, b"added after Carol left")
    return bob, carol, bob_old, carol_old, moved, added


def test_remove_member_moves_to_the_next_epoch(world: World, shared: Shared) -> None:
    *_, moved, _ = shared
    assert moved.album.album_id() == world.album_id
    assert moved.album.epoch() == world.album1.epoch() + 1
    # The owner derives the new epoch's key again.
    again = world.keyring1.album_key(world.album_id, moved.album.epoch())
    assert opens(again, shared[-1])


def test_remove_member_grants_only_the_remaining(world: World, shared: Shared) -> None:
    bob, carol, *_, moved, _ = shared
    assert [g.member_identity for g in moved.grants] == [bob.identity_public_key()]
    grant = moved.grants[0].grant
    assert len(grant) == 1354
    info = keepsake.inspect_grant(grant)
    assert info.recipient_identity_digest == bob.identity_digest()
    assert info.sender_identity_digest == world.keyring1.identity_digest()
    assert (info.album_id, info.epoch) == (world.album_id, moved.album.epoch())
    with raises("GrantWrongRecipient"):
        carol.accept_grant(grant, world.keyring1.identity_public_key(), None)


def test_remaining_member_opens_old_and_new_epochs(world: World, shared: Shared) -> None:
    bob, _, bob_old, _, moved, added = shared
    expected = ExpectedAlbum(album_id=world.album_id, epoch=moved.album.epoch())
    bob_new = bob.accept_grant(
        moved.grants[0].grant, world.keyring1.identity_public_key(), expected
    )
    assert opens(bob_new, added)
    assert opens(bob_old, world.after)


def test_removed_member_cannot_open_items_of_the_new_epoch(world: World, shared: Shared) -> None:
    _, _, _, carol_old, _, added = shared
    assert opens(carol_old, world.after)  # what she had, she keeps
    with raises("DecryptionFailed"):
        carol_old.unwrap_media_key(added.media_id, added.wrapped)
    with raises("DecryptionFailed"):
        carol_old.open_blob(AlbumBlob.NAME, added.name)


def test_only_the_owner_removes_members(world: World, shared: Shared) -> None:
    bob, *_ = shared
    # A key Bob received, of an epoch of his own generation (a received key of a newer
    # generation than his is refused earlier, with UnknownGeneration).
    received = bob.accept_grant(
        world.keyring1.grant_album(
            world.album0, bob.identity_public_key(), genesis_hash(world.keyring1, world.album_id)
        ),
        world.keyring1.identity_public_key(),
        ExpectedAlbum(album_id=world.album_id, epoch=0),
    )
    with raises("NotAlbumOwner"):
        bob.remove_member(received, [], bytes(32))
    forged = keepsake.AlbumKey.from_secret_bytes(
        world.album_id, world.album1.epoch(), bytes(range(32))
    )
    with raises("NotAlbumOwner"):
        world.keyring1.remove_member(forged, [], bytes(32))


def test_remove_member_refuses_a_bad_member_key(world: World) -> None:
    with raises("InvalidLength"):
        world.keyring1.remove_member(world.album1, [b"short"], bytes(32))
