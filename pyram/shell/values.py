"""How one value prints: as text, as JSON, as a SQL literal; and how wide it is on a terminal."""

from __future__ import annotations

import datetime as dt
import enum
import json
import unicodedata
import uuid
from decimal import Decimal
from typing import Any

__all__ = ["cell_text", "cell_width", "format_value", "json_value", "sql_value"]


def format_value(value: Any, null: str = "NULL") -> str:
    """The text form of one value (``null`` for NULL)."""
    if value is None:
        return null
    if isinstance(value, enum.Enum):  # a model's enum column: show what is stored
        return format_value(value.value, null)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


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
    """One value as a SQL literal (``quote`` and ``insert`` modes, ``.dump``)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "NULL"
        return repr(value) if abs(value) != float("inf") else ("9e999" if value > 0 else "-9e999")
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    if isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif isinstance(value, uuid.UUID):
        text = str(value)
    else:
        text = str(value)
    return "'" + text.replace("'", "''") + "'"


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
