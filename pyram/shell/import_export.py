"""``.import`` and ``.export``: CSV into a table, a table or query out to CSV or JSON.

Import is strict and all-or-nothing: every value is converted to its column's type (and checked
by that type); a value that does not convert is an error naming the line and column. The file
is read in batches of :data:`BATCH_ROWS` records, each converted a column at a time and
inserted column-wise (:meth:`Database.insert_columns`, no SQL planned per row), all inside one
savepoint, so the database gets every row or none. An empty field is NULL.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from pyram.catalog import TableSchema
from pyram.catalog.schema import ColumnSchema
from pyram.database import Database
from pyram.errors import DataError, Error, IntegrityError
from pyram.shell.errors import ShellError
from pyram.shell.progress import Progress
from pyram.shell.render import json_value, render_csv
from pyram.shell.schema_sql import quote_identifier
from pyram.types import DataType
from pyram.types.special import EnumType

__all__ = ["ImportOptions", "converter_for", "export_query", "import_csv", "infer_sql_type"]

Converter = Callable[[str], Any]

#: Records converted and inserted at a time: big enough that per-batch costs vanish, small
#: enough that memory stays bounded while an existing table is filled.
BATCH_ROWS = 50_000

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
    present = [v for v in values if v != ""]
    if not present:
        return "TEXT"
    if all(_INT.fullmatch(v.strip()) for v in present):
        return "INTEGER"
    if all(_FLOAT.fullmatch(v.strip()) for v in present):
        return "REAL"
    return "TEXT"


class ImportOptions(NamedTuple):
    """How ``.import`` reads its file.

    Attributes:
        delimiter: the field separator (CSV quoting applies whatever it is).
        skip: lines (records) to skip at the start, e.g. a header when the table exists.
        ascii: records end with 0x1E and fields with 0x1F (sqlite3's ascii mode).
    """

    delimiter: str = ","
    skip: int = 0
    ascii: bool = False


class _Counted:
    """The lines of a text file, counting the characters read (for progress)."""

    def __init__(self, handle: Iterator[str]) -> None:
        self._handle = handle
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._handle)
        self.read += len(line)
        return line


#: CSV with a header line, nothing skipped.
DEFAULT_OPTIONS = ImportOptions()


def _records(handle: Iterator[str], options: ImportOptions) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of every non-blank record after the skipped ones."""
    if options.ascii:
        text = "".join(handle)
        numbered: Iterator[tuple[int, list[str]]] = (
            (n, record.split("\x1f"))
            for n, record in enumerate(text.split("\x1e"), 1)
            if record.strip("\r\n")
        )
    else:
        reader = csv.reader(handle, delimiter=options.delimiter, strict=True)
        numbered = ((reader.line_num, fields) for fields in reader if fields)
    for n, record in numbered:
        if n > options.skip:
            yield n, record


def _header_names(path: Path, header: list[str]) -> list[str]:
    names = [name.strip() for name in header]
    if any(not name for name in names):
        raise ShellError(f"{path}: the first line must be a header naming every column")
    if len({name.lower() for name in names}) != len(names):
        raise ShellError(f"{path}: the header names a column twice")
    return names


def _names_columns(header: list[str], schema: TableSchema) -> bool:
    """Whether a first record is a header: some field names a column (then every field must,
    which :func:`_target_columns` checks with a clear error)."""
    known = {c.lower() for c in schema.column_names}
    return any(name.strip().lower() in known for name in header)


def _target_columns(path: Path, header: list[str], schema: TableSchema) -> list[str]:
    by_lower = {c.lower(): c for c in schema.column_names}
    columns = []
    for name in header:
        column = by_lower.get(name.lower())
        if column is None:
            raise ShellError(f"{path}: table {schema.name} has no column {name!r}")
        columns.append(column)
    return columns


def _check_widths(path: Path, width: int, batch: list[tuple[int, list[str]]]) -> None:
    for line, fields in batch:
        if len(fields) != width:
            raise ShellError(f"{path} line {line}: expected {width} fields, got {len(fields)}")


def _convert_batch(
    path: Path, schema: TableSchema, columns: list[str], batch: list[tuple[int, list[str]]]
) -> dict[str, list[Any]]:
    """The batch's values converted to their columns' types, column by column."""
    out: dict[str, list[Any]] = {}
    for position, name in enumerate(columns):
        spec = schema.column(name)
        convert = converter_for(spec.dtype)
        texts = [fields[position] for _, fields in batch]
        try:
            out[name] = [None if text == "" else convert(text) for text in texts]
        except (ValueError, TypeError, KeyError, ArithmeticError):
            _locate_bad_value(path, spec, convert, batch, position)
            raise  # not reached: _locate_bad_value raises
    return out


def _locate_bad_value(
    path: Path,
    spec: ColumnSchema,
    convert: Converter,
    batch: list[tuple[int, list[str]]],
    position: int,
) -> None:
    """Raise the error of the first value of column ``position`` that does not convert or
    validate (the slow path, run only once a batch failed), naming its line."""
    for line, fields in batch:
        text = fields[position]
        try:
            value = None if text == "" else convert(text)
            spec.dtype.validate(value, nullable=spec.nullable, column=spec.name)
        except (ValueError, TypeError, KeyError, ArithmeticError, Error) as exc:
            why = str(exc) if isinstance(exc, Error) else f"expected {spec.sql_type}"
            raise ShellError(
                f"{path} line {line}, column {spec.name}: cannot import {text!r}: {why}"
            ) from None


def _insert_batch(
    db: Database, path: Path, schema: TableSchema, columns: list[str], batch: list[Any]
) -> None:
    values = _convert_batch(path, schema, columns, batch)
    try:
        db.insert_columns(schema.name, values)
    except (DataError, IntegrityError):  # a value its column refuses: name its line
        # (a UNIQUE or FOREIGN KEY failure is no single value's fault: its message stands)
        for position, name in enumerate(columns):
            spec = schema.column(name)
            _locate_bad_value(path, spec, converter_for(spec.dtype), batch, position)
        raise


def _batches(
    records: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    while batch := list(itertools.islice(records, size)):
        yield batch


def import_csv(
    db: Database,
    file: str,
    table: str,
    options: ImportOptions = DEFAULT_OPTIONS,
    progress: Progress | None = None,
) -> int:
    """Load a CSV (or otherwise separated) ``file`` into ``table``, creating it when missing.

    A new table takes its column names from the first record and its types from the data
    (:func:`infer_sql_type`). For an existing table the first record is a header when a field
    names one of its columns (then columns may come in any order, or be left out);
    otherwise every record is data with one field per column, in table order. Rows go in
    through :meth:`Database.insert_columns` in batches of :data:`BATCH_ROWS`, inside one
    savepoint: all of them or none.

    Returns:
        The number of rows imported.

    Raises:
        ShellError: unreadable file, bad header, a field count or a value that does not fit;
            nothing is imported then.
    """
    path = Path(file)
    try:
        size = path.stat().st_size
        with path.open(newline="", encoding="utf-8-sig") as handle:
            counted = _Counted(handle)
            records = _records(counted, options)

            def report(rows: int) -> None:
                if progress is not None:
                    progress(counted.read, max(size, counted.read))

            return _import_records(db, path, table, records, report)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ShellError(f"cannot read {path}: {exc}") from None


def _import_records(
    db: Database,
    path: Path,
    table: str,
    records: Iterator[tuple[int, list[str]]],
    report: Callable[[int], None],
) -> int:
    found = next((n for n in db.table_names() if n.lower() == table.lower()), None)
    first = next(records, None)
    if found is None:
        if first is None:
            raise ShellError(f"{path}: the first line must be a header naming every column")
        return _import_new_table(db, path, table, _header_names(path, first[1]), records, report)
    schema = db.schema(found)
    if first is not None and _names_columns(first[1], schema):
        columns = _target_columns(path, _header_names(path, first[1]), schema)
    else:
        columns = list(schema.column_names)
        if first is not None:
            records = itertools.chain([first], records)
    return _insert_all(db, path, schema, columns, records, report)


def _import_new_table(
    db: Database,
    path: Path,
    table: str,
    header: list[str],
    records: Iterator[tuple[int, list[str]]],
    report: Callable[[int], None],
) -> int:
    """Create ``table`` typed from every value (so all are read first), then fill it."""
    rows = list(records)
    _check_widths(path, len(header), rows)
    types = [infer_sql_type([fields[i] for _, fields in rows]) for i in range(len(header))]
    columns_sql = ", ".join(
        f"{quote_identifier(n)} {t}" for n, t in zip(header, types, strict=True)
    )
    db.sql(f"CREATE TABLE {quote_identifier(table)} ({columns_sql})")
    try:
        schema = db.schema(table)
        return _insert_all(db, path, schema, list(schema.column_names), iter(rows), report)
    except BaseException:
        db.sql(f"DROP TABLE {quote_identifier(table)}")
        raise


def _insert_all(
    db: Database,
    path: Path,
    schema: TableSchema,
    columns: list[str],
    records: Iterator[tuple[int, list[str]]],
    report: Callable[[int], None],
) -> int:
    """Insert every record, batch by batch, all or nothing (one savepoint)."""
    db.sql("SAVEPOINT pyram_import")
    done = 0
    try:
        for batch in _batches(records, BATCH_ROWS):
            _check_widths(path, len(columns), batch)
            _insert_batch(db, path, schema, columns, batch)
            done += len(batch)
            report(done)
    except BaseException:
        db.sql("ROLLBACK TO pyram_import")
        db.sql("RELEASE pyram_import")
        raise
    db.sql("RELEASE pyram_import")
    return done


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
