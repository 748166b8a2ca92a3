"""SQLAlchemy types for PyRAM: values go to PyRAM as the Python objects its strict column
types store (``date``, ``datetime``, ``time``, ``timedelta``, ``dict``/``list``, ``Decimal``,
``UUID``), never as the strings (or epoch datetimes) SQLite's dialect makes of them, and come
back as they are stored.

Reflection reads each PyRAM column type's generic SQLAlchemy type from the type itself
(:attr:`pyram.types.DataType.sqlalchemy_type`, a name resolved here), so a new column type
needs no entry in this module.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.sqlite.base import SQLiteTypeCompiler
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.sqltypes import _AbstractInterval  # as its PostgreSQL INTERVAL is built
from sqlalchemy.sql.type_api import NativeForEmulated

from pyram.types import DataType, registered_types

__all__ = [
    "PyramDate",
    "PyramDateTime",
    "PyramFloat",
    "PyramInterval",
    "PyramJSON",
    "PyramNumeric",
    "PyramTime",
    "PyramTypeCompiler",
    "PyramUuid",
    "TIMESTAMPTZ",
    "colspecs",
    "ischema_names",
]


class PyramDate(sqltypes.Date):
    """A ``DATE`` column: ``datetime.date`` in and out."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class PyramDateTime(sqltypes.DateTime):
    """``TIMESTAMP`` (naive) or, with ``timezone=True``, ``TIMESTAMPTZ`` (aware)."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class PyramTime(sqltypes.Time):
    """A ``TIME`` column: ``datetime.time`` in and out."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


def _json_value(value: Any) -> Any:
    # JSON.NULL asks for the JSON value null; PyRAM keeps NULL for it
    return None if value is sqltypes.JSON.NULL else value


class PyramJSON(sqltypes.JSON):
    """A ``JSON`` column: PyRAM stores the Python value (dicts, lists, numbers, strings)."""

    def bind_processor(self, dialect: Dialect) -> Any:
        return _json_value

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


def _as_decimal(value: Any) -> Any:
    # a float given for a NUMERIC column (pandas sends floats) becomes the Decimal it prints
    # as; PyRAM's DECIMAL columns take no float, whose binary value is inexact
    return Decimal(repr(value)) if isinstance(value, float) else value


class PyramNumeric(sqltypes.Numeric[Any]):
    """A ``NUMERIC``/``DECIMAL`` column: ``Decimal`` values (floats are converted)."""

    def bind_processor(self, dialect: Dialect) -> Any:
        return _as_decimal


def _as_float(value: Any) -> Any:
    # a Decimal given for a FLOAT/REAL column becomes the nearest float, as SQL converts it
    return float(value) if isinstance(value, Decimal) else value


class PyramFloat(sqltypes.Float[Any]):
    """A ``REAL``/``FLOAT`` column: ``float`` values (Decimals are converted)."""

    def bind_processor(self, dialect: Dialect) -> Any:
        return _as_float


def _as_uuid(value: Any) -> Any:
    return uuid.UUID(value) if isinstance(value, str) else value


class PyramUuid(sqltypes.Uuid[Any]):
    """A ``UUID`` column: ``uuid.UUID`` values (``as_uuid=False`` strings are converted)."""

    def bind_processor(self, dialect: Dialect) -> Any:
        if not self.native_uuid:
            return super().bind_processor(dialect)  # stored as CHAR(32) text
        return _as_uuid


class TIMESTAMPTZ(sqltypes.TIMESTAMP):
    """PyRAM's ``TIMESTAMPTZ``: a timestamp with a time zone (aware ``datetime`` values)."""

    __visit_name__ = "TIMESTAMP"

    def __init__(self) -> None:
        super().__init__(timezone=True)


