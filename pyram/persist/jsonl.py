"""The JSON Lines format: one UTF-8 text file, one JSON value per line.

Line 1 is the header: ``{"format": "pyram-jsonl", "version": 1, "tables": [...],
"definitions": [...]}`` (the schema document of :mod:`.header`). Then, table by table, a line
``{"table": "name", "rows": n}`` and ``n`` lines each holding one row as a JSON array in column
order. Values are native JSON where JSON is exact: ``null`` for NULL, numbers for INTEGER
(any size) and finite REAL, ``true``/``false`` for BOOLEAN, strings for TEXT, the document
itself for JSON columns; ``"inf"``/``"-inf"`` for infinite REALs, and the text forms of
:mod:`.values` (base64 BLOB, exact DECIMAL, ISO 8601 temporals, UUID) as strings.

Reading checks every line (JSON syntax, row width, each value's JSON type) and reports the
file, line, table and column of the first problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from pyram.errors import CorruptFileError
from pyram.persist.contents import Definition, SnapshotContents, TableImage
from pyram.persist.header import (
    export_scope,
    live_chunks,
    parse_schema_document,
    schema_document,
)
from pyram.persist.values import codec, kind_of
from pyram.storage import Store
from pyram.types import DataType

__all__ = ["FORMAT_NAME", "read_jsonl", "write_jsonl"]

FORMAT_NAME = "pyram-jsonl"
VERSION = 1
_CHUNK_ROWS = 4096


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_json_constant)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


# ------------------------------------------------------------------------------- writing
def _encoder(dtype: DataType) -> Callable[[Any], Any] | None:
    """Stored value (not NULL) -> JSON value, the column type's own writer (bound once per
    column); None when the stored value is its own JSON value."""
    return codec(kind_of(dtype)).json_writer()


def write_jsonl(
    store: Store,
    stream: TextIO,
    *,
    definitions: Sequence[Definition] = (),
    tables: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write tables of ``store`` as JSON Lines to a text stream (UTF-8, ``surrogatepass``
    errors so that any Python str round-trips)."""
    with export_scope(store, tables) as (schemas, counts):
        total, done = sum(counts), 0
        head = {"format": FORMAT_NAME, "version": VERSION}
        stream.write(_dumps(head | schema_document(schemas, counts, definitions)) + "\n")
        if progress is not None:
            progress(0, total)
        for schema, count in zip(schemas, counts, strict=True):
            stream.write(_dumps({"table": schema.name, "rows": count}) + "\n")
            encoders = [_encoder(c.dtype) for c in schema.columns]
            for _, chunk in live_chunks(store, schema, _CHUNK_ROWS):
                columns = [
                    values if enc is None else [None if v is None else enc(v) for v in values]
                    for enc, values in zip(encoders, chunk, strict=True)
                ]
                stream.write(
                    "".join(_dumps(list(row)) + "\n" for row in zip(*columns, strict=True))
                )
                done += len(chunk[0])
                if progress is not None:
                    progress(done, total)


# ------------------------------------------------------------------------------- reading
class _Lines:
    """Numbered lines of a text stream, with errors naming the file and line."""

    def __init__(self, stream: TextIO, path: str) -> None:
        self.stream = stream
        self.path = path
        self.number = 0

    def fail(self, problem: str, table: str | None = None) -> CorruptFileError:
        where = f"table {table}: " if table else ""
        return CorruptFileError(
            f"{self.path}: line {self.number}: {where}{problem}",
            path=self.path,
            line=self.number,
            table=table,
        )

    def next_value(self, what: str, table: str | None = None) -> Any:
        try:
            line = self.stream.readline()
        except UnicodeDecodeError:
            self.number += 1
            raise self.fail("not UTF-8 text", table) from None
        self.number += 1
        if not line:
            raise self.fail(f"file ends where {what} was expected", table)
        try:
            return _loads(line)
        except ValueError as exc:
            raise self.fail(f"malformed JSON ({exc})", table) from None


def read_jsonl(
    stream: TextIO,
    *,
    path: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SnapshotContents:
    """Read and check a whole JSON Lines file written by :func:`write_jsonl`.

    Raises:
        CorruptFileError: the first problem, with the file, line, table and column.
    """
    lines = _Lines(stream, path or str(getattr(stream, "name", "<stream>")))
    head = lines.next_value("the header line")
    if not isinstance(head, dict) or head.get("format") != FORMAT_NAME:
        raise lines.fail("not a PyRAM JSON Lines export (no pyram-jsonl header)")
    if head.get("version") != VERSION:
        raise lines.fail(f"version {head.get('version')!r} is not supported (reads {VERSION})")
    try:
        tables, definitions = parse_schema_document(head)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise lines.fail(f"malformed schema header ({exc})") from None
    total, done = sum(rows for _, rows in tables), 0
    images = []
    for description, rows in tables:
        images.append(_read_table(lines, description, rows, done, total, progress))
        done += rows
    try:
        rest = stream.read()
    except UnicodeDecodeError:
        rest = "?"
    if rest.strip():
        lines.number += 1
        raise lines.fail("more data than the header announces")
    return SnapshotContents(tuple(images), tuple(definitions), VERSION)


def _read_table(
    lines: _Lines,
    description: dict[str, Any],
    rows: int,
    done: int,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> TableImage:
    name = description["name"]
    marker = lines.next_value(f"the line starting table {name}", name)
    if marker != {"table": name, "rows": rows}:
        raise lines.fail(f"expected the line starting table {name} with {rows} rows", name)
    kinds = [c["type"] for c in description["columns"]]
    names = [c["name"] for c in description["columns"]]
    columns: list[list[Any]] = [[] for _ in kinds]
    width = len(kinds)
    for start in range(0, rows, _CHUNK_ROWS):
        first_line = lines.number + 1
        chunk = []
        for count in range(start, min(rows, start + _CHUNK_ROWS)):
            row = lines.next_value(f"row {count + 1} of {rows}", name)
            if not isinstance(row, list) or len(row) != width:
                raise lines.fail(f"a row must be a JSON array of {width} values", name)
            chunk.append(row)
        for position, values in enumerate(zip(*chunk, strict=True)):
            try:
                columns[position].extend(_decode_column(kinds[position], values))
            except _BadValue as bad:
                lines.number = first_line + bad.index
                raise lines.fail(f"column {names[position]}: {bad.reason}", name) from None
        if progress is not None:
            progress(done + start + len(chunk), total)
    return TableImage(description, columns)


class _BadValue(Exception):
    def __init__(self, index: int, reason: str) -> None:
        self.index = index
        self.reason = reason


def _decode_column(kind: str, values: tuple[Any, ...]) -> list[Any] | tuple[Any, ...]:
    """A column of JSON values as stored values (the kind's type reads them): checked at C
    speed when every value has one of its exact JSON types, else value by value (raising
    _BadValue with the row's index)."""
    dtype = codec(kind)
    if dtype.json_types and set(map(type, values)) <= dtype.json_types | {type(None)}:
        return values
    decode = dtype.from_json
    out = []
    for index, value in enumerate(values):
        try:
            out.append(None if value is None else decode(value))
        except ValueError as exc:
            raise _BadValue(index, str(exc) or f"not a {kind}: {value!r}") from None
        except (TypeError, OverflowError):
            raise _BadValue(index, f"not a {kind}: {value!r}") from None
    return out
