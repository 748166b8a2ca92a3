"""``.import``: a CSV (or otherwise separated) file into a table, fast and all or nothing.

The file is read in batches of :data:`BATCH_ROWS` records. Each batch is transposed into
columns, each column converted to its type at once (:func:`~pyram.shell.convert.convert_column`)
and the batch inserted column-wise with :meth:`Database.insert_columns` (no SQL is planned per
row), all inside one savepoint, so the database gets every row or none. A value that does not
convert or fit is an error naming its line and column; line numbers are only worked out then
(the file is read again), so the fast path never tracks them.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from pyram.api import Database
from pyram.catalog import TableSchema
from pyram.errors import DataError, Error, IntegrityError
from pyram.shell.convert import convert_column, converter_for, infer_sql_type
from pyram.shell.errors import ShellError
from pyram.shell.progress import Progress
from pyram.shell.schema_sql import quote_identifier

__all__ = ["BATCH_ROWS", "DEFAULT_OPTIONS", "ImportOptions", "import_csv"]

#: Records converted and inserted at a time: big enough that per-batch costs vanish, small
#: enough that memory stays bounded while an existing table is filled.
BATCH_ROWS = 50_000

Record = list[str]


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


#: CSV with a header line, nothing skipped.
DEFAULT_OPTIONS = ImportOptions()


class _Source:
    """The records of one file (after the skipped ones), and where a record came from."""

    def __init__(self, path: Path, handle: IO[str], options: ImportOptions) -> None:
        self.path = path
        self.options = options
        self.size = path.stat().st_size
        self._handle = handle

    def records(self) -> Iterator[Record]:
        """The non-blank records after the skipped ones (no line numbers: the fast path)."""
        if self.options.ascii:
            return (record for _, record in self._numbered(self._handle))
        reader = csv.reader(self._handle, delimiter=self.options.delimiter, strict=True)
        return filter(None, itertools.islice(reader, self.options.skip, None))

    def bytes_read(self) -> int:
        """How far into the file reading got (for progress; read-ahead included)."""
        buffer = getattr(self._handle, "buffer", None)
        return int(buffer.tell()) if buffer is not None else 0

    def _numbered(self, handle: IO[str]) -> Iterator[tuple[int, Record]]:
        """``(line number, fields)`` of every non-blank record after the skipped ones (in
        ascii mode the record number stands for the line)."""
        skip = self.options.skip
        if self.options.ascii:
            records = handle.read().split("\x1e")[skip:]
            return (
                (n, record.split("\x1f"))
                for n, record in enumerate(records, skip + 1)
                if record.strip("\r\n")
            )
        reader = csv.reader(handle, delimiter=self.options.delimiter, strict=True)
        rest = itertools.islice(reader, skip, None)
        return ((reader.line_num, fields) for fields in rest if fields)

    def line_of(self, index: int) -> int:
        """The line on which record ``index`` (0-based, of :meth:`records`) ends."""
        with self.path.open(newline="", encoding="utf-8-sig") as handle:
            for i, (line, _) in enumerate(self._numbered(handle)):
                if i == index:
                    return line
        return 0  # pragma: no cover - the record was read before, it is there


def import_csv(
    db: Database,
    file: str,
    table: str,
    options: ImportOptions = DEFAULT_OPTIONS,
    progress: Progress | None = None,
) -> int:
    """Load a CSV (or otherwise separated) ``file`` into ``table``, creating it when missing.

    A new table takes its column names from the first record and its types from the data
    (:func:`~pyram.shell.convert.infer_sql_type`). For an existing table the first record is a
    header when a field names one of its columns (then every field must, in any order, and
    columns left out take their defaults); otherwise every record is data with one field per
    column, in table order (as with ``--skip 1`` past a header).

    Returns:
        The number of rows imported.

    Raises:
        ShellError: unreadable file, bad header, a field count or a value that does not fit;
            nothing is imported then.
    """
    path = Path(file)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            source = _Source(path, handle, options)

            def report(fraction: float) -> None:
                """Progress as a share of the work, shown against the file's size."""
                if progress is not None:
                    progress(min(int(fraction * source.size), source.size), source.size)

            return _import(db, source, table, report)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ShellError(f"cannot read {path}: {exc}") from None


def _import(db: Database, source: _Source, table: str, report: Callable[[float], None]) -> int:
    found = next((n for n in db.table_names() if n.lower() == table.lower()), None)
    records = source.records()
    first = next(records, None)
    if found is None:
        if first is None:
            raise ShellError(f"{source.path}: the first line must be a header naming every column")
        header = _header_names(source.path, first)
        return _import_new_table(db, source, table, header, records, report)
    schema = db.schema(found)
    start = 0
    if first is not None and _names_columns(first, schema):
        columns = _target_columns(source.path, _header_names(source.path, first), schema)
        start = 1
    else:
        columns = list(schema.column_names)
        if first is not None:
            records = itertools.chain([first], records)
    size = max(source.size, 1)
    return _insert_all(
        db,
        source,
        schema,
        columns,
        _batches(records),
        start,
        lambda: report(source.bytes_read() / size),
    )


