"""Every PyRAM type on the PostgreSQL wire: its type OID and its text and binary codecs.

All knowledge of how a value crosses the wire lives here, keyed by the PostgreSQL type a PyRAM
type is shown as (:mod:`pyram.types.pg_types` holds the OIDs, for the catalogue and for this
module alike), so it can later move onto the types themselves (issue 18). A
:class:`WireType` encodes a Python value to the bytes of a DataRow field and decodes the bytes
of a Bind parameter to the Python value the column type accepts (strictly: a malformed value
is a :class:`~pyram.errors.DataError`, never a silent coercion).

Formats follow PostgreSQL 15 (``DateStyle = ISO``, ``integer_datetimes = on``, binary dates as
days and timestamps as microseconds since 2000-01-01).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import struct
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any, Final

import attrs

from pyram.errors import DataError
from pyram.types import DataType
from pyram.types.pg_types import PgType, pg_type_by_name, pg_type_for

__all__ = ["OIDS", "WireType", "wire_type", "wire_type_for_oid"]

_EPOCH_DATE: Final = dt.date(2000, 1, 1)
_EPOCH: Final = dt.datetime(2000, 1, 1)
_EPOCH_TZ: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_ORDINAL_2000: Final = _EPOCH_DATE.toordinal()
_Q = struct.Struct("!q")
_D = struct.Struct("!d")
_I = struct.Struct("!i")
_H = struct.Struct("!h")


@attrs.frozen
class WireType:
    """How values of one PostgreSQL type cross the wire."""

    name: str  #: the PostgreSQL type name (``int8``, ``text``, ...)
    to_text: Callable[[Any], str]
    from_text: Callable[[str], Any]
    to_binary: Callable[[Any], bytes]
    from_binary: Callable[[bytes], Any]

    @property
    def oid(self) -> int:
        """The type's OID (from :mod:`pyram.types.pg_types`, the one table of OIDs)."""
        return _catalog(self.name).oid

    @property
    def size(self) -> int:
        """The typlen RowDescription reports (-1: variable length)."""
        return _catalog(self.name).length

    def encode(self, value: Any, binary: bool) -> bytes:
        """The field bytes of a non-NULL value."""
        if isinstance(value, enum.Enum):
            value = value.value
        return self.to_binary(value) if binary else self.to_text(value).encode()

    def decode(self, data: bytes, binary: bool) -> Any:
        """The Python value of a non-NULL parameter.

        Raises:
            DataError: the bytes are not a value of this type.
        """
        try:
            return self.from_binary(data) if binary else self.from_text(data.decode())
        except (ValueError, struct.error, InvalidOperation, UnicodeDecodeError) as exc:
            raise DataError(f"invalid input for type {self.name}: {exc}") from None


