"""PostgreSQL wire forms the column types share (text and binary, per the PostgreSQL docs).

A type's ``pg_oid`` names its PostgreSQL type; ``pg_text``/``pg_binary`` write a user value in
the text and binary result formats and ``from_pg_text``/``from_pg_binary`` read a parameter.
Binary forms are big-endian (network order), as PostgreSQL's ``*_send`` functions write them:

=============  ====  ===========================================================================
int8           20    8-byte signed integer
float8         701   8-byte IEEE 754 double
text           25    UTF-8 bytes
bytea          17    the bytes (text form: ``\\x`` and lower-case hex)
bool           16    one byte, 1 or 0 (text form: ``t``/``f``)
numeric        1700  int16 ndigits, int16 weight, uint16 sign (0x0000, 0x4000 negative),
                     int16 dscale, then ndigits int16 base-10000 digits, most significant first
date           1082  int32 days since 2000-01-01
time           1083  int64 microseconds since midnight
timestamp      1114  int64 microseconds since 2000-01-01 00:00:00
timestamptz    1184  int64 microseconds since 2000-01-01 00:00:00 UTC
interval       1186  int64 microseconds, int32 days, int32 months (always 0 here)
uuid           2950  the 16 bytes
jsonb          3802  version byte 1, then the JSON text
=============  ====  ===========================================================================
"""

from __future__ import annotations

import datetime as dt
import struct
from decimal import Decimal, localcontext

__all__ = [
    "PG_EPOCH",
    "PG_EPOCH_DAY",
    "bytea_from_text",
    "bytea_text",
    "interval_binary",
    "interval_from_binary",
    "micros",
    "numeric_binary",
    "numeric_from_binary",
]

#: 2000-01-01, the origin of PostgreSQL's binary dates and timestamps
PG_EPOCH = dt.datetime(2000, 1, 1)
#: its proleptic Gregorian ordinal
PG_EPOCH_DAY = PG_EPOCH.toordinal()

_NUMERIC_HEAD = struct.Struct(">hhHh")
_INTERVAL = struct.Struct(">qii")
_NEGATIVE = 0x4000


def micros(delta: dt.timedelta) -> int:
    """Whole microseconds of a timedelta (exact: no float in between)."""
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def bytea_text(value: bytes) -> str:
    """The ``bytea`` hex text form: ``\\x`` then two lower-case hex digits a byte."""
    return "\\x" + value.hex()


def bytea_from_text(text: str) -> bytes:
    """A ``bytea`` text form back to bytes: the hex form, or the older ``escape`` form
    (backslash and three octal digits a byte, ``\\\\`` for a backslash) clients may still send."""
    if text.startswith("\\x"):
        return bytes.fromhex(text[2:])
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i] != "\\":
            out += text[i].encode()
            i += 1
        elif text[i + 1 : i + 2] == "\\":
            out.append(0x5C)
            i += 2
        else:
            octal = text[i + 1 : i + 4]
            if len(octal) != 3 or not all(c in "01234567" for c in octal):
                raise ValueError(f"invalid bytea escape at {i}: {text[i : i + 4]!r}")
            out.append(int(octal, 8))
            i += 4
    return bytes(out)


def numeric_binary(value: Decimal) -> bytes:
    """``numeric_send``: a finite Decimal as base-10000 digit groups."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    dscale = max(0, -exponent)
    frac_groups = (dscale + 3) // 4
    # the value times 10000**frac_groups is a whole number: its base-10000 digits
    whole = int("".join(map(str, digits)) or "0") * 10 ** (exponent + 4 * frac_groups)
    groups: list[int] = []
    while whole:
        whole, group = divmod(whole, 10_000)
        groups.append(group)
    groups.reverse()
    weight = len(groups) - 1 - frac_groups
    while groups and groups[-1] == 0:  # trailing zero groups are implied by the weight
        groups.pop()
    if not groups:
        weight = 0
    head = _NUMERIC_HEAD.pack(len(groups), weight, _NEGATIVE if sign else 0, dscale)
    return head + struct.pack(f">{len(groups)}h", *groups)


def numeric_from_binary(data: bytes) -> Decimal:
    """``numeric_recv``: the Decimal a :func:`numeric_binary` form stands for (built from its
    digit text, so any precision reads exactly)."""
    ndigits, weight, sign, dscale = _NUMERIC_HEAD.unpack_from(data)
    if sign not in (0, _NEGATIVE) or len(data) != 8 + 2 * ndigits:
        raise ValueError("not a finite numeric")
    groups = struct.unpack_from(f">{ndigits}h", data, 8)
    digits = "".join(f"{g:04d}" for g in groups) or "0"
    value = Decimal(f"{'-' if sign else ''}{digits}E{4 * (weight - ndigits + 1)}")
    with localcontext(prec=max(len(digits) + dscale + 8, 28)):
        return value.quantize(Decimal(1).scaleb(-dscale))


def interval_binary(delta: dt.timedelta) -> bytes:
    """``interval_send``: microseconds, days and months (a timedelta has no months)."""
    return _INTERVAL.pack(micros(delta) - delta.days * 86_400_000_000, delta.days, 0)


def interval_from_binary(data: bytes) -> dt.timedelta:
    """``interval_recv`` of an interval without months (a month has no fixed length)."""
    time_us, days, months = _INTERVAL.unpack(data)
    if months:
        raise ValueError("an INTERVAL with months has no timedelta")
    return dt.timedelta(days=days, microseconds=time_us)