def _header_names(path: Path, header: Record) -> list[str]:
    names = [name.strip() for name in header]
    if any(not name for name in names):
        raise ShellError(f"{path}: the first line must be a header naming every column")
    if len({name.lower() for name in names}) != len(names):
        raise ShellError(f"{path}: the header names a column twice")
    return names


def _names_columns(header: Record, schema: TableSchema) -> bool:
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


def _batches(records: Iterator[Record]) -> Iterator[list[Record]]:
    while batch := list(itertools.islice(records, BATCH_ROWS)):
        yield batch


def _import_new_table(
    db: Database,
    source: _Source,
    table: str,
    header: list[str],
    records: Iterator[Record],
    report: Callable[[float], None],
) -> int:
    """Create ``table`` typed from every value (so all are read first), then fill it.

    Progress: reading is the first half of the bar, inserting the second.
    """
    size = max(source.size, 1)
    rows: list[Record] = []
    for batch in _batches(records):
        rows.extend(batch)
        report(source.bytes_read() / size / 2)
    _check_widths(source, len(header), rows, 1)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    types = [infer_sql_type(column) for column in columns]
    columns_sql = ", ".join(
        f"{quote_identifier(n)} {t}" for n, t in zip(header, types, strict=True)
    )
    db.sql(f"CREATE TABLE {quote_identifier(table)} ({columns_sql})")
    try:
        schema = db.schema(table)
        batches = (rows[i : i + BATCH_ROWS] for i in range(0, len(rows), BATCH_ROWS))
        done = iter(range(BATCH_ROWS, len(rows) + BATCH_ROWS, BATCH_ROWS))

        def inserted() -> None:
            report(0.5 + min(next(done), len(rows)) / len(rows) / 2)

        return _insert_all(db, source, schema, list(schema.column_names), batches, 1, inserted)
    except BaseException:
        db.sql(f"DROP TABLE {quote_identifier(table)}")
        raise


def _check_widths(source: _Source, width: int, batch: list[Record], start: int) -> None:
    """Every record of ``batch`` (records ``start``... of the file) has ``width`` fields."""
    if len(set(map(len, batch)) | {width}) == 1:
        return
    index = next(i for i, record in enumerate(batch) if len(record) != width)
    line = source.line_of(start + index)
    got = len(batch[index])
    raise ShellError(f"{source.path} line {line}: expected {width} fields, got {got}")


def _insert_all(
    db: Database,
    source: _Source,
    schema: TableSchema,
    columns: list[str],
    batches: Iterator[list[Record]],
    start: int,
    report: Callable[[], None],
) -> int:
    """Insert every batch, all or nothing (one savepoint); ``start`` numbers the first
    record (for error messages); ``report()`` after each batch."""
    db.sql("SAVEPOINT pyram_import")
    done = 0
    try:
        for batch in batches:
            _check_widths(source, len(columns), batch, start + done)
            _insert_batch(db, source, schema, columns, batch, start + done)
            done += len(batch)
            report()
    except BaseException:
        db.sql("ROLLBACK TO pyram_import")
        db.sql("RELEASE pyram_import")
        raise
    db.sql("RELEASE pyram_import")
    return done


def _insert_batch(
    db: Database,
    source: _Source,
    schema: TableSchema,
    columns: list[str],
    batch: list[Record],
    start: int,
) -> None:
    texts = list(zip(*batch, strict=True))
    values: dict[str, list[Any]] = {}
    for position, name in enumerate(columns):
        try:
            values[name] = convert_column(schema.column(name).dtype, texts[position])
        except (ValueError, TypeError, KeyError, ArithmeticError):
            _raise_bad_value(source, schema, name, texts[position], start)
            raise  # pragma: no cover - _raise_bad_value raised
    try:
        db.insert_columns(schema.name, values)
    except (DataError, IntegrityError):  # a value its column refuses: name its line
        # (a UNIQUE or FOREIGN KEY failure is no single value's fault: its message stands)
        for position, name in enumerate(columns):
            _raise_bad_value(source, schema, name, texts[position], start)
        raise


def _raise_bad_value(
    source: _Source, schema: TableSchema, column: str, texts: tuple[str, ...], start: int
) -> None:
    """Raise the error of the first field of ``texts`` that does not convert to, or fit,
    ``column`` (the slow path, run only once a batch failed), naming its line."""
    spec = schema.column(column)
    convert = converter_for(spec.dtype)
    for index, text in enumerate(texts):
        try:
            value = None if text == "" else convert(text)
            spec.dtype.validate(value, nullable=spec.nullable, column=spec.name)
        except (ValueError, TypeError, KeyError, ArithmeticError, Error) as exc:
            why = str(exc) if isinstance(exc, Error) else f"expected {spec.sql_type}"
            line = source.line_of(start + index)
            raise ShellError(
                f"{source.path} line {line}, column {spec.name}: cannot import {text!r}: {why}"
            ) from None
