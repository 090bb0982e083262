"""SCENARIO.md section 4: no secret in a string form, and no plaintext left by an
interrupted open.

Every exported record and object is built with known secrets and formatted every way Python
formats a value (str, repr, f-strings, %-formatting, inside a list); none of the strings may
hold the passphrase, the recovery words (or any three of them in a row), the device secret or
a raw key, in any of the spellings Python gives bytes. The set of exported classes is
enumerated from the module, so a new record or object fails this file until it is covered.

Then a child process is killed (SIGKILL, so no handler runs) in the middle of `open_file`:
its owner-only partial file of plaintext is there, and `remove_partial_files` removes exactly
the partial files and nothing else.
"""

import enum
import inspect
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from typing import Any

from pathlib import Path

import pytest

import keepsake
from keepsake import (
    AlbumKey,
    DeviceKey,
    ExpectedAlbum,
    KdfProfile,
    MediaKey,
    MediaKind,
    RecoveryPhrase,
)

# One instance of every exported class, and the secrets none may show.
Values = tuple[dict[type, Any], list[str | bytes]]

PASSPHRASE = "a passphrase nobody should ever see printed"
FLOOR = keepsake.kdf_profile(KdfProfile.FLOOR)
ALBUM_SECRET = bytes(range(100, 132))
MEDIA_SECRET = bytes(range(200, 232))


def spellings(secret: str | bytes) -> list[str]:
    """The ways a secret may show up in a string: text as is; bytes as hex (both cases), as
    Python's bytes repr, as a list of ints, and as Kotlin/Java-like signed lists."""
    if isinstance(secret, str):
        return [secret]
    signed = [b - 256 if b > 127 else b for b in secret]
    return [
        secret.hex(),
        secret.hex().upper(),
        repr(secret)[2:-1],
        str(list(secret))[1:-1],
        str(signed)[1:-1],
    ]


def forms(value: object) -> list[str]:
    """Every string Python makes of VALUE."""
    return [
        str(value),
        repr(value),
        f"{value}",
        f"{value!r}",
        "%s" % (value,),
        "%r" % (value,),
        str([value]),
        format(value, ""),
    ]


def assert_no_secret(value: object, secrets: list[str | bytes], what: str) -> None:
    for text in forms(value):
        for secret in secrets:
            for spelling in spellings(secret):
                assert spelling not in text, f"{what}: a secret appears in {text!r}"


def word_runs(words: str, n: int = 3) -> list[str]:
    """Every run of N consecutive recovery words."""
    ws = words.split()
    return [" ".join(ws[i : i + n]) for i in range(len(ws) - n + 1)]


