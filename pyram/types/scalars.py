"""Scalar column types: INTEGER, REAL, TEXT, BOOLEAN, BLOB and DECIMAL.

Strict by design: ``bool`` is not an INTEGER (even though it subclasses ``int``), ``str`` is never
parsed into a number. The only accepted conversions are lossless widenings that keep a column
homogeneous for the batch kernels: int -> float for REAL, int -> Decimal for DECIMAL,
bytearray/memoryview -> bytes for BLOB, and subclasses of int/str/float narrowed to the base type.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, cast

from pyram.errors import DataError
from pyram.limits import MAX_INTEGER, MIN_INTEGER
from pyram.types import codecs, pgwire
from pyram.types.base import DataType

__all__ = [
    "BLOB",
    "BOOLEAN",
    "DECIMAL",
    "INTEGER",
    "REAL",
    "TEXT",
    "BlobType",
    "BooleanType",
    "DecimalType",
    "IntegerType",
    "RealType",
    "TextType",
    "check_integer_range",
]

# file text forms are strict (one spelling a value); typed-in forms (.import) are lenient
_FILE_INTEGER = re.compile(r"-?\d+")
_FILE_REAL = re.compile(r"-?(?:inf|\d+(?:\.\d+)?(?:e[+-]\d+)?)")
_FILE_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:E[+-]?\d+)?", re.IGNORECASE)
_INPUT_INTEGER = re.compile(r"[+-]?[0-9]+")
_INPUT_REAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INPUT_HEX = re.compile(r"(?:[xX]'([0-9a-fA-F]*)'|([0-9a-fA-F]*))")
_INPUT_BOOLEANS = {
    "true": True, "t": True, "yes": True, "y": True, "on": True, "1": True,
    "false": False, "f": False, "no": False, "n": False, "off": False, "0": False,
}  # fmt: skip
_I64 = struct.Struct(">q")
_F64 = struct.Struct(">d")


def _json_exact(value: Any, expected: type, what: str) -> Any:
    """A JSON Lines value that must be of exactly ``expected`` (no bool for an int)."""
    if type(value) is not expected:
        raise ValueError(f"expected {what}, got {codecs.json_excerpt(value)}")
    return value


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

    def stored_form_or(self, slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def convert(value: Any) -> Any:
            if type(value) is int and MIN_INTEGER <= value <= MAX_INTEGER:
                return value
            return slow(value)

        return convert

    def check(self, value: object) -> Any:
        if type(value) is int:
            return check_integer_range(value)
        if isinstance(value, int) and not isinstance(value, bool):
            # IntEnum and other int subclasses narrow to plain int
            return check_integer_range(int(value))
        raise DataError("expected INTEGER")

    dbapi_group: ClassVar[str] = "NUMBER"
    pg_oid: ClassVar[int] = 20  # int8
    cast_names: ClassVar[tuple[str, ...]] = ("INTEGER", "INT", "SIGNED", "BIGINT")
    sqlalchemy_type: ClassVar[str] = "INTEGER"
    json_types: ClassVar[frozenset[type]] = frozenset({int})  # any size: JSON is exact

    def json_writer(self) -> None:
        return None

    def from_json(self, value: Any) -> Any:
        return _json_exact(value, int, "an integer")

    def to_text(self, stored: Any) -> str:
        return str(stored)

    def from_text(self, text: str) -> Any:
        if not _FILE_INTEGER.fullmatch(text):
            raise ValueError(f"not an INTEGER: {text!r}")
        return int(text)

    def encode_values(self, values: Sequence[Any]) -> bytes:
        try:
            return bytes([codecs.ARRAY]) + codecs.array_bytes("q", values)
        except OverflowError:  # files written before the 64-bit rule may hold more
            return bytes([codecs.VARINT]) + codecs.zigzag(values)

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        layout, body = codecs.layout_body(payload, self.name, codecs.ARRAY, codecs.VARINT)
        if layout == codecs.VARINT:
            return codecs.unzigzag(body, count)
        return codecs.array_from("q", body, count).tolist()

    def from_sql_text(self, text: str) -> Any | None:
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return None
        return int(number) if isinstance(number, float) and number.is_integer() else number

    def from_input(self, text: str) -> Any:
        if not _INPUT_INTEGER.fullmatch(text.strip()):
            raise ValueError("not an integer")
        return int(text)

    def sql_literal(self, value: Any) -> str:
        return str(int(value))

    def pg_binary(self, value: Any) -> bytes:
        return _I64.pack(value)

    def from_pg_binary(self, data: bytes) -> Any:
        return _I64.unpack(data)[0]


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

    def stored_form_or(self, slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def convert(value: Any) -> Any:
            if type(value) is float and value == value:  # NaN is not a REAL
                return value
            return slow(value)

        return convert

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

    dbapi_group: ClassVar[str] = "NUMBER"
    pg_oid: ClassVar[int] = 701  # float8
    cast_names: ClassVar[tuple[str, ...]] = ("REAL", "FLOAT", "DOUBLE")
    sqlalchemy_type: ClassVar[str] = "REAL"
    json_types: ClassVar[frozenset[type]] = frozenset({float})

    def json_writer(self) -> Callable[[Any], Any]:
        # JSON has no infinities: they are written as the strings "inf" and "-inf"
        return lambda v: v if math.isfinite(v) else repr(v)

    def from_json(self, value: Any) -> Any:
        if type(value) in (int, float) or value in ("inf", "-inf"):
            return float(value)
        raise ValueError(f"expected a number, got {codecs.json_excerpt(value)}")

    def to_text(self, stored: Any) -> str:
        return repr(stored)

    def from_text(self, text: str) -> Any:
        if not _FILE_REAL.fullmatch(text):
            raise ValueError(f"not a REAL: {text!r}")
        return float(text)

    def encode_values(self, values: Sequence[Any]) -> bytes:
        return bytes([codecs.ARRAY]) + codecs.array_bytes("d", values)

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        _, body = codecs.layout_body(payload, self.name, codecs.ARRAY)
        return codecs.array_from("d", body, count).tolist()

    def from_sql_text(self, text: str) -> Any | None:
        try:
            return float(text)
        except ValueError:
            return None

    def from_input(self, text: str) -> Any:
        stripped = text.strip()
        if not _INPUT_REAL.fullmatch(stripped) and stripped.lower().lstrip("+-") not in (
            "inf",
            "infinity",
        ):
            raise ValueError("not a number")
        return float(text)

    def sql_literal(self, value: Any) -> str:
        if value != value:
            return "NULL"
        return repr(value) if abs(value) != float("inf") else ("9e999" if value > 0 else "-9e999")

    def pg_text(self, value: Any) -> str:
        if value != value:
            return "NaN"
        return repr(value) if abs(value) != float("inf") else _pg_infinity(value)

    def from_pg_text(self, text: str) -> Any:
        return float(text)

    def pg_binary(self, value: Any) -> bytes:
        return _F64.pack(value)

    def from_pg_binary(self, data: bytes) -> Any:
        return _F64.unpack(data)[0]


def _pg_infinity(value: float) -> str:
    return "Infinity" if value > 0 else "-Infinity"


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

    pg_oid: ClassVar[int] = 25  # text
    cast_names: ClassVar[tuple[str, ...]] = ("TEXT", "VARCHAR", "CHAR")
    sqlalchemy_type: ClassVar[str] = "TEXT"
    json_types: ClassVar[frozenset[type]] = frozenset({str})

    def json_writer(self) -> None:
        return None

    def from_json(self, value: Any) -> Any:
        return _json_exact(value, str, "str")

    def to_text(self, stored: Any) -> str:
        return str(stored)

    def from_text(self, text: str) -> Any:
        return text

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        _, body = codecs.layout_body(payload, self.name, codecs.STRINGS)
        return codecs.split_strings(body, count, text=True)

    def from_input(self, text: str) -> Any:
        return text

    def from_pg_text(self, text: str) -> Any:
        return text


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

    dbapi_group: ClassVar[str] = "NUMBER"
    pg_oid: ClassVar[int] = 16  # bool
    cast_names: ClassVar[tuple[str, ...]] = ("BOOLEAN",)
    sqlalchemy_type: ClassVar[str] = "BOOLEAN"
    json_types: ClassVar[frozenset[type]] = frozenset({bool})

    def json_writer(self) -> None:
        return None

    def from_json(self, value: Any) -> Any:
        return _json_exact(value, bool, "bool")

    def to_text(self, stored: Any) -> str:
        return "true" if stored else "false"

    def from_text(self, text: str) -> Any:
        if text in ("true", "false"):
            return text == "true"
        raise ValueError(f"not a BOOLEAN (true or false): {text!r}")

    def encode_values(self, values: Sequence[Any]) -> bytes:
        return bytes([codecs.ARRAY]) + bytes(values)

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        _, body = codecs.layout_body(payload, self.name, codecs.ARRAY)
        flags = bytes(body)
        if len(flags) != count or flags.strip(b"\x00\x01"):
            raise ValueError("BOOLEAN bytes must be 0 or 1")
        return [b == 1 for b in flags]

    def from_sql_text(self, text: str) -> Any | None:
        return {"true": True, "false": False, "1": True, "0": False}.get(text.lower())

    def from_input(self, text: str) -> Any:
        found = _INPUT_BOOLEANS.get(text.strip().lower())
        if found is None:
            raise ValueError(f"not a BOOLEAN: {text!r}")
        return found

    def sql_literal(self, value: Any) -> str:
        return "TRUE" if value else "FALSE"

    def pg_text(self, value: Any) -> str:
        return "t" if value else "f"

    def pg_binary(self, value: Any) -> bytes:
        return b"\x01" if value else b"\x00"

    def from_pg_binary(self, data: bytes) -> Any:
        if data not in (b"\x00", b"\x01"):
            raise ValueError("a binary bool is one byte, 0 or 1")
        return data == b"\x01"


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

    dbapi_group: ClassVar[str] = "BINARY"
    pg_oid: ClassVar[int] = 17  # bytea
    cast_names: ClassVar[tuple[str, ...]] = ("BLOB",)
    sqlalchemy_type: ClassVar[str] = "BLOB"

    def to_text(self, stored: Any) -> str:
        return base64.b64encode(stored).decode("ascii")

    def from_text(self, text: str) -> Any:
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValueError("not base64 text") from None

    def encode_values(self, values: Sequence[Any]) -> bytes:
        return codecs.join_strings(values)

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        _, body = codecs.layout_body(payload, self.name, codecs.STRINGS)
        return codecs.split_strings(body, count, text=False)

    def from_input(self, text: str) -> Any:
        match = _INPUT_HEX.fullmatch(text.strip())
        if match is None:
            raise ValueError("not hex digits or X'..'")
        return bytes.fromhex(match.group(1) if match.group(1) is not None else match.group(2))

    def display(self, value: Any) -> str:
        return f"X'{value.hex()}'"

    def sql_literal(self, value: Any) -> str:
        return f"X'{value.hex()}'"

    def pg_text(self, value: Any) -> str:
        return pgwire.bytea_text(value)

    def from_pg_text(self, text: str) -> Any:
        return pgwire.bytea_from_text(text)

    def pg_binary(self, value: Any) -> bytes:
        return bytes(value)

    def from_pg_binary(self, data: bytes) -> Any:
        return bytes(data)


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

    dbapi_group: ClassVar[str] = "NUMBER"
    pg_oid: ClassVar[int] = 1700  # numeric
    # no cast names: CAST AS NUMERIC/DECIMAL follows SQLite's NUMERIC affinity (or is exact
    # in PostgreSQL's dialect), which the binder decides from the operand
    sqlalchemy_type: ClassVar[str] = "DECIMAL"

    def to_text(self, stored: Any) -> str:
        return str(stored)

    def from_text(self, text: str) -> Any:
        if not _FILE_DECIMAL.fullmatch(text):
            raise ValueError(f"not a DECIMAL: {text!r}")
        return Decimal(text)

    def from_sql_text(self, text: str) -> Any | None:
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            return None

    def from_input(self, text: str) -> Any:
        if not _INPUT_REAL.fullmatch(text.strip()):
            raise ValueError("not a decimal number")
        return Decimal(text.strip())

    def sql_literal(self, value: Any) -> str:
        return str(value)

    def from_pg_text(self, text: str) -> Any:
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a numeric: {text!r}") from None
        if not value.is_finite():
            raise ValueError("a DECIMAL is finite (PostgreSQL's NaN and infinities are not)")
        return value

    def pg_binary(self, value: Any) -> bytes:
        return pgwire.numeric_binary(value)

    def from_pg_binary(self, data: bytes) -> Any:
        return pgwire.numeric_from_binary(data)


# One instance per type (the registry's; binder and builder compare types by identity).
INTEGER = IntegerType()
REAL = RealType()
TEXT = TextType()
BOOLEAN = BooleanType()
BLOB = BlobType()
DECIMAL = DecimalType()
