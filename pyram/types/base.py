"""The SQL type protocol: one :class:`DataType` object per column type.

A data type knows its SQL name, the Python type users see, how to validate a value strictly (a
wrong type is a :class:`~pyram.errors.DataError`, never coerced; only lossless widening such as
int -> float is accepted), and how values are kept in storage. Most types store the user's value
as is; a few store an immutable encoding (an Enum's value, JSON text) so that rows handed out are
values that cannot alias the database's state.

This is a leaf layer: it imports only :mod:`pyram.errors` (and its own codec helpers and
PostgreSQL type table).
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from pyram.errors import DataError, IntegrityError
from pyram.types import codecs
from pyram.types.pg_types import pg_type_by_oid

__all__ = ["NULLTYPE", "DataType", "NullType", "describe_value", "not_null_error"]

_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxstring = 40
_SHORT_REPR.maxother = 40


def describe_value(value: object) -> str:
    """A short, safe description of a value for error messages."""
    # reprlib bounds depth and length, so a huge or deeply nested value cannot blow up here.
    text = _SHORT_REPR.repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


class DataType:
    """Base class of every column type.

    Subclasses set :attr:`sql_name` and :attr:`python_type`, and override :meth:`check` (strict
    per-value validation returning the value to store). The default bulk path
    :meth:`validate_column` first tries a C-speed test of the whole column against
    :attr:`exact_types` and falls back to per-value checks only when that fails.
    """

    #: SQL name used by the SQL front end and in error messages.
    sql_name: ClassVar[str] = "ANY"
    #: Comparison family: values of types in one family compare with each other (the binder's
    #: rule); "numeric" spans INTEGER, REAL and DECIMAL.
    family: ClassVar[str] = "any"
    #: Exact Python classes accepted as is, without conversion (the fast bulk path).
    exact_types: ClassVar[frozenset[type]] = frozenset()

    @property
    def python_type(self) -> type:
        """The Python type of values users read from a column of this type."""
        raise NotImplementedError

    @property
    def name(self) -> str:
        """The SQL type name (``INTEGER``, ``TEXT``, ...)."""
        return self.sql_name

    #: True when the stored form differs from the user-facing value (see :meth:`from_storage`).
    encodes: ClassVar[bool] = False

    def check(self, value: object) -> Any:
        """Validate one non-NULL value and return its stored form.

        Raises:
            DataError: the value is not of this type.
        """
        raise NotImplementedError

    def validate(self, value: object, *, nullable: bool, column: str = "", table: str = "") -> Any:
        """Validate one value (``None`` allowed when ``nullable``) and return its stored form.

        Raises:
            DataError: wrong type or value, with table, column and value in the message.
            IntegrityError: ``None`` for a NOT NULL column.
        """
        if value is None:
            if nullable:
                return None
            raise not_null_error(table, column)
        try:
            return self.check(value)
        except DataError as exc:
            raise _error(self, value, table, column, str(exc)) from None

    def validate_column(
        self, values: Sequence[object], *, nullable: bool, column: str = "", table: str = ""
    ) -> list[Any]:
        """Validate a whole column of values and return their stored forms.

        The common case (every value already of an exact accepted type) costs one pass of
        ``map(type, ...)`` in C; anything else falls back to :meth:`validate` per value.
        """
        if not self.encodes and self.exact_types:
            seen = set(map(type, values))
            allowed = self.exact_types | {type(None)} if nullable else self.exact_types
            if seen <= allowed:
                return list(values)
        validate = self.validate
        return [validate(v, nullable=nullable, column=column, table=table) for v in values]

    def stored_form_or(self, slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """A converter (the model constructor's, run per argument): a value already valid
        and in stored form passes as it is after one quick test, any other goes to
        ``slow`` (which validates it). Test and fallback are one function, so a passing
        value costs one call. Types whose exact Python type still needs a value check (REAL
        refuses NaN, INTEGER refuses ints past 64 bits) narrow the test, so the constructor
        and the insert path apply one rule."""
        fast_types = frozenset() if self.encodes else self.exact_types

        def convert(value: Any) -> Any:
            return value if type(value) in fast_types else slow(value)

        return convert

    def from_storage(self, stored: Any) -> Any:
        """Turn a stored value back into the user-facing value (identity unless :attr:`encodes`)."""
        return stored

    def decoder(self) -> Callable[[Any], Any] | None:
        """A function turning stored values into user values, or None when storage is identity."""
        return None

    # ------------------------------------------------------------------ conversions
    # A type owns every conversion of its values, so that callers (SQL binder, files, shell,
    # DB-API, the PostgreSQL wire) ask the type and a new type is one module plus a line in
    # the registry. File codecs work on *stored* values; the SQL, shell, DB-API and wire
    # forms on the values users see.

    #: The PEP 249 type object (``pyram.dbapi.STRING``, ``NUMBER``, ...) its columns report.
    dbapi_group: ClassVar[str] = "STRING"
    #: The PostgreSQL type OID used on the wire (see :mod:`pyram.types.pgwire`).
    pg_oid: ClassVar[int] = 0

    @property
    def pg_name(self) -> str:
        """The PostgreSQL type name of :attr:`pg_oid` as ``format_type`` shows it (and DDL
        accepts it): ``bigint``, ``timestamp with time zone``; ``text`` for a type without one."""
        found = pg_type_by_oid(self.pg_oid)
        return "text" if found is None else found.display

    def to_text(self, stored: Any) -> str:
        """The lossless text form of a non-NULL stored value (JSON Lines and CSV files, schema
        defaults); :meth:`from_text` reads it back exactly."""
        raise NotImplementedError

    def from_text(self, text: str) -> Any:
        """The stored value :meth:`to_text` wrote (strict: nothing else is accepted).

        Raises:
            ValueError: ``text`` is not such a value (the message says why).
        """
        raise NotImplementedError

    def encode_values(self, values: Sequence[Any]) -> bytes:
        """The binary form of a column chunk of non-NULL stored values (snapshots and the
        log), one layout byte first. The default is the strings layout of :meth:`to_text`."""
        return codecs.join_strings([self.to_text(v) for v in values])

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        """The ``count`` stored values :meth:`encode_values` wrote.

        Raises:
            ValueError: the payload is not such values (the message says why).
        """
        _, body = codecs.layout_body(payload, self.name, codecs.STRINGS)
        return [self.from_text(t) for t in codecs.split_strings(body, count, text=True)]

    def from_sql_text(self, text: str) -> Any | None:
        """A SQL text literal read as a value of this type (SQLite's affinity: ``'2024-01-31'``
        next to a DATE is that date), or None when it does not read as one."""
        return None

    def from_input(self, text: str) -> Any:
        """A value typed by a person (a CSV field of ``.import``), as the user value. More
        lenient than :meth:`from_text` where people write values several ways.

        Raises:
            ValueError: the text is not a value of this type.
        """
        return self.from_storage(self.from_text(text))

    def display(self, value: Any) -> str:
        """A user value as the shell and ``str()``-like renderings show it."""
        return str(value)

    def sql_literal(self, value: Any) -> str:
        """A user value as an SQL literal that reads back as it (``.dump``, schema text)."""
        return "'" + self.display(value).replace("'", "''") + "'"

    def pg_text(self, value: Any) -> str:
        """A user value in PostgreSQL's text format for :attr:`pg_oid`."""
        return self.display(value)

    def pg_binary(self, value: Any) -> bytes:
        """A user value in PostgreSQL's binary format for :attr:`pg_oid`."""
        return self.pg_text(value).encode("utf-8")

    def from_pg_text(self, text: str) -> Any:
        """A parameter in PostgreSQL's text format as a user value.

        Raises:
            ValueError: not a value of this type.
        """
        return self.from_input(text)

    def from_pg_binary(self, data: bytes) -> Any:
        """A parameter in PostgreSQL's binary format as a user value.

        Raises:
            ValueError: not a value of this type.
        """
        return self.from_pg_text(data.decode("utf-8"))

    #: The names ``CAST(x AS name)`` accepts for this type with SQLite's conversion (its
    #: affinity rules); a type without them is read by :meth:`from_sql_text` instead.
    cast_names: ClassVar[tuple[str, ...]] = ()

    @property
    def cast_reads_text(self) -> bool:
        """True for a type SQLite does not have (DATE, UUID, INTERVAL ...): a CAST to it
        reads text by :meth:`from_sql_text` and checks any other value; SQLite's own storage
        classes (numbers, text, blobs, booleans as numbers) convert by SQLite's CAST rules."""
        return self.family not in ("numeric", "text", "blob", "boolean", "null")

    #: The generic SQLAlchemy type of its columns, by name (``"INTEGER"``, ``"Interval"``):
    #: ``pyram.ext.sqlalchemy`` resolves it, so this layer never imports SQLAlchemy.
    sqlalchemy_type: ClassVar[str] = ""
    #: Python types of JSON values that are stored values as they are (JSON Lines reading
    #: checks a whole column against them at C speed before :meth:`from_json`).
    json_types: ClassVar[frozenset[type]] = frozenset()

    def json_writer(self) -> Callable[[Any], Any] | None:
        """A function turning a non-NULL stored value into its JSON Lines value, or None
        when the stored value is its own JSON value. The default writes :meth:`to_text`."""
        return self.to_text

    def from_json(self, value: Any) -> Any:
        """The stored value a (non-null) JSON Lines value stands for; the default reads
        the string :meth:`json_writer` wrote by :meth:`from_text`.

        Raises:
            ValueError: ``value`` is not such a value (the message says why).
        """
        if type(value) is not str:
            raise ValueError(f"expected a string, got {codecs.json_excerpt(value)}")
        return self.from_text(value)

    @property
    def numeric_kind(self) -> DataType:
        """The number type SQLite's arithmetic sees in values of this type (an integer
        enum's is INTEGER); the type itself for every other type."""
        return self

    def arith_result(self, op: str, other: DataType, *, self_left: bool) -> DataType | None:
        """The result type of ``self op other`` (``other op self`` when not ``self_left``)
        for arithmetic beyond numbers (``timestamp + interval``), or None when the type has
        none. Numbers keep SQLite's rules in the plan builder."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self), self.name))


def _error(dtype: DataType, value: object, table: str, column: str, why: str) -> DataError:
    where = f"{table}.{column}" if table and column else (column or table or "value")
    message = f"{where}: expected {dtype.name}, got {describe_value(value)}"
    if why and why != f"expected {dtype.name}":
        message += f": {why}"
    return DataError(message, table=table or None, column=column or None, value=value)


def not_null_error(table: str, column: str) -> IntegrityError:
    """The error for a NULL in a NOT NULL column (SQLite's wording)."""
    return IntegrityError(
        f"NOT NULL constraint failed: {table or '?'}.{column or '?'}",
        table=table,
        columns=(column,),
        value=None,
        constraint="not null",
    )


class NullType(DataType):
    """The type of a bare NULL literal: compatible with every family."""

    sql_name: ClassVar[str] = "NULL"
    family: ClassVar[str] = "null"

    @property
    def python_type(self) -> type:
        return type(None)

    def check(self, value: object) -> Any:
        raise DataError("only NULL has type NULL")


NULLTYPE = NullType()
