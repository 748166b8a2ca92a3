"""The CSV format: a directory with ``schema.json`` and one ``<table>.csv`` per table.

``schema.json`` holds ``{"format": "pyram-csv", "version": 1, "tables": [...],
"definitions": [...]}`` (the schema document of :mod:`.header`, row counts included). Each
CSV file (UTF-8, RFC 4180 quoting, ``\\r\\n`` line ends) starts with a header row of column
names, then one row per table row, every value in its text form (:mod:`.values`).

CSV has no NULL, so NULL is written ``\\N`` (as PostgreSQL's COPY does) and a TEXT value that
starts with a backslash gets one more in front; an empty field is the empty string. So NULL,
``""``, ``"\\N"`` and ``"\\\\N"`` all come back as they were.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, TextIO

from pyram.errors import CorruptFileError
from pyram.persist.contents import Definition, SnapshotContents, TableImage
from pyram.persist.header import (
    export_scope,
    live_chunks,
    parse_schema_document,
    schema_document,
)
from pyram.persist.values import codec, from_text, kind_of
from pyram.storage import Store

__all__ = ["FORMAT_NAME", "SCHEMA_FILE", "read_csv_dir", "write_csv_dir"]

FORMAT_NAME = "pyram-csv"
SCHEMA_FILE = "schema.json"
VERSION = 1
NULL = "\\N"
_CHUNK_ROWS = 4096


def _open(path: Path, mode: Literal["r", "w"]) -> TextIO:
    """CSV text: UTF-8 (surrogatepass: any Python str round-trips), newlines untranslated."""
    return open(path, mode, encoding="utf-8", errors="surrogatepass", newline="")


def _cell(kind: str) -> Callable[[Any], str]:
    if kind == "TEXT":
        return lambda v: "\\" + v if v.startswith("\\") else v
    return codec(kind).to_text  # the type's own writer, bound once per column


def write_csv_dir(
    store: Store,
    directory: Path,
    *,
    definitions: Sequence[Definition] = (),
    tables: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write tables of ``store`` into ``directory`` (created; must not hold other files)."""
    with export_scope(store, tables) as (schemas, counts):
        total, done = sum(counts), 0
        doc = {"format": FORMAT_NAME, "version": VERSION}
        doc |= schema_document(schemas, counts, definitions)
        directory.mkdir(parents=True, exist_ok=True)
        with _open(directory / SCHEMA_FILE, "w") as out:
            json.dump(doc, out, ensure_ascii=False, indent=1)
        if progress is not None:
            progress(0, total)
        for schema in schemas:
            cells = [_cell(kind_of(c.dtype)) for c in schema.columns]
            with _open(directory / f"{schema.name}.csv", "w") as out:
                writer = csv.writer(out)
                writer.writerow(schema.column_names)
                for _, chunk in live_chunks(store, schema, _CHUNK_ROWS):
                    columns = [
                        [NULL if v is None else cell(v) for v in values]
                        for cell, values in zip(cells, chunk, strict=True)
                    ]
                    writer.writerows(zip(*columns, strict=True))
                    done += len(chunk[0])
                    if progress is not None:
                        progress(done, total)


def _fail(path: Path, problem: str, line: int | None = None, table: str | None = None) -> Exception:
    where = f"line {line}: " if line is not None else ""
    return CorruptFileError(f"{path}: {where}{problem}", path=str(path), line=line, table=table)


def read_csv_dir(
    directory: Path, *, progress: Callable[[int, int], None] | None = None
) -> SnapshotContents:
    """Read and check a directory written by :func:`write_csv_dir`.

    Raises:
        CorruptFileError: a missing or malformed file, naming it, the line, table and column.
    """
    schema_path = directory / SCHEMA_FILE
    try:
        with _open(schema_path, "r") as source:
            doc = json.load(source)
    except FileNotFoundError:
        raise _fail(schema_path, "missing: not a PyRAM CSV export") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(schema_path, f"malformed JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise _fail(schema_path, "not a PyRAM CSV export schema")
    if doc.get("version") != VERSION:
        raise _fail(schema_path, f"version {doc.get('version')!r} is not supported")
    try:
        tables, definitions = parse_schema_document(doc)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _fail(schema_path, f"malformed schema ({exc})") from None
    total, done, images = sum(rows for _, rows in tables), 0, []
    for description, rows in tables:
        images.append(_read_table(directory, description, rows))
        done += rows
        if progress is not None:
            progress(done, total)
    return SnapshotContents(tuple(images), tuple(definitions), VERSION)


def _read_table(directory: Path, description: dict[str, Any], rows: int) -> TableImage:
    name = description["name"]
    path = directory / f"{name}.csv"
    kinds = [c["type"] for c in description["columns"]]
    names = [c["name"] for c in description["columns"]]
    columns: list[list[Any]] = [[] for _ in kinds]
    try:
        with _open(path, "r") as source:
            reader = csv.reader(source, strict=True)
            header = next(reader, None)
            if header != names:
                raise _fail(path, f"the header row must name the columns {names}", 1, name)
            for row in reader:
                if len(columns[0]) == rows:
                    raise _fail(path, f"more than {rows} rows", reader.line_num, name)
                _read_row(path, name, reader.line_num, row, kinds, names, columns)
    except FileNotFoundError:
        raise _fail(path, "missing", table=name) from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise _fail(path, f"malformed CSV ({exc})", table=name) from None
    if len(columns[0]) != rows:
        raise _fail(path, f"{len(columns[0])} rows, the schema says {rows}", table=name)
    return TableImage(description, columns)


def _read_row(
    path: Path,
    table: str,
    line: int,
    row: list[str],
    kinds: list[str],
    names: list[str],
    columns: list[list[Any]],
) -> None:
    if len(row) != len(kinds):
        raise _fail(path, f"{len(row)} fields, expected {len(kinds)}", line, table)
    for position, (kind, text) in enumerate(zip(kinds, row, strict=True)):
        if text == NULL:
            columns[position].append(None)
        elif kind == "TEXT":
            if text.startswith("\\") and not text.startswith("\\\\"):
                problem = f"column {names[position]}: a backslash starts \\N or is doubled"
                raise _fail(path, problem, line, table)
            columns[position].append(text[1:] if text.startswith("\\") else text)
        else:
            try:
                columns[position].append(from_text(kind, text))
            except ValueError as exc:
                raise _fail(path, f"column {names[position]}: {exc}", line, table) from None
