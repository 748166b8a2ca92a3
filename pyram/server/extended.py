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
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs

from pyram.errors import DataError
from pyram.server import messages as m
from pyram.server.describe import Description, describe
from pyram.server.messages import ProtocolViolation, Reader
from pyram.server.outcome import Outcome
from pyram.server.pgtypes import TEXT_WIRE, WireType, wire_type, wire_type_for_oid
from pyram.server.results import Encoder, Layout
from pyram.server.session import PgSession
from pyram.server.sqlstate import ServerError
from pyram.types import DataType

if TYPE_CHECKING:
    from pyram.server.connection import Connection

__all__ = ["Extended"]

#: prepared statements and portals one session may hold at once
MAX_NAMED = 10_000


#: rows a portal encodes on the event loop itself (more go to the session's thread)
INLINE_ROWS = 64


@attrs.define
class _Statement:
    text: str
    oids: list[int]
    description: Description | None = None  #: found on the session's thread when needed
    #: its last run was a key lookup: the next may run on the event loop (a statement that
    #: stops being one, after DDL, runs there once and then goes back to the session's thread)
    key_lookup: bool = False

    #: the result shape of its last run (column names, types, formats) with its layout and
    #: RowDescription: a client re-running the statement gets them made once
    last_shape: tuple[object, Layout, bytes] | None = None

    def encoder(self, outcome: Outcome, formats: list[int]) -> Encoder:
        """An encoder of one run's ``outcome`` (layout and RowDescription made once while the
        result's shape stays the same)."""
        key = (outcome.columns, outcome.types, formats)
        last = self.last_shape
        if last is None or last[0] != key:
            layout = Encoder.layout(outcome, formats)
            last = self.last_shape = (key, layout, Encoder(outcome, layout=layout).description())
        return Encoder(outcome, layout=last[1], description=last[2])

    def described(self, session: PgSession) -> Description:
        """The description (describing the statement the first time: the session's thread)."""
        if self.description is None:
            self.description = describe(session, self.text)
        return self.description


