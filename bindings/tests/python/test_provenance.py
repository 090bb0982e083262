"""SCENARIO.md section 8 (issue 16): album history, signed provenance and selection grants.

The vector files history-v1.json, provenance-v1.json and selection-v1.json checked through
the bindings, then two scenarios: a print order (Alice's album with its history, ten signed
items, three originals granted to a print service that verifies the uploader against the
history and opens exactly those three) and a history (Bob added, then removed: a manifest he
signs afterwards is refused).
"""

from typing import Any

import pytest

import keepsake
from keepsake import HistoryChange, MediaBlob, MediaKey, MediaKind, PartKind, SelectedItem, SelectedPart
from helpers import MEDIA_KINDS, cases, edited_grant, load_vectors, raises, recipient_keyring, unhex

FLOOR = keepsake.kdf_profile(keepsake.KdfProfile.FLOOR)


# ---------------------------------------------------------------------------------------
# history-v1.json: each chain verifies to its head (hash, fingerprint, members after each
# entry), or is refused with its error.


@pytest.mark.parametrize("case", cases("history-v1.json"))
def test_history_vectors(case: dict[str, Any]) -> None:
    album_id = unhex(case["album_id"])
    owner = unhex(case["trusted_owner"])
    entries = [unhex(e["entry"]) for e in case["entries"]]
    pin = keepsake.HistoryPin.from_bytes(unhex(case["pin"])) if "pin" in case else None
    for e in case["entries"]:
        assert keepsake.history_entry_hash(unhex(e["entry"])) == unhex(e["hash"])
    if "error" in case:
        with raises(case["error"]):
            keepsake.verify_history(entries, album_id, owner, pin)
        return
    history = keepsake.verify_history(entries, album_id, owner, pin)
    assert history.head_hash() == unhex(case["head"])
    assert history.head_fingerprint() == case["head_fingerprint"]
    assert history.entry_count() == len(entries)
    assert history.album_id() == album_id and history.owner() == owner
    for e in case["entries"]:
        members = {keepsake.identity_digest(m) for m in history.members_at(unhex(e["hash"]))}
        assert members == {unhex(d) for d in e["members_after"]}, f"entry {e['seq']}"
        assert history.epoch_at(unhex(e["hash"])) == e["epoch"]
    # The pin it leaves refuses the same chain cut by one entry (a rollback).
    if len(entries) > 1:
        with raises("HistoryRollback"):
            keepsake.verify_history(entries[:-1], album_id, owner, history.pin())


# ---------------------------------------------------------------------------------------
# provenance-v1.json: the parts' hash lists and roots recomputed with no key; the record
# verified against the history (uploader digest and fingerprint, or the error); each check
# opens a whole part or a range with its hash list, or is refused.


@pytest.mark.parametrize("case", cases("provenance-v1.json"))
def test_provenance_vectors(case: dict[str, Any]) -> None:
    album_id = unhex(case["album_id"])
    history = keepsake.verify_history(
        [unhex(e) for e in case["history"]], album_id, unhex(case["history_owner"])
    )
    for part in case["parts"]:
        hashes = keepsake.part_hashes(unhex(part["sealed"]))
        assert hashes == keepsake.PartHashes(root=unhex(part["root"]), hash_list=unhex(part["hash_list"]))
    media_id = unhex(case["media_id"])
    record = unhex(case["record"])
    if "error" in case:
        with raises(case["error"]):
            keepsake.verify_item(record, media_id, case["epoch"], history)
        return
    item = keepsake.verify_item(record, media_id, case["epoch"], history)
    assert keepsake.identity_digest(item.uploader()) == unhex(case["uploader_digest"])
    assert item.uploader_fingerprint() == case["fingerprint"]
    assert item.metadata() == unhex(case["metadata"])
    key = MediaKey.from_secret_bytes(unhex(case["media_key"]))
    for check in case["checks"]:
        kind = MEDIA_KINDS[check["kind"]]
        sealed = unhex(check["sealed"])

        def run() -> bytes:
            if "offset" in check:
                return item.open_range(
                    key, kind, sealed, check["offset"], check["len"], unhex(check["hash_list"])
                )
            return item.open_part(key, kind, sealed)

        if "error" in check:
            with raises(check["error"]):
                run()
        else:
            assert run() == unhex(check["plaintext"]), check["comment"]