# --------------------------------------------------------------------------- scalar codecs
def _bool_text(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("t", "true", "1", "yes", "on", "y"):
        return True
    if lowered in ("f", "false", "0", "no", "off", "n"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _bool_from_binary(data: bytes) -> bool:
    if data not in (b"\x00", b"\x01"):
        raise ValueError("a binary boolean is one byte, 0 or 1")
    return data == b"\x01"


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def _float_from_text(text: str) -> float:
    lowered = text.strip().lower()
    special = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf, "inf": math.inf}
    return special[lowered] if lowered in special else float(text)


def _int_from_binary(data: bytes) -> int:
    if len(data) == 8:
        return int(_Q.unpack(data)[0])
    if len(data) == 4:
        return int(_I.unpack(data)[0])
    if len(data) == 2:
        return int(_H.unpack(data)[0])
    raise ValueError(f"an integer has 2, 4 or 8 bytes, not {len(data)}")


def _float_from_binary(data: bytes) -> float:
    if len(data) == 4:
        return float(struct.unpack("!f", data)[0])
    return float(_D.unpack(data)[0])


def _bytea_text(value: bytes) -> str:
    return "\\x" + bytes(value).hex()


def _bytea_from_text(text: str) -> bytes:
    if text.startswith("\\x"):
        return bytes.fromhex(text[2:])
    return _bytea_escape_format(text)


def _bytea_escape_format(text: str) -> bytes:
    """PostgreSQL's old ``escape`` format: backslash-octal escapes, ``\\\\`` for a backslash."""
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
            out.append(int(text[i + 1 : i + 4], 8))
            i += 4
    return bytes(out)


def _date_from_binary(data: bytes) -> dt.date:
    return dt.date.fromordinal(_I.unpack(data)[0] + _ORDINAL_2000)


def _timestamp_text(value: dt.datetime) -> str:
    return value.isoformat(sep=" ")


def _timestamp_from_text(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def _timestamptz_from_text(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.strip())
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _micros(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _timestamp_binary(value: dt.datetime) -> bytes:
    return _Q.pack(_micros(value - _EPOCH))


def _timestamptz_binary(value: dt.datetime) -> bytes:
    return _Q.pack(_micros(value - _EPOCH_TZ))


def _timestamp_from_binary(data: bytes) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=_Q.unpack(data)[0])


def _timestamptz_from_binary(data: bytes) -> dt.datetime:
    return _EPOCH_TZ + dt.timedelta(microseconds=_Q.unpack(data)[0])


def _time_binary(value: dt.time) -> bytes:
    return _Q.pack(
        ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
    )


def _time_from_binary(data: bytes) -> dt.time:
    micros = _Q.unpack(data)[0]
    seconds, micro = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return dt.time(hour, minute, second, micro)


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _jsonb_from_binary(data: bytes) -> Any:
    if data[:1] != b"\x01":
        raise ValueError("unknown jsonb version")
    return json.loads(data[1:].decode())


# --------------------------------------------------------------------------- numeric binary
_NUMERIC_NAN: Final = 0xC000
_NUMERIC_NEG: Final = 0x4000


def _numeric_binary(value: Decimal) -> bytes:
    """PostgreSQL's numeric: base-10000 digits, a weight, a sign and a display scale."""
    value = Decimal(value)
    if value.is_nan():
        return struct.pack("!hhHh", 0, 0, _NUMERIC_NAN, 0)
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    text = "".join(map(str, digits))
    int_len = len(text) + exponent  # digits before the decimal point
    int_part = text[: max(int_len, 0)] if int_len > 0 else ""
    frac_part = ("0" * max(-int_len, 0) + text[max(int_len, 0) :]) if exponent < 0 else ""
    if exponent > 0:
        int_part = text + "0" * exponent
    int_part = int_part.lstrip("0")
    int_part = "0" * (-len(int_part) % 4) + int_part
    frac_part = frac_part + "0" * (-len(frac_part) % 4)
    groups = [int(int_part[i : i + 4]) for i in range(0, len(int_part), 4)]
    weight = len(groups) - 1
    groups += [int(frac_part[i : i + 4]) for i in range(0, len(frac_part), 4)]
    while groups and groups[-1] == 0:
        groups.pop()
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    if not groups:
        weight = 0
    head = struct.pack("!hhHh", len(groups), weight, _NUMERIC_NEG if sign else 0, scale)
    return head + b"".join(_H.pack(g) for g in groups)


def _numeric_from_binary(data: bytes) -> Decimal:
    count, weight, sign, scale = struct.unpack("!hhHh", data[:8])
    if sign == _NUMERIC_NAN:
        return Decimal("NaN")
    groups = struct.unpack(f"!{count}H", data[8 : 8 + 2 * count])
    digits = "".join(f"{g:04d}" for g in groups) or "0"
    value = Decimal(f"{'-' if sign == _NUMERIC_NEG else ''}{digits}E{4 * (weight - count + 1)}")
    with localcontext(prec=max(len(digits) + scale + 8, 28)):
        return value.quantize(Decimal(1).scaleb(-scale))


# --------------------------------------------------------------------------- the table
def _same(value: Any) -> Any:
    return value


def _utf8(value: Any) -> bytes:
    return str(value).encode()


def _from_utf8(data: bytes) -> str:
    return data.decode()


INT8 = WireType("int8", str, int, _Q.pack, _int_from_binary)
INT4 = attrs.evolve(INT8, name="int4", to_binary=_I.pack)
INT2 = attrs.evolve(INT8, name="int2", to_binary=_H.pack)
FLOAT8 = WireType("float8", _float_text, _float_from_text, _D.pack, _float_from_binary)
FLOAT4 = attrs.evolve(FLOAT8, name="float4")
TEXT = WireType("text", str, _same, _utf8, _from_utf8)
VARCHAR = attrs.evolve(TEXT, name="varchar")
BPCHAR = attrs.evolve(TEXT, name="bpchar")
NAME = attrs.evolve(TEXT, name="name")
BOOL = WireType(
    "bool",
    lambda v: "t" if v else "f",
    _bool_text,
    lambda v: b"\x01" if v else b"\x00",
    _bool_from_binary,
)
BYTEA = WireType("bytea", _bytea_text, _bytea_from_text, bytes, bytes)
DATE = WireType(
    "date",
    dt.date.isoformat,
    lambda t: dt.date.fromisoformat(t.strip()),
    lambda v: _I.pack(v.toordinal() - _ORDINAL_2000),
    _date_from_binary,
)
TIMESTAMP = WireType(
    "timestamp",
    _timestamp_text,
    _timestamp_from_text,
    _timestamp_binary,
    _timestamp_from_binary,
)
TIMESTAMPTZ = WireType(
    "timestamptz",
    _timestamp_text,
    _timestamptz_from_text,
    _timestamptz_binary,
    _timestamptz_from_binary,
)
TIME = WireType(
    "time",
    dt.time.isoformat,
    lambda t: dt.time.fromisoformat(t.strip()),
    _time_binary,
    _time_from_binary,
)
NUMERIC = WireType(
    "numeric", str, lambda t: Decimal(t.strip()), _numeric_binary, _numeric_from_binary
)
UUID = WireType(
    "uuid",
    str,
    lambda t: uuid.UUID(t.strip()),
    lambda v: uuid.UUID(str(v)).bytes,
    lambda d: uuid.UUID(bytes=d),
)
JSON = WireType(
    "json",
    _json_text,
    json.loads,
    lambda v: _json_text(v).encode(),
    lambda d: json.loads(d.decode()),
)
JSONB = attrs.evolve(
    JSON,
    name="jsonb",
    to_binary=lambda v: b"\x01" + _json_text(v).encode(),
    from_binary=_jsonb_from_binary,
)
OIDTYPE = attrs.evolve(INT4, name="oid", to_binary=struct.Struct("!I").pack)


def _catalog(name: str) -> PgType:
    found = pg_type_by_name(name)
    assert found is not None, name  # every codec is a type of pyram.types.pg_types
    return found


_CODECS: Final = (
    INT8, INT4, INT2, FLOAT8, FLOAT4, TEXT, VARCHAR, BPCHAR, NAME, BOOL, BYTEA,
    DATE, TIMESTAMP, TIMESTAMPTZ, TIME, NUMERIC, UUID, JSON, JSONB, OIDTYPE,
)  # fmt: skip
_BY_NAME: Final[dict[str, WireType]] = {t.name: t for t in _CODECS}
#: Every wire type by OID: what a client may declare for a parameter.
OIDS: Final[dict[int, WireType]] = {t.oid: t for t in _CODECS}


def wire_type(dtype: DataType | None) -> WireType:
    """The wire type of a PyRAM type: the PostgreSQL type the catalogue shows for it
    (:func:`pyram.types.pg_types.pg_type_for`), ``text`` for one without a codec here."""
    if dtype is None:
        return TEXT
    return _BY_NAME.get(pg_type_for(dtype.name).name, TEXT)


def wire_type_for_oid(oid: int) -> WireType | None:
    """The wire type of a PostgreSQL type OID, or None for one PyRAM does not know."""
    return OIDS.get(oid)
