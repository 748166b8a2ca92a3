"""One client connection: the startup, then the message loop of protocol v3.

The loop reads one frontend message at a time (bounded by the server's message size limit
and idle timeouts), runs statements on the session's own thread (:mod:`pyram.server.worker`)
and writes the answers. Any error a statement raises becomes an ErrorResponse with its
SQLSTATE; a protocol violation (a malformed or out-of-order message) ends the connection
after a FATAL ErrorResponse, and never disturbs other connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

from pyram.errors import Error
from pyram.server import messages as m
from pyram.server.copy import CopyCommand, copy_command, run_copy
from pyram.server.extended import Extended
from pyram.server.messages import ProtocolViolation, Reader
from pyram.server.outcome import Outcome
from pyram.server.results import Encoder
from pyram.server.session import PgSession
from pyram.server.settings import reported, statement_timeout
from pyram.server.splitter import first_words, split_statements
from pyram.server.sqlstate import ServerError, sqlstate_of
from pyram.server.startup import CancelTarget, authenticate, read_startup
from pyram.server.transport import ConnectionProtocol, MessageInput
from pyram.server.worker import QueryCanceled, SessionWorker

if TYPE_CHECKING:
    from pyram.server.server import Server

__all__ = ["Connection"]

T = TypeVar("T")

_EXTENDED: Final = frozenset(bytes([k]) for k in b"PBDECSH")

#: queued answers past this many bytes are sent without waiting for Sync
FLUSH_AT: Final = 256 * 1024

_SETTING_TAGS: Final = frozenset({"SET", "RESET", "DISCARD ALL"})
_TRANSACTION_HEADS: Final = frozenset(
    {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"}
)


class Connection:
    """The server side of one client connection."""

    def __init__(
        self,
        server: Server,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        protocol: ConnectionProtocol,
    ) -> None:
        self.server = server
        self.config = server.config
        self.reader = reader
        self.writer = writer
        self.pid = server.next_pid()
        self.secret = secrets.randbits(31)
        self.peer = str(writer.get_extra_info("peername"))
        self.user = ""
        self.session: PgSession | None = None
        self.worker: SessionWorker | None = None
        self.extended = Extended(self)
        self.statements = 0
        self._out: list[bytes] = []
        self._reported: dict[str, str] = {}
        self._size = 0
        self.protocol = protocol
        self.input: MessageInput | None = None  #: the input once the session is ready

    # ------------------------------------------------------------------ lifetime
    async def serve(self) -> None:
        """Run the connection to its end; never raises."""
        started = time.monotonic()
        reason = "closed"
        try:
            reason = await self._serve()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            reason = "disconnected"
        except ServerError as exc:
            reason = f"error {exc.sqlstate}: {exc}"
            await self._fatal(exc.sqlstate, str(exc))
        except ProtocolViolation as exc:
            reason = f"protocol violation: {exc}"
            await self._fatal("08P01", str(exc))
        except Exception as exc:  # a bug must end this connection only, never the server
            reason = f"internal error: {type(exc).__name__}: {exc}"
            await self._fatal("XX000", f"internal error: {exc}")
        finally:
            await self._close()
            if self.user:
                elapsed = time.monotonic() - started
                self.server.log(
                    f"connection pid={self.pid} user={self.user} peer={self.peer} ended after "
                    f"{elapsed:.3f}s, {self.statements} statements: {reason}"
                )

    async def _serve(self) -> str:
        timeout = self.config.auth_timeout
        first, self.reader, self.writer = await asyncio.wait_for(
            read_startup(self.reader, self.writer, self.config), timeout
        )
        if isinstance(first, CancelTarget):
            self.server.cancel(first.pid, first.secret)
            return "cancel request"
        self.user = first.user
        if not self.server.admit(self):
            raise ServerError("sorry, too many clients already", "53300", fatal=True)
        await asyncio.wait_for(
            authenticate(self.reader, self.writer, self.config, self.user), timeout
        )
        self.server.log(f"connection pid={self.pid} user={self.user} peer={self.peer} authorized")
        self.worker = SessionWorker(f"pyram-session-{self.pid}")
        db, read_only, params = self.server.db, self.config.read_only, first.params
        self.session = await self.worker.run(
            lambda: PgSession(
                db,
                self.user,
                database=params.get("database", ""),
                application_name=params.get("application_name", ""),
                read_only=read_only,
            )
        )
        self._reported = reported(self.session.pg_settings)
        for name, value in self._reported.items():
            self.writer.write(m.parameter_status(name, value))
        self.writer.write(m.backend_key_data(self.pid, self.secret))
        transport = cast(asyncio.Transport, self.writer.transport)
        self.input = self.protocol.attach(transport, self.config.max_message_size)
        self.input.pump = self._pump
        self.writer.write(m.ready_for_query(b"I"))
        await self.writer.drain()
        return await self._loop()

    async def _loop(self) -> str:
        while not self.server.stopping:
            kind, body = await self._read_message()
            if kind == b"X":
                return "terminated by client"
            await self._dispatch(kind, body)
            # answers wait for Sync, Flush or the end of a simple query (as PostgreSQL's
            # do): one send per round trip instead of one per message
            if kind in b"QSH" or self._size > FLUSH_AT:
                await self.flush()
        raise ServerError("terminating connection due to administrator command", "57P01")

    def _pump(self) -> bool:
        """Input arrived while the loop waits: answer the messages that need no wait right
        here (see :mod:`pyram.server.transport`). False when the loop must go on: a message
        that needs the session's thread, a simple query, a backlog to drain."""
        source, extended = self.input, self.extended
        assert source is not None
        while not self.server.stopping:
            start = source.pos
            found = source.next_message()
            if found is None:
                return True
            kind, body = found
            if kind not in _EXTENDED or not extended.handle_now(kind, Reader(body)):
                source.pos = start  # the loop takes it from here
                return False
            if kind in b"SH" or self._size > FLUSH_AT:
                self._write_out()
                if self.writer.transport.get_write_buffer_size():
                    return False  # the client reads slowly: the loop waits for the socket
        return False

    async def _read_message(self) -> tuple[bytes, bytes]:
        source = self.input
        assert source is not None
        while True:
            found = source.next_message()
            if found is not None:
                return found
            await self._receive()

    async def _receive(self) -> None:
        """Wait for more input; the idle timeouts apply between messages."""
        source = self.input
        assert source is not None
        limit, in_block = None, False
        if source.between_messages:  # the client is idle
            session = self.session
            in_block = session is not None and session.status != b"I"
            config = self.config
            limit = config.idle_in_transaction_timeout if in_block else config.idle_timeout
        try:
            await source.wait(limit)
        except TimeoutError:
            if in_block:
                raise ServerError(
                    "terminating connection due to idle-in-transaction timeout", "25P03"
                ) from None
            raise ServerError(
                "terminating connection due to idle-session timeout", "57P05"
            ) from None

    async def _dispatch(self, kind: bytes, body: bytes) -> None:
        if kind == b"Q":
            await self._simple_query(Reader(body).cstring())
        elif kind in _EXTENDED:
            await self.extended.handle(kind, Reader(body))
        elif kind in (b"d", b"c", b"f"):
            pass  # CopyData/Done/Fail after a COPY ended early: PostgreSQL ignores them
        else:
            raise ProtocolViolation(f"invalid frontend message type {kind!r}")

    async def _close(self) -> None:
        self.server.release(self)
        worker, session = self.worker, self.session
        if worker is not None:
            if session is not None:
                worker.cancel("terminating connection")
                with contextlib.suppress(Exception):  # ending anyway: nothing left to tell
                    await worker.run(session.abort)
            worker.close()
        with contextlib.suppress(Exception):  # the peer may be gone already
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 1.0)

    async def _fatal(self, code: str, text: str) -> None:
        with contextlib.suppress(Exception):  # the peer may be gone already
            self.send(m.error_response("FATAL", code, text))
            self.writer.write(b"".join(self._out))
            await asyncio.wait_for(self.writer.drain(), 1.0)

    # ------------------------------------------------------------------ running
    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the session's thread, cancelling it past the statement timeout."""
        worker, session = self.worker, self.session
        assert worker is not None and session is not None
        self.statements += 1
        timeout = statement_timeout(session.pg_settings) or self.config.statement_timeout
        task = asyncio.ensure_future(worker.run(fn))
        if timeout is None:
            return await task
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            worker.cancel("canceling statement due to statement timeout")
        return await task

    def error(self, exc: BaseException) -> bytes:
        """The ErrorResponse for a statement's error ``exc``.

        Raises:
            ``exc`` itself when it must end the connection: the peer is gone, or a fatal
            error (a message over the size limit leaves the stream out of step).
        """
        if isinstance(exc, ConnectionError | asyncio.IncompleteReadError):
            raise exc
        if isinstance(exc, ServerError) and exc.fatal:
            raise exc
        code = sqlstate_of(exc)
        if not isinstance(exc, Error | QueryCanceled):
            self.server.log(f"pid={self.pid}: unexpected {type(exc).__name__}: {exc}")
        return m.error_response("ERROR", code, str(exc).split("\n")[0], _detail(exc))

    async def _simple_query(self, text: str) -> None:
        session = self.session
        assert session is not None
        statements = split_statements(text)
        if not statements:
            self.send(m.message(b"I") + m.ready_for_query(session.status))
            return
        implicit = (
            len(statements) > 1
            and session.status == b"I"
            and not any((first_words(s, 1) or [""])[0] in _TRANSACTION_HEADS for s in statements)
        )
        try:
            if implicit:  # PostgreSQL runs a multi-statement query as one transaction
                await self.run(lambda: session.execute("BEGIN"))
            for statement in statements:
                await self._one_statement(session, statement)
            if implicit:
                await self.run(lambda: session.execute("COMMIT"))
        except Exception as exc:  # every error becomes an ErrorResponse (or ends the session)
            self.send(self.error(exc))
            if implicit:
                await self.run(session.abort)
        self.send(m.ready_for_query(session.status))

    async def _one_statement(self, session: PgSession, statement: str) -> None:
        copy = copy_command(statement)
        if copy is not None:
            await self._copy(session, copy)
            return

        def run() -> tuple[Outcome, bytes]:
            outcome = session.execute(statement)
            return outcome, Encoder(outcome).everything()

        outcome, payload = await self.run(run)
        self.after(outcome)
        self.send(payload)
        if self._size > FLUSH_AT:
            await self.flush()

    async def _copy(self, session: PgSession, copy: CopyCommand) -> None:
        await run_copy(self, session, copy)

    def send(self, data: bytes) -> None:
        """Queue backend messages (sent by :meth:`flush`)."""
        self._out.append(data)
        self._size += len(data)

    async def flush(self) -> None:
        """Send the queued messages and wait until the socket took them."""
        self._write_out()
        # the socket usually takes the bytes at once: waiting is needed only for a backlog
        if self.writer.transport.get_write_buffer_size():
            await self.writer.drain()

    def _write_out(self) -> None:
        if self._out:
            self.writer.write(b"".join(self._out))
            self._out.clear()
            self._size = 0

    def after(self, outcome: Outcome) -> None:
        """Send a statement's warnings (NoticeResponse); apply its DEALLOCATE."""
        for code, text in outcome.notices:
            self.send(m.error_response("WARNING", code, text, notice=True))
        if outcome.deallocate is not None:
            self.extended.deallocate(outcome.deallocate)
        if outcome.tag in _SETTING_TAGS and self.session is not None:
            now = reported(self.session.pg_settings)
            for name, value in now.items():
                if self._reported.get(name) != value:  # clients track these (TimeZone, ...)
                    self.send(m.parameter_status(name, value))
            self._reported = now

    async def read_message(self) -> tuple[bytes, bytes]:
        """The next frontend message (for COPY FROM STDIN), with the usual limits."""
        return await self._read_message()


def _detail(exc: BaseException) -> list[tuple[bytes, str]]:
    extra: list[tuple[bytes, str]] = []
    lines = str(exc).split("\n")
    if len(lines) > 1:
        extra.append((b"D", "\n".join(lines[1:])))
    for field, attr in ((b"t", "table"), (b"c", "column")):
        value: Any = getattr(exc, attr, None)
        if isinstance(value, str) and value:
            extra.append((field, value))
    columns = getattr(exc, "columns", None)
    if isinstance(columns, tuple) and len(columns) == 1:
        extra.append((b"c", str(columns[0])))
    return extra