# ---------------------------------------------------------------------------------------
# selection-v1.json: the public header read with no key (the print order record), and the
# refusals of steps 1-3 (version, suite, item count, cut inside the header) that need no key.
# Then the grant accepted by its recipient, the bundle-v1.json account (`recipient_bundle`,
# unlocked by passphrase): every granted part opens to its plaintext, the part not granted
# is NotInSelection, and each refusal the recipient meets gives its error. The refusals
# accepted by `other` (a seed-only identity: no bundle holds it, and the bindings never
# import an identity secret) are left to the Rust test.

KEYLESS = {"UnsupportedVersion", "UnsupportedSuite", "TooLarge"}


def test_selection_vectors_count() -> None:
    assert len(load_vectors("selection-v1.json")) == 2


@pytest.mark.parametrize("case", cases("selection-v1.json"))
def test_selection_vectors(case: dict[str, Any]) -> None:
    grant = unhex(case["grant"])
    info = keepsake.inspect_selection(grant)
    assert info.sender_fingerprint == case["sender_fingerprint"]
    assert info.album_id == unhex(case["album_id"])
    assert info.selection_id == unhex(case["selection_id"])
    assert info.expires_at == case["expires_at"]
    assert info.history_entry == unhex(case["history"])
    assert info.item_count == len(case["items"])
    assert grant.startswith(unhex(case["header"]))
    checked = 0
    for r in case["refusals"]:
        if "truncate" in r:
            if r["truncate"] >= len(unhex(case["header"])):
                continue
        elif "offset" not in r:
            continue  # a replay to another identity: only its secret tells
        if r["error"] in KEYLESS or "truncate" in r or r["comment"] == "no items":
            with raises(r["error"]):
                keepsake.inspect_selection(edited_grant(grant, r))
            checked += 1
    assert checked >= 4


@pytest.mark.parametrize("case", cases("selection-v1.json"))
def test_selection_accepted_by_the_bundle_account(case: dict[str, Any]) -> None:
    keyring = recipient_keyring(case)
    grant = unhex(case["grant"])
    sender = unhex(case["sender_identity_public"])
    album_id, history = unhex(case["album_id"]), unhex(case["history"])
    selection = keyring.accept_selection(grant, sender, album_id, history)
    assert selection.sender() == sender
    assert selection.info().sender_fingerprint == case["sender_fingerprint"]
    items = selection.items()
    assert [i.media_id for i in items] == [unhex(i["media_id"]) for i in case["items"]]
    opened = 0
    for item, got in zip(case["items"], items):
        media_id = unhex(item["media_id"])
        assert (got.epoch, got.signed, len(got.parts)) == (item["epoch"], item["manifest"] != "", len(item["parts"]))
        for part in item["parts"]:
            stored = unhex(part["stored"])
            if part["kind"] == "metadata":
                plaintext = selection.open_metadata(media_id, stored)
            else:
                plaintext = selection.open_part(media_id, MEDIA_KINDS[part["kind"]], stored)
            assert plaintext == unhex(part["plaintext"]), f"{item['media_id']} {part['kind']}"
            opened += 1
        with raises("NotInSelection"):
            selection.open_part(media_id, MEDIA_KINDS[item["not_granted_kind"]], unhex(item["not_granted"]))
    assert opened == sum(len(i["parts"]) for i in case["items"]) >= 3
    refused = 0
    for r in case["refusals"]:
        if r["accepted_by"] != "recipient":
            continue  # `other`: see above
        with raises(r["error"]):
            keyring.accept_selection(edited_grant(grant, r), sender, album_id, history)
        refused += 1
    assert refused == len(case["refusals"]) - 2 >= 14


# ---------------------------------------------------------------------------------------
# The print order.


class Album:
    """Alice's album with its history, and ten items she sealed and signed."""

    def __init__(self) -> None:
        self.alice = keepsake.create_account("Alice's passphrase", FLOOR).keyring
        self.album_id = keepsake.new_album_id()
        self.entries = [self.alice.create_album_history(self.album_id)]
        self.history = keepsake.verify_history(
            self.entries, self.album_id, self.alice.identity_public_key()
        )
        self.epoch = self.history.current_epoch()
        self.items: list[dict[str, Any]] = []
        for i in range(10):
            media_id = keepsake.new_media_id()
            key = MediaKey.generate()
            photo = bytes([i]) * (70_000 + i)
            thumb = bytes([i + 100]) * 2_000
            original = key.seal_part(media_id, MediaKind.ORIGINAL, photo)
            thumbnail = key.seal_part(media_id, MediaKind.THUMBNAIL, thumb)
            metadata = b'{"name": "IMG_%04d.jpg"}' % i
            record = self.alice.sign_item(
                media_id,
                self.album_id,
                self.epoch,
                self.history.head_hash(),
                [original.entry, thumbnail.entry],
                metadata,
            )
            self.items.append(
                {
                    "media_id": media_id,
                    "key": key,
                    "photo": photo,
                    "original": original,
                    "thumbnail": thumbnail,
                    "record": record,
                    "envelope": key.seal_blob(media_id, MediaBlob.METADATA, record),
                }
            )


