"""Scalar column types: INTEGER, REAL, TEXT, BOOLEAN, BLOB and DECIMAL.

Strict by design: ``bool`` is not an INTEGER (even though it subclasses ``int``), ``str`` is never
parsed into a number. The only accepted conversions are lossless widenings that keep a column
homogeneous for the batch kernels: int -> float for REAL, int -> Decimal for DECIMAL,
bytearray/memoryview -> bytes for BLOB, and subclasses of int/str/float narrowed to the base type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, ClassVar, cast

from pyram.errors import DataError
from pyram.limits import MAX_INTEGER, MIN_INTEGER
from pyram.types.base import DataType

__all__ = [
    "BlobType",
    "BooleanType",
    "DecimalType",
    "IntegerType",
    "RealType",
    "TextType",
    "check_integer_range",
]


class IntegerType(DataType):
    """INTEGER: a Python ``int`` in SQLite's signed 64-bit range; ``bool`` is rejected.

    As sqlite3 refuses to bind a larger int, an INTEGER column refuses one: every stored
    INTEGER is one SQLite could hold, so arithmetic on stored values follows SQLite exactly
    (a result past the range becomes REAL) and nothing stored can fail later.
    """

    sql_name: ClassVar[str] = "INTEGER"
    family: ClassVar[str] = "numeric"
    exact_types: ClassVar[frozenset[type]] = frozenset({int})

    @property
    def python_type(self) -> type:
        return int

    def validate_column(
        self, values: Sequence[object], *, nullable: bool, column: str = "", table: str = ""
    ) -> list[Any]:
        """As :meth:`DataType.validate_column`, plus a C-speed 64-bit range screen."""
        if set(map(type, values)) <= ({int, type(None)} if nullable else {int}):
            ints = cast(
                "Sequence[int]", [v for v in values if v is not None] if nullable else values
            )
            if not ints or (min(ints) >= MIN_INTEGER and max(ints) <= MAX_INTEGER):
                return list(values)
        validate = self.validate
        return [validate(v, nullable=nullable, column=column, table=table) for v in values]

    def is_stored_form(self) -> Callable[[Any], bool]:
        return lambda value: type(value) is int and MIN_INTEGER <= value <= MAX_INTEGER

    def check(self, value: object) -> Any:
        if type(value) is int:
            return check_integer_range(value)
        if isinstance(value, int) and not isinstance(value, bool):
            # IntEnum and other int subclasses narrow to plain int
            return check_integer_range(int(value))
        raise DataError("expected INTEGER")


def check_integer_range(value: int) -> int:
    """``value`` when it fits SQLite's signed 64-bit INTEGER, else a DataError."""
    if MIN_INTEGER <= value <= MAX_INTEGER:
        return value
    raise DataError("out of the signed 64-bit INTEGER range (as in SQLite)")


class RealType(DataType):
    """REAL: Python ``float`` (not NaN); an ``int`` is accepted and stored as the equal float."""

    sql_name: ClassVar[str] = "REAL"
    family: ClassVar[str] = "numeric"
    exact_types: ClassVar[frozenset[type]] = frozenset({float})

    def validate_column(
        self, values: Sequence[object], *, nullable: bool, column: str = "", table: str = ""
    ) -> list[Any]:
        """As :meth:`DataType.validate_column`, plus a C-speed NaN screen on the fast path."""
        if set(map(type, values)) <= ({float, type(None)} if nullable else {float}):
            present = [v for v in values if v is not None] if nullable else values
            total = sum(present)  # type: ignore[arg-type]
            if total == total:  # no NaN (inf - inf would also give NaN: then check each)
                return list(values)
        validate = self.validate
        return [validate(v, nullable=nullable, column=column, table=table) for v in values]

    @property
    def python_type(self) -> type:
        return float

    def is_stored_form(self) -> Callable[[Any], bool]:
        return lambda value: type(value) is float and value == value  # NaN is not a REAL

    def check(self, value: object) -> Any:
        if isinstance(value, float):
            if value != value:
                # NaN equals nothing, itself included: it would break ordering, indexes and
                # uniqueness. SQL has NULL for "no value".
                raise DataError("NaN is not a REAL value; store None (NULL) instead")
            return value if type(value) is float else float(value)
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:
                raise DataError("integer too large for REAL") from None
        raise DataError("expected REAL")


class TextType(DataType):
    """TEXT: Python ``str``."""

    sql_name: ClassVar[str] = "TEXT"
    family: ClassVar[str] = "text"
    exact_types: ClassVar[frozenset[type]] = frozenset({str})

    @property
    def python_type(self) -> type:
        return str

    def check(self, value: object) -> Any:
        if type(value) is str:
            return value
        if isinstance(value, str):
            return str(value)  # StrEnum and other str subclasses narrow to plain str
        raise DataError("expected TEXT")


class BooleanType(DataType):
    """BOOLEAN: Python ``bool`` only (``0`` and ``1`` are integers, not booleans)."""

    sql_name: ClassVar[str] = "BOOLEAN"
    family: ClassVar[str] = "boolean"
    exact_types: ClassVar[frozenset[type]] = frozenset({bool})

    @property
    def python_type(self) -> type:
        return bool

    def check(self, value: object) -> Any:
        if value is True or value is False:
            return value
        raise DataError("expected BOOLEAN")


class BlobType(DataType):
    """BLOB: Python ``bytes``; bytearray and memoryview are copied into immutable bytes."""

    sql_name: ClassVar[str] = "BLOB"
    family: ClassVar[str] = "blob"
    exact_types: ClassVar[frozenset[type]] = frozenset({bytes})

    @property
    def python_type(self) -> type:
        return bytes

    def check(self, value: object) -> Any:
        if isinstance(value, bytes):
            return bytes(value) if type(value) is not bytes else value
        if isinstance(value, bytearray | memoryview):
            return bytes(value)
        raise DataError("expected BLOB")


class DecimalType(DataType):
    """DECIMAL: ``decimal.Decimal`` (finite); an ``int`` is accepted exactly, a float is not."""

    sql_name: ClassVar[str] = "DECIMAL"
    family: ClassVar[str] = "numeric"
    exact_types: ClassVar[frozenset[type]] = frozenset()  # NaN must be checked value by value

    @property
    def python_type(self) -> type:
        return Decimal

    def check(self, value: object) -> Any:
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise DataError("DECIMAL must be finite")
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(int(value))
        if isinstance(value, float):
            raise DataError("a float is inexact; pass Decimal(str(x)) for DECIMAL")
        raise DataError("expected DECIMAL")


