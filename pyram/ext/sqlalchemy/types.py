"""SQLAlchemy types for PyRAM: values go to PyRAM as the Python objects its strict column
types store (``date``, ``datetime``, ``time``, ``dict``/``list``, ``Decimal``, ``UUID``), never
as the strings SQLite's dialect makes of them, and come back as they are stored.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.sqlite.base import SQLiteTypeCompiler
from sqlalchemy.engine.interfaces import Dialect

__all__ = [
    "PyramDate",
    "PyramDateTime",
    "PyramFloat",
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
}

#: Type names PyRAM reports (``PRAGMA table_info``) -> SQLAlchemy types, for reflection.
ischema_names: dict[str, type[Any]] = {
    "BIGINT": sqltypes.BIGINT,
    "BLOB": sqltypes.BLOB,
    "BOOL": sqltypes.BOOLEAN,
    "BOOLEAN": sqltypes.BOOLEAN,
    "CHAR": sqltypes.CHAR,
    "DATE": sqltypes.DATE,
    "DATETIME": sqltypes.DATETIME,
    "DECIMAL": sqltypes.DECIMAL,
    "DOUBLE": sqltypes.DOUBLE,
    "FLOAT": sqltypes.FLOAT,
    "INT": sqltypes.INTEGER,
    "INTEGER": sqltypes.INTEGER,
    "JSON": sqltypes.JSON,
    "NUMERIC": sqltypes.NUMERIC,
    "REAL": sqltypes.REAL,
    "SMALLINT": sqltypes.SMALLINT,
    "TEXT": sqltypes.TEXT,
    "TIME": sqltypes.TIME,
    "TIMESTAMP": sqltypes.TIMESTAMP,
    "TIMESTAMPTZ": TIMESTAMPTZ,
    "UUID": sqltypes.UUID,
    "VARCHAR": sqltypes.VARCHAR,
}
