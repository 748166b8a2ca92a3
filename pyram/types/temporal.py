"""Temporal column types: DATE, TIMESTAMP (naive), TIMESTAMPTZ (tz-aware), TIME and INTERVAL.

Naive and aware datetimes are kept apart on purpose: comparing them raises in Python and mixes
two different meanings of time, so a TIMESTAMP column refuses aware values and a TIMESTAMPTZ
column refuses naive ones. ``datetime`` subclasses ``date``, so DATE rejects it explicitly.

INTERVAL holds a ``datetime.timedelta``: days and time, no months or years (a month has no
fixed length, so ``'1 month'`` is refused rather than guessed). Its text is PostgreSQL's
default style, each field with its own sign (``1 day 02:00:00``, ``-3 days -00:00:01.5``);
ISO 8601 durations (``P1DT2H``, ``PT0.5S``, ``P2W``) and unit words (``90 minutes``) are read
too. Arithmetic: timestamp +/- interval, interval + timestamp, date +/- interval (a DATE, whole
days, as Python's date arithmetic), timestamp - timestamp and date - date (an interval),
interval +/- interval, interval * number, number * interval and interval / number.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from pyram.errors import DataError
from pyram.types import codecs, pgwire
from pyram.types.base import DataType

__all__ = ["INTERVAL", "DateType", "IntervalType", "TimeType", "TimestampType"]

_I32 = struct.Struct(">i")
_I64 = struct.Struct(">q")
_UTC_EPOCH = pgwire.PG_EPOCH.replace(tzinfo=dt.UTC)
_MIDNIGHT = dt.datetime(2000, 1, 1)


def _iso_sql_text(parse: Any, text: str) -> Any | None:
    try:
        return parse(text)
    except ValueError:
        return None


class _Temporal(DataType):
    """What DATE, TIMESTAMP[TZ] and TIME share: ISO 8601 text forms."""

    dbapi_group: ClassVar[str] = "DATETIME"

    def to_text(self, stored: Any) -> str:
        return codecs.temporal_text(stored)

    def sql_literal(self, value: Any) -> str:
        return "'" + str(value.isoformat()) + "'"

    def pg_text(self, value: Any) -> str:
        return str(value.isoformat())


class DateType(_Temporal):
    """DATE: ``datetime.date`` (not a ``datetime``)."""

    sql_name: ClassVar[str] = "DATE"
    family: ClassVar[str] = "date"
    exact_types: ClassVar[frozenset[type]] = frozenset({dt.date})
    pg_oid: ClassVar[int] = 1082  # date: int32 days since 2000-01-01
    sqlalchemy_type: ClassVar[str] = "DATE"

    @property
    def python_type(self) -> type:
        return dt.date

    def check(self, value: object) -> Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        raise DataError("expected DATE")

    def from_text(self, text: str) -> Any:
        return codecs.temporal_from(text, dt.date.fromisoformat)

    def encode_values(self, values: Sequence[Any]) -> bytes:
        return bytes([codecs.ARRAY]) + codecs.array_bytes("i", [d.toordinal() for d in values])

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        _, body = codecs.layout_body(payload, self.name, codecs.ARRAY)
        ordinals = codecs.array_from("i", body, count)
        try:
            return [dt.date.fromordinal(n) for n in ordinals]
        except (ValueError, OverflowError):
            raise ValueError("a DATE ordinal is out of range") from None

    def from_sql_text(self, text: str) -> Any | None:
        return _iso_sql_text(dt.date.fromisoformat, text)

    def pg_binary(self, value: Any) -> bytes:
        return _I32.pack(value.toordinal() - pgwire.PG_EPOCH_DAY)

    def from_pg_binary(self, data: bytes) -> Any:
        return dt.date.fromordinal(_I32.unpack(data)[0] + pgwire.PG_EPOCH_DAY)

    def arith_result(self, op: str, other: DataType, *, self_left: bool) -> DataType | None:
        if op == "-" and self_left and other.family == "date":
            return INTERVAL
        return None


class TimestampType(_Temporal):
    """TIMESTAMP (naive ``datetime``) or, with ``aware=True``, TIMESTAMPTZ (aware ``datetime``)."""

    def __init__(self, *, aware: bool = False) -> None:
        self.aware = aware

    @property
    def family(self) -> str:  # type: ignore[override]
        return "timestamptz" if self.aware else "timestamp"

    @property
    def name(self) -> str:
        return "TIMESTAMPTZ" if self.aware else "TIMESTAMP"

    @property
    def pg_oid(self) -> int:  # type: ignore[override]
        return 1184 if self.aware else 1114  # int64 microseconds since 2000-01-01 (UTC)

    @property
    def sqlalchemy_type(self) -> str:  # type: ignore[override]
        # SQLAlchemy has no generic TIMESTAMPTZ: the extension's own TIMESTAMP(timezone=True)
        return "TIMESTAMPTZ" if self.aware else "TIMESTAMP"

    @property
    def python_type(self) -> type:
        return dt.datetime

    def check(self, value: object) -> Any:
        if not isinstance(value, dt.datetime):
            raise DataError(f"expected {self.name}")
        is_aware = value.utcoffset() is not None
        if is_aware != self.aware:
            kind = "a timezone-aware" if is_aware else "a naive"
            raise DataError(f"{kind} datetime cannot be stored in a {self.name} column")
        return value

    def __hash__(self) -> int:
        return hash((type(self), self.aware))

    def from_text(self, text: str) -> Any:
        return codecs.temporal_from(text, dt.datetime.fromisoformat)

    def from_sql_text(self, text: str) -> Any | None:
        return _iso_sql_text(dt.datetime.fromisoformat, text)

    def pg_text(self, value: Any) -> str:
        return str(value.isoformat(sep=" "))

    def pg_binary(self, value: Any) -> bytes:
        return _I64.pack(pgwire.micros(value - (_UTC_EPOCH if self.aware else pgwire.PG_EPOCH)))

    def from_pg_binary(self, data: bytes) -> Any:
        since = dt.timedelta(microseconds=_I64.unpack(data)[0])
        return (_UTC_EPOCH if self.aware else pgwire.PG_EPOCH) + since

    def from_pg_text(self, text: str) -> Any:
        # PostgreSQL's input rules: a timestamp ignores a zone, a timestamptz without one is
        # in the session's TimeZone (always UTC here)
        value = dt.datetime.fromisoformat(text.strip())
        if not self.aware:
            return value.replace(tzinfo=None)
        return value if value.utcoffset() is not None else value.replace(tzinfo=dt.UTC)

    def arith_result(self, op: str, other: DataType, *, self_left: bool) -> DataType | None:
        if op == "-" and self_left and other.family == self.family:
            return INTERVAL
        return None


class TimeType(_Temporal):
    """TIME: ``datetime.time``."""

    sql_name: ClassVar[str] = "TIME"
    family: ClassVar[str] = "time"
    exact_types: ClassVar[frozenset[type]] = frozenset({dt.time})
    pg_oid: ClassVar[int] = 1083  # time: int64 microseconds since midnight
    sqlalchemy_type: ClassVar[str] = "TIME"

    @property
    def python_type(self) -> type:
        return dt.time

    def check(self, value: object) -> Any:
        if isinstance(value, dt.time):
            return value
        raise DataError("expected TIME")

    def from_text(self, text: str) -> Any:
        return codecs.temporal_from(text, dt.time.fromisoformat)

    def from_sql_text(self, text: str) -> Any | None:
        return _iso_sql_text(dt.time.fromisoformat, text)

    def pg_binary(self, value: Any) -> bytes:
        since = dt.datetime.combine(_MIDNIGHT, value.replace(tzinfo=None)) - _MIDNIGHT
        return _I64.pack(pgwire.micros(since))

    def from_pg_binary(self, data: bytes) -> Any:
        return (_MIDNIGHT + dt.timedelta(microseconds=_I64.unpack(data)[0])).time()


# ---------------------------------------------------------------------------------- INTERVAL
_US = {
    "microsecond": 1, "microseconds": 1, "us": 1,
    "millisecond": 1_000, "milliseconds": 1_000, "ms": 1_000,
    "second": 10**6, "seconds": 10**6, "sec": 10**6, "secs": 10**6, "s": 10**6,
    "minute": 60 * 10**6, "minutes": 60 * 10**6, "min": 60 * 10**6, "mins": 60 * 10**6,
    "hour": 3_600 * 10**6, "hours": 3_600 * 10**6, "h": 3_600 * 10**6,
    "day": 86_400 * 10**6, "days": 86_400 * 10**6, "d": 86_400 * 10**6,
    "week": 604_800 * 10**6, "weeks": 604_800 * 10**6, "w": 604_800 * 10**6,
}  # fmt: skip
_DAY_US = 86_400 * 10**6
_POINTS_IN_TIME = ("timestamp", "timestamptz", "date")
_FIELD = re.compile(
    r"\s*(?:(?P<num>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]+)"
    r"|(?P<sign>[+-])?(?P<h>\d+):(?P<m>\d\d)(?::(?P<s>\d\d(?:\.\d{1,6})?))?)"
)
_ISO = re.compile(
    r"(?P<neg>-)?P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)


def _exact_us(number: str, unit_us: int) -> int:
    try:
        amount = Decimal(number) * unit_us
    except InvalidOperation:  # pragma: no cover - the patterns admit numbers only
        raise ValueError(f"not a number: {number!r}") from None
    return int(amount.to_integral_value())


def _iso_interval(match: re.Match[str]) -> int:
    if not any(match.group(g) for g in "wdhms"):
        raise ValueError("an ISO 8601 duration needs at least one field")
    total = 0
    for group, unit in (("w", "week"), ("d", "day"), ("h", "hour"), ("m", "minute"), ("s", "s")):
        if match.group(group):
            total += _exact_us(match.group(group), _US[unit])
    return -total if match.group("neg") else total


def parse_interval(text: str) -> dt.timedelta:
    """An INTERVAL's text (PostgreSQL style, unit words or ISO 8601) as a timedelta.

    Raises:
        ValueError: not an interval, or one with months or years.
    """
    stripped = text.strip()
    iso = _ISO.fullmatch(stripped)
    if iso is not None:
        total = _iso_interval(iso)
    else:
        total, position = 0, 0
        while position < len(stripped):
            field = _FIELD.match(stripped, position)
            if field is None or field.end() == position:
                raise ValueError(f"not an INTERVAL: {text!r}")
            total += _field_us(field, text)
            position = field.end()
        if not stripped:
            raise ValueError("an empty INTERVAL")
    try:
        return dt.timedelta(microseconds=total)
    except OverflowError:
        raise ValueError(f"INTERVAL out of range: {text!r}") from None


def _field_us(field: re.Match[str], text: str) -> int:
    if field.group("unit") is not None:
        unit = field.group("unit").lower()
        if unit.startswith(("mon", "year", "yr", "y", "cent", "mil", "dec")) and unit not in _US:
            raise ValueError(f"an INTERVAL holds days and time, not {unit} (no fixed length)")
        if unit not in _US:
            raise ValueError(f"unknown INTERVAL unit {unit!r} in {text!r}")
        return _exact_us(field.group("num"), _US[unit])
    seconds = Decimal(field.group("s") or 0)
    us = (int(field.group("h")) * 3_600 + int(field.group("m")) * 60) * 10**6
    us += int(seconds * 10**6)
    return -us if field.group("sign") == "-" else us


def interval_text(delta: dt.timedelta) -> str:
    """PostgreSQL's default text of an interval: ``1 day 02:00:00``, ``-00:00:01.5``."""
    us = pgwire.micros(delta)
    sign = "-" if us < 0 else ""
    days, rest = divmod(abs(us), _DAY_US)
    seconds, fraction = divmod(rest, 10**6)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    time = f"{sign}{hours:02}:{minutes:02}:{seconds:02}"
    if fraction:
        time += f".{fraction:06}".rstrip("0")
    if not days:
        return time
    day = f"{sign}{days} day" + ("" if days == 1 and not sign else "s")
    return f"{day} {time}" if rest else day


