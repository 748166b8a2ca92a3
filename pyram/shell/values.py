"""How one value prints: as text, as JSON, as a SQL literal; and how wide it is on a terminal."""

from __future__ import annotations

import enum
import json
import unicodedata
from decimal import Decimal
from typing import Any

from pyram.types import display_value, sql_literal_of

__all__ = ["cell_text", "cell_width", "format_value", "json_value", "sql_value"]


def format_value(value: Any, null: str = "NULL") -> str:
    """The text form of one value (``null`` for NULL): its type's display form."""
    if value is None:
        return null
    if type(value) is str:  # the common case, first
        return value
    return display_value(value)


def json_value(value: Any) -> str:
    """One value as JSON text: numbers and booleans as such, other scalars as strings."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, bool | int | str | dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return json.dumps(value) if value == value and abs(value) != float("inf") else "null"
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)  # exact: a JSON number keeps every digit
    return json.dumps(format_value(value), ensure_ascii=False)


def sql_value(value: Any) -> str:
    """One value as a SQL literal (``quote`` and ``insert`` modes, ``.dump``): its type's."""
    return sql_literal_of(value)


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: wide East Asian characters count two, combining zero."""
    if text.isascii():
        return len(text)
    cells = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        cells += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return cells


def cell_text(value: Any, null: str = "NULL") -> str:
    """A value for a grid cell: control characters are escaped so boxes stay boxes."""
    text = format_value(value, null)
    if any(c in text for c in "\n\r\t"):
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return text