@pytest.fixture(scope="module")
def values() -> Values:
    """One instance of every exported record and object, built from known secrets."""
    account = keepsake.create_account(PASSPHRASE, FLOOR)
    device = DeviceKey.generate()
    enrollment = account.keyring.enroll_device(account.bundle, device.public_key())
    rotated = account.keyring.rotate_recovery(enrollment.bundle)
    # The key lifecycle: a root rotation that revokes the device, and a member removal.
    rotated_root = account.keyring.revoke_device_and_rotate(rotated.bundle, device.public_key())
    own_album = rotated_root.keyring.album_key(
        keepsake.new_album_id(), rotated_root.keyring.current_epoch()
    )
    moved = rotated_root.keyring.remove_member(
        own_album,
        [rotated_root.keyring.identity_public_key()],
        keepsake.history_entry_hash(rotated_root.keyring.create_album_history(own_album.album_id())),
    )
    album_id = keepsake.new_album_id()
    album = AlbumKey.from_secret_bytes(album_id, 3, ALBUM_SECRET)
    media = MediaKey.from_secret_bytes(MEDIA_SECRET)
    media_id = keepsake.new_media_id()
    sealer = media.sealer(media_id, MediaKind.ORIGINAL)
    opener = media.opener(media_id, MediaKind.ORIGINAL)
    secrets: list[str | bytes] = [
        PASSPHRASE,
        account.recovery_phrase.words(),
        *word_runs(account.recovery_phrase.words()),
        rotated.recovery_phrase.words(),
        *word_runs(rotated.recovery_phrase.words()),
        device.secret_bytes(),
        ALBUM_SECRET,
        MEDIA_SECRET,
    ]
    by_class: dict[type, Any] = {
        keepsake.NewAccount: account,
        keepsake.Enrollment: enrollment,
        keepsake.RotatedRecovery: rotated,
        keepsake.RotatedRoot: rotated_root,
        keepsake.EpochMove: moved,
        keepsake.MemberGrant: moved.grants[0],
        keepsake.AccountPin: rotated_root.keyring.pin(),
        keepsake.KdfParams: FLOOR,
        ExpectedAlbum: ExpectedAlbum(album_id=album_id, epoch=3),
        keepsake.Keyring: account.keyring,
        DeviceKey: device,
        RecoveryPhrase: account.recovery_phrase,
        AlbumKey: album,
        MediaKey: media,
        keepsake.StreamSealer: sealer,
        keepsake.StreamOpener: opener,
    }
    header = keepsake.parse_stream_header(media.seal(media_id, MediaKind.ORIGINAL, b"x"))
    by_class[keepsake.StreamHeader] = header
    by_class[keepsake.RangePlan] = keepsake.plan_range(
        media.seal(media_id, MediaKind.ORIGINAL, bytes(1000)), 88 + 1000 + 16, 10, 20
    )
    genesis = account.keyring.create_album_history(album_id)
    grant = account.keyring.grant_album(
        album, account.keyring.identity_public_key(), keepsake.history_entry_hash(genesis)
    )
    by_class[keepsake.GrantInfo] = keepsake.inspect_grant(grant)
    by_class[keepsake.CancelToken] = keepsake.CancelToken()
    # Issue 16: album history, provenance, selection grants (the selection holds part keys
    # derived from MEDIA_SECRET; the selected item holds the media key itself).
    keyring = account.keyring
    history = keepsake.verify_history([genesis], album_id, keyring.identity_public_key())
    change = keepsake.HistoryChange.ADD_MEMBER(keyring.identity_public_key())
    by_class[keepsake.HistoryChange] = change
    by_class[keepsake.HistoryPin] = history.pin()
    by_class[keepsake.VerifiedHistory] = history
    part = media.seal_part(media_id, MediaKind.ORIGINAL, b"a photo")
    by_class[keepsake.SealedPart] = part
    by_class[keepsake.PartEntry] = part.entry
    by_class[keepsake.PartHashes] = keepsake.part_hashes(part.sealed)
    record = keyring.sign_item(
        media_id, album_id, history.current_epoch(), history.head_hash(), [part.entry], b"{}"
    )
    by_class[keepsake.ItemRecordParts] = keepsake.parse_item_record(record)
    by_class[keepsake.VerifiedItem] = keepsake.verify_item(
        record, media_id, history.current_epoch(), history
    )
    selected = keepsake.SelectedPart.STREAM(part.sealed[:88])
    by_class[keepsake.SelectedPart] = selected
    item = keepsake.SelectedItem(
        media_id=media_id,
        epoch=history.current_epoch(),
        media_key=media,
        parts=[selected],
        manifest=keepsake.parse_item_record(record).manifest,
    )
    by_class[keepsake.SelectedItem] = item
    selection_grant = keyring.grant_selection(
        keyring.identity_public_key(), album_id, history.head_hash(), 2_000_000_000, [item]
    )
    by_class[keepsake.SelectionInfo] = keepsake.inspect_selection(selection_grant)
    selection = keyring.accept_selection(selection_grant, keyring.identity_public_key())
    by_class[keepsake.Selection] = selection
    by_class[keepsake.SelectionItemInfo] = selection.items()[0]
    # Issue 17: links and drops (test_links.py builds them; the drop holds MEDIA_SECRET).
    from test_links import link_values

    links, link_secrets = link_values(keyring, album, media, history.head_hash())
    by_class.update(links)
    secrets += link_secrets
    return by_class, secrets


