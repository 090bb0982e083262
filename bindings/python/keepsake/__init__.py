"""Keepsake: the end-to-end encryption core of a photo library (Python bindings).

This package is a thin Python layer over the UniFFI-generated module `keepsake._ffi`
(private): every call is the generated one, this file only makes it idiomatic.

- Bytes: every argument that takes bytes takes any bytes-like object (`bytes`, `bytearray`,
  `memoryview`, anything with the buffer protocol); results are `bytes`.
- Paths: `seal_file`, `open_file`, `open_file_range`, `remove_partial_files` and the async
  forms take `str` or `os.PathLike` (bytes paths are decoded with `os.fsdecode`; the core
  takes UTF-8 paths).
- Keyword defaults: `overwrite=False`, `listener=None`, `memory_budget_bytes=None`.
- Listeners: a `ProgressListener` or any callable `(done, total)`; it cancels by returning
  `False` (any other result goes on). Random-access sources: a `RandomAccessSource`, any
  object with `length()` and `read_at(offset, length)`, or a seekable binary file.
- An exception raised in a callback ends the call with `KeepsakeError.Callback`, whose
  `__cause__` is that very exception (`KeyboardInterrupt`, `SystemExit` and other
  non-`Exception`s are raised again as themselves).
- Streaming: `key.sealer(id, kind, out=file)` / `key.opener(id, kind, file)` are context
  managers and file-like objects (`write`; `read`, `readinto`); see `StreamSealer`.
- Errors: one family, `KeepsakeError`, with a class per variant (`KeepsakeError.Io`, ...),
  each but `Other` also in one category a caller branches on (`CATEGORIES`, the mapping all
  three languages share): `AuthenticationError`, `MalformedInputError` (a `ValueError`),
  `WrongSecretError`, `KeepsakeIOError` (an `OSError`: `errno`, `strerror`, `filename`,
  `filename2`; `DestinationExists` a `FileExistsError`), `MisuseError`,
  `OperationCancelled`, `CallbackFailed`, `ResourceError` (`OutOfMemory` a `MemoryError`).
"""

from __future__ import annotations

import errno as _errno
import io as _io
import os as _os
import re as _re
import threading as _threading
from importlib import metadata as _metadata

from ._ffi import keepsake as _g
from ._ffi.keepsake import (  # noqa: F401  (the public API, re-exported)
    AcceptedDrop,
    AccountPin,
    AlbumBlob,
    AlbumKey,
    CallbackError,
    CancelToken,
    CollectLink,
    DeviceKey,
    Enrollment,
    EpochMove,
    ExpectedAlbum,
    GrantInfo,
    HistoryChange,
    HistoryPin,
    InternalError,
    ItemRecordParts,
    KdfParams,
    KdfProfile,
    KeepsakeError,
    Keyring,
    LinkAddress,
    LinkKind,
    LinkPassword,
    LinkRecordInfo,
    LinkText,
    MediaBlob,
    MediaKind,
    MemberGrant,
    NewAccount,
    NewLink,
    OpenedDrop,
    OpenedLink,
    PartEntry,
    PartHashes,
    PartKind,
    ProgressListener,
    RandomAccessSource,
    RangePlan,
    RecoveryPhrase,
    RotatedRecovery,
    RotatedRoot,
    SealedPart,
    SelectedItem,
    SelectedPart,
    Selection,
    SelectionInfo,
    SelectionItemInfo,
    StreamHeader,
    VerifiedHistory,
    VerifiedItem,
    bundle_devices,
    bundle_generation,
    create_account,
    create_account_async,
    create_album_link,
    create_collect_link,
    create_selection_link,
    fingerprint,
    history_entry_hash,
    identity_digest,
    inspect_grant,
    inspect_link_record,
    inspect_selection,
    kdf_calibrate,
    kdf_calibrate_async,
    kdf_profile,
    new_album_id,
    new_media_id,
    open_drop,
    open_link,
    parse_item_record,
    parse_link_fragment,
    parse_link_url,
    parse_stream_header,
    part_hashes,
    plan_range,
    stream_plaintext_len,
    unlock_with_device,
    unlock_with_passphrase,
    unlock_with_passphrase_async,
    unlock_with_recovery,
    unlock_with_recovery_async,
    verify_history,
    verify_item,
)

__version__: str = _metadata.version("keepsake-e2ee")

