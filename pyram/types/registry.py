"""Map Python annotations and SQL type names to :class:`~pyram.types.base.DataType` objects.

The model front end asks :func:`type_from_annotation` for the type of a ``Col[T]`` declaration;
the SQL front end asks :func:`type_from_sql_name` for ``CREATE TABLE`` column types.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
import uuid
from decimal import Decimal
from typing import Annotated, Any

from pyram.errors import ProgrammingError
from pyram.types.base import NULLTYPE, DataType
from pyram.types.scalars import BLOB, BOOLEAN, DECIMAL, INTEGER, REAL, TEXT
from pyram.types.special import EnumType, JsonType, UuidType
from pyram.types.temporal import INTERVAL, DateType, TimestampType, TimeType

__all__ = [
    "BLOB",
    "BOOLEAN",
    "DECIMAL",
    "INTEGER",
    "INTERVAL",
    "REAL",
    "TEXT",
    "JSON",
    "AwareDatetime",
    "TimezoneAware",
    "display_value",
    "registered_types",
    "sql_literal_of",
    "type_from_annotation",
    "type_from_cast_name",
    "type_from_python",
    "type_from_sql_name",
    "type_of_value",
]


class TimezoneAware:
    """Marker used in ``Annotated[datetime, TimezoneAware()]``: a TIMESTAMPTZ column."""

    def __repr__(self) -> str:
        return "TimezoneAware()"


#: Annotation for a timezone-aware datetime column: ``created: Col[AwareDatetime]``.
AwareDatetime = Annotated[dt.datetime, TimezoneAware()]

#: Annotation for a JSON document column: ``data: Col[JSON]``.
JSON = dict[str, Any] | list[Any]

DATE = DateType()
TIMESTAMP = TimestampType()
TIMESTAMPTZ = TimestampType(aware=True)
TIME = TimeType()
UUID_TYPE = UuidType()
JSON_TYPE = JsonType()

_BY_PYTHON_TYPE: dict[type, DataType] = {
    int: INTEGER,
    float: REAL,
    str: TEXT,
    bool: BOOLEAN,
    bytes: BLOB,
    Decimal: DECIMAL,
    dt.date: DATE,
    dt.datetime: TIMESTAMP,
    dt.time: TIME,
    uuid.UUID: UUID_TYPE,
    dt.timedelta: INTERVAL,
    dict: JSON_TYPE,
    list: JSON_TYPE,
}

# SQLite-style names, plus the names PyRAM reports; matched case-insensitively.
_BY_SQL_NAME: dict[str, DataType] = {
    "INTEGER": INTEGER,
    "INT": INTEGER,
    "BIGINT": INTEGER,
    "SMALLINT": INTEGER,
    "TINYINT": INTEGER,
    "REAL": REAL,
    "FLOAT": REAL,
    "DOUBLE": REAL,
    "DOUBLE PRECISION": REAL,
    "TEXT": TEXT,
    "VARCHAR": TEXT,
    "CHAR": TEXT,
    "CLOB": TEXT,
    "STRING": TEXT,
    "BOOLEAN": BOOLEAN,
    "BOOL": BOOLEAN,
    "BLOB": BLOB,
    "BYTES": BLOB,
    "DECIMAL": DECIMAL,
    "NUMERIC": DECIMAL,
    "DATE": DATE,
    "TIMESTAMP": TIMESTAMP,
    "DATETIME": TIMESTAMP,
    "TIMESTAMPTZ": TIMESTAMPTZ,
    "TIMESTAMP WITH TIME ZONE": TIMESTAMPTZ,
    "TIME": TIME,
    "UUID": UUID_TYPE,
    "JSON": JSON_TYPE,
    "INTERVAL": INTERVAL,
}


def registered_types() -> tuple[DataType, ...]:
    """Every built-in column type, once each (enum and narrowed JSON types are made per use)."""
    return tuple(dict.fromkeys(_BY_SQL_NAME.values()))


_BY_CAST_NAME = {name: t for t in registered_types() for name in t.cast_names}


def type_from_python(python_type: Any) -> DataType | None:
    """The column type of values of exactly ``python_type`` (``int`` -> INTEGER), or None."""
    return _BY_PYTHON_TYPE.get(python_type)


def type_of_value(value: object) -> DataType:
    """The SQL type of a Python constant written without a column to give it context
    (``None`` is the NULL type; an aware ``datetime`` TIMESTAMPTZ).

    Raises:
        ProgrammingError: no column type holds such a value.
    """
    if value is None:
        return NULLTYPE
    for python_type in type(value).__mro__:  # subclasses (IntEnum, StrEnum) as their base
        found = _BY_PYTHON_TYPE.get(python_type)
        if found is not None and found is not JSON_TYPE:  # a dict is no constant
            if found is TIMESTAMP and value.utcoffset() is not None:  # type: ignore[attr-defined]
                return TIMESTAMPTZ
            return found
    raise ProgrammingError(f"cannot use {type(value).__name__} value {value!r} in a query")


def type_from_sql_name(name: str) -> DataType:
    """The data type for an SQL type name such as ``"VARCHAR"`` (size arguments ignored).

    Raises:
        ProgrammingError: unknown type name.
    """
    base = " ".join(name.split("(", 1)[0].upper().split())
    found = _BY_SQL_NAME.get(base)
    if found is None:
        raise ProgrammingError(f"unknown column type {name!r}")
    return found


def type_from_cast_name(name: str) -> DataType | None:
    """The type ``CAST(x AS name)`` converts to by SQLite's rules (each type's
    :attr:`~DataType.cast_names`; ``name`` upper case, size removed), or None."""
    return _BY_CAST_NAME.get(name)


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    """Split ``X | None`` into ``(X, True)``; anything else into ``(annotation, False)``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = typing.get_args(annotation)
        rest = tuple(a for a in args if a is not type(None))
        if len(rest) < len(args):
            inner = rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
            return inner, True
    return annotation, False