@pytest.fixture(scope="module")
def album() -> Album:
    return Album()


@pytest.fixture(scope="module")
def shop() -> keepsake.Keyring:
    return keepsake.create_account("the print shop's passphrase", FLOOR).keyring


def first_originals(album: Album) -> list[SelectedItem]:
    """The originals of items 0, 1 and 2, as a grant selects them."""
    return [
        SelectedItem(
            media_id=it["media_id"],
            epoch=album.epoch,
            media_key=it["key"],
            parts=[SelectedPart.STREAM(it["original"].sealed[:88])],
            manifest=keepsake.parse_item_record(it["record"]).manifest,
        )
        for it in album.items[:3]
    ]


@pytest.fixture(scope="module")
def order(album: Album, shop: keepsake.Keyring) -> bytes:
    """Alice grants the originals of items 0, 1 and 2 to the print shop."""
    return album.alice.grant_selection(
        shop.identity_public_key(), album.album_id, album.history.head_hash(), 1_900_000_000, first_originals(album)
    )


def test_alice_verifies_her_signed_items(album: Album) -> None:
    for it in album.items:
        record = it["key"].open_blob(it["media_id"], MediaBlob.METADATA, it["envelope"])
        item = keepsake.verify_item(record, it["media_id"], album.epoch, album.history)
        assert item.uploader() == album.alice.identity_public_key()
        assert item.uploader_fingerprint() == album.alice.fingerprint()
        assert item.history_entry() == album.history.head_hash()
        assert item.verify_part(MediaKind.ORIGINAL, it["original"].sealed) == keepsake.part_hashes(
            it["original"].sealed
        )
        assert item.open_part(it["key"], MediaKind.ORIGINAL, it["original"].sealed) == it["photo"]
        got = item.open_range(
            it["key"], MediaKind.ORIGINAL, it["original"].sealed, 65_000, 100, it["original"].hash_list
        )
        assert got == it["photo"][65_000:65_100]
    # Another item's original offered as this one's: refused before it is opened.
    first, second = album.items[:2]
    item = keepsake.verify_item(first["record"], first["media_id"], album.epoch, album.history)
    with raises("ProvenanceMismatch"):
        item.open_part(first["key"], MediaKind.ORIGINAL, second["original"].sealed)


def test_the_order_record_before_acceptance(album: Album, shop: keepsake.Keyring, order: bytes) -> None:
    info = keepsake.inspect_selection(order)
    assert info.item_count == 3
    assert info.expires_at == 1_900_000_000
    assert info.sender_fingerprint == album.alice.fingerprint()
    assert info.sender_identity_digest == album.alice.identity_digest()
    assert info.recipient_identity_digest == shop.identity_digest()
    assert info.album_id == album.album_id
    assert info.history_entry == album.history.head_hash()


def test_the_print_shop_opens_the_three_originals(album: Album, shop: keepsake.Keyring, order: bytes) -> None:
    selection = shop.accept_selection(
        order, album.alice.identity_public_key(), album.album_id, album.history.head_hash()
    )
    assert selection.sender() == album.alice.identity_public_key()
    assert selection.info() == keepsake.inspect_selection(order)
    chosen = album.items[:3]
    items = selection.items()
    assert sorted(i.media_id for i in items) == sorted(it["media_id"] for it in chosen)
    assert all(i.parts == [PartKind.ORIGINAL] and i.signed and i.epoch == album.epoch for i in items)
    # The shop fetches the album's history and verifies it against Alice's identity (checked
    # by her fingerprint): each item's uploader is a member there.
    history = keepsake.verify_history(album.entries, album.album_id, album.alice.identity_public_key())
    for it in chosen:
        assert selection.uploader(it["media_id"], history) == album.alice.identity_public_key()
        sealed = it["original"].sealed
        assert selection.verify_part(it["media_id"], MediaKind.ORIGINAL, sealed).root == it["original"].entry.root
        assert selection.open_part(it["media_id"], MediaKind.ORIGINAL, sealed) == it["photo"]
        assert selection.open_range(it["media_id"], MediaKind.ORIGINAL, sealed, 10, 20) == it["photo"][10:30]
        opener = selection.opener(it["media_id"], MediaKind.ORIGINAL)
        pushed = b"".join(opener.push(sealed[i : i + 5000]) for i in range(0, len(sealed), 5000))
        assert pushed + opener.finish() == it["photo"]