# ---------------------------------------------------------------------------------------
# Bytes-like arguments. The generated converter checks `memoryview(value)` but then copies
# with ctypes.memmove, which takes only `bytes`: every bytes argument (of any function,
# record field or list) goes through this one `write`, which makes the copy from the buffer.


def _write_bytes(value, buf):
    if type(value) is not bytes:
        value = memoryview(value).tobytes()
    buf.write_i32(len(value))
    buf.write(value)


_g._UniffiFfiConverterBytes.write = staticmethod(_write_bytes)


def _path(value) -> str:
    """A path argument as the core takes it: `str`, from any `os.PathLike` or bytes path."""
    return _os.fsdecode(_os.fspath(value))


# ---------------------------------------------------------------------------------------
# Errors: categories, and the variant classes patched into KeepsakeError (the generated
# code raises `KeepsakeError.<Variant>(message)`, looked up when it raises).


class AuthenticationError(KeepsakeError):
    """The data is altered, foreign, replayed or not for this context: refuse it, never
    retry with the same bytes. Opaque by design."""


class MalformedInputError(KeepsakeError, ValueError):
    """The bytes (or typed words) do not parse, or exceed a cap. Also a `ValueError`."""


class WrongSecretError(KeepsakeError):
    """The passphrase, recovery phrase or device key does not open the account, or a link
    needs its password: ask the user (again), or use another secret."""


class KeepsakeIOError(KeepsakeError, OSError):
    """A file-system problem. An `OSError`: `errno` and `strerror` when the OS gave a code,
    `filename` (and `filename2` for a call with a source and a destination, as `os.rename`
    sets them) when the call named paths."""


class MisuseError(KeepsakeError):
    """A programming error or a wrong call order (arguments, state)."""


class OperationCancelled(KeepsakeError):
    """The app cancelled; nothing was written. (Not `CancelledError`: asyncio has one.)"""


class CallbackFailed(KeepsakeError):
    """The app's own listener or source failed; its exception is the `__cause__`."""


class ResourceError(KeepsakeError):
    """The OS could not provide randomness or memory."""


#: The category of every KeepsakeError variant (one mapping for Python, Kotlin and Swift);
#: `Other`, a newer core's error, is in none: only `KeepsakeError` catches it.
CATEGORIES: dict[str, type[KeepsakeError]] = {
    **dict.fromkeys(
        "DecryptionFailed BundleTampered IdentityMismatch Rollback GrantBadSignature "
        "GrantWrongSender GrantWrongRecipient GrantWrongAlbum "
        "ProvenanceUnsigned ProvenanceWrongItem ProvenanceNotMember ProvenanceBadSignature "
        "ProvenanceMismatch ProvenanceChunkMismatch SelectionWrongSender SelectionWrongRecipient "
        "SelectionWrongAlbum SelectionWrongHistory SelectionBadSignature HistoryWrongAlbum "
        "HistoryWrongOwner HistoryBrokenLink HistoryBadSignature HistoryNotMember "
        "HistoryNotAllowed HistoryBadEpoch HistoryFork HistoryRollback HistoryUnknownEntry "
        "LinkWrongId DropWrongAlbum DropBadSignature".split(),
        AuthenticationError,
    ),
    **dict.fromkeys(
        "BadMagic UnsupportedVersion UnsupportedSuite ChunkSizeOutOfRange UnknownKind "
        "TruncatedHeader TruncatedStream TrailingData EmptyFinalChunk TooLarge InvalidLength "
        "InvalidPublicKey MalformedBundle MalformedGrant InvalidRecoveryPhrase "
        "MalformedManifest MalformedSelection MalformedHistoryEntry MalformedLink MalformedDrop".split(),
        MalformedInputError,
    ),
    **dict.fromkeys(
        "WrongPassphrase WrongRecoveryPhrase DeviceNotEnrolled LinkPasswordRequired".split(),
        WrongSecretError,
    ),
    **dict.fromkeys("Io DestinationExists".split(), KeepsakeIOError),
    **dict.fromkeys(
        "RangeOutOfBounds StreamTooLong StreamClosed KdfParamsTooWeak KdfParamsTooCostly "
        "NotAlbumOwner UnknownGeneration NotInSelection".split(),
        MisuseError,
    ),
    "Cancelled": OperationCancelled,
    "Callback": CallbackFailed,
    **dict.fromkeys("RandomnessUnavailable OutOfMemory".split(), ResourceError),
}

_OS_ERROR = _re.compile(r"\(os error (\d+)\)")