def exported_value_classes() -> set[type]:
    """The records and objects the package exports: its classes, and those of the generated
    module it wraps (keepsake._ffi.keepsake: so a type the wrapper forgot to re-export is
    still covered), less enums, errors and the foreign-implemented listener interface (and
    the generated *Protocol twins)."""
    found = set()
    generated = vars(keepsake._ffi.keepsake)  # type: ignore[attr-defined]
    for name, cls in [*vars(keepsake).items(), *generated.items()]:
        if not inspect.isclass(cls) or name.startswith("_"):
            continue
        if getattr(cls, "__module__", "").split(".")[0] != "keepsake":
            continue
        if issubclass(cls, (BaseException,)) or name.endswith("Protocol"):
            continue
        if issubclass(cls, enum.Enum):
            continue
        # Interfaces the app implements, and their generated Impl classes.
        if name.startswith(("ProgressListener", "RandomAccessSource")):
            continue
        found.add(cls)
    return found


def test_the_package_exports_every_public_name_of_the_generated_module() -> None:
    generated = keepsake._ffi.keepsake  # type: ignore[attr-defined]
    public = {n for n in generated.__all__ if not n.endswith(("Protocol", "Impl"))}
    assert public and public <= set(keepsake.__all__)
    for name in public:
        assert hasattr(keepsake, name), name


def test_every_exported_record_and_object_is_covered(values: Values) -> None:
    by_class, _ = values
    exported = exported_value_classes()
    assert exported, "no exported class found"
    missing = {c.__name__ for c in exported} - {c.__name__ for c in by_class}
    assert not missing, f"exported but not checked for secrets in string forms: {missing}"


@pytest.mark.parametrize(
    "name",
    [
        "NewAccount",
        "Enrollment",
        "RotatedRecovery",
        "RotatedRoot",
        "EpochMove",
        "MemberGrant",
        "AccountPin",
        "KdfParams",
        "ExpectedAlbum",
        "Keyring",
        "DeviceKey",
        "RecoveryPhrase",
        "AlbumKey",
        "MediaKey",
        "StreamSealer",
        "StreamOpener",
        "StreamHeader",
        "RangePlan",
        "GrantInfo",
        "CancelToken",
        "HistoryChange",
        "HistoryPin",
        "VerifiedHistory",
        "SealedPart",
        "PartEntry",
        "PartHashes",
        "ItemRecordParts",
        "VerifiedItem",
        "SelectedPart",
        "SelectedItem",
        "SelectionInfo",
        "Selection",
        "SelectionItemInfo",
    ],
)
def test_no_secret_in_string_forms(values: Values, name: str) -> None:
    by_class, secrets = values
    value = by_class[getattr(keepsake, name)]
    assert_no_secret(value, secrets, name)


def test_the_secrets_checked_for_are_real(values: Values) -> None:
    """The check above would catch a leak: the secrets are spelled as the values hold them."""
    by_class, secrets = values
    account = by_class[keepsake.NewAccount]
    words = account.recovery_phrase.words()
    assert len(words.split()) == 24 and words in secrets
    leaky = f"NewAccount(recovery_phrase={words!r})"
    with pytest.raises(AssertionError):
        assert_no_secret(leaky, secrets, "leaky")
    device = by_class[DeviceKey]
    with pytest.raises(AssertionError):
        assert_no_secret(device.secret_bytes(), secrets, "raw secret bytes")


def test_string_forms_say_what_they_are(values: Values) -> None:
    by_class, _ = values
    assert str(by_class[RecoveryPhrase]) == "RecoveryPhrase(24 words, redacted)"
    assert repr(by_class[MediaKey]) == "MediaKey(redacted)"
    album = by_class[AlbumKey]
    assert album.album_id().hex() in str(album) and "epoch 3" in str(album)
    device = by_class[DeviceKey]
    assert device.public_key().hex() in repr(device)
    keyring = by_class[keepsake.Keyring]
    assert keyring.fingerprint() in str(keyring) and "generation 0" in str(keyring)
    rotated = by_class[keepsake.RotatedRoot]
    assert "generation 1" in str(rotated.keyring) and "redacted" in str(rotated)
    pin = by_class[keepsake.AccountPin]
    assert str(pin) == f"AccountPin(identity {pin.identity_digest().hex()}, generation 1)"
    moved = by_class[keepsake.EpochMove]
    assert f"epoch {(1 << 32) + 1}" in str(moved) and "key redacted" in str(moved)
    assert "RecoveryPhrase(24 words, redacted)" in str(by_class[keepsake.NewAccount])


