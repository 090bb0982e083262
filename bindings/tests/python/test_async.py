"""SCENARIO.md section 5: the async exports under asyncio. Slow calls run off the event
loop's thread (the loop keeps ticking while Argon2id runs), errors arrive as the same
exceptions, and cancelling a file operation's task stops it mid-file with nothing left
under the destination (no partial plaintext either)."""

import asyncio
import os
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import pytest

import keepsake
from keepsake import KdfProfile, MediaKey, MediaKind

from helpers import raises

FLOOR = keepsake.kdf_profile(KdfProfile.FLOOR)
T = TypeVar("T")


async def ticking(coro: Awaitable[T]) -> tuple[T, int]:
    """Runs CORO while a ticker task counts loop iterations; returns (result, ticks)."""
    ticks = 0
    stop = False

    async def ticker() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    try:
        result = await coro
    finally:
        stop = True
        await task
    return result, ticks


def test_account_calls_run_off_the_event_loop() -> None:
    async def main() -> tuple[int, int]:
        # A profile slow enough to be seen (64 MiB, 3 passes), as an app's would be.
        params = keepsake.KdfParams(memory_kib=64 * 1024, iterations=3, parallelism=1)
        new, ticks_create = await ticking(keepsake.create_account_async("pass phrase", params))
        keyring, ticks_unlock = await ticking(
            keepsake.unlock_with_passphrase_async(new.bundle, "pass phrase")
        )
        assert keyring.identity_public_key() == new.keyring.identity_public_key()
        again = await keepsake.unlock_with_recovery_async(new.bundle, new.recovery_phrase)
        assert again.fingerprint() == new.keyring.fingerprint()
        changed = await new.keyring.change_passphrase_async(new.bundle, "new phrase", FLOOR)
        assert (await keepsake.unlock_with_passphrase_async(changed, "new phrase")).fingerprint() == (
            new.keyring.fingerprint()
        )
        with raises("WrongPassphrase"):
            await keepsake.unlock_with_passphrase_async(changed, "pass phrase")
        return ticks_create, ticks_unlock

    ticks_create, ticks_unlock = asyncio.run(main())
    # The loop ran other work while each key stretch ran on its own thread.
    assert ticks_create > 3 and ticks_unlock > 3, (ticks_create, ticks_unlock)


def test_kdf_calibrate_async() -> None:
    params = asyncio.run(keepsake.kdf_calibrate_async(32 * 1024, 50))
    assert params.memory_kib <= 32 * 1024
    assert params.memory_kib >= FLOOR.memory_kib


def test_seal_and_open_file_async_round_trip(tmp_path: Path) -> None:
    key = MediaKey.generate()
    media_id = keepsake.new_media_id()
    data = os.urandom(3 << 20)
    (tmp_path / "in").write_bytes(data)
    calls: list[tuple[int, int]] = []

    class Recorder(keepsake.ProgressListener):
        def on_progress(self, done: int, total: int) -> bool:
            calls.append((done, total))
            return True

    async def main() -> tuple[int, int]:
        sealed = await key.seal_file_async(
            media_id, MediaKind.ORIGINAL, str(tmp_path / "in"), str(tmp_path / "in.ks"), False, Recorder()
        )
        opened = await key.open_file_async(
            media_id, MediaKind.ORIGINAL, str(tmp_path / "in.ks"), str(tmp_path / "out"), False, None
        )
        return sealed, opened

    sealed, opened = asyncio.run(main())
    assert opened == len(data) and (tmp_path / "out").read_bytes() == data
    assert sealed == (tmp_path / "in.ks").stat().st_size
    assert calls and calls[-1][0] == calls[-1][1] == len(data)
    with raises("DestinationExists"):
        asyncio.run(
            key.open_file_async(
                media_id, MediaKind.ORIGINAL, str(tmp_path / "in.ks"), str(tmp_path / "out"), False, None
            )
        )


def test_cancelling_an_open_file_task_stops_it_mid_file_and_leaves_nothing(tmp_path: Path) -> None:
    key = MediaKey.generate()
    media_id = keepsake.new_media_id()
    (tmp_path / "in").write_bytes(os.urandom(32 << 20))
    key.seal_file(media_id, MediaKind.ORIGINAL, str(tmp_path / "in"), str(tmp_path / "in.ks"), False, None)
    out = tmp_path / "out"
    out.mkdir()
    seen: list[int] = []

    class Slow(keepsake.ProgressListener):
        """Slows the open to ~20 ms a MiB and tells the loop once 4 MiB are through."""

        def __init__(self, loop: asyncio.AbstractEventLoop, started: asyncio.Event) -> None:
            self.loop, self.started = loop, started

        def on_progress(self, done: int, total: int) -> bool:
            seen.append(done)
            if done >= 4 << 20:
                self.loop.call_soon_threadsafe(self.started.set)
            time.sleep(0.02)
            return True

    async def main() -> None:
        started = asyncio.Event()
        task = asyncio.create_task(
            key.open_file_async(
                media_id,
                MediaKind.ORIGINAL,
                str(tmp_path / "in.ks"),
                str(out / "video.mp4"),
                False,
                Slow(asyncio.get_running_loop(), started),
            )
        )
        await asyncio.wait_for(started.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    # The background thread sees the flag at its next progress step and removes its file.
    deadline = time.monotonic() + 10
    while any(out.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert list(out.iterdir()) == []
    time.sleep(0.1)
    assert max(seen) < 32 << 20, "the open ran to the end instead of stopping"


def test_a_cancel_token_cancels_an_async_file_operation(tmp_path: Path) -> None:
    key = MediaKey.generate()
    media_id = keepsake.new_media_id()
    (tmp_path / "in").write_bytes(os.urandom(4 << 20))
    token = keepsake.CancelToken()
    assert not token.is_cancelled()

    class CancelAt2MiB(keepsake.ProgressListener):
        def on_progress(self, done: int, total: int) -> bool:
            if done >= 2 << 20:
                token.cancel()
            return True

    with raises("Cancelled"):
        asyncio.run(
            key.seal_file_async(
                media_id,
                MediaKind.ORIGINAL,
                str(tmp_path / "in"),
                str(tmp_path / "in.ks"),
                False,
                CancelAt2MiB(),
                token,
            )
        )
    assert token.is_cancelled()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]
