"""The checkpoint file of a durable database: a snapshot of every table plus the log position.

Layout::

    b"PYRAMCKP" | version u16 | reserved u16 | seq u64 | body ... | crc32 u32 (of all before)

``seq`` is the last commit sequence number the snapshot holds: recovery replays only the log
records after it. The body (the snapshot of the tables, views and triggers) is written and read
by the caller.

:func:`write_checkpoint` replaces the file atomically: it writes ``<file>.tmp``, fsyncs it,
renames it over the old file and fsyncs the directory; a crash at any point leaves either the
old checkpoint or the new one, each whole, and the log still holds whatever the old one lacks.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

from pyram.errors import CorruptFileError, Error
from pyram.persist.changes import PayloadError
from pyram.persist.wal import fsync_directory

__all__ = ["read_checkpoint", "write_checkpoint"]

CKP_MAGIC = b"PYRAMCKP"
CKP_VERSION = 1
_HEAD = struct.Struct("<HHQ")
_U32 = struct.Struct("<I")
#: rows per encoded chunk, so memory stays bounded for a big table
_CHUNK = 4096


def write_checkpoint(path: str, seq: int, write_body: Callable[[Any], None]) -> None:
    """Atomically replace ``path`` with a checkpoint holding commits up to ``seq``; the body
    comes from ``write_body(stream)``.

    The caller holds the store's write lock (no transaction open), so the snapshot is one
    committed state.
    """
    tmp = path + ".tmp"
    with open(tmp, "wb") as raw:
        out = _CrcWriter(raw)
        out.write(CKP_MAGIC + _HEAD.pack(CKP_VERSION, 0, seq))
        write_body(out)
        raw.write(_U32.pack(out.crc))
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(tmp, path)
    fsync_directory(os.path.dirname(os.path.abspath(path)))


def read_checkpoint(path: str, load: Callable[[BinaryIO], None]) -> int:
    """Check the file at ``path`` whole and hand its body to ``load``; returns its ``seq``.

    Raises:
        CorruptFileError: not a PyRAM checkpoint, an unsupported version, truncated or
            corrupted (checksum), naming the file.
    """
    with open(path, "rb") as f:
        data = f.read()
    head = len(CKP_MAGIC) + _HEAD.size
    if len(data) < head + _U32.size or data[: len(CKP_MAGIC)] != CKP_MAGIC:
        raise CorruptFileError(f"{path}: not a PyRAM database file", path=path, offset=0)
    version, _, seq = _HEAD.unpack_from(data, len(CKP_MAGIC))
    if version != CKP_VERSION:
        raise CorruptFileError(
            f"{path}: database file version {version} is not supported (expected {CKP_VERSION})",
            path=path,
            offset=len(CKP_MAGIC),
        )
    (crc,) = _U32.unpack_from(data, len(data) - _U32.size)
    if zlib.crc32(data[: -_U32.size]) != crc:
        raise CorruptFileError(
            f"{path}: checksum mismatch: the database file is corrupted", path=path
        )
    try:
        load(io.BytesIO(data[head : -_U32.size]))
    except (PayloadError, Error, struct.error, UnicodeDecodeError) as exc:
        raise CorruptFileError(f"{path}: bad snapshot contents: {exc}", path=path) from exc
    seq_value: int = seq
    return seq_value


class _CrcWriter:
    """A write-only stream computing the CRC32 of what passes through."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.crc = 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        return self.raw.write(data)
