"""Dot-commands that show the schema: ``.tables``, ``.schema``, ``.indexes`` and ``.dump``.

``.dump`` writes SQL text that recreates the database when run (``.read`` or ``-init``): one
transaction holding each table's ``CREATE TABLE`` (tables in creation order, so a referenced
table comes first), its rows as ``INSERT`` statements, its ``CREATE INDEX`` statements, then the
views and triggers. Values are SQL literals; a JSON column's documents are written as text
literals, which PyRAM's strict JSON columns do not take back from SQL (see docs/shell.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pyram.api import definitions_of
from pyram.catalog import TableSchema
from pyram.shell.args import words
from pyram.shell.core import Shell
from pyram.shell.errors import ShellError
from pyram.shell.schema_sql import quote_identifier, render_create_table
from pyram.shell.values import sql_value

__all__ = ["dump_command", "dump_lines", "indexes_command", "schema_command", "tables_command"]

#: Rows fetched (and written) at a time by ``.dump``.
DUMP_BATCH = 10_000


def _like(pattern: str) -> re.Pattern[str]:
    """A LIKE pattern (``%`` any text, ``_`` one character) as a case-insensitive regex."""
    wildcards = {"%": ".*", "_": "."}
    parts = (wildcards.get(c) or re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _matching(names: list[str], pattern: str | None) -> list[str]:
    if pattern is None:
        return names
    regex = _like(pattern)
    return [n for n in names if regex.fullmatch(n)]


def _one_argument(args: str, usage: str) -> str | None:
    given = words(args)
    if len(given) > 1:
        raise ShellError(f"usage: {usage}")
    return given[0] if given else None


def tables_command(shell: Shell, args: str) -> None:
    """``.tables [PATTERN]``: table and view names, sorted."""
    pattern = _one_argument(args, ".tables [PATTERN]")
    names = _matching([*shell.db.table_names(), *shell.db.view_names()], pattern)
    shell.write("".join(f"{n}\n" for n in sorted(names, key=lambda n: (n.lower(), n))))


def schema_command(shell: Shell, args: str) -> None:
    """``.schema [TABLE]``: CREATE statements of tables, views and triggers."""
    pattern = _one_argument(args, ".schema [TABLE]")
    db = shell.db
    tables = _matching(db.table_names(), pattern)
    every = definitions_of(db)
    wanted = set(_matching([d.name for d in every], pattern))
    definitions = [d for d in every if d.name in wanted]
    if pattern is not None and not tables and not definitions:
        raise ShellError(f"no such table: {pattern}")
    texts = [render_create_table(db.schema(t)) for t in tables]
    texts.extend(
        d.sql if d.sql.rstrip().endswith(";") else d.sql.rstrip() + ";" for d in definitions
    )
    shell.write("".join(f"{text}\n" for text in texts))


def indexes_command(shell: Shell, args: str) -> None:
    """``.indexes [TABLE]``: index names (the implicit ones of keys included), sorted."""
    pattern = _one_argument(args, ".indexes [TABLE]")
    tables = _matching(shell.db.table_names(), pattern)
    if pattern is not None and not tables:
        raise ShellError(f"no such table: {pattern}")
    names = [index.name for t in tables for index in shell.db.schema(t).indexes]
    shell.write("".join(f"{n}\n" for n in sorted(names, key=str.lower)))


def dump_command(shell: Shell, args: str) -> None:
    """``.dump [TABLE]``: SQL text recreating the database (or the matching tables)."""
    pattern = _one_argument(args, ".dump [TABLE]")
    tables = _matching(shell.db.table_names(), pattern)
    if pattern is not None and not tables:
        raise ShellError(f"no such table: {pattern}")
    for line in dump_lines(shell, tables, with_definitions=pattern is None):
        shell.write(line)


def dump_lines(shell: Shell, tables: list[str], *, with_definitions: bool) -> Iterator[str]:
    """The lines of a dump of ``tables`` (and of the views and triggers when asked)."""
    db = shell.db
    yield "BEGIN TRANSACTION;\n"
    for name in tables:
        schema = db.schema(name)
        create, *indexes = render_create_table(schema).split("\n);\n")
        yield create + ("\n);\n" if indexes else "\n")
        yield from _inserts(shell, schema)
        yield from (f"{text}\n" for text in "".join(indexes).splitlines() if text)
    if with_definitions:
        for definition in definitions_of(db):
            sql = definition.sql.rstrip()
            yield sql + ("" if sql.endswith(";") else ";") + "\n"
    yield "COMMIT;\n"


def _inserts(shell: Shell, schema: TableSchema) -> Iterator[str]:
    table = quote_identifier(schema.name)
    columns = ",".join(quote_identifier(c) for c in schema.column_names)
    head = f"INSERT INTO {table}({columns}) VALUES("
    result = shell.db.sql(f"SELECT {columns} FROM {table}")
    batch: list[str] = []
    for row in result:
        batch.append(head + ",".join(map(sql_value, row)) + ");\n")
        if len(batch) >= DUMP_BATCH:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


_STATS_COLUMNS = (
    "table", "rows", "bytes", "hits", "misses", "loads", "load_errors", "expirations", "evictions"
)


def stats_command(shell: Shell, args: str) -> None:
    """``.stats [reset]``: rows, estimated bytes and cache counters of every table
    (``reset``: then zero the counters)."""
    word = _one_argument(args, ".stats [reset]")
    if word is not None and word.lower() != "reset":
        raise ShellError("usage: .stats [reset]")
    stats = shell.db.stats(reset=word is not None)
    rows = [_STATS_COLUMNS] + [
        (name, *(str(getattr(s, column)) for column in _STATS_COLUMNS[1:]))
        for name, s in stats.items()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_STATS_COLUMNS))]
    shell.write(
        "".join(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            + "\n"
            for row in rows
        )
    )
