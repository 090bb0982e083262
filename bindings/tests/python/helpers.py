"""Helpers shared by the Python binding tests (see bindings/tests/SCENARIO.md)."""

import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from _pytest.mark.structures import ParameterSet

import keepsake

REPO = Path(__file__).resolve().parents[3]
VECTORS = Path(os.environ.get("KEEPSAKE_VECTORS", REPO / "tests" / "vectors"))

# The largest value a u64 argument carries (vector lengths beyond it are clamped).
U64_MAX = 2**64 - 1


def load_vectors(name: str) -> list[dict[str, Any]]:
    """The `vectors` list of tests/vectors/NAME.json."""
    with open(VECTORS / name, encoding="utf-8") as f:
        vectors: list[dict[str, Any]] = json.load(f)["vectors"]
        return vectors


def cases(name: str) -> list[ParameterSet]:
    """pytest parameters of a vector file, one per case, each named by the case's name."""
    vectors = load_vectors(name)
    names = [v["name"] for v in vectors]
    assert len(names) == len(set(names)), f"{name}: duplicate case names"
    return [pytest.param(v, id=v["name"]) for v in vectors]


def unhex(text: str) -> bytes:
    return bytes.fromhex(text)


def error_class(name: str) -> type[keepsake.KeepsakeError]:
    """The exception class of the flat error variant NAME, e.g. KeepsakeError.DecryptionFailed."""
    cls = getattr(keepsake.KeepsakeError, name, None)
    assert isinstance(cls, type) and issubclass(cls, keepsake.KeepsakeError), f"no KeepsakeError.{name}"
    return cls


def raises(name: str) -> pytest.RaisesExc[keepsake.KeepsakeError]:
    """pytest.raises for the flat error variant NAME (checked by class, not message)."""
    return pytest.raises(error_class(name))


MEDIA_KINDS = {
    "original": keepsake.MediaKind.ORIGINAL,
    "thumbnail": keepsake.MediaKind.THUMBNAIL,
    "preview": keepsake.MediaKind.PREVIEW,
    "sidecar": keepsake.MediaKind.SIDECAR,
}


def pieces(data: bytes, size: int) -> list[bytes]:
    """DATA cut into SIZE-byte pieces (the last one shorter)."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def open_streaming(opener: keepsake.StreamOpener, sealed: bytes, size: int = 1000) -> bytes:
    """Pushes SEALED to OPENER in SIZE-byte pieces, then finishes; the plaintext."""
    out = bytearray()
    for piece in pieces(sealed, size):
        out += opener.push(piece)
    out += opener.finish()
    return bytes(out)


def genesis_hash(keyring: keepsake.Keyring, album_id: bytes) -> bytes:
    """The hash of the genesis entry of a fresh history of ALBUM_ID owned by KEYRING: a real
    entry for a grant to name where the test is not about the album history."""
    return keepsake.history_entry_hash(keyring.create_album_history(album_id))


@functools.cache
def bundle_keyring(vector: str, step: int) -> keepsake.Keyring:
    """The bundle of step STEP of the bundle-v1.json vector VECTOR, unlocked with its
    passphrase."""
    (case,) = [v for v in load_vectors("bundle-v1.json") if v["name"] == vector]
    return keepsake.unlock_with_passphrase(case["steps"][step]["bundle"].encode(), case["passphrase"])


def recipient_keyring(case: dict[str, Any]) -> keepsake.Keyring:
    """The recipient of a grant-v1.json or selection-v1.json CASE: the bundle-v1.json account
    its `recipient_bundle` names, unlocked by passphrase (the bindings never import an
    identity secret, so the vectors grant to an account whose bundle they unlock)."""
    where = case["recipient_bundle"]
    return bundle_keyring(where["vector"], where["step"])


def edited_grant(grant: bytes, refusal: dict[str, Any]) -> bytes:
    """The grant a selection-v1.json REFUSAL offers: GRANT with `bytes` written at `offset`,
    then cut to `truncate` bytes (either may be absent)."""
    out = bytearray(grant)
    if "offset" in refusal:
        patch = unhex(refusal["bytes"])
        out[refusal["offset"] : refusal["offset"] + len(patch)] = patch
    if "truncate" in refusal:
        out = out[: refusal["truncate"]]
    return bytes(out)
