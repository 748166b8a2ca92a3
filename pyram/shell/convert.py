"""Text from a CSV field to a typed value: per value, and a whole column at once.

Conversion is strict: a field that is not exactly a value of the column's type is an error
(``1_000`` is not an integer, ``2024-02-30`` not a date). An empty field is NULL.
:func:`convert_column` converts a column of a batch; for INTEGER, REAL and TEXT it first checks
the whole column for the few texts the built-in ``int``/``float`` read differently (in C, over
the joined text), then converts with them; the per-value path runs only for the rest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from pyram.shell.errors import ShellError
from pyram.types import DataType, EnumType

__all__ = ["Converter", "convert_column", "converter_for", "infer_sql_type"]

Converter = Callable[[str], Any]

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(r"(?:[xX]'([0-9a-fA-F]*)'|([0-9a-fA-F]*))")
_INFINITY = ("inf", "infinity")
_BOOLEANS = {
    "true": True, "t": True, "yes": True, "y": True, "on": True, "1": True,
    "false": False, "f": False, "no": False, "n": False, "off": False, "0": False,
}  # fmt: skip


def _integer(text: str) -> int:
    if not _INT.fullmatch(text.strip()):
        raise ValueError("not an integer")
    return int(text)


def _real(text: str) -> float:
    if not _FLOAT.fullmatch(text.strip()) and text.strip().lower().lstrip("+-") not in _INFINITY:
        raise ValueError("not a number")
    return float(text)


def _decimal(text: str) -> Decimal:
    if not _FLOAT.fullmatch(text.strip()):
        raise ValueError("not a decimal number")
    return Decimal(text.strip())


def _boolean(text: str) -> bool:
    return _BOOLEANS[text.strip().lower()]


def _blob(text: str) -> bytes:
    match = _HEX.fullmatch(text.strip())
    if match is None:
        raise ValueError("not hex digits or X'..'")
    return bytes.fromhex(match.group(1) if match.group(1) is not None else match.group(2))


def _enum(dtype: EnumType) -> Converter:
    numeric = dtype.name == "INTEGER"
    return lambda text: dtype.enum_class(_integer(text) if numeric else text)


_BY_NAME: dict[str, Converter] = {
    "INTEGER": _integer,
    "REAL": _real,
    "DECIMAL": _decimal,
    "TEXT": str,
    "BOOLEAN": _boolean,
    "BLOB": _blob,
    "DATE": dt.date.fromisoformat,
    "TIMESTAMP": dt.datetime.fromisoformat,
    "TIMESTAMPTZ": dt.datetime.fromisoformat,
    "TIME": dt.time.fromisoformat,
    "UUID": uuid.UUID,
    "JSON": json.loads,
}


def converter_for(dtype: DataType) -> Converter:
    """A function parsing CSV text into a value of ``dtype`` (raises on bad text)."""
    if isinstance(dtype, EnumType):
        return _enum(dtype)
    found = _BY_NAME.get(dtype.name)
    if found is None:
        raise ShellError(f"cannot import into a column of type {dtype.name}")
    return found


def infer_sql_type(values: Sequence[str]) -> str:
    """INTEGER when every non-empty value is an integer, REAL when a number, else TEXT."""
    present = [v for v in values if v]
    if not present:
        return "TEXT"
    if _builtin_reads_like_ours(present, "INTEGER"):
        # int() and float() raise exactly where _INT and _FLOAT do not match (see below)
        with contextlib.suppress(ValueError):
            for _ in map(int, present):
                pass
            return "INTEGER"
        with contextlib.suppress(ValueError):
            for _ in map(float, present):
                pass
            return "REAL" if _builtin_reads_like_ours(present, "REAL") else "TEXT"
        return "TEXT"
    if all(_INT.fullmatch(v.strip()) for v in present):
        return "INTEGER"
    if all(_FLOAT.fullmatch(v.strip()) for v in present):
        return "REAL"
    return "TEXT"


def _builtin_reads_like_ours(texts: Sequence[str], name: str) -> bool:
    """Whether ``int`` (INTEGER) or ``float`` (REAL) reads ``texts`` as _INT/_FLOAT would.

    They differ only on digit separators ("1_000"), non-ASCII digits and, for float, the
    nan/inf spellings; one pass in C over the joined text rules those out.
    """
    joined = "".join(texts)
    if not joined.isascii() or "_" in joined:
        return False
    return name == "INTEGER" or ("n" not in joined and "N" not in joined)


def convert_column(dtype: DataType, texts: Sequence[str]) -> list[Any]:
    """Every field of one column converted to ``dtype`` (empty: None).

    Raises:
        ValueError, TypeError, KeyError, ArithmeticError: a field does not convert (the caller
            finds which with :func:`converter_for`).
        ShellError: no CSV conversion for the type.
    """
    name = dtype.name
    if name == "TEXT" and not isinstance(dtype, EnumType):
        return [t if t else None for t in texts]
    numeric = name in ("INTEGER", "REAL") and not isinstance(dtype, EnumType)
    if numeric and _builtin_reads_like_ours(texts, name):  # other bad fields raise ValueError
        if name == "INTEGER":
            return [int(t) if t else None for t in texts]
        return [float(t) if t else None for t in texts]
    convert = converter_for(dtype)
    return [None if t == "" else convert(t) for t in texts]
