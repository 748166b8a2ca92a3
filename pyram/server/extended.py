"""The extended query protocol: Parse, Bind, Describe, Execute, Close, Sync, Flush.

A prepared statement is its SQL text plus what describing it found (parameter and column
types); a portal is a bound statement whose outcome is computed at its first Describe or
Execute and then sent in slices of ``max_rows`` (PortalSuspended between them). After an
error every message up to the next Sync is skipped, as PostgreSQL does.

PostgreSQL's ``$1`` markers are parameters named ``1`` for PyRAM's SQL front end, so Bind's
values go in as ``{"1": ..., "2": ...}``. A parameter's wire type is the OID the client
declared, else the type PyRAM inferred for the marker, else text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from pyram.errors import DataError, Error
from pyram.server import messages as m
from pyram.server.describe import Description, describe
from pyram.server.messages import ProtocolViolation, Reader
from pyram.server.outcome import Outcome
from pyram.server.pgtypes import TEXT, wire_type, wire_type_for_oid
from pyram.server.results import Encoder
from pyram.server.sqlstate import ServerError
from pyram.server.worker import QueryCanceled
from pyram.types import DataType

if TYPE_CHECKING:
    from pyram.server.connection import Connection

__all__ = ["Extended"]

#: prepared statements and portals one session may hold at once
MAX_NAMED = 10_000


@attrs.define
class _Statement:
    text: str
    oids: list[int]
    description: Description


@attrs.define
class _Portal:
    statement: _Statement
    params: dict[str, Any]
    formats: list[int]
    encoder: Encoder | None = None
    done: bool = False


class Extended:
    """The extended-protocol state of one connection."""

    def __init__(self, connection: Connection) -> None:
        self.conn = connection
        self.statements: dict[str, _Statement] = {}
        self.portals: dict[str, _Portal] = {}
        self.skipping = False  #: an error happened: skip to the next Sync

    async def handle(self, kind: bytes, body: Reader) -> None:
        """One extended-protocol message."""
        if kind == b"S":
            self.skipping = False
            if self.conn.session is not None and self.conn.session.status == b"I":
                self.portals.clear()
            self.conn.writer.write(m.ready_for_query(self._status()))
            return
        if kind == b"H":
            return  # Flush: the loop drains after every message
        if self.skipping:
            return
        try:
            await _HANDLERS[kind](self, body)
        except (Error, QueryCanceled) as exc:
            self.skipping = True
            self.conn.writer.write(self.conn.error(exc))

    def deallocate(self, name: str) -> None:
        """Forget one prepared statement (``""``: all of them but the unnamed one)."""
        if name:
            self.statements.pop(name, None)
        else:
            unnamed = self.statements.get("")
            self.statements = {} if unnamed is None else {"": unnamed}

    def _status(self) -> bytes:
        session = self.conn.session
        return b"I" if session is None else session.status

    # ------------------------------------------------------------------ messages
    async def _parse(self, body: Reader) -> None:
        name, text = body.cstring(), body.cstring()
        oids = body.int32_list()
        body.rest()
        if name and name in self.statements:
            raise ServerError(f'prepared statement "{name}" already exists', "42P05")
        if len(self.statements) >= MAX_NAMED:
            raise ServerError("too many prepared statements", "54000")
        session = self.conn.session
        assert session is not None
        description = await self.conn.run(lambda: describe(session, text))
        self.statements[name] = _Statement(text, oids, description)
        self.conn.writer.write(m.message(b"1"))

    async def _bind(self, body: Reader) -> None:
        portal, name = body.cstring(), body.cstring()
        param_formats = body.int16_list()
        raw = [body.bytes_(n) if (n := body.int32()) >= 0 else None for _ in range(body.int16())]
        formats = body.int16_list()
        statement = self._statement(name)
        if len(param_formats) not in (0, 1, len(raw)):
            raise ProtocolViolation("bind message has a wrong number of parameter formats")
        params = {
            str(i + 1): self._decode(statement, i, value, _is_binary(param_formats, i))
            for i, value in enumerate(raw)
        }
        if len(self.portals) >= MAX_NAMED and portal not in self.portals:
            raise ServerError("too many portals", "54000")
        self.portals[portal] = _Portal(statement, params, formats)
        self.conn.writer.write(m.message(b"2"))

    async def _describe(self, body: Reader) -> None:
        what, name = body.byte(), body.cstring()
        if what == b"S":
            statement = self._statement(name)
            oids = [self._param_wire(statement, i).oid for i in range(_param_count(statement))]
            self.conn.writer.write(m.parameter_description(oids))
            self.conn.writer.write(statement.description.row_description())
        elif what == b"P":
            cursor = self._cursor(name)
            if cursor is not None:  # psycopg describes a DECLAREd cursor as a portal
                self.conn.writer.write(cursor.description())
                return
            portal = await self._run_portal(name)
            assert portal.encoder is not None
            self.conn.writer.write(portal.encoder.description())
        else:
            raise ProtocolViolation(f"invalid DESCRIBE message subtype {what!r}")

    async def _execute(self, body: Reader) -> None:
        name, limit = body.cstring(), body.int32()
        portal = await self._run_portal(name)
        encoder = portal.encoder
        assert encoder is not None
        if portal.done:
            self.conn.writer.write(encoder.complete())
            return
        if not encoder.outcome.is_query:
            portal.done = True
            self.conn.writer.write(encoder.complete())
            return
        rows, more = await self.conn.run(lambda: encoder.rows(limit))
        self.conn.writer.write(rows)
        if more:
            self.conn.writer.write(m.message(b"s"))
        else:
            portal.done = True
            self.conn.writer.write(encoder.complete())

    async def _close(self, body: Reader) -> None:
        what, name = body.byte(), body.cstring()
        if what == b"S":
            self.statements.pop(name, None)
        elif what == b"P":
            self.portals.pop(name, None)
        else:
            raise ProtocolViolation(f"invalid CLOSE message subtype {what!r}")
        self.conn.writer.write(m.message(b"3"))

    # ------------------------------------------------------------------ helpers
    def _statement(self, name: str) -> _Statement:
        statement = self.statements.get(name)
        if statement is None:
            raise ServerError(f'prepared statement "{name}" does not exist', "26000")
        return statement

    def _cursor(self, name: str) -> Encoder | None:
        session = self.conn.session
        if name in self.portals or session is None:
            return None
        outcome = session.cursors.find(name)
        return None if outcome is None else Encoder(outcome)

    async def _run_portal(self, name: str) -> _Portal:
        portal = self.portals.get(name)
        if portal is None:
            raise ServerError(f'portal "{name}" does not exist', "34000")
        if portal.encoder is None:
            session = self.conn.session
            assert session is not None
            text, params = portal.statement.text, portal.params
            outcome: Outcome = await self.conn.run(lambda: session.execute(text, params))
            self.conn.after(outcome)
            portal.encoder = Encoder(outcome, portal.formats)
        return portal

    def _param_wire(self, statement: _Statement, index: int) -> Any:
        oid = statement.oids[index] if index < len(statement.oids) else 0
        declared = wire_type_for_oid(oid) if oid else None
        if declared is not None:
            return declared
        inferred = statement.description.param_types.get(str(index + 1))
        return wire_type(inferred) if inferred is not None else TEXT

    def _decode(self, statement: _Statement, index: int, data: bytes | None, binary: bool) -> Any:
        if data is None:
            return None
        value = self._param_wire(statement, index).decode(data, binary)
        target = statement.description.param_types.get(str(index + 1))
        return _fit(value, target)


def _fit(value: Any, target: DataType | None) -> Any:
    """Widen a parameter to the type PyRAM expects where no information is lost (an int for
    a REAL column, a float for a DECIMAL one); anything else stays as the client sent it."""
    if target is None:
        return value
    name = target.name
    if name == "REAL" and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return float(value)
    if name == "INTEGER" and isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if name == "DECIMAL" and isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    if name == "TIMESTAMPTZ" and isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    if name == "TIMESTAMP" and isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise DataError("a timezone-aware timestamp cannot be bound to a TIMESTAMP parameter")
    return value


def _is_binary(formats: list[int], index: int) -> bool:
    if not formats:
        return False
    return (formats[0] if len(formats) == 1 else formats[index]) == 1


def _param_count(statement: _Statement) -> int:
    inferred = [int(k) for k in statement.description.param_types if k.isdigit()]
    return max([len(statement.oids), *inferred, statement.description.markers])


_HANDLERS = {
    b"P": Extended._parse,
    b"B": Extended._bind,
    b"D": Extended._describe,
    b"E": Extended._execute,
    b"C": Extended._close,
}
