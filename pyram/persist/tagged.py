"""Values one at a time, each with a tag byte: the log's form for small writes.

The column codecs of :mod:`pyram.persist.values` pay a fixed cost per column that dominates a
commit of one or two rows; here every stored type (None, bool, int, float, str, bytes,
Decimal, UUID, date, time, naive and aware datetimes) is written with one tag byte and its
bytes. Aware values keep their offset and, for a ``zoneinfo`` zone, its key. Any other column
type's values (INTERVAL, and types added later) go as tag 14, the type's name and its own text
form (:meth:`pyram.types.DataType.to_text`), so a new type needs nothing here. Reading checks
what it reads and raises :class:`ValueError` (the caller names the file and offset).
"""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from decimal import Decimal
from typing import Any, Protocol

from pyram.errors import ProgrammingError
from pyram.persist.values import codec
from pyram.types import type_of_value

__all__ = ["Reader", "read_value", "write_value"]

_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")


class Reader(Protocol):
    """What :func:`read_value` reads from."""

    def take(self, n: int) -> bytes:
        """The next ``n`` bytes (ValueError when there are fewer)."""
        ...

    def u32(self) -> int:
        """The next little-endian u32."""
        ...

    def text(self) -> str:
        """The next length-prefixed UTF-8 text."""
        ...


def _text(out: list[bytes], text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    out.append(_U32.pack(len(raw)))
    out.append(raw)


def _tz_name(value: dt.datetime | dt.time) -> str:
    """The zone key of a ``zoneinfo`` value, else "" (a fixed offset is in the ISO text)."""
    key = getattr(value.tzinfo, "key", None)
    return key if isinstance(key, str) else ""


def write_value(out: list[bytes], v: Any) -> None:
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
        write_value(out, bytes(v))
    elif isinstance(v, int):  # an int subclass stored as is (IntEnum values are plain ints)
        write_value(out, int(v))
    elif isinstance(v, str):
        write_value(out, str(v))
    else:
        _write_typed(out, v)


def _write_typed(out: list[bytes], v: Any) -> None:
    """A value of a type without a tag of its own: its type's name, then its text form."""
    try:
        dtype = type_of_value(v)
    except ProgrammingError:
        raise TypeError(f"cannot log a stored value of type {type(v).__name__}") from None
    out.append(b"\x0e")
    _text(out, dtype.name)
    _text(out, dtype.to_text(v))


def _zone(name: str) -> dt.tzinfo | None:
    if not name:
        return None
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _aware(text: str, zone: str, parse: Any) -> Any:
    value = parse(text)
    tz = _zone(zone)
    return value if tz is None else value.replace(tzinfo=tz)


def read_value(r: Reader) -> Any:
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
    if tag == 14:
        dtype = codec(r.text())
        return dtype.from_text(r.text())
    raise ValueError(f"unknown value tag {tag}")
