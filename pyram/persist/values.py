"""Value codecs shared by every file format: stored values to text and bytes, and back.

Values are handled in their column type's *storage form* (see :mod:`pyram.types`): an Enum
column holds its members' values, a JSON column its canonical text. Every codec is keyed by a
*kind*, the column's SQL type name (``INTEGER``, ``TEXT``, ... ``TIMESTAMPTZ``, ``UUID``,
``JSON``); an Enum column has the kind of its values (TEXT or INTEGER).

Text forms (JSON Lines, CSV, defaults in schema headers) are strict and lossless:

=============  ==========================================================================
INTEGER        decimal digits (any size)
REAL           Python's shortest repr (``1.5``, ``-0.0``, ``1e+300``, ``inf``, ``-inf``)
TEXT, JSON     the text itself
BOOLEAN        ``true`` / ``false``
BLOB           base64 (standard alphabet, padded)
DECIMAL        ``str(Decimal)`` (exact, exponent and sign of zero kept)
DATE, TIME,    ISO 8601 (``isoformat()``, offset included when aware); a ``zoneinfo`` zone
TIMESTAMP[TZ]  is kept as an RFC 9557 suffix: ``2024-03-31T02:30:00+02:00[Europe/Paris]``
UUID           canonical ``8-4-4-4-12`` lower-case hex
=============  ==========================================================================

Binary forms (the snapshot format) encode a whole column chunk of non-NULL values at once, at
C speed where the standard library allows (``array`` for numbers, ``b"".join`` for text).
Decoding checks what it reads and raises :class:`ValueError` with the reason; callers wrap it
in a :class:`~pyram.errors.CorruptFileError` naming the file, table and column.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import sys
import uuid
import zoneinfo
from array import array
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from itertools import accumulate
from typing import Any

from pyram.types import DataType

__all__ = [
    "KINDS",
    "decode_values",
    "encode_values",
    "from_text",
    "kind_of",
    "to_text",
]

KINDS = frozenset(
    {
        "INTEGER",
        "REAL",
        "TEXT",
        "BOOLEAN",
        "BLOB",
        "DECIMAL",
        "DATE",
        "TIME",
        "TIMESTAMP",
        "TIMESTAMPTZ",
        "UUID",
        "JSON",
    }
)

_LITTLE = sys.byteorder == "little"
_REAL = re.compile(r"-?(?:inf|\d+(?:\.\d+)?(?:e[+-]\d+)?)")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:E[+-]?\d+)?", re.IGNORECASE)
_INTEGER = re.compile(r"-?\d+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_FOLD = "[fold=1]"
_ZONE = re.compile(r"(.*)\[([A-Za-z0-9_+\-/]+)\]")
# TEXT may hold lone surrogates (a Python str can); they travel as UTF-8 with surrogatepass.
_UTF8 = "utf-8"
_SURROGATES = "surrogatepass"


def kind_of(dtype: DataType) -> str:
    """The codec kind of a column type (an Enum column: the kind of its values)."""
    name = dtype.name
    if name not in KINDS:  # pragma: no cover - every type of pyram.types has a kind
        raise ValueError(f"no file encoding for type {name}")
    return name


# ------------------------------------------------------------------------------- text forms
def _temporal_text(value: dt.date | dt.time) -> str:
    text = value.isoformat()
    tz = getattr(value, "tzinfo", None)
    if isinstance(tz, zoneinfo.ZoneInfo) and tz.key:
        text += f"[{tz.key}]"
    if getattr(value, "fold", 0):
        text += _FOLD  # which of two equal wall-clock times: part of the value
    return text


def _temporal_from(text: str, parse: Callable[[str], Any]) -> Any:
    fold = text.endswith(_FOLD)
    text = text.removesuffix(_FOLD)
    zone = None
    match = _ZONE.fullmatch(text)
    if match is not None:
        text, zone = match.group(1), match.group(2)
    value = parse(text)
    if fold and not isinstance(value, dt.time | dt.datetime):
        raise ValueError("a DATE has no fold")
    if zone is None:
        return value.replace(fold=1) if fold else value
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r}") from None
    if not isinstance(value, dt.datetime):
        return value.replace(tzinfo=tz, fold=int(fold))
    local = value.replace(tzinfo=tz, fold=int(fold))
    if local.utcoffset() != value.utcoffset():
        raise ValueError(f"offset {value.utcoffset()} is not valid in {zone} at that time")
    return local


def _real_text(value: float) -> str:
    return repr(value)


def _real_from(text: str) -> float:
    if not _REAL.fullmatch(text):
        raise ValueError(f"not a REAL: {text!r}")
    return float(text)


def _int_from(text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise ValueError(f"not an INTEGER: {text!r}")
    return int(text)


def _bool_from(text: str) -> bool:
    if text == "true":
        return True
    if text == "false":
        return False
    raise ValueError(f"not a BOOLEAN (true or false): {text!r}")


def _blob_from(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not base64 text") from None


def _decimal_from(text: str) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"not a DECIMAL: {text!r}")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise ValueError(f"not a DECIMAL: {text!r}") from None


def _uuid_from(text: str) -> uuid.UUID:
    if not _UUID.fullmatch(text):
        raise ValueError(f"not a canonical UUID: {text!r}")
    return uuid.UUID(text)


def _date_from(text: str) -> dt.date:
    value = dt.date.fromisoformat(text)
    return value


_TO_TEXT: dict[str, Callable[[Any], str]] = {
    "INTEGER": str,
    "REAL": _real_text,
    "TEXT": str,
    "JSON": str,
    "BOOLEAN": lambda v: "true" if v else "false",
    "BLOB": lambda v: base64.b64encode(v).decode("ascii"),
    "DECIMAL": str,
    "DATE": _temporal_text,
    "TIME": _temporal_text,
    "TIMESTAMP": _temporal_text,
    "TIMESTAMPTZ": _temporal_text,
    "UUID": str,
}
_FROM_TEXT: dict[str, Callable[[str], Any]] = {
    "INTEGER": _int_from,
    "REAL": _real_from,
    "TEXT": str,
    "JSON": str,
    "BOOLEAN": _bool_from,
    "BLOB": _blob_from,
    "DECIMAL": _decimal_from,
    "DATE": lambda t: _temporal_from(t, _date_from),
    "TIME": lambda t: _temporal_from(t, dt.time.fromisoformat),
    "TIMESTAMP": lambda t: _temporal_from(t, dt.datetime.fromisoformat),
    "TIMESTAMPTZ": lambda t: _temporal_from(t, dt.datetime.fromisoformat),
    "UUID": _uuid_from,
}


def to_text(kind: str, value: Any) -> str:
    """The text form of a non-NULL stored value of ``kind``."""
    return _TO_TEXT[kind](value)


def from_text(kind: str, text: str) -> Any:
    """The stored value a text form stands for.

    Raises:
        ValueError: the text is not a value of ``kind`` (the message says why).
    """
    try:
        return _FROM_TEXT[kind](text)
    except ValueError as exc:
        raise ValueError(str(exc) or f"not a {kind}: {text!r}") from None
    except (TypeError, OverflowError):
        raise ValueError(f"not a {kind}: {text!r}") from None


# ------------------------------------------------------------------------------ binary forms
# Each chunk of non-NULL values starts with one encoding byte: which layout follows.
_ARRAY = 0  # fixed-width machine values (array module), little-endian
_VARINT = 1  # zig-zag varints (integers beyond 64 bits)
_STRINGS = 2  # u32 byte lengths, then the bytes back to back
_FIXED16 = 3  # 16 bytes a value (UUID)


def _array_bytes(typecode: str, values: Sequence[Any]) -> bytes:
    packed = array(typecode, values)
    if not _LITTLE:  # pragma: no cover - big-endian hosts
        packed.byteswap()
    return packed.tobytes()


def _array_from(typecode: str, payload: bytes | memoryview, count: int) -> array[Any]:
    packed = array(typecode)
    if len(payload) != count * packed.itemsize:
        raise ValueError(f"{len(payload)} bytes for {count} values of {packed.itemsize} bytes")
    packed.frombytes(payload)
    if not _LITTLE:  # pragma: no cover - big-endian hosts
        packed.byteswap()
    return packed


def _zigzag(values: Sequence[int]) -> bytes:
    out = bytearray()
    for value in values:
        n = value * 2 if value >= 0 else -value * 2 - 1
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
    return bytes(out)


def _unzigzag(payload: bytes | memoryview, count: int) -> list[int]:
    values: list[int] = []
    n = shift = 0
    for byte in bytes(payload):
        n |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        values.append(n >> 1 if not n & 1 else -((n + 1) >> 1))
        n = shift = 0
    if shift or len(values) != count:
        raise ValueError(f"varints hold {len(values)} whole values, expected {count}")
    return values


def _strings(encoded: list[bytes]) -> bytes:
    return bytes([_STRINGS]) + _array_bytes("I", list(map(len, encoded))) + b"".join(encoded)


def _split(payload: bytes | memoryview, count: int, *, text: bool) -> list[Any]:
    """The values of a strings layout: bytes, or str when ``text`` (UTF-8)."""
    size = 4 * count
    lengths = _array_from("I", payload[:size], count) if count else array("I")
    blob = bytes(payload[size:])
    if sum(lengths) != len(blob):
        raise ValueError(f"lengths add up to {sum(lengths)} bytes, {len(blob)} present")
    ends = list(accumulate(lengths))
    source: bytes | str = blob
    if text:
        try:
            whole = blob.decode(_UTF8, _SURROGATES)
        except UnicodeDecodeError:
            raise ValueError("text is not valid UTF-8") from None
        if len(whole) == len(blob):  # all ASCII: byte offsets are character offsets
            source = whole
    parts = [source[end - length : end] for end, length in zip(ends, lengths, strict=True)]
    if text and source is blob:
        try:
            return [p.decode(_UTF8, _SURROGATES) for p in parts]  # type: ignore[union-attr]
        except UnicodeDecodeError:  # valid as a whole, but a length splits a character
            raise ValueError("text is not valid UTF-8") from None
    return parts


def encode_values(kind: str, values: Sequence[Any]) -> bytes:
    """The binary form of non-NULL stored values of ``kind`` (one encoding byte first)."""
    if kind == "INTEGER":
        try:
            return bytes([_ARRAY]) + _array_bytes("q", values)
        except OverflowError:
            return bytes([_VARINT]) + _zigzag(values)
    if kind == "REAL":
        return bytes([_ARRAY]) + _array_bytes("d", values)
    if kind == "BOOLEAN":
        return bytes([_ARRAY]) + bytes(values)
    if kind == "DATE":
        return bytes([_ARRAY]) + _array_bytes("i", [d.toordinal() for d in values])
    if kind == "UUID":
        return bytes([_FIXED16]) + b"".join(u.bytes for u in values)
    if kind == "BLOB":
        return _strings(list(values))
    if kind in ("TEXT", "JSON", "DECIMAL"):
        return _strings([str(v).encode(_UTF8, _SURROGATES) for v in values])
    return _strings([_temporal_text(v).encode(_UTF8) for v in values])


def decode_values(kind: str, payload: bytes | memoryview, count: int) -> list[Any]:
    """Decode ``count`` values written by :meth:`encode_values`.

    Raises:
        ValueError: the payload is not such values (the message says why).
    """
    if not payload:
        raise ValueError("no encoding byte")
    layout, body = payload[0], payload[1:]
    expected = _layout_of(kind)
    if layout != expected and not (kind == "INTEGER" and layout == _VARINT):
        raise ValueError(f"encoding {layout} is not one of {kind}")
    if kind == "INTEGER":
        if layout == _VARINT:
            return _unzigzag(body, count)
        return _array_from("q", body, count).tolist()
    if kind == "REAL":
        return _array_from("d", body, count).tolist()
    if kind == "BOOLEAN":
        flags = bytes(body)
        if len(flags) != count or flags.strip(b"\x00\x01"):
            raise ValueError("BOOLEAN bytes must be 0 or 1")
        return [b == 1 for b in flags]
    if kind == "DATE":
        ordinals = _array_from("i", body, count)
        try:
            return [dt.date.fromordinal(n) for n in ordinals]
        except (ValueError, OverflowError):
            raise ValueError("a DATE ordinal is out of range") from None
    if kind == "UUID":
        if len(body) != 16 * count:
            raise ValueError(f"{len(body)} bytes for {count} UUIDs")
        raw = bytes(body)
        return [uuid.UUID(bytes=raw[i : i + 16]) for i in range(0, len(raw), 16)]
    if kind == "BLOB":
        return _split(body, count, text=False)
    texts = _split(body, count, text=True)
    if kind in ("TEXT", "JSON"):
        return texts
    parse = _FROM_TEXT[kind]
    return [parse(t) for t in texts]


def _layout_of(kind: str) -> int:
    if kind in ("INTEGER", "REAL", "BOOLEAN", "DATE"):
        return _ARRAY
    return _FIXED16 if kind == "UUID" else _STRINGS
