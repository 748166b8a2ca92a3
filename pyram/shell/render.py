"""Output modes of the shell: ``table``, ``csv``, ``json`` and ``line``.

Each renderer takes the column names and the rows of a result and returns the text to print
(ending with a newline, or empty when there is nothing to show). Values are shown as:

========  =================  ==========  ================  =================
value     table / line       csv         json              example
========  =================  ==========  ================  =================
NULL      ``NULL``           empty       ``null``
bytes     ``X'hex'``         ``X'hex'``  ``"X'hex'"``      ``X'0aff'``
dict/list JSON text          JSON text   nested JSON       ``{"a":1}``
enum      its value          its value   its value         ``red``
other     ``str(value)``     same        number or string  ``1.5``, ``True``
========  =================  ==========  ================  =================
"""

from __future__ import annotations

import csv
import enum
import io
import json
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal, get_args

__all__ = [
    "MODES",
    "Mode",
    "format_value",
    "json_value",
    "render",
    "render_csv",
    "render_json",
    "render_line",
    "render_table",
]

Mode = Literal["table", "csv", "json", "line"]
#: The output modes, in the order ``.help`` lists them.
MODES: tuple[Mode, ...] = get_args(Mode)

Rows = Sequence[Sequence[Any]]


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


def _width(text: str) -> int:
    """Terminal cells ``text`` takes: wide East Asian characters count two, combining zero."""
    if text.isascii():
        return len(text)
    cells = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        cells += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return cells


def _cell(value: Any) -> str:
    """A value for a table cell: control characters are escaped so boxes stay boxes."""
    text = format_value(value)
    if any(c in text for c in "\n\r\t"):
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def render_table(columns: Sequence[str], rows: Rows) -> str:
    """A boxed ASCII table with a header; numbers are right-aligned."""
    header = [_cell(c) for c in columns]
    body = [[_cell(v) for v in row] for row in rows]
    widths = [_width(h) for h in header]
    for cells in body:
        widths = [max(w, _width(c)) for w, c in zip(widths, cells, strict=True)]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(cells: list[str], right: Sequence[bool]) -> str:
        padded = []
        for text, w, r in zip(cells, widths, right, strict=True):
            fill = " " * (w - _width(text))
            padded.append(fill + text if r else text + fill)
        return "| " + " | ".join(padded) + " |"

    out = [rule, line(header, [False] * len(header)), rule]
    out.extend(
        line(cells, [_is_number(v) for v in row]) for cells, row in zip(body, rows, strict=True)
    )
    if body:
        out.append(rule)
    return "\n".join(out) + "\n"


def render_csv(columns: Sequence[str], rows: Rows, headers: bool = True) -> str:
    """RFC 4180 CSV (``\\n`` line ends); NULL is an empty field."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if headers:
        writer.writerow(columns)
    writer.writerows([format_value(v, "") for v in row] for row in rows)
    return buffer.getvalue()


def render_json(columns: Sequence[str], rows: Rows) -> str:
    """A JSON array of objects, one row per line (duplicate column names are kept)."""
    keys = [json.dumps(c, ensure_ascii=False) for c in columns]
    objects = [
        "{" + ", ".join(f"{k}: {json_value(v)}" for k, v in zip(keys, row, strict=True)) + "}"
        for row in rows
    ]
    return "[" + ",\n ".join(objects) + "]\n"


def render_line(columns: Sequence[str], rows: Rows) -> str:
    """One ``column = value`` line per value, a blank line between rows."""
    width = max((_width(c) for c in columns), default=0)
    blocks = []
    for row in rows:
        lines = [
            " " * (width - _width(c)) + f"{c} = {format_value(v)}"
            for c, v in zip(columns, row, strict=True)
        ]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def render(mode: Mode, columns: Sequence[str], rows: Rows, headers: bool = True) -> str:
    """The text of a result in ``mode`` (``headers`` matters for csv only)."""
    if mode == "table":
        return render_table(columns, rows)
    if mode == "csv":
        return render_csv(columns, rows, headers)
    if mode == "json":
        return render_json(columns, rows)
    return render_line(columns, rows)