def _os_init(self, message=""):
    # The core's message ends with the OS's "... (os error N)" when there is a code.
    OSError.__init__(self, message)
    found = _OS_ERROR.search(str(message))
    code = int(found.group(1)) if found else None
    if isinstance(self, FileExistsError):  # DestinationExists: no OS error, but EEXIST's case
        code = _errno.EEXIST
    if code is not None:
        self.errno, self.strerror = code, _os.strerror(code)


def _os_str(self):
    # The core's message (it names the operation, the paths and the OS error), not
    # OSError's "[Errno N] ..." form, which would drop the operation.
    return str(self.args[0]) if self.args else ""


def _patch_errors():
    variants = {
        name: cls
        for name, cls in vars(KeepsakeError).items()
        if isinstance(cls, type) and issubclass(cls, KeepsakeError)
    }
    unknown = set(CATEGORIES) - set(variants)
    if unknown:  # the generated module and this file disagree: fail at import, loudly
        raise ImportError(f"keepsake: no KeepsakeError variant {sorted(unknown)}")
    for name, generated in variants.items():
        bases: tuple[type, ...] = (generated,)
        namespace: dict = {"__module__": __name__, "__qualname__": f"KeepsakeError.{name}"}
        namespace["__doc__"] = generated.__doc__
        if name in CATEGORIES:
            bases += (CATEGORIES[name],)
        if name == "DestinationExists":
            bases += (FileExistsError,)
        if name == "OutOfMemory":
            bases += (MemoryError,)
        if CATEGORIES.get(name) is KeepsakeIOError:
            namespace["__init__"], namespace["__str__"] = _os_init, _os_str
        setattr(KeepsakeError, name, type(name, bases, namespace))


_patch_errors()


def _name_paths(err, filename, filename2=None):
    """Fills in the paths of an I/O error raised by a call that named them."""
    if isinstance(err, KeepsakeIOError) and getattr(err, "filename", None) is None:
        if isinstance(err, KeepsakeError.DestinationExists):  # the destination, only
            err.filename = filename2 if filename2 is not None else filename
        else:
            err.filename, err.filename2 = filename, filename2


# ---------------------------------------------------------------------------------------
# Callbacks: adapters that keep the exception a callback raised, to chain it.


class _Callback:
    """The first exception the app's callback raised during one call."""

    error: BaseException | None = None

    def _failed(self, error: BaseException) -> CallbackError.Failed:
        if self.error is None:
            self.error = error
        if isinstance(error, CallbackError.Failed):
            return error
        return CallbackError.Failed(f"{type(error).__name__}: {error}")


class _Listener(_Callback, ProgressListener):
    def __init__(self, target):
        self._call = target.on_progress if isinstance(target, ProgressListener) else target

    def on_progress(self, done: int, total: int) -> bool:
        try:
            return self._call(done, total) is not False
        except BaseException as e:  # noqa: B036 (kept, then raised again by the caller)
            raise self._failed(e) from None


class _Source(_Callback, RandomAccessSource):
    def __init__(self, target):
        self._lock = _threading.Lock()
        if hasattr(target, "read_at") and hasattr(target, "length"):
            self._length, self._read_at = target.length, target.read_at
        elif hasattr(target, "seek") and hasattr(target, "read"):
            self._file = target
            self._length, self._read_at = self._file_length, self._file_read_at
        else:
            raise TypeError(
                "a RandomAccessSource, an object with length() and read_at(), or a "
                f"seekable binary file is required, not {type(target).__name__!r}"
            )

    def _file_length(self) -> int:
        with self._lock:
            return self._file.seek(0, _io.SEEK_END)

    def _file_read_at(self, offset: int, length: int) -> bytes:
        with self._lock:
            self._file.seek(offset)
            return self._file.read(length)

    def length(self) -> int:
        try:
            return self._length()
        except BaseException as e:  # noqa: B036
            raise self._failed(e) from None

    def read_at(self, offset: int, length: int) -> bytes:
        try:
            return self._read_at(offset, length)
        except BaseException as e:  # noqa: B036
            raise self._failed(e) from None


def _chain(err: KeepsakeError, callback: _Callback | None):
    """Re-raises ERR with the callback's own exception as its cause (or that exception
    itself when it is not an Exception: KeyboardInterrupt, SystemExit)."""
    cause = callback.error if callback is not None else None
    if isinstance(err, KeepsakeError.Callback) and cause is not None:
        if not isinstance(cause, Exception):
            raise cause
        raise err from cause