class PyramInterval(NativeForEmulated, _AbstractInterval):
    """An ``INTERVAL`` column: ``datetime.timedelta`` in and out. ``sqlalchemy.Interval``
    becomes this type (SQLAlchemy's SQLite dialects emulate it as an epoch DATETIME)."""

    __visit_name__ = "INTERVAL"
    native = True

    @classmethod
    def adapt_emulated_to_native(cls, impl: Any, **kw: Any) -> PyramInterval:
        return cls()

    @property
    def _type_affinity(self) -> type[Any]:
        return sqltypes.Interval

    def as_generic(self, allow_nulltype: bool = False) -> sqltypes.Interval:
        return sqltypes.Interval(native=True)

    @property
    def python_type(self) -> type:
        return dt.timedelta


class PyramTypeCompiler(SQLiteTypeCompiler):
    """Type names PyRAM reads back as the same strict type."""

    def visit_datetime(self, type_: sqltypes.DateTime, **kw: Any) -> str:
        return "TIMESTAMPTZ" if type_.timezone else "TIMESTAMP"

    def visit_DATETIME(self, type_: sqltypes.DateTime, **kw: Any) -> str:
        return self.visit_datetime(type_, **kw)

    def visit_TIMESTAMP(self, type_: sqltypes.TIMESTAMP, **kw: Any) -> str:
        return self.visit_datetime(type_, **kw)

    def visit_uuid(self, type_: sqltypes.Uuid[Any], **kw: Any) -> str:
        return "UUID" if type_.native_uuid else "CHAR(32)"

    def visit_UUID(self, type_: sqltypes.Uuid[Any], **kw: Any) -> str:
        return "UUID"

    def visit_JSON(self, type_: sqltypes.JSON, **kw: Any) -> str:
        return "JSON"

    def visit_INTERVAL(self, type_: PyramInterval, **kw: Any) -> str:
        return "INTERVAL"


#: SQLAlchemy's generic types -> the implementations used with PyRAM.
colspecs: dict[type[Any], type[Any]] = {
    sqltypes.Date: PyramDate,
    sqltypes.DateTime: PyramDateTime,
    sqltypes.TIMESTAMP: PyramDateTime,  # SQLite's driver dialect maps it to its own
    sqltypes.Time: PyramTime,
    sqltypes.JSON: PyramJSON,
    sqltypes.Uuid: PyramUuid,
    sqltypes.Numeric: PyramNumeric,
    sqltypes.Float: PyramFloat,
    sqltypes.Interval: PyramInterval,
}

#: SQLAlchemy types of this module that a PyRAM type may name (no generic one fits).
_OWN_TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in (TIMESTAMPTZ,)}


def sqlalchemy_type(dtype: DataType) -> type[Any] | None:
    """The SQLAlchemy type reflecting a column of ``dtype`` (its
    :attr:`~pyram.types.DataType.sqlalchemy_type`), or None when it names none."""
    name = dtype.sqlalchemy_type
    if not name:
        return None
    found: type[Any] = _OWN_TYPES.get(name) or getattr(sqltypes, name)
    return found


#: Other spellings PyRAM accepts and reports as declared, which SQLAlchemy tells apart.
_SPELLINGS: dict[str, type[Any]] = {
    "BIGINT": sqltypes.BIGINT,
    "BOOL": sqltypes.BOOLEAN,
    "CHAR": sqltypes.CHAR,
    "DATETIME": sqltypes.DATETIME,
    "DOUBLE": sqltypes.DOUBLE,
    "FLOAT": sqltypes.FLOAT,
    "INT": sqltypes.INTEGER,
    "NUMERIC": sqltypes.NUMERIC,
    "SMALLINT": sqltypes.SMALLINT,
    "VARCHAR": sqltypes.VARCHAR,
}

#: Type names PyRAM reports (``PRAGMA table_info``) -> SQLAlchemy types, for reflection: each
#: column type's own mapping, then the spellings.
ischema_names: dict[str, type[Any]] = {
    **{t.name: found for t in registered_types() if (found := sqlalchemy_type(t)) is not None},
    **_SPELLINGS,
}
