"""The payload of a write-ahead log record: the logical changes of one commit.

A commit is a list of :class:`RowOps`: (kind, table, old rows, new rows), in the order the store
applied them. Rows are *stored* values (see :mod:`pyram.types`), never row ids: row ids are
renumbered by compaction, so a replay finds each row again by its primary key (or, in a table
without one, by its whole old value).

Values are written with a tag byte each; every stored type has one (None, bool, int, float, str,
bytes, Decimal, UUID, date, time, naive and aware datetimes). Aware values keep their offset and,
for a ``zoneinfo`` zone, its key, so they come back with the same ``tzinfo`` kind. Not pickle:
decoding a hostile file can only fail, never run code.
"""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from pyram.storage.watch import ChangeKind

__all__ = ["RowOps", "decode_changes", "encode_changes"]

_KINDS: dict[str, int] = {"insert": 1, "update": 2, "delete": 3}
_KIND_NAMES: dict[int, ChangeKind] = {1: "insert", 2: "update", 3: "delete"}
_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")


@attrs.frozen
class RowOps:
    """Rows one write changed in one table: ``old`` rows for updates and deletes, ``new`` rows
    for inserts and updates (stored values, same order)."""

    kind: ChangeKind
    table: str
    old: Sequence[Sequence[Any]]
    new: Sequence[Sequence[Any]]


class PayloadError(ValueError):
    """A payload that does not decode (reported by the caller with the file and offset)."""


# ---------------------------------------------------------------------- encoding
def _text(out: list[bytes], text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    out.append(_U32.pack(len(raw)))
    out.append(raw)


def _tz_name(value: dt.datetime | dt.time) -> str:
    """The zone key of a ``zoneinfo`` value, else "" (a fixed offset is in the ISO text)."""
    key = getattr(value.tzinfo, "key", None)
    return key if isinstance(key, str) else ""


def _value(out: list[bytes], v: Any) -> None:
    kind = type(v)
    if v is None:
        out.append(b"\x00")
    elif kind is bool:
        out.append(b"\x02" if v else b"\x01")
    elif kind is int:
        if -(1 << 63) <= v < (1 << 63):
            out.append(b"\x03" + _I64.pack(v))
        else:
            out.append(b"\x0d")
            _text(out, str(v))
    elif kind is float:
        out.append(b"\x04" + _F64.pack(v))
    elif kind is str:
        out.append(b"\x05")
        _text(out, v)
    elif kind is bytes:
        out.append(b"\x06" + _U32.pack(len(v)))
        out.append(v)
    elif isinstance(v, Decimal):
        out.append(b"\x07")
        _text(out, str(v))
    elif isinstance(v, uuid.UUID):
        out.append(b"\x08" + v.bytes)
    elif isinstance(v, dt.datetime):
        out.append(b"\x0a")
        _text(out, v.isoformat())
        _text(out, _tz_name(v))
    elif isinstance(v, dt.date):
        out.append(b"\x09")
        _text(out, v.isoformat())
    elif isinstance(v, dt.time):
        out.append(b"\x0c")
        _text(out, v.isoformat())
        _text(out, _tz_name(v))
    elif isinstance(v, bytearray | memoryview):
        _value(out, bytes(v))
    elif isinstance(v, int):  # an int subclass stored as is (IntEnum values are plain ints)
        _value(out, int(v))
    elif isinstance(v, str):
        _value(out, str(v))
    else:
        raise TypeError(f"cannot log a stored value of type {kind.__name__}")


def encode_changes(ops: Sequence[RowOps]) -> bytes:
    """The payload of one commit."""
    out: list[bytes] = [_U32.pack(len(ops))]
    for op in ops:
        out.append(bytes((_KINDS[op.kind],)))
        _text(out, op.table)
        rows = op.new if op.kind == "insert" else op.old
        width = len(rows[0]) if rows else 0
        out.append(_U32.pack(len(rows)) + _U32.pack(width))
        for side in (op.old, op.new):
            for row in side:
                for v in row:
                    _value(out, v)
    return b"".join(out)


# ---------------------------------------------------------------------- decoding
class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise PayloadError("payload ends early")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def u32(self) -> int:
        value: int = _U32.unpack(self.take(4))[0]
        return value

    def text(self) -> str:
        return self.take(self.u32()).decode("utf-8", "surrogatepass")


def _zone(name: str) -> dt.tzinfo | None:
    if not name:
        return None
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _aware(text: str, zone: str, parse: Any) -> Any:
    value = parse(text)
    tz = _zone(zone)
    return value if tz is None else value.replace(tzinfo=tz)


def _read_value(r: _Reader) -> Any:
    tag = r.take(1)[0]
    if tag == 0:
        return None
    if tag in (1, 2):
        return tag == 2
    if tag == 3:
        return _I64.unpack(r.take(8))[0]
    if tag == 4:
        return _F64.unpack(r.take(8))[0]
    if tag == 5:
        return r.text()
    if tag == 6:
        return r.take(r.u32())
    if tag == 7:
        return Decimal(r.text())
    if tag == 8:
        return uuid.UUID(bytes=r.take(16))
    if tag == 9:
        return dt.date.fromisoformat(r.text())
    if tag == 10:
        return _aware(r.text(), r.text(), dt.datetime.fromisoformat)
    if tag == 12:
        return _aware(r.text(), r.text(), dt.time.fromisoformat)
    if tag == 13:
        return int(r.text())
    raise PayloadError(f"unknown value tag {tag}")


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
            sides = (kind != "insert", kind != "delete")
            old: list[tuple[Any, ...]] = []
            new: list[tuple[Any, ...]] = []
            for wanted, rows in zip(sides, (old, new), strict=True):
                if wanted:
                    rows.extend(tuple(_read_value(r) for _ in range(width)) for _ in range(count))
            ops.append(RowOps(kind, table, old, new))
    except (ValueError, UnicodeDecodeError, KeyError, struct.error) as exc:
        raise PayloadError(str(exc)) from exc
    if r.pos != len(payload):
        raise PayloadError("trailing bytes after the changes")
    return ops