def test_nothing_else_opens(album: Album, shop: keepsake.Keyring, order: bytes) -> None:
    selection = shop.accept_selection(order, album.alice.identity_public_key())
    fourth = album.items[3]
    with raises("NotInSelection") as err:
        selection.open_part(fourth["media_id"], MediaKind.ORIGINAL, fourth["original"].sealed)
    assert isinstance(err.value, keepsake.MisuseError)
    first = album.items[0]
    with raises("NotInSelection"):
        selection.open_part(first["media_id"], MediaKind.THUMBNAIL, first["thumbnail"].sealed)
    with raises("NotInSelection"):
        selection.opener(first["media_id"], MediaKind.THUMBNAIL)
    with raises("NotInSelection"):
        selection.open_metadata(first["media_id"], first["envelope"])
    with raises("NotInSelection"):
        selection.uploader(fourth["media_id"], album.history)
    # The granted part of item 0 offered as item 1's: refused.
    second = album.items[1]
    with raises("DecryptionFailed"):
        selection.open_part(second["media_id"], MediaKind.ORIGINAL, first["original"].sealed)


def test_the_order_is_refused_when_not_as_expected(album: Album, shop: keepsake.Keyring, order: bytes) -> None:
    stranger = keepsake.create_account("a stranger's passphrase", FLOOR).keyring
    with raises("SelectionWrongRecipient"):
        stranger.accept_selection(order, album.alice.identity_public_key())
    with raises("SelectionWrongSender"):
        shop.accept_selection(order, stranger.identity_public_key())
    with raises("SelectionWrongHistory"):
        shop.accept_selection(order, album.alice.identity_public_key(), None, bytes(32))
    with raises("SelectionWrongAlbum"):
        shop.accept_selection(order, album.alice.identity_public_key(), keepsake.new_album_id())
    altered = order[:-1] + bytes([order[-1] ^ 1])
    with raises("SelectionBadSignature") as err:
        shop.accept_selection(altered, album.alice.identity_public_key())
    assert isinstance(err.value, keepsake.AuthenticationError)
    with raises("MalformedSelection") as bad:
        keepsake.inspect_selection(order[:50])
    assert isinstance(bad.value, keepsake.MalformedInputError)


def test_the_order_is_checked_against_the_album_history(album: Album, shop: keepsake.Keyring, order: bytes) -> None:
    owner = album.alice.identity_public_key()
    history = keepsake.verify_history(album.entries, album.album_id, owner)
    # The order names the head of the chain the shop verified, where Alice is a member.
    shop.accept_selection(order, owner).check_history(history)
    # Alice re-keys the album (an epoch move with no rotation: the next epoch of the same
    # generation) and orders again naming the new head.
    moved = album.alice.append_history(history, HistoryChange.EPOCH_MOVE())
    newer = keepsake.verify_history([*album.entries, moved], album.album_id, owner, history.pin())
    assert newer.current_epoch() == history.current_epoch() + 1 == newer.epoch_at(newer.head_hash())
    assert newer.head_hash() == history.extended(moved).head_hash()
    again = album.alice.grant_selection(
        shop.identity_public_key(), album.album_id, newer.head_hash(), 1_900_000_000, first_originals(album)
    )
    selection = shop.accept_selection(again, owner)
    # Against the chain it had, the entry is unknown; against the newest chain it checks.
    with raises("HistoryUnknownEntry") as unknown:
        selection.check_history(history)
    assert isinstance(unknown.value, keepsake.AuthenticationError)
    selection.check_history(newer)
    # A stranger holding the media keys signs a valid order naming the head: not a member.
    stranger = keepsake.create_account("a stranger's passphrase", FLOOR).keyring
    forged = stranger.grant_selection(
        shop.identity_public_key(), album.album_id, history.head_hash(), 1_900_000_000, first_originals(album)
    )
    with raises("SelectionWrongSender") as wrong:
        shop.accept_selection(forged, stranger.identity_public_key()).check_history(history)
    assert isinstance(wrong.value, keepsake.AuthenticationError)
    # The history of another album.
    other_id = keepsake.new_album_id()
    other = keepsake.verify_history([album.alice.create_album_history(other_id)], other_id, owner)
    with raises("SelectionWrongAlbum"):
        shop.accept_selection(order, owner).check_history(other)


