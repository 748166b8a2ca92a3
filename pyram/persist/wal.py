"""The write-ahead log of a durable database: one checksummed record per committed change set.

File layout::

    header   b"PYRAMWAL" | version u16 | reserved u16            (12 bytes)
    record   b"\\xd7WR\\x01" | length u32 | crc32 u32 | seq u64 | payload (``length`` bytes)

``crc32`` covers ``length``, ``seq`` and the payload, so a record torn anywhere (a short write
when the process or the machine died) fails its check. ``seq`` is the commit sequence number:
strictly increasing by one, so a checkpoint can say "I hold everything up to ``seq``" and
recovery skips the records it already has.

:func:`scan` reads a log: the whole, valid records in order, and where the valid part ends. A bad
record followed by nothing valid is a torn tail (the last write did not finish: ignored and
truncated); a bad record *followed by a valid one* cannot come from a crash (appends are
sequential) and is reported as corruption, naming the file and the offset.

:class:`WalWriter` appends. Durability levels:

- ``"full"``: every append is written and fsynced before it returns;
- ``"normal"``: written to the OS before it returns (a process crash loses nothing); a background
  flusher fsyncs at most ``group_ms`` later, so a power failure loses at most that window;
- ``"off"``: written to the OS, never fsynced by PyRAM (the OS flushes when it likes).
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from typing import Literal

import attrs

from pyram.errors import CorruptFileError, PersistenceError

__all__ = [
    "HEADER",
    "Durability",
    "WalRecord",
    "WalScan",
    "WalWriter",
    "encode_record",
    "scan",
]

Durability = Literal["full", "normal", "off"]
DURABILITY_LEVELS: tuple[Durability, ...] = ("full", "normal", "off")

WAL_MAGIC = b"PYRAMWAL"
WAL_VERSION = 1
HEADER = WAL_MAGIC + struct.pack("<HH", WAL_VERSION, 0)
RECORD_MAGIC = b"\xd7WR\x01"
_FIXED = struct.Struct("<IIQ")  # length, crc32, seq
RECORD_OVERHEAD = len(RECORD_MAGIC) + _FIXED.size
#: a record longer than this is taken as garbage (a torn or corrupted length field)
MAX_RECORD = 1 << 31


@attrs.frozen
class WalRecord:
    """One valid record: its sequence number, payload and where it starts in the file."""

    seq: int
    payload: bytes
    offset: int


@attrs.frozen
class WalScan:
    """What :func:`scan` found: the valid records and the length of the valid prefix
    (``valid_end < size`` means a torn tail follows)."""

    records: list[WalRecord]
    valid_end: int
    size: int


def encode_record(seq: int, payload: bytes) -> bytes:
    """The bytes of one record."""
    crc = zlib.crc32(struct.pack("<IQ", len(payload), seq))
    crc = zlib.crc32(payload, crc)
    return RECORD_MAGIC + _FIXED.pack(len(payload), crc, seq) + payload


def _record_at(data: bytes, offset: int) -> WalRecord | None:
    """The valid record starting at ``offset``, or None (torn, garbage or bad checksum)."""
    end_fixed = offset + RECORD_OVERHEAD
    if end_fixed > len(data) or data[offset : offset + len(RECORD_MAGIC)] != RECORD_MAGIC:
        return None
    length, crc, seq = _FIXED.unpack_from(data, offset + len(RECORD_MAGIC))
    if length > MAX_RECORD or end_fixed + length > len(data):
        return None
    payload = data[end_fixed : end_fixed + length]
    expected = zlib.crc32(payload, zlib.crc32(struct.pack("<IQ", length, seq)))
    if expected != crc:
        return None
    return WalRecord(seq, payload, offset)


def scan(data: bytes, path: str, *, salvage: bool = False) -> WalScan:
    """Parse a whole log file's bytes.

    With ``salvage``, a damaged record ends the log even when valid records follow (they are
    dropped with it): for a log written at ``"normal"`` or ``"off"`` durability, where a power
    failure may persist later pages without earlier ones.

    Raises:
        CorruptFileError: not a PyRAM log, an unsupported version, or a damaged record followed
            by a valid one (corruption in the middle).
    """
    if len(data) < len(HEADER):
        if HEADER.startswith(data):  # created but its header never fully reached the disk
            return WalScan([], 0, len(data))
        raise CorruptFileError(f"{path}: not a PyRAM write-ahead log", path=path, offset=0)
    if data[: len(WAL_MAGIC)] != WAL_MAGIC:
        raise CorruptFileError(f"{path}: not a PyRAM write-ahead log", path=path, offset=0)
    (version,) = struct.unpack_from("<H", data, len(WAL_MAGIC))
    if version != WAL_VERSION:
        raise CorruptFileError(
            f"{path}: write-ahead log version {version} is not supported (expected {WAL_VERSION})",
            path=path,
            offset=len(WAL_MAGIC),
        )
    records: list[WalRecord] = []
    offset = len(HEADER)
    while offset < len(data):
        record = _record_at(data, offset)
        if record is None:
            if not salvage:
                _check_torn_tail(data, offset, path)
            break
        records.append(record)
        offset += RECORD_OVERHEAD + len(record.payload)
    return WalScan(records, offset, len(data))


def _check_torn_tail(data: bytes, offset: int, path: str) -> None:
    """A bad record at ``offset``: fine when nothing valid follows (a torn last write), else
    corruption in the middle of the log."""
    probe = data.find(RECORD_MAGIC, offset + 1)
    while probe != -1:
        if _record_at(data, probe) is not None:
            raise CorruptFileError(
                f"{path}: damaged record at offset {offset} is followed by valid records "
                f"(at offset {probe}): the log is corrupt, not merely cut short",
                path=path,
                offset=offset,
            )
        probe = data.find(RECORD_MAGIC, probe + 1)


def fsync_directory(path: str) -> None:
    """Make a rename or a file creation in directory ``path`` durable (POSIX; a no-op where
    directories cannot be opened, as on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; nothing more can be done
    finally:
        os.close(fd)


class WalWriter:
    """Appends records to an open log file (see the module docstring for the levels).

    Appends come one at a time (the store's write lock serialises commits); the flusher of
    ``"normal"`` runs in its own thread and shares only the file descriptor and a flag.
    """

    def __init__(self, path: str, durability: Durability, group_ms: float = 20.0) -> None:
        self.path = path
        self.durability = durability
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        self.size = os.lseek(self._fd, 0, os.SEEK_END)
        if self.size == 0:
            self._write(HEADER)
            os.fsync(self._fd)
        self._dirty = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._group = group_ms / 1000.0
        self._flusher: threading.Thread | None = None
        if durability == "normal":
            self._flusher = threading.Thread(target=self._flush_loop, name="pyram-wal", daemon=True)
            self._flusher.start()

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.size += len(data)

    def append(self, seq: int, payload: bytes) -> None:
        """Append one record and make it as durable as the level promises before returning.

        Raises:
            PersistenceError: the write or fsync failed (the record may not be durable).
        """
        try:
            self._write(encode_record(seq, payload))
            if self.durability == "full":
                os.fsync(self._fd)
            elif self.durability == "normal":
                with self._lock:
                    self._dirty = True
        except OSError as exc:
            raise PersistenceError(
                f"{self.path}: cannot write the log: {exc}", path=self.path
            ) from exc

    def _flush_loop(self) -> None:
        while not self._stop.wait(self._group):
            self.flush()

    def flush(self) -> None:
        """fsync what was written (the group commit of ``"normal"``; also used on close)."""
        with self._lock:
            if not self._dirty:
                return
            self._dirty = False
        try:
            os.fsync(self._fd)
        except OSError:  # pragma: no cover - a dying disk; the next commit reports it
            with self._lock:
                self._dirty = True

    def truncate(self, size: int) -> None:
        """Cut the log to ``size`` bytes (a torn tail; after a checkpoint, the header) and
        make that durable."""
        with self._lock:
            os.ftruncate(self._fd, size)
            os.lseek(self._fd, size, os.SEEK_SET)
            self.size = size
            if size < len(HEADER):
                os.lseek(self._fd, 0, os.SEEK_SET)
                self.size = 0
                self._write(HEADER)
            os.fsync(self._fd)
            self._dirty = False

    def close(self, sync: bool = True) -> None:
        """Stop the flusher, fsync (unless ``sync`` is false) and close the file."""
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join()
        if self._fd < 0:
            return
        try:
            if sync:
                os.fsync(self._fd)
        finally:
            os.close(self._fd)
            self._fd = -1