def _json_containers(annotation: Any) -> tuple[type, ...]:
    """The top-level containers a JSON annotation allows; () when it is not a JSON type."""
    origin = typing.get_origin(annotation) or annotation
    if origin in (dict, list):
        return (origin,)
    if origin is typing.Union or origin is types.UnionType:
        parts = [_json_containers(arg) for arg in typing.get_args(annotation)]
        if all(parts):
            return tuple(c for c in (dict, list) if any(c in p for p in parts))
    return ()


def type_from_annotation(annotation: Any) -> tuple[DataType, bool]:
    """The data type and nullability declared by a column annotation's ``T``.

    ``int`` -> INTEGER NOT NULL, ``str | None`` -> nullable TEXT, ``AwareDatetime`` ->
    TIMESTAMPTZ, an ``Enum`` subclass -> its enum type, ``dict``/``list``/``JSON`` -> JSON.

    Raises:
        ProgrammingError: the annotation names no supported type.
    """
    inner, nullable = _strip_optional(annotation)
    if typing.get_origin(inner) is Annotated:
        base, *extras = typing.get_args(inner)
        if base is dt.datetime and any(isinstance(e, TimezoneAware) for e in extras):
            return TIMESTAMPTZ, nullable
        inner = base
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        try:
            return EnumType(inner), nullable
        except Exception as exc:
            raise ProgrammingError(str(exc)) from None
    containers = _json_containers(inner)
    if containers:
        return (JSON_TYPE if len(containers) == 2 else JsonType(containers)), nullable
    if isinstance(inner, type) and inner in _BY_PYTHON_TYPE:
        return _BY_PYTHON_TYPE[inner], nullable
    raise ProgrammingError(
        f"unsupported column type {annotation!r}: use int, float, str, bool, bytes, Decimal, "
        "date, datetime, AwareDatetime, time, timedelta, UUID, an Enum subclass or JSON (each "
        "optionally | None)"
    )


def _value_type(value: object) -> DataType | None:
    """The type that renders a user value: JSON for documents, else :func:`type_of_value`."""
    if isinstance(value, dict | list):
        return JSON_TYPE
    try:
        return type_of_value(value)
    except ProgrammingError:
        return None


def display_value(value: object) -> str:
    """A non-NULL user value as text (the type's :meth:`~DataType.display`; an enum member
    shows what is stored; a value of no column type its ``str``)."""
    if isinstance(value, enum.Enum):
        value = value.value
    dtype = _value_type(value)
    return str(value) if dtype is None else dtype.display(value)


def sql_literal_of(value: object) -> str:
    """A user value as an SQL literal (the type's :meth:`~DataType.sql_literal`; NULL for
    None; a value of no column type as quoted ``repr`` text)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return "NULL"
    dtype = _value_type(value)
    if dtype is None:
        return "'" + repr(value).replace("'", "''") + "'"
    return dtype.sql_literal(value)
