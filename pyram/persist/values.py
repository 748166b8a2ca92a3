"""Value codecs shared by every file format, keyed by *kind*: each type's own codecs.

Values are handled in their column type's *storage form* (see :mod:`pyram.types`): an Enum
column holds its members' values, a JSON column its canonical text. A *kind* is the column's
SQL type name (``INTEGER``, ``TEXT``, ... ``TIMESTAMPTZ``, ``UUID``, ``JSON``, ``INTERVAL``);
an Enum column has the kind of its values (TEXT or INTEGER). Files record kinds, so a reader
finds the codec without the model classes.

The codecs themselves belong to the types (:meth:`pyram.types.DataType.to_text`,
:meth:`~pyram.types.DataType.from_text`, :meth:`~pyram.types.DataType.encode_values`,
:meth:`~pyram.types.DataType.decode_values`): a new column type brings its own, and this module
only maps kinds to types and words errors. Text forms (JSON Lines, CSV, schema defaults) are
strict and lossless: decimal digits for INTEGER, Python's shortest repr for REAL, ``true`` /
``false``, base64 for BLOB, ``str(Decimal)``, ISO 8601 temporals (a ``zoneinfo`` zone as an
RFC 9557 suffix: ``2024-03-31T02:30:00+02:00[Europe/Paris]``), canonical UUIDs, and PostgreSQL
style intervals (``1 day 02:00:00``). Decoding raises :class:`ValueError` with the reason;
callers wrap it in a :class:`~pyram.errors.CorruptFileError` naming the file, table and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyram.types import DataType, registered_types

__all__ = [
    "KINDS",
    "codec",
    "decode_values",
    "encode_values",
    "from_text",
    "kind_of",
    "to_text",
]

_CODECS: dict[str, DataType] = {t.name: t for t in registered_types()}
#: every kind a file may name: the built-in column types' SQL names
KINDS = frozenset(_CODECS)


def kind_of(dtype: DataType) -> str:
    """The codec kind of a column type (an Enum column: the kind of its values)."""
    name = dtype.name
    if name not in KINDS:  # pragma: no cover - every type of pyram.types has a kind
        raise ValueError(f"no file encoding for type {name}")
    return name


def codec(kind: str) -> DataType:
    """The type whose codecs read and write values of ``kind``."""
    found = _CODECS.get(kind)
    if found is None:
        raise ValueError(f"unknown value kind {kind!r}")
    return found


def to_text(kind: str, value: Any) -> str:
    """The text form of a non-NULL stored value of ``kind``."""
    return _CODECS[kind].to_text(value)


def from_text(kind: str, text: str) -> Any:
    """The stored value a text form stands for.

    Raises:
        ValueError: the text is not a value of ``kind`` (the message says why).
    """
    try:
        return codec(kind).from_text(text)
    except ValueError as exc:
        raise ValueError(str(exc) or f"not a {kind}: {text!r}") from None
    except (TypeError, OverflowError):
        raise ValueError(f"not a {kind}: {text!r}") from None


def encode_values(kind: str, values: Sequence[Any]) -> bytes:
    """The binary form of non-NULL stored values of ``kind`` (one layout byte first)."""
    return codec(kind).encode_values(values)


def decode_values(kind: str, payload: bytes | memoryview, count: int) -> list[Any]:
    """Decode ``count`` values written by :func:`encode_values`.

    Raises:
        ValueError: the payload is not such values (the message says why).
    """
    return codec(kind).decode_values(payload, count)
