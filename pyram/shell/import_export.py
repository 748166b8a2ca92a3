"""``.export FILE TABLE|QUERY``: a table's or a query's rows to a CSV, JSON or JSON Lines file.

The format follows the extension: ``.csv`` (with a header; NULL is an empty field), ``.json``
(an array of objects) or ``.jsonl`` (one object per line). Rows are written in batches, with a
progress bar on a terminal. (``.import`` is :mod:`pyram.shell.import_csv`.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pyram.api import Database
from pyram.shell.errors import ShellError
from pyram.shell.progress import Progress
from pyram.shell.render import json_value, render_csv
from pyram.shell.schema_sql import quote_identifier

__all__ = ["BATCH_ROWS", "export_query"]

#: A lone word, which names a table or view rather than being a query.
_PLAIN_NAME = re.compile(r'"?[A-Za-z_][A-Za-z0-9_]*"?')
#: Rows rendered and written at a time.
BATCH_ROWS = 50_000


def export_query(db: Database, file: str, target: str, progress: Progress | None = None) -> int:
    """Write a table (by name) or the rows of a query to ``file`` as CSV, JSON or JSON lines.

    The format follows the extension: ``.csv`` (with a header), ``.json`` (an array of
    objects) or ``.jsonl`` (one object per line). Rows are written :data:`BATCH_ROWS` at a
    time, reported to ``progress(rows_written, rows_total)``.

    Returns:
        The number of rows written.
    """
    path = Path(file)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json", ".jsonl"):
        raise ShellError(f"cannot tell the format of {file}: use a .csv, .json or .jsonl file")
    names = {n.lower(): n for n in [*db.table_names(), *db.view_names()]}
    name = names.get(target.strip().strip('"').lower())
    if name is None and _PLAIN_NAME.fullmatch(target.strip()):
        raise ShellError(f"no such table or view: {target.strip()}")
    query = f"SELECT * FROM {quote_identifier(name)}" if name is not None else target
    result = db.sql(query)
    if not result.columns:
        raise ShellError(f"{target!r} is neither a table nor a query returning rows")
    rows = result.all()
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            for start in range(0, max(len(rows), 1), BATCH_ROWS):
                chunk = rows[start : start + BATCH_ROWS]
                out.write(_export_text(suffix, result.columns, chunk, start, len(rows)))
                if progress is not None:
                    progress(start + len(chunk), len(rows))
    except OSError as exc:
        raise ShellError(f"cannot write {file}: {exc}") from None
    return len(rows)


def _export_text(
    suffix: str, columns: tuple[str, ...], rows: list[Any], start: int, total: int
) -> str:
    """One chunk of an export; ``start`` and ``total`` place it (header, brackets, commas)."""
    if suffix == ".csv":
        return render_csv(columns, rows, headers=start == 0)
    keys = [json.dumps(c, ensure_ascii=False) for c in columns]
    objects = [
        "{" + ", ".join(f"{k}: {json_value(v)}" for k, v in zip(keys, row, strict=True)) + "}"
        for row in rows
    ]
    if suffix == ".jsonl":
        return "".join(f"{obj}\n" for obj in objects)
    text = ",\n ".join(objects)
    opening = "[" if start == 0 else ",\n "
    closing = "]\n" if start + len(rows) >= total else ""
    return opening + text + closing