def _listener(listener):
    return None if listener is None else _Listener(listener)


# ---------------------------------------------------------------------------------------
# MediaKey, with its streaming objects (installed into the generated module, so that every
# MediaKey it returns, e.g. from AlbumKey.unwrap_media_key, is this class).


class MediaKey(_g.MediaKey):
    __doc__ = _g.MediaKey.__doc__

    def _file(self, name, media_id, kind, source, destination, overwrite, listener, budget):
        source, destination = _path(source), _path(destination)
        adapter = _listener(listener)
        try:
            run = getattr(super(), name)
            return run(media_id, kind, source, destination, overwrite, adapter, budget)
        except KeepsakeError as err:
            _name_paths(err, source, destination)
            _chain(err, adapter)
            raise

    def seal_file(self, media_id, kind, source, destination, overwrite=False, listener=None,
                  memory_budget_bytes=None):
        return self._file("seal_file", media_id, kind, source, destination,
                          overwrite, listener, memory_budget_bytes)

    def open_file(self, media_id, kind, source, destination, overwrite=False, listener=None,
                  memory_budget_bytes=None):
        return self._file("open_file", media_id, kind, source, destination,
                          overwrite, listener, memory_budget_bytes)

    async def _file_async(self, name, media_id, kind, source, destination, overwrite,
                          listener, cancel, budget):
        source, destination = _path(source), _path(destination)
        adapter = _listener(listener)
        try:
            run = getattr(super(), name)
            return await run(media_id, kind, source, destination, overwrite, adapter, cancel,
                             budget)
        except KeepsakeError as err:
            _name_paths(err, source, destination)
            _chain(err, adapter)
            raise

    async def seal_file_async(self, media_id, kind, source, destination, overwrite=False,
                              listener=None, cancel=None, memory_budget_bytes=None):
        return await self._file_async("seal_file_async", media_id, kind, source,
                                      destination, overwrite, listener, cancel,
                                      memory_budget_bytes)

    async def open_file_async(self, media_id, kind, source, destination, overwrite=False,
                              listener=None, cancel=None, memory_budget_bytes=None):
        return await self._file_async("open_file_async", media_id, kind, source,
                                      destination, overwrite, listener, cancel,
                                      memory_budget_bytes)

    def open_file_range(self, media_id, kind, path, offset, length):
        path = _path(path)
        try:
            return super().open_file_range(media_id, kind, path, offset, length)
        except KeepsakeError as err:
            _name_paths(err, path)
            raise

    def open_range_from(self, media_id, kind, source, offset, length):
        adapter = _Source(source)
        try:
            return super().open_range_from(media_id, kind, adapter, offset, length)
        except KeepsakeError as err:
            _chain(err, adapter)
            raise

    def sealer(self, media_id, kind, memory_budget_bytes=None, out=None):
        sealer = super().sealer(media_id, kind, memory_budget_bytes)
        sealer._out = out
        return sealer

    def opener(self, media_id, kind, source=None):
        opener = super().opener(media_id, kind)
        opener._source = source
        return opener


def _write_all(out, data: bytes) -> None:
    # A raw (unbuffered) file may take less than all: write the rest.
    view = memoryview(data)
    while view:
        n = out.write(view)
        if n is None or n >= len(view):
            return
        view = view[n:]


def _closed() -> KeepsakeError:
    return KeepsakeError.StreamClosed("the stream was closed; start a new one")


