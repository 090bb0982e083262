"""SCENARIO.md section 4: public metadata without a key (stream headers, plaintext lengths,
range plans, grant headers), range opening from an app's random-access source, errors
raised inside callbacks, and the streaming opener's closed state."""

import os
import subprocess
import sys
import textwrap

from pathlib import Path

import pytest

import keepsake
from keepsake import CallbackError, MediaKey, MediaKind, RandomAccessSource

from helpers import genesis_hash, raises

CHUNK = 64 * 1024
HEADER_LEN = 88
TAG_LEN = 16


class BytesSource(RandomAccessSource):
    """A sealed object in memory, read by offset; records every request."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.requests: list[tuple[int, int]] = []

    def length(self) -> int:
        return len(self.data)

    def read_at(self, offset: int, length: int) -> bytes:
        self.requests.append((offset, length))
        return self.data[offset : offset + length]


@pytest.fixture(scope="module")
def item() -> tuple[MediaKey, bytes, bytes, bytes]:
    key = MediaKey.generate()
    media_id = keepsake.new_media_id()
    plaintext = os.urandom(1024 * 1024 + 123)
    sealed = key.seal(media_id, MediaKind.PREVIEW, plaintext)
    return key, media_id, plaintext, sealed


def test_parse_stream_header_needs_no_key(item: tuple[MediaKey, bytes, bytes, bytes]) -> None:
    _, media_id, _, sealed = item
    header = keepsake.parse_stream_header(sealed[:HEADER_LEN])
    assert header == keepsake.StreamHeader(
        kind=MediaKind.PREVIEW, media_id=media_id, chunk_size=CHUNK, header_len=HEADER_LEN
    )
    assert keepsake.parse_stream_header(sealed) == header  # more bytes may follow
    with raises("TruncatedHeader"):
        keepsake.parse_stream_header(sealed[: HEADER_LEN - 1])
    with raises("BadMagic"):
        keepsake.parse_stream_header(b"KSMX" + sealed[4:HEADER_LEN])


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 7])
def test_plaintext_length_from_the_sealed_length(size: int) -> None:
    key = MediaKey.generate()
    media_id = keepsake.new_media_id()
    sealed = key.seal(media_id, MediaKind.ORIGINAL, bytes(size))
    assert keepsake.stream_plaintext_len(sealed[:HEADER_LEN], len(sealed)) == size


def test_plaintext_length_of_a_cut_object_is_refused(item: tuple[MediaKey, bytes, bytes, bytes]) -> None:
    _, _, _, sealed = item
    with raises("TruncatedStream"):
        keepsake.stream_plaintext_len(sealed[:HEADER_LEN], HEADER_LEN)


def test_range_plan_names_the_ciphertext_bytes_a_player_fetches(item: tuple[MediaKey, bytes, bytes, bytes]) -> None:
    key, media_id, plaintext, sealed = item
    plan = keepsake.plan_range(sealed[:HEADER_LEN], len(sealed), 500_000, 70_000)
    stride = CHUNK + TAG_LEN
    assert plan.first_chunk == 500_000 // CHUNK
    assert plan.chunk_count == (570_000 - 1) // CHUNK - plan.first_chunk + 1
    assert plan.sealed_offset == HEADER_LEN + plan.first_chunk * stride
    assert plan.sealed_len == plan.chunk_count * stride
    assert plan.plaintext_start == plan.first_chunk * CHUNK
    assert (plan.end, plan.plaintext_len, plan.reaches_end) == (570_000, len(plaintext), False)
    # The planned bytes, and only they, are what open_range_from reads past the header.
    source = BytesSource(sealed)
    part = key.open_range_from(media_id, MediaKind.PREVIEW, source, 500_000, 70_000)
    assert part == plaintext[500_000:570_000]
    window = range(plan.sealed_offset, plan.sealed_offset + plan.sealed_len)
    for offset, length in source.requests:
        assert offset + length <= HEADER_LEN or (
            offset in window and offset + length <= window.stop
        ), (offset, length, plan)
    # The end of the object: the final chunk is part of the plan.
    tail = keepsake.plan_range(sealed[:HEADER_LEN], len(sealed), len(plaintext) - 10, 100)
    assert tail.reaches_end and tail.end == len(plaintext)
    assert tail.sealed_offset + tail.sealed_len == len(sealed)
    with raises("RangeOutOfBounds"):
        keepsake.plan_range(sealed[:HEADER_LEN], len(sealed), len(plaintext) + 1, 1)


def test_open_range_from_a_source_checks_the_key_and_the_item(item: tuple[MediaKey, bytes, bytes, bytes]) -> None:
    key, media_id, plaintext, sealed = item
    with raises("DecryptionFailed"):
        MediaKey.generate().open_range_from(media_id, MediaKind.PREVIEW, BytesSource(sealed), 0, 10)
    with raises("DecryptionFailed"):
        key.open_range_from(media_id, MediaKind.ORIGINAL, BytesSource(sealed), 0, 10)
    tampered = bytearray(sealed)
    tampered[HEADER_LEN + 8 * (CHUNK + TAG_LEN) + 5] ^= 1
    with raises("DecryptionFailed"):
        key.open_range_from(media_id, MediaKind.PREVIEW, BytesSource(bytes(tampered)), 8 * CHUNK, 10)
    # A range elsewhere does not touch the tampered chunk.
    got = key.open_range_from(media_id, MediaKind.PREVIEW, BytesSource(bytes(tampered)), 0, 10)
    assert got == plaintext[:10]
    # A range reaching the end opens the final chunk: a cut object is refused.
    with raises("DecryptionFailed"):
        key.open_range_from(media_id, MediaKind.PREVIEW, BytesSource(sealed[:-1]), len(plaintext) - 5, 5)


class FailingSource(BytesSource):
    def __init__(self, data: bytes, error: Exception) -> None:
        super().__init__(data)
        self.error = error

    def read_at(self, offset: int, length: int) -> bytes:
        if offset >= HEADER_LEN:
            raise self.error
        return super().read_at(offset, length)


def test_an_error_raised_by_the_source_reaches_the_caller(item: tuple[MediaKey, bytes, bytes, bytes], capfd: pytest.CaptureFixture[str]) -> None:
    key, media_id, _, sealed = item
    source = FailingSource(sealed, CallbackError.Failed("the network went away"))
    with raises("Callback") as caught:
        key.open_range_from(media_id, MediaKind.PREVIEW, source, 0, 10)
    assert "the network went away" in str(caught.value)
    source = FailingSource(sealed, ValueError("an app bug"))
    with raises("Callback") as caught:
        key.open_range_from(media_id, MediaKind.PREVIEW, source, 0, 10)
    assert "an app bug" in str(caught.value)
    assert "panicked" not in capfd.readouterr().err


def test_a_source_returning_too_much_is_refused(item: tuple[MediaKey, bytes, bytes, bytes]) -> None:
    key, media_id, _, sealed = item

    class Liar(BytesSource):
        def read_at(self, offset: int, length: int) -> bytes:
            return self.data[offset : offset + length] + b"extra"

    with raises("Callback"):
        key.open_range_from(media_id, MediaKind.PREVIEW, Liar(sealed), 0, 10)


def test_an_exception_in_a_progress_listener_fails_the_call_and_leaves_nothing(item: tuple[MediaKey, bytes, bytes, bytes], tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    key, media_id, _, sealed = item
    src = tmp_path / "item.ks"
    src.write_bytes(sealed)

    class Broken(keepsake.ProgressListener):
        def on_progress(self, done: int, total: int) -> bool:
            raise RuntimeError("listener exploded")

    dst = tmp_path / "out.jpg"
    with raises("Callback") as caught:
        key.open_file(media_id, MediaKind.PREVIEW, str(src), str(dst), False, Broken())
    assert "listener exploded" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["item.ks"]
    assert "panicked" not in capfd.readouterr().err


def test_inspect_grant_shows_the_header_before_acceptance() -> None:
    floor = keepsake.kdf_profile(keepsake.KdfProfile.FLOOR)
    alice = keepsake.create_account("alice", floor).keyring
    bob = keepsake.create_account("bob", floor).keyring
    album_id = keepsake.new_album_id()
    album = alice.album_key(album_id, 4)
    entry = genesis_hash(alice, album_id)
    grant = alice.grant_album(album, bob.identity_public_key(), entry)
    info = keepsake.inspect_grant(grant)
    assert len(entry) == 32 and entry != bytes(32)
    assert info == keepsake.GrantInfo(
        sender_identity_digest=alice.identity_digest(),
        sender_fingerprint=alice.fingerprint(),
        recipient_identity_digest=bob.identity_digest(),
        album_id=album_id,
        epoch=4,
        history_entry=entry,
    )
    with raises("MalformedGrant"):
        keepsake.inspect_grant(grant[:-1])
    with raises("UnsupportedVersion"):
        keepsake.inspect_grant(b"\x07" + grant[1:])


def test_streaming_opener_after_an_error_or_finish_is_closed(item: tuple[MediaKey, bytes, bytes, bytes]) -> None:
    key, media_id, plaintext, sealed = item
    opener = key.opener(media_id, MediaKind.PREVIEW)
    with raises("BadMagic"):
        opener.push(b"not a stream" + bytes(100))
    with raises("StreamClosed"):
        opener.push(sealed)
    with raises("StreamClosed"):
        opener.finish()
    opener = key.opener(media_id, MediaKind.PREVIEW)
    assert opener.push(sealed) + opener.finish() == plaintext
    with raises("StreamClosed"):
        opener.push(b"x")
    with raises("StreamClosed"):
        opener.finish()
    assert "closed" in str(opener)


# Opening 1 MiB of a 256 MiB object through a file-backed source, in a fresh process so that
# its peak RSS is its own: the reads add up to about 1 MiB and the peak grows by <= 8 MiB.
CHILD = textwrap.dedent(
    """
    import os, resource, sys
    import keepsake

    path, key_hex, media_id_hex = sys.argv[1], sys.argv[2], sys.argv[3]
    key = keepsake.MediaKey.from_secret_bytes(bytes.fromhex(key_hex))

    class FileSource(keepsake.RandomAccessSource):
        def __init__(self, fd: int) -> None:
            self.fd, self.read = fd, 0
        def length(self) -> int:
            return os.fstat(self.fd).st_size
        def read_at(self, offset: int, length: int) -> bytes:
            data = os.pread(self.fd, length, offset)
            self.read += len(data)
            return data

    fd = os.open(path, os.O_RDONLY)
    warm = key.open_range_from(bytes.fromhex(media_id_hex), keepsake.MediaKind.ORIGINAL,
                               FileSource(fd), 0, 4096)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    source = FileSource(fd)
    offset = 128 << 20
    part = key.open_range_from(bytes.fromhex(media_id_hex), keepsake.MediaKind.ORIGINAL,
                               source, offset, 1 << 20)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(len(part), source.read, (after - before) * 1024, int(part == bytes(1 << 20)))
    """
)


def test_a_range_of_a_large_object_reads_about_the_range(tmp_path: Path) -> None:
    key_bytes = os.urandom(32)
    key = MediaKey.from_secret_bytes(key_bytes)
    media_id = keepsake.new_media_id()
    plain = tmp_path / "video.bin"
    with open(plain, "wb") as f:
        f.truncate(256 << 20)  # sparse zeros
    sealed = tmp_path / "video.ks"
    key.seal_file(media_id, MediaKind.ORIGINAL, str(plain), str(sealed), False, None)
    plain.unlink()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(sealed), key_bytes.hex(), media_id.hex()],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    got, read, growth, zeros = (int(x) for x in out)
    assert got == 1 << 20 and zeros == 1  # the plaintext is the sparse file's zeros
    # The range spans 16 chunks (+ tags); the header is read once more.
    assert read <= (1 << 20) + 2 * (CHUNK + TAG_LEN) + HEADER_LEN, read
    assert growth <= 8 << 20, f"peak RSS grew by {growth / 2**20:.1f} MiB"


def test_errors_name_what_they_are_about(item: tuple[MediaKey, bytes, bytes, bytes], tmp_path: Path) -> None:
    key, media_id, _, sealed = item
    with raises("DecryptionFailed") as refused:
        key.open(media_id, MediaKind.THUMBNAIL, sealed)
    assert f"media {media_id.hex()} thumbnail" in str(refused.value)
    assert "decryption failed" in str(refused.value)
    missing = tmp_path / "no-such-file.ks"
    with raises("Io") as io:
        key.open_file(media_id, MediaKind.PREVIEW, str(missing), str(tmp_path / "out"), False, None)
    assert str(missing) in str(io.value)
    with raises("Io") as io:
        key.open_file_range(media_id, MediaKind.PREVIEW, str(missing), 0, 1)
    assert str(missing) in str(io.value)
    with raises("Io") as io:
        key.seal_file(media_id, MediaKind.PREVIEW, str(missing), str(tmp_path / "x.ks"), False, None)
    assert str(missing) in str(io.value)


def test_a_memory_budget_caps_streaming_and_refuses_a_chunk_that_cannot_fit(tmp_path: Path) -> None:
    """SCENARIO.md section 4: `memory_budget_bytes` on the file calls and the sealer."""
    key = MediaKey.generate()
    media_id = keepsake.new_media_id()
    data = bytes(i * 31 % 251 for i in range(300_000))
    plain, sealed = tmp_path / "in", tmp_path / "in.ks"
    plain.write_bytes(data)
    # 200 KiB holds one 64 KiB chunk at a time (2 x 64 KiB + 17 bytes), not a batch.
    budget = 200 * 1024
    key.seal_file(media_id, MediaKind.ORIGINAL, str(plain), str(sealed), False, None, budget)
    out = tmp_path / "out"
    opened = key.open_file(
        media_id, MediaKind.ORIGINAL, str(sealed), str(out), False, None, memory_budget_bytes=budget
    )
    assert opened == len(data) and out.read_bytes() == data
    # Below one chunk: refused after the header, nothing written.
    refused = tmp_path / "refused"
    with raises("TooLarge") as e:
        key.open_file(
            media_id, MediaKind.ORIGINAL, str(sealed), str(refused), False, None,
            memory_budget_bytes=100_000,
        )
    assert "131089" in str(e.value) and "100000" in str(e.value), str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "in.ks", "out"]
    with raises("TooLarge"):
        key.sealer(media_id, MediaKind.PREVIEW, memory_budget_bytes=60_000)
    sealer = key.sealer(media_id, MediaKind.PREVIEW, memory_budget_bytes=budget)
    stream = sealer.push(data[:123_456]) + sealer.push(data[123_456:]) + sealer.finish()
    assert key.open(media_id, MediaKind.PREVIEW, stream) == data
