"""Building blocks the column types' codecs share: binary column layouts and ISO 8601 text.

Each :class:`~pyram.types.DataType` owns its conversions (see :mod:`pyram.types.base`); the
pieces several types use live here so that a type's codec is a few lines. Binary forms encode a
whole column chunk of non-NULL stored values at once, at C speed where the standard library
allows (``array`` for numbers, ``b"".join`` for text); every chunk starts with one *layout* byte.
Decoders check what they read and raise :class:`ValueError` with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import zoneinfo
from array import array
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

__all__ = [
    "ARRAY",
    "FIXED16",
    "STRINGS",
    "VARINT",
    "array_bytes",
    "array_from",
    "join_strings",
    "json_dumps",
    "json_excerpt",
    "layout_body",
    "split_strings",
    "temporal_from",
    "temporal_text",
    "unzigzag",
    "zigzag",
]

#: fixed-width machine values (array module), little-endian
ARRAY = 0
#: zig-zag varints (integers beyond 64 bits)
VARINT = 1
#: u32 byte lengths, then the bytes back to back
STRINGS = 2
#: 16 bytes a value (UUID)
FIXED16 = 3

_LITTLE = sys.byteorder == "little"
_FOLD = "[fold=1]"
_ZONE = re.compile(r"(.*)\[([A-Za-z0-9_+\-/]+)\]")
# TEXT may hold lone surrogates (a Python str can); they travel as UTF-8 with surrogatepass.
_UTF8 = "utf-8"
_SURROGATES = "surrogatepass"


def layout_body(
    payload: bytes | memoryview, name: str, *allowed: int
) -> tuple[int, bytes | memoryview]:
    """Split a chunk into its layout byte (one of ``allowed``) and the body after it."""
    if not payload:
        raise ValueError("no encoding byte")
    layout = payload[0]
    if layout not in allowed:
        raise ValueError(f"encoding {layout} is not one of {name}")
    return layout, payload[1:]


def array_bytes(typecode: str, values: Sequence[Any]) -> bytes:
    """Machine values of ``typecode``, little-endian."""
    packed = array(typecode, values)
    if not _LITTLE:  # pragma: no cover - big-endian hosts
        packed.byteswap()
    return packed.tobytes()


def array_from(typecode: str, payload: bytes | memoryview, count: int) -> array[Any]:
    """``count`` machine values of ``typecode`` written by :func:`array_bytes`."""
    packed = array(typecode)
    if len(payload) != count * packed.itemsize:
        raise ValueError(f"{len(payload)} bytes for {count} values of {packed.itemsize} bytes")
    packed.frombytes(payload)
    if not _LITTLE:  # pragma: no cover - big-endian hosts
        packed.byteswap()
    return packed


def zigzag(values: Sequence[int]) -> bytes:
    """Integers of any size as zig-zag varints."""
    out = bytearray()
    for value in values:
        n = value * 2 if value >= 0 else -value * 2 - 1
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
    return bytes(out)


def unzigzag(payload: bytes | memoryview, count: int) -> list[int]:
    """``count`` integers written by :func:`zigzag`."""
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


def join_strings(texts: Sequence[str | bytes]) -> bytes:
    """The strings layout (layout byte included): str values as UTF-8, bytes as they are."""
    encoded = [t.encode(_UTF8, _SURROGATES) if isinstance(t, str) else t for t in texts]
    return bytes([STRINGS]) + array_bytes("I", list(map(len, encoded))) + b"".join(encoded)


def split_strings(payload: bytes | memoryview, count: int, *, text: bool) -> list[Any]:
    """The values of a strings layout body: bytes, or str when ``text`` (UTF-8)."""
    size = 4 * count
    lengths = array_from("I", payload[:size], count) if count else array("I")
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


def temporal_text(value: dt.date | dt.time) -> str:
    """ISO 8601 text; a ``zoneinfo`` zone is kept as an RFC 9557 suffix
    (``2024-03-31T02:30:00+02:00[Europe/Paris]``) and a fold as ``[fold=1]``."""
    text = value.isoformat()
    tz = getattr(value, "tzinfo", None)
    if isinstance(tz, zoneinfo.ZoneInfo) and tz.key:
        text += f"[{tz.key}]"
    if getattr(value, "fold", 0):
        text += _FOLD  # which of two equal wall-clock times: part of the value
    return text


def temporal_from(text: str, parse: Callable[[str], Any]) -> Any:
    """The value :func:`temporal_text` wrote, read with ``parse`` (a ``fromisoformat``)."""
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


def json_dumps(value: Any) -> str:
    """Compact JSON text (any str round-trips; NaN and infinities are refused): the form of
    JSON documents in storage and in JSON Lines files."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def json_excerpt(value: Any) -> str:
    """The start of a JSON value's text, for an error message."""
    return json_dumps(value)[:40]
