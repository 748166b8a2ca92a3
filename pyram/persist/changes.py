"""The payload of a write-ahead log record: the logical changes of one commit.

A commit is a list of :class:`RowOps`: (kind, table, old rows, new rows), in the order the store
applied them. Rows are *stored* values (see :mod:`pyram.types`), never row ids: row ids are
renumbered by compaction, so a replay finds each row again by its primary key (or, in a table
without one, by its whole old value).

Layout (integers little-endian u32 unless said)::

    payload  op count, then per op:
    op       u8 kind (1 insert, 2 update, 3 delete) | table name | row count | width
             | width column kinds (text) | old columns (update, delete) | new columns (insert,
             update)
    side     u8 0, then the rows' values one by one with a tag each (:mod:`.tagged`), for
             at most SMALL_SIDE rows; or u8 1, then one column per column kind:
    column   u8 0 (no NULLs) or 1 followed by one byte per row (1 = value present)
             | block: the non-NULL values in the snapshot's binary form
               (:func:`pyram.persist.values.encode_values`)
    text     length | UTF-8 bytes;  block: length | bytes

Each record names its column kinds, so it decodes without the schema. Big writes go column by
column through the snapshot's codecs (C speed for numbers and text); the usual commit of a row
or two, whose cost those codecs' per-column overhead would dominate, goes value by value. Not
pickle: decoding a hostile file can only fail, never run code.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from functools import lru_cache
from itertools import compress
from typing import Any

import attrs

from pyram.persist.tagged import read_value, write_value
from pyram.persist.values import decode_values, encode_values
from pyram.storage import ChangeKind

__all__ = ["PayloadError", "RowOps", "decode_changes", "encode_changes"]

_KINDS: dict[str, int] = {"insert": 1, "update": 2, "delete": 3}
_KIND_NAMES: dict[int, ChangeKind] = {1: "insert", 2: "update", 3: "delete"}
_U32 = struct.Struct("<I")
#: sides of at most this many rows are written value by value (see the module docstring)
SMALL_SIDE = 4


@attrs.frozen
class RowOps:
    """Rows one write changed in one table: ``old`` rows for updates and deletes, ``new`` rows
    for inserts and updates (stored values, same order); ``kinds`` are the columns' codec
    kinds (:func:`pyram.persist.values.kind_of`)."""

    kind: ChangeKind
    table: str
    kinds: tuple[str, ...]
    old: Sequence[Sequence[Any]]
    new: Sequence[Sequence[Any]]


class PayloadError(ValueError):
    """A payload that does not decode (reported by the caller with the file and offset)."""


# ---------------------------------------------------------------------- encoding
def _text(out: list[bytes], text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    out.append(_U32.pack(len(raw)))
    out.append(raw)


def _column(out: list[bytes], kind: str, values: Sequence[Any]) -> None:
    present = [v is not None for v in values]
    if all(present):
        out.append(b"\x00")
        kept: Sequence[Any] = values
    else:
        out.append(b"\x01" + bytes(present))
        kept = list(compress(values, present))
    data = encode_values(kind, kept)
    out.append(_U32.pack(len(data)))
    out.append(data)


@lru_cache(maxsize=256)
def _kinds_bytes(kinds: tuple[str, ...]) -> bytes:
    """Width and column kinds, encoded once per table shape (every commit repeats them)."""
    out = [_U32.pack(len(kinds))]
    for kind in kinds:
        _text(out, kind)
    return b"".join(out)


def encode_changes(ops: Sequence[RowOps]) -> bytes:
    """The payload of one commit."""
    out: list[bytes] = [_U32.pack(len(ops))]
    for op in ops:
        out.append(bytes((_KINDS[op.kind],)))
        _text(out, op.table)
        out.append(_U32.pack(len(op.new if op.kind == "insert" else op.old)))
        out.append(_kinds_bytes(op.kinds))
        sides = (op.old if op.kind != "insert" else None, op.new if op.kind != "delete" else None)
        for rows in sides:
            if rows is None:
                continue
            if len(rows) <= SMALL_SIDE:
                out.append(b"\x00")
                for row in rows:
                    for value in row:
                        write_value(out, value)
                continue
            out.append(b"\x01")
            columns = list(zip(*rows, strict=True))
            for kind, values in zip(op.kinds, columns, strict=True):
                _column(out, kind, values)
    return b"".join(out)


# ---------------------------------------------------------------------- decoding
class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise PayloadError("payload ends early")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def u32(self) -> int:
        value: int = _U32.unpack(self.take(4))[0]
        return value

    def text(self) -> str:
        return self.take(self.u32()).decode("utf-8", "surrogatepass")

    def column(self, kind: str, count: int) -> list[Any]:
        flag = self.take(1)[0]
        if flag not in (0, 1):
            raise PayloadError("bad NULL map flag")
        present = [True] * count if flag == 0 else [b == 1 for b in self.take(count)]
        values = decode_values(kind, self.take(self.u32()), sum(present))
        if flag == 0:
            return values
        it = iter(values)
        return [next(it) if here else None for here in present]


def _rows(r: _Reader, kinds: tuple[str, ...], count: int) -> list[tuple[Any, ...]]:
    layout = r.take(1)[0]
    if layout == 0:
        width = len(kinds)
        return [tuple(read_value(r) for _ in range(width)) for _ in range(count)]
    if layout != 1:
        raise PayloadError("bad row layout")
    columns = [r.column(kind, count) for kind in kinds]
    return list(zip(*columns, strict=True)) if columns else [() for _ in range(count)]


def decode_changes(payload: bytes) -> list[RowOps]:
    """The changes of one commit (PayloadError when the bytes do not decode)."""
    r = _Reader(payload)
    try:
        ops = []
        for _ in range(r.u32()):
            kind = _KIND_NAMES.get(r.take(1)[0])
            if kind is None:
                raise PayloadError("unknown change kind")
            table = r.text()
            count, width = r.u32(), r.u32()
            kinds = tuple(r.text() for _ in range(width))
            old = _rows(r, kinds, count) if kind != "insert" else []
            new = _rows(r, kinds, count) if kind != "delete" else []
            ops.append(RowOps(kind, table, kinds, old, new))
    except (ValueError, UnicodeDecodeError, KeyError, struct.error) as exc:
        raise PayloadError(str(exc)) from exc
    if r.pos != len(payload):
        raise PayloadError("trailing bytes after the changes")
    return ops