def test_errors_carry_no_secret(values: Values) -> None:
    _, secrets = values
    account = values[0][keepsake.NewAccount]
    with pytest.raises(keepsake.KeepsakeError) as wrong:
        keepsake.unlock_with_passphrase(account.bundle, PASSPHRASE + "!")
    typo = " ".join(account.recovery_phrase.words().split()[:23] + ["zzzz"])
    with pytest.raises(keepsake.KeepsakeError) as bad_words:
        RecoveryPhrase.parse(typo)
    for err in (wrong.value, bad_words.value):
        assert_no_secret(err, secrets + [typo, *word_runs(typo)], type(err).__name__)


# ---------------------------------------------------------------------------------------
# Interrupted work leaves no plaintext: kill -9 in the middle of open_file, then clean up.

CHILD = textwrap.dedent(
    """
    import sys, time
    import keepsake

    key = keepsake.MediaKey.from_secret_bytes(bytes.fromhex(sys.argv[1]))
    media_id = bytes.fromhex(sys.argv[2])
    source, destination, ready = sys.argv[3], sys.argv[4], sys.argv[5]

    class Stall(keepsake.ProgressListener):
        def on_progress(self, done: int, total: int) -> bool:
            if done >= 2 << 20:  # some plaintext is in the partial file: stall there
                open(ready, "w").close()
                time.sleep(3600)
            return True

    key.open_file(media_id, keepsake.MediaKind.ORIGINAL, source, destination, False, Stall())
    """
)


def test_killed_open_leaves_an_owner_only_partial_that_cleanup_removes(tmp_path: Path) -> None:
    key = MediaKey.from_secret_bytes(MEDIA_SECRET)
    media_id = keepsake.new_media_id()
    plaintext = os.urandom(8 << 20)
    sealed = tmp_path / "video.ks"
    sealed.write_bytes(key.seal(media_id, MediaKind.ORIGINAL, plaintext))
    out = tmp_path / "out"
    out.mkdir()
    # Files the cleanup must leave alone.
    keep = {
        "photo.jpg": b"keep me",
        ".keepsake-notes.txt": b"not a partial file",
        "keepsake-x.partial": b"no leading dot",
    }
    for name, data in keep.items():
        (out / name).write_bytes(data)
    (out / ".keepsake-folder.partial").mkdir()
    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            MEDIA_SECRET.hex(),
            media_id.hex(),
            str(sealed),
            str(out / "video.mp4"),
            str(ready),
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert child.poll() is None, f"the child ended early with {child.returncode}"
            assert time.monotonic() < deadline, "the child never reached the middle of the file"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    partials = [
        p
        for p in out.iterdir()
        if p.is_file() and p.name.startswith(".keepsake-") and p.name.endswith(".partial")
    ]
    assert len(partials) == 1, sorted(p.name for p in out.iterdir())
    partial = partials[0]
    assert not (out / "video.mp4").exists()
    # What the kill left is plaintext, readable by its owner only.
    assert stat.S_IMODE(partial.stat().st_mode) == 0o600
    left = partial.read_bytes()
    assert len(left) > 0 and plaintext.startswith(left)

    assert keepsake.remove_partial_files(str(out)) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted([*keep, ".keepsake-folder.partial"])
    for name, data in keep.items():
        assert (out / name).read_bytes() == data
    assert keepsake.remove_partial_files(str(out)) == 0


def test_remove_partial_files_reports_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(keepsake.KeepsakeError.Io):
        keepsake.remove_partial_files(str(tmp_path / "missing"))