class IntervalType(DataType):
    """INTERVAL: ``datetime.timedelta`` (days and time; see the module docstring)."""

    sql_name: ClassVar[str] = "INTERVAL"
    family: ClassVar[str] = "interval"
    exact_types: ClassVar[frozenset[type]] = frozenset({dt.timedelta})
    dbapi_group: ClassVar[str] = "DATETIME"
    pg_oid: ClassVar[int] = 1186  # interval: int64 microseconds, int32 days, int32 months
    sqlalchemy_type: ClassVar[str] = "Interval"

    @property
    def python_type(self) -> type:
        return dt.timedelta

    def check(self, value: object) -> Any:
        if isinstance(value, dt.timedelta):
            return value
        raise DataError("expected INTERVAL (a datetime.timedelta)")

    def to_text(self, stored: Any) -> str:
        return interval_text(stored)

    def from_text(self, text: str) -> Any:
        return parse_interval(text)

    def encode_values(self, values: Sequence[Any]) -> bytes:
        us = [pgwire.micros(v) for v in values]
        try:
            return bytes([codecs.ARRAY]) + codecs.array_bytes("q", us)
        except OverflowError:  # past 292,000 years: varints
            return bytes([codecs.VARINT]) + codecs.zigzag(us)

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        layout, body = codecs.layout_body(payload, self.name, codecs.ARRAY, codecs.VARINT)
        us = codecs.unzigzag(body, count) if layout else codecs.array_from("q", body, count)
        try:
            return [dt.timedelta(microseconds=n) for n in us]
        except OverflowError:
            raise ValueError("an INTERVAL is out of range") from None

    def from_sql_text(self, text: str) -> Any | None:
        try:
            return parse_interval(text)
        except ValueError:
            return None

    def display(self, value: Any) -> str:
        return interval_text(value)

    def pg_binary(self, value: Any) -> bytes:
        return pgwire.interval_binary(value)

    def from_pg_binary(self, data: bytes) -> Any:
        return pgwire.interval_from_binary(data)

    def arith_result(self, op: str, other: DataType, *, self_left: bool) -> DataType | None:
        family = other.family
        if op in ("+", "-") and family == "interval":
            return self
        # timestamp + interval either way round; timestamp - interval, not reversed
        if (op == "+" or (op == "-" and not self_left)) and family in _POINTS_IN_TIME:
            return other
        if family == "numeric" and (op == "*" or (op == "/" and self_left)):
            return self
        return None


#: The INTERVAL type (the registry's instance: types are compared by identity in places).
INTERVAL = IntervalType()