# ---------------------------------------------------------------------------------------
# The history: Bob added, then removed.


def test_bob_added_then_removed() -> None:
    alice = keepsake.create_account("Alice's passphrase", FLOOR).keyring
    bob = keepsake.create_account("Bob's passphrase", FLOOR).keyring
    album_id = keepsake.new_album_id()
    owner = alice.identity_public_key()
    entries = [alice.create_album_history(album_id)]
    history = keepsake.verify_history(entries, album_id, owner)
    album = alice.album_key(album_id, history.current_epoch())
    # Bob added; the grant names the entry that added him and Bob accepts it against the
    # history (no separate check of Alice's identity beyond the owner's).
    entries.append(alice.append_history(history, HistoryChange.ADD_MEMBER(bob.identity_public_key())))
    history = keepsake.verify_history(entries, album_id, owner)
    grant = alice.grant_album(album, bob.identity_public_key(), history.head_hash())
    received = bob.accept_grant_in_history(grant, history)
    assert received.epoch() == album.epoch()
    assert history.is_member_at(history.head_hash(), bob.identity_digest())
    # Bob signs an item while a member: it verifies, with Bob as uploader.
    media_id = keepsake.new_media_id()
    key = MediaKey.generate()
    part = key.seal_part(media_id, MediaKind.ORIGINAL, b"Bob's photo")
    while_member = bob.sign_item(
        media_id, album_id, history.current_epoch(), history.head_hash(), [part.entry], b"{}"
    )
    assert keepsake.verify_item(while_member, media_id, history.current_epoch(), history).uploader() == bob.identity_public_key()
    # Bob may not change the membership.
    with raises("HistoryNotAllowed") as err:
        bob.append_history(history, HistoryChange.ADD_MEMBER(bob.identity_public_key()))
    assert isinstance(err.value, keepsake.AuthenticationError)
    # Alice removes Bob: a new epoch, no grant for him.
    removal = alice.append_history(history, HistoryChange.REMOVE_MEMBER(bob.identity_digest()))
    entries.append(removal)
    history = keepsake.verify_history(entries, album_id, owner, history.pin())
    moved = alice.remove_member(album, [], keepsake.history_entry_hash(removal))
    assert moved.grants == [] and moved.album.epoch() == history.current_epoch() > album.epoch()
    assert not history.is_member_at(history.head_hash(), bob.identity_digest())
    assert [keepsake.identity_digest(m) for m in history.current_members()] == [alice.identity_digest()]
    # Bob's later manifest, naming the entry that removed him: refused.
    later = keepsake.new_media_id()
    late_part = key.seal_part(later, MediaKind.ORIGINAL, b"Bob's later photo")
    after = bob.sign_item(
        later, album_id, history.current_epoch(), history.head_hash(), [late_part.entry], b"{}"
    )
    with raises("ProvenanceNotMember") as refused:
        keepsake.verify_item(after, later, history.current_epoch(), history)
    assert isinstance(refused.value, keepsake.AuthenticationError)
    # Naming the entry where he was a member, but claiming the new epoch: refused too.
    backdated = bob.sign_item(
        later, album_id, history.current_epoch(), history.hash_at(1) or b"", [late_part.entry], b"{}"
    )
    with raises("ProvenanceWrongItem"):
        keepsake.verify_item(backdated, later, history.current_epoch(), history)
    # His item from before the removal still verifies.
    assert keepsake.verify_item(while_member, media_id, album.epoch(), history).uploader() == bob.identity_public_key()
    # A server serving the chain without the removal, to a device that pinned it: refused.
    with raises("HistoryRollback"):
        keepsake.verify_history(entries[:2], album_id, owner, history.pin())
    # A forged removal entry (one byte of its signature flipped): refused.
    forged = removal[:-1] + bytes([removal[-1] ^ 1])
    with raises("HistoryBadSignature"):
        keepsake.verify_history([*entries[:2], forged], album_id, owner)
    # The pin round-trips.
    pin = history.pin()
    assert keepsake.HistoryPin.from_bytes(pin.to_bytes()) == pin
    assert pin.seq() == 2 and pin.entry_hash() == history.head_hash() and pin.album_id() == album_id
