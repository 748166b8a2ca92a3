"""Temporal column types: DATE, TIMESTAMP (naive), TIMESTAMPTZ (tz-aware) and TIME.

Naive and aware datetimes are kept apart on purpose: comparing them raises in Python and mixes
two different meanings of time, so a TIMESTAMP column refuses aware values and a TIMESTAMPTZ
column refuses naive ones. ``datetime`` subclasses ``date``, so DATE rejects it explicitly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from pyram.errors import DataError
from pyram.types.base import DataType

__all__ = ["DateType", "TimeType", "TimestampType"]


class DateType(DataType):
    """DATE: ``datetime.date`` (not a ``datetime``)."""

    sql_name: ClassVar[str] = "DATE"
    family: ClassVar[str] = "date"
    exact_types: ClassVar[frozenset[type]] = frozenset({dt.date})

    @property
    def python_type(self) -> type:
        return dt.date

    def check(self, value: object) -> Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        raise DataError("expected DATE")


class TimestampType(DataType):
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


class TimeType(DataType):
    """TIME: ``datetime.time``."""

    sql_name: ClassVar[str] = "TIME"
    family: ClassVar[str] = "time"
    exact_types: ClassVar[frozenset[type]] = frozenset({dt.time})

    @property
    def python_type(self) -> type:
        return dt.time

    def check(self, value: object) -> Any:
        if isinstance(value, dt.time):
            return value
        raise DataError("expected TIME")
