"""COPY ... FROM STDIN and COPY ... TO STDOUT in PostgreSQL's text and CSV formats.

``COPY t [(cols)] FROM STDIN [WITH (FORMAT csv, HEADER, DELIMITER ',', NULL '')]`` reads the
client's CopyData into rows, converts every field to its column's type (a malformed field is a
22P02-class error naming the line) and inserts all rows at once, all or nothing, through
:meth:`pyram.Database.insert_columns`. ``COPY t|(query) TO STDOUT`` runs the query and streams
the rows back. The legacy option syntax (``CSV HEADER``, ``DELIMITER AS ','``) works too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import attrs

from pyram.errors import DataError
from pyram.server import messages as m
from pyram.server.copy_format import (
    BINARY_HEADER,
    BINARY_TRAILER,
    binary_row,
    format_row,
    parse_binary,
    parse_rows,
)
from pyram.server.outcome import Outcome
from pyram.server.pgtypes import wire_type
from pyram.server.session import PgSession
from pyram.server.sqlstate import ServerError

if TYPE_CHECKING:
    from pyram.server.connection import Connection

__all__ = ["CopyCommand", "copy_command", "run_copy"]

_COPY: Final = re.compile(
    r"""^\s*COPY\s+
        (?:(?P<table>[A-Za-z_][\w.]*|"[^"]+")\s*(?:\((?P<cols>[^)]*)\))?|\((?P<query>.*)\))\s*
        (?P<dir>FROM\s+STDIN|TO\s+STDOUT)\s*
        (?P<opts>.*?)\s*;?\s*$""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
_OPTION: Final = re.compile(r"([A-Za-z_]+)(?:\s+(?:AS\s+)?('(?:[^']|'')*'|[\w]+))?", re.I)


@attrs.frozen
class CopyCommand:
    """A parsed COPY statement."""

    table: str | None
    columns: tuple[str, ...]
    query: str | None
    into: bool  #: FROM STDIN (True) or TO STDOUT (False)
    csv: bool = False
    header: bool = False
    delimiter: str = "\t"
    null: str = "\\N"
    quote: str = '"'
    binary: bool = False


def copy_command(text: str) -> CopyCommand | None:
    """The COPY a statement is, or None when it is no COPY to or from the client.

    Raises:
        ServerError: a COPY with options PyRAM does not support (42601/0A000).
    """
    if text.lstrip()[:4].upper() != "COPY":
        return None
    match = _COPY.match(text)
    if match is None:
        raise ServerError(
            "COPY supports only FROM STDIN and TO STDOUT (a table, columns or a query)", "0A000"
        )
    options = _options(match.group("opts"))
    csv = options.get("format", "text").lower() == "csv" or "csv" in options
    columns = tuple(
        c.strip().strip('"') for c in (match.group("cols") or "").split(",") if c.strip()
    )
    table = match.group("table")
    return CopyCommand(
        table=table.strip('"') if table else None,
        columns=columns,
        query=match.group("query"),
        into=match.group("dir").upper().startswith("FROM"),
        csv=csv,
        header=options.get("header", "false").lower() in ("true", "on", "1", "header", ""),
        delimiter=options.get("delimiter", "," if csv else "\t"),
        null=options.get("null", "" if csv else "\\N"),
        quote=options.get("quote", '"'),
        binary="binary" in options or options.get("format", "").lower() == "binary",
    )


def _options(text: str) -> dict[str, str]:
    text = re.sub(r"^\s*WITH\s*", "", text, flags=re.IGNORECASE).strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    options: dict[str, str] = {}
    for piece in re.split(
        r"\s*,\s*|\s+(?=(?:CSV|HEADER|DELIMITER|NULL|FORMAT|QUOTE)\b)", text, flags=re.IGNORECASE
    ):
        if not piece.strip():
            continue
        match = _OPTION.fullmatch(piece.strip())
        if match is None:
            raise ServerError(f"COPY option not understood: {piece!r}", "42601")
        name, value = match.group(1).lower(), match.group(2) or ""
        if name not in (
            "format",
            "csv",
            "header",
            "delimiter",
            "null",
            "quote",
            "binary",
            "encoding",
        ):
            raise ServerError(f"COPY option {name!r} is not supported", "0A000")
        if value.startswith("'"):
            value = value[1:-1].replace("''", "'")
        options[name] = value if name != "header" else (value or "true")
    return options


async def run_copy(conn: Connection, session: PgSession, copy: CopyCommand) -> None:
    """Run a COPY with the client (CopyIn/CopyOut sub-protocol) and send CommandComplete."""
    if copy.into:
        count = await _copy_in(conn, session, copy)
    else:
        count = await _copy_out(conn, session, copy)
    conn.send(m.command_complete(f"COPY {count}"))


async def _copy_in(conn: Connection, session: PgSession, copy: CopyCommand) -> int:
    if copy.table is None:
        raise ServerError("COPY FROM needs a table", "42601")
    columns = await conn.run(lambda: _target_columns(session, copy))
    conn.send(
        m.message(
            b"G",
            bytes([copy.binary]) + len(columns).to_bytes(2, "big") + b"\x00\x00" * len(columns),
        )
    )
    await conn.flush()
    chunks: list[bytes] = []
    while True:
        kind, body = await conn.read_message()
        if kind == b"d":
            chunks.append(body)
        elif kind == b"c":
            break
        elif kind == b"f":
            reason = m.Reader(body).cstring()
            raise ServerError(f"COPY from stdin failed: {reason}", "57014")
        elif kind in (b"H", b"S"):
            continue
        else:
            raise m.ProtocolViolation(f"unexpected message type {kind!r} during COPY from stdin")
    data = b"".join(chunks)
    return await conn.run(lambda: _insert(session, copy, columns, data))


def _target_columns(session: PgSession, copy: CopyCommand) -> list[tuple[str, Any]]:
    if session.failed:
        raise ServerError(
            "current transaction is aborted, commands ignored until end of transaction block",
            "25P02",
        )
    if session.read_only:
        raise ServerError("cannot execute COPY FROM in a read-only server", "25006")
    assert copy.table is not None
    schema = session.db.schema(copy.table)
    by_name = {c.name.lower(): c for c in schema.columns}
    names = copy.columns or tuple(c.name for c in schema.columns)
    missing = [n for n in names if n.lower() not in by_name]
    if missing:
        raise ServerError(
            f'column "{missing[0]}" of relation "{copy.table}" does not exist', "42703"
        )
    return [(by_name[n.lower()].name, by_name[n.lower()].dtype) for n in names]


def _insert(
    session: PgSession, copy: CopyCommand, columns: list[tuple[str, Any]], data: bytes
) -> int:
    wires = [wire_type(dtype) for _, dtype in columns]
    values: list[list[Any]] = [[] for _ in columns]
    rows = parse_binary(data) if copy.binary else parse_rows(data, copy)
    for line, fields in rows:
        if len(fields) != len(columns):
            raise DataError(f"COPY line {line}: expected {len(columns)} fields, got {len(fields)}")
        for i, field in enumerate(fields):
            try:
                raw = field.encode() if isinstance(field, str) else field
                values[i].append(None if raw is None else wires[i].decode(raw, copy.binary))
            except DataError as exc:
                raise DataError(f"COPY line {line}, column {columns[i][0]}: {exc}") from None
    assert copy.table is not None
    try:
        return session.db.insert_columns(
            copy.table, {n: v for (n, _), v in zip(columns, values, strict=True)}
        )
    finally:
        session.in_block = session.db.in_transaction


async def _copy_out(conn: Connection, session: PgSession, copy: CopyCommand) -> int:
    if copy.query is not None:
        query = copy.query
    else:
        cols = ", ".join(_quoted(c) for c in copy.columns) if copy.columns else "*"
        query = f"SELECT {cols} FROM {_quoted(copy.table or '')}"
    outcome: Outcome = await conn.run(lambda: session.execute(query))
    count = len(outcome.columns)
    fmt = b"\x00\x01" if copy.binary else b"\x00\x00"
    conn.send(m.message(b"H", bytes([copy.binary]) + count.to_bytes(2, "big") + fmt * count))
    for payload in await conn.run(lambda: list(_out_chunks(outcome, copy))):
        conn.send(payload)
        await conn.flush()
    conn.send(m.message(b"c"))
    return len(outcome.rows)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _out_chunks(outcome: Outcome, copy: CopyCommand) -> Iterator[bytes]:
    wires = [wire_type(t) for t in outcome.types]
    if copy.binary:
        yield m.message(b"d", BINARY_HEADER)
    elif copy.header:
        yield m.message(b"d", format_row(list(outcome.columns), copy).encode())
    batch: list[bytes] = []
    for row in outcome.rows:
        if copy.binary:
            encoded = [
                None if v is None else w.encode(v, True) for v, w in zip(row, wires, strict=True)
            ]
            batch.append(m.message(b"d", binary_row(encoded)))
        else:
            fields = [
                None if v is None else w.encode(v, False).decode()
                for v, w in zip(row, wires, strict=True)
            ]
            batch.append(m.message(b"d", format_row(fields, copy).encode()))
        if len(batch) >= 1000:
            yield b"".join(batch)
            batch = []
    if copy.binary:
        batch.append(m.message(b"d", BINARY_TRAILER))
    if batch:
        yield b"".join(batch)
