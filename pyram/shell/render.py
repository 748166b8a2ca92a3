"""Output modes of the shell: the fourteen of sqlite3's ``.mode``, with PyRAM's value forms.

:func:`render_styled` takes the column names and rows of a result plus a
:class:`~pyram.shell.style.Style` (mode, headers, NULL text, separators) and returns the text to
print. The grid modes (``table``, ``box``, ``markdown``, ``column``) live in
:mod:`pyram.shell.render_grid`, value formatting in :mod:`pyram.shell.values`; this module holds
the line-oriented modes. Values are shown as:

========  =================  ==========  ================  =================
value     table / line       csv         json              example
========  =================  ==========  ================  =================
NULL      ``NULL``           empty       ``null``
bytes     ``X'hex'``         ``X'hex'``  ``"X'hex'"``      ``X'0aff'``
dict/list JSON text          JSON text   nested JSON       ``{"a":1}``
enum      its value          its value   its value         ``red``
other     ``str(value)``     same        number or string  ``1.5``, ``True``
========  =================  ==========  ================  =================

``.nullvalue TEXT`` replaces the NULL text of every mode that prints text (not ``json``,
``insert`` and ``quote``, which write JSON's or SQL's own NULL).
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from typing import Any

from pyram.shell.render_grid import GRID_MODES, render_grid
from pyram.shell.schema_sql import quote_identifier
from pyram.shell.style import MODES, Mode, Style
from pyram.shell.values import cell_width, format_value, json_value, sql_value

__all__ = [
    "MODES",
    "Mode",
    "Style",
    "format_value",
    "json_value",
    "render",
    "render_csv",
    "render_json",
    "render_line",
    "render_styled",
    "render_table",
    "sql_value",
]

Rows = Sequence[Sequence[Any]]


def render_table(columns: Sequence[str], rows: Rows) -> str:
    """A boxed ASCII table with a header; numbers are right-aligned."""
    return render_grid("table", columns, rows, Style())


def render_csv(columns: Sequence[str], rows: Rows, headers: bool = True) -> str:
    """RFC 4180 CSV (``\\n`` line ends); NULL is an empty field."""
    return _csv(columns, rows, Style("csv", headers))


def _csv(columns: Sequence[str], rows: Rows, style: Style) -> str:
    colsep, rowsep = style.separators()
    null = style.null_text()
    buffer = io.StringIO()
    if len(colsep) == 1:
        writer = csv.writer(buffer, delimiter=colsep, lineterminator=rowsep)
        if style.headers:
            writer.writerow(columns)
        writer.writerows([format_value(v, null) for v in row] for row in rows)
        return buffer.getvalue()
    # csv.writer takes one-character delimiters only: quote by hand for longer ones
    lines = [list(columns)] if style.headers else []
    lines.extend([format_value(v, null) for v in row] for row in rows)
    return "".join(colsep.join(_csv_quote(f, colsep) for f in line) + rowsep for line in lines)


def _csv_quote(text: str, colsep: str) -> str:
    if any(c in text for c in ('"', "\n", "\r")) or colsep in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def render_json(columns: Sequence[str], rows: Rows) -> str:
    """A JSON array of objects, one row per line (duplicate column names are kept)."""
    keys = [json.dumps(c, ensure_ascii=False) for c in columns]
    objects = [
        "{" + ", ".join(f"{k}: {json_value(v)}" for k, v in zip(keys, row, strict=True)) + "}"
        for row in rows
    ]
    return "[" + ",\n ".join(objects) + "]\n"


def render_line(columns: Sequence[str], rows: Rows, null: str = "NULL") -> str:
    """One ``column = value`` line per value, a blank line between rows."""
    width = max((cell_width(c) for c in columns), default=0)
    blocks = []
    for row in rows:
        lines = [
            " " * (width - cell_width(c)) + f"{c} = {format_value(v, null)}"
            for c, v in zip(columns, row, strict=True)
        ]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _delimited(columns: Sequence[str], rows: Rows, style: Style) -> str:
    """``list``, ``tabs`` and ``ascii``: fields as they are, joined by the separators."""
    colsep, rowsep = style.separators()
    null = style.null_text()
    lines = [colsep.join(columns)] if style.headers else []
    lines.extend(colsep.join(format_value(v, null) for v in row) for row in rows)
    return "".join(line + rowsep for line in lines)


def _quote(columns: Sequence[str], rows: Rows, style: Style) -> str:
    """``quote``: every value a SQL literal (header names as strings)."""
    colsep, rowsep = style.separators()
    lines = [colsep.join(sql_value(c) for c in columns)] if style.headers else []
    lines.extend(colsep.join(sql_value(v) for v in row) for row in rows)
    return "".join(line + rowsep for line in lines)


def _tcl_word(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\t", "\\t").replace("\r", "\\r") + '"'


def _tcl(columns: Sequence[str], rows: Rows, style: Style) -> str:
    colsep, rowsep = style.separators()
    null = style.null_text()
    lines = [colsep.join(_tcl_word(c) for c in columns)] if style.headers else []
    lines.extend(colsep.join(_tcl_word(format_value(v, null)) for v in row) for row in rows)
    return "".join(line + rowsep for line in lines)


def _html(columns: Sequence[str], rows: Rows, style: Style) -> str:
    """``html``: ``<TR>`` rows of ``<TH>``/``<TD>`` cells (the caller adds ``<TABLE>``)."""
    null = style.null_text()

    def row_html(cells: Sequence[str], tag: str) -> str:
        body = "\n".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells)
        return f"<TR>{body}\n</TR>\n"

    out = [row_html(columns, "TH")] if style.headers else []
    out.extend(row_html([format_value(v, null) for v in row], "TD") for row in rows)
    return "".join(out)


def _insert(columns: Sequence[str], rows: Rows, style: Style) -> str:
    """``insert``: one ``INSERT INTO`` statement per row (column names with headers on)."""
    head = f"INSERT INTO {quote_identifier(style.insert_table)}"
    if style.headers:
        head += "(" + ",".join(quote_identifier(c) for c in columns) + ")"
    return "".join(f"{head} VALUES({','.join(sql_value(v) for v in row)});\n" for row in rows)


def render(mode: Mode, columns: Sequence[str], rows: Rows, headers: bool = True) -> str:
    """The text of a result in ``mode`` with default settings (``headers`` as given)."""
    return render_styled(columns, rows, Style(mode, headers))


def render_styled(columns: Sequence[str], rows: Rows, style: Style) -> str:
    """The text of a result in ``style`` (see :class:`Style`)."""
    mode = style.mode
    if mode in GRID_MODES:
        return render_grid(mode, columns, rows, style)
    if mode == "csv":
        return _csv(columns, rows, style)
    if mode == "json":
        return render_json(columns, rows)
    if mode == "line":
        return render_line(columns, rows, style.null_text())
    if mode == "html":
        return _html(columns, rows, style)
    if mode == "insert":
        return _insert(columns, rows, style)
    if mode == "quote":
        return _quote(columns, rows, style)
    if mode == "tcl":
        return _tcl(columns, rows, style)
    return _delimited(columns, rows, style)