class StreamSealer(_g.StreamSealer):
    """Seals a stream pushed to it in pieces: `push(plaintext)` returns the sealed bytes
    ready so far, `finish()` the last ones (the final chunk).

    Made by `key.sealer(media_id, kind, out=out)`, with `out` a binary file (anything with
    `write`), it is also a writable file object: `write(plaintext)` writes the sealed bytes
    to `out`, and `close()`, or leaving a `with` block normally, writes the final chunk.
    Leaving a `with` block by an exception never writes it: the sealer is closed, and what
    `out` holds lacks its final chunk, so opening it fails (`TruncatedStream`): a stream cut
    by an error can never pass for a whole one (delete `out` if you made it; `seal_file`
    does all this for you). Without `out`, a `with` block only closes the sealer: call
    `finish()` for the final bytes. Every call after closing raises `StreamClosed`.
    """

    _out = None
    _closed = False

    def push(self, plaintext):
        if self._closed:
            raise _closed()
        return super().push(plaintext)

    def finish(self):
        if self._closed:
            raise _closed()
        self._closed = True
        return super().finish()

    @property
    def closed(self) -> bool:
        return self._closed

    def writable(self) -> bool:
        return self._out is not None

    def readable(self) -> bool:
        return False

    def write(self, plaintext) -> int:
        if self._out is None:
            raise _io.UnsupportedOperation("write: made without `out`; use push()")
        _write_all(self._out, self.push(plaintext))
        return memoryview(plaintext).nbytes

    def flush(self) -> None:
        if self._out is not None and hasattr(self._out, "flush"):
            self._out.flush()

    def abort(self) -> None:
        """Closes the sealer without its final chunk (what `with` does on an exception)."""
        self._closed = True

    def close(self) -> None:
        if self._closed:
            return
        if self._out is None:
            self.abort()
        else:
            _write_all(self._out, self.finish())

    def __enter__(self):
        if self._closed:
            raise _closed()
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.close()
        else:
            self.abort()


class StreamOpener(_g.StreamOpener):
    """Opens a sealed stream pushed to it in pieces, returning only authenticated plaintext:
    `push(sealed)`, then `finish()` (which fails if the stream was cut).

    Made by `key.opener(media_id, kind, source)`, with `source` a binary file (anything with
    `read`), it is also a readable file object: `read(size)`, `readinto(buffer)`, iteration
    is not offered. Everything it returns is authenticated; the end of the file (`b""`, 0)
    comes only once the final chunk has authenticated, so a cut stream raises
    `TruncatedStream` instead. Leaving a `with` block closes it (by an exception: plaintext
    buffered but not yet returned is dropped); every call after closing raises
    `StreamClosed`.
    """

    _source = None
    _closed = False
    _done = False
    _buffer: bytearray | None = None
    READ_SIZE = 64 * 1024

    def push(self, sealed):
        if self._closed:
            raise _closed()
        return super().push(sealed)

    def finish(self):
        if self._closed:
            raise _closed()
        self._closed = True
        return super().finish()

    @property
    def closed(self) -> bool:
        return self._closed and not self._done

    def readable(self) -> bool:
        return self._source is not None

    def writable(self) -> bool:
        return False

    def _fill(self, want: int) -> bytearray:
        if self._source is None:
            raise _io.UnsupportedOperation("read: made without `source`; use push()")
        if self._buffer is None:
            self._buffer = bytearray()
        while (want < 0 or len(self._buffer) < want) and not self._done:
            if self._closed:
                raise _closed()
            sealed = self._source.read(self.READ_SIZE)
            if sealed:
                self._buffer += self.push(sealed)
            else:
                self._buffer += self.finish()
                self._done = True
        return self._buffer

    def read(self, size: int = -1) -> bytes:
        if self._closed and not self._done:
            raise _closed()
        buffer = self._fill(size if size is not None else -1)
        n = len(buffer) if size is None or size < 0 else min(size, len(buffer))
        out = bytes(buffer[:n])
        del buffer[:n]
        return out

    def readinto(self, target) -> int:
        view = memoryview(target).cast("B")
        if self._closed and not self._done:
            raise _closed()
        buffer = self._fill(len(view))
        n = min(len(view), len(buffer))
        view[:n] = buffer[:n]
        del buffer[:n]
        return n

    def close(self) -> None:
        self._closed, self._done, self._buffer = True, False, None

    def __enter__(self):
        if self._closed:
            raise _closed()
        return self

    def __exit__(self, kind, value, traceback):
        self.close()


# Every object of these classes the generated code makes is of the subclass above.
_g.MediaKey, _g.StreamSealer, _g.StreamOpener = MediaKey, StreamSealer, StreamOpener


def remove_partial_files(dir) -> int:  # noqa: A002 (the generated name)
    path = _path(dir)
    try:
        return _g.remove_partial_files(path)
    except KeepsakeError as err:
        _name_paths(err, path)
        raise


remove_partial_files.__doc__ = _g.remove_partial_files.__doc__

__all__ = [
    *(name for name in _g.__all__ if not name.endswith(("Protocol", "Impl"))),
    "AuthenticationError",
    "MalformedInputError",
    "WrongSecretError",
    "KeepsakeIOError",
    "MisuseError",
    "OperationCancelled",
    "CallbackFailed",
    "ResourceError",
    "CATEGORIES",
    "__version__",
]