@attrs.define
class _Portal:
    statement: _Statement
    raw: list[bytes | None]  #: parameter values as sent (decoded with the description)
    param_formats: list[int]
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
            failed, self.skipping = self.skipping, False
            await self._end_implicit(failed)
            self._ready()
            return
        if kind == b"H" or self.skipping:
            return  # Flush: the loop sends what is queued
        try:
            handler = _AT_ONCE.get(kind)
            if handler is not None:
                handler(self, body)
            else:
                await _HANDLERS[kind](self, body)
        except Exception as exc:  # every error becomes an ErrorResponse (or ends the session)
            self.skipping = True
            self.conn.send(self.conn.error(exc))

    def handle_now(self, kind: bytes, body: Reader) -> bool:
        """Handle one message at once if that needs no wait for the session's thread; False
        (with nothing done) when it does: then :meth:`handle` must.

        A prepared point lookup (Bind, Describe, Execute, Sync) runs entirely here, straight
        from the socket's callback: no task switch, no thread hop.
        """
        if kind == b"S":
            session = self.conn.session
            if session is not None and session.implicit:
                return False  # its commit runs on the session's thread
            self.skipping = False  # nothing to roll back: no implicit transaction is open
            self._ready()
            return True
        if kind == b"H" or self.skipping:
            return True
        try:
            handler = _AT_ONCE.get(kind)
            if handler is not None:
                handler(self, body)
                return True
            now = _NOW.get(kind)
            return now is not None and now(self, body)
        except Exception as exc:  # as in handle (a fatal error propagates to the connection)
            self.skipping = True
            self.conn.send(self.conn.error(exc))
            return True

    def _ready(self) -> None:
        """Sync's end: ReadyForQuery (portals end with the transaction they ran in)."""
        session = self.conn.session
        if session is not None and session.status == b"I":
            self.portals.clear()
        self.conn.send(m.ready_for_query(self._status()))

    async def _end_implicit(self, failed: bool) -> None:
        """Commit the implicit transaction the messages before Sync ran in (roll it back when
        one of them ``failed``, even before reaching a statement: a Bind of a bad parameter)."""
        session = self.conn.session
        if session is None or not session.implicit:
            return
        try:
            await self.conn.run(lambda: session.sync(rollback=failed))
        except Exception as exc:  # the commit failed (40001 ...): reported before ReadyForQuery
            self.conn.send(self.conn.error(exc))

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
    def _parse(self, body: Reader) -> None:
        name, text = body.cstring(), body.cstring()
        oids = body.int32_list()
        body.rest()
        if name and name in self.statements:
            raise ServerError(f'prepared statement "{name}" already exists', "42P05")
        if len(self.statements) >= MAX_NAMED:
            raise ServerError("too many prepared statements", "54000")
        # described (and checked) with its first Bind or Describe, on the session's thread:
        # a Parse/Bind/Execute round trip then costs one hop to that thread, not three
        self.statements[name] = _Statement(text, oids)
        self.conn.send(m.PARSE_COMPLETE)

    def _bind(self, body: Reader) -> None:
        portal, name, param_formats, raw, formats = body.bind()
        statement = self._statement(name)
        if len(param_formats) not in (0, 1, len(raw)):
            raise ProtocolViolation("bind message has a wrong number of parameter formats")
        if len(self.portals) >= MAX_NAMED and portal not in self.portals:
            raise ServerError("too many portals", "54000")
        self.portals[portal] = _Portal(statement, raw, param_formats, formats)
        self.conn.send(m.BIND_COMPLETE)

    async def _describe(self, body: Reader) -> None:
        what, name = body.byte(), body.cstring()
        if what == b"S":
            statement = self._statement(name)
            session = self.conn.session
            assert session is not None
            await self.conn.run(lambda: statement.described(session))
            self._describe_statement(statement)
        elif what == b"P":
            if self._describe_cursor(name):
                return
            portal = self._portal(name)
            if portal.encoder is None:
                await self._run_portal(portal, None)
            self._describe_portal(portal)
        else:
            raise ProtocolViolation(f"invalid DESCRIBE message subtype {what!r}")

    def _describe_now(self, body: Reader) -> bool:
        what, name = body.byte(), body.cstring()
        if what == b"S":
            statement = self._statement(name)
            if statement.description is None:
                return False  # describing it runs on the session's thread
            self._describe_statement(statement)
            return True
        if what != b"P":
            raise ProtocolViolation(f"invalid DESCRIBE message subtype {what!r}")
        if self._describe_cursor(name):
            return True
        portal = self._portal(name)
        if portal.encoder is None:
            if not self._runs_now(portal):
                return False
            self._run_now(portal, None)
        self._describe_portal(portal)
        return True

    def _describe_statement(self, statement: _Statement) -> None:
        found = statement.description
        assert found is not None
        oids = [_param_wire(statement, found, i).oid for i in range(_param_count(statement, found))]
        self.conn.send(m.parameter_description(oids))
        self.conn.send(found.row_description())

    def _describe_cursor(self, name: str) -> bool:
        cursor = self._cursor(name)
        if cursor is None:
            return False
        self.conn.send(cursor.description())  # psycopg describes a DECLAREd cursor as a portal
        return True

    def _describe_portal(self, portal: _Portal) -> None:
        assert portal.encoder is not None
        self.conn.send(portal.encoder.description())

    async def _execute(self, body: Reader) -> None:
        name, limit = body.cstring(), body.int32()
        portal = self._portal(name)
        chunk = None
        if portal.encoder is None:
            chunk = await self._run_portal(portal, limit)
        elif not self._rows_now(portal, limit):
            encoder = portal.encoder
            chunk = await self.conn.run(lambda: encoder.rows(limit))
        self._send_rows(portal, limit, chunk)

    def _execute_now(self, body: Reader) -> bool:
        name, limit = body.cstring(), body.int32()
        portal = self._portal(name)
        chunk = None
        if portal.encoder is None:
            if not self._runs_now(portal):
                return False
            chunk = self._run_now(portal, limit)
        elif not self._rows_now(portal, limit):
            return False  # many rows: encoded on the session's thread
        self._send_rows(portal, limit, chunk)
        return True

    def _rows_now(self, portal: _Portal, limit: int) -> bool:
        """Whether a run portal's next rows are few enough to encode on the event loop."""
        encoder = portal.encoder
        assert encoder is not None
        if portal.done or not encoder.outcome.is_query:
            return True
        left = len(encoder.outcome.rows) - encoder.sent
        return min(left, limit if limit > 0 else left) <= INLINE_ROWS

    def _send_rows(self, portal: _Portal, limit: int, chunk: tuple[bytes, bool] | None) -> None:
        """Execute's answer: DataRows then CommandComplete or PortalSuspended (``chunk``: rows
        already encoded with the run; None: encoded now)."""
        encoder = portal.encoder
        assert encoder is not None
        if portal.done or not encoder.outcome.is_query:
            portal.done = True
            self.conn.send(encoder.complete())
            return
        rows, more = encoder.rows(limit) if chunk is None else chunk
        self.conn.send(rows)
        if more:
            self.conn.send(m.PORTAL_SUSPENDED)
        else:
            portal.done = True
            self.conn.send(encoder.complete())

    def _close(self, body: Reader) -> None:
        what, name = body.byte(), body.cstring()
        if what == b"S":
            self.statements.pop(name, None)
        elif what == b"P":
            self.portals.pop(name, None)
        else:
            raise ProtocolViolation(f"invalid CLOSE message subtype {what!r}")
        self.conn.send(m.CLOSE_COMPLETE)

    # ------------------------------------------------------------------ helpers
    def _statement(self, name: str) -> _Statement:
        statement = self.statements.get(name)
        if statement is None:
            raise ServerError(f'prepared statement "{name}" does not exist', "26000")
        return statement

    def _portal(self, name: str) -> _Portal:
        portal = self.portals.get(name)
        if portal is None:
            raise ServerError(f'portal "{name}" does not exist', "34000")
        return portal

    def _cursor(self, name: str) -> Encoder | None:
        session = self.conn.session
        if name in self.portals or session is None:
            return None
        outcome = session.cursors.find(name)
        return None if outcome is None else Encoder(outcome)

    def _runs_now(self, portal: _Portal) -> bool:
        """Whether the portal's statement may run on the event loop: a point lookup costs a
        few microseconds, less than handing it to the session's thread and back."""
        statement = portal.statement
        session = self.conn.session
        return (
            statement.key_lookup
            and statement.description is not None
            and session is not None
            and session.runs_inline(statement.text)
        )

    async def _run_portal(self, portal: _Portal, limit: int | None) -> tuple[bytes, bool] | None:
        """Run a portal at its first Describe or Execute (encoding its first ``limit`` rows in
        the same hop to the session's thread when an Execute asks)."""
        if self._runs_now(portal):
            return self._run_now(portal, limit)
        session = self.conn.session
        assert session is not None
        encoder, chunk = await self.conn.run(lambda: _run(portal, session, limit))
        self._ran(portal, encoder)
        return chunk

    def _run_now(self, portal: _Portal, limit: int | None) -> tuple[bytes, bool] | None:
        session = self.conn.session
        assert session is not None
        self.conn.statements += 1
        encoder, chunk = _run(portal, session, limit, inline=True)
        self._ran(portal, encoder)
        return chunk

    def _ran(self, portal: _Portal, encoder: Encoder) -> None:
        # a statement that stops being a lookup (after DDL) runs inline once, then goes back
        portal.statement.key_lookup = encoder.outcome.key_lookup
        portal.encoder = encoder
        self.conn.after(encoder.outcome)


