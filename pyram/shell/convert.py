"""Text from a CSV field to a typed value: per value, and a whole column at once.

Conversion is strict: a field that is not exactly a value of the column's type is an error
(``1_000`` is not an integer, ``2024-02-30`` not a date). An empty field is NULL.
:func:`convert_column` converts a column of a batch; for INTEGER, REAL and TEXT it first checks
the whole column for the few texts the built-in ``int``/``float`` read differently (in C, over
the joined text), then converts with them; the per-value path runs only for the rest.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from typing import Any

from pyram.types import DataType, EnumType

__all__ = ["Converter", "convert_column", "converter_for", "infer_sql_type"]

Converter = Callable[[str], Any]

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def converter_for(dtype: DataType) -> Converter:
    """A function parsing CSV text into a value of ``dtype`` (raises on bad text): the type's
    own reader of typed-in text (:meth:`~pyram.types.DataType.from_input`)."""
    return dtype.from_input


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