def _run(
    portal: _Portal, session: PgSession, limit: int | None, inline: bool = False
) -> tuple[Encoder, tuple[bytes, bool] | None]:
    """Run a portal's statement with its parameters (and encode its first ``limit`` rows);
    ``inline``: on the event loop (:meth:`PgSession.runs_inline` said it may)."""
    statement = portal.statement
    found = statement.described(session)
    params = {
        str(i + 1): _decode(statement, found, i, value, _is_binary(portal.param_formats, i))
        for i, value in enumerate(portal.raw)
    }
    if inline:
        outcome = session.execute_inline(statement.text, params)
    else:
        outcome = session.execute(statement.text, params, implicit=True)
    encoder = statement.encoder(outcome, portal.formats)
    if limit is None or not outcome.is_query:
        return encoder, None
    return encoder, encoder.rows(limit)


def _param_wire(statement: _Statement, found: Description, index: int) -> WireType:
    oid = statement.oids[index] if index < len(statement.oids) else 0
    declared = wire_type_for_oid(oid) if oid else None
    if declared is not None:
        return declared
    inferred = found.param_types.get(str(index + 1))
    return wire_type(inferred) if inferred is not None else TEXT_WIRE


def _decode(
    statement: _Statement, found: Description, index: int, data: bytes | None, binary: bool
) -> Any:
    if data is None:
        return None
    value = _param_wire(statement, found, index).decode(data, binary)
    return _fit(value, found.param_types.get(str(index + 1)))


def _fit(value: Any, target: DataType | None) -> Any:
    """Widen a parameter to the type PyRAM expects where no information is lost (an int for
    a REAL column, a float for a DECIMAL one); anything else stays as the client sent it."""
    if isinstance(value, dict | list) and (target is None or target.family != "json"):
        # a json/jsonb document where PyRAM expects no JSON (``$1::JSON`` takes any value):
        # its text, which the cast reads
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
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


def _param_count(statement: _Statement, found: Description) -> int:
    inferred = [int(k) for k in found.param_types if k.isdigit()]
    return max([len(statement.oids), *inferred, found.markers])


#: messages that never wait
_AT_ONCE: Final[dict[bytes, Callable[[Extended, Reader], None]]] = {
    b"P": Extended._parse,
    b"B": Extended._bind,
    b"C": Extended._close,
}
#: messages that may wait for the session's thread
_HANDLERS: Final[dict[bytes, Callable[[Extended, Reader], Awaitable[None]]]] = {
    b"D": Extended._describe,
    b"E": Extended._execute,
}
#: their forms that run at once when they can (False: they cannot)
_NOW: Final[dict[bytes, Callable[[Extended, Reader], bool]]] = {
    b"D": Extended._describe_now,
    b"E": Extended._execute_now,
}
