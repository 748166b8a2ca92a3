"""The listening server: accepting connections, limits, cancel requests, graceful shutdown.

:func:`serve` blocks (it is ``python -m pyram serve``); :func:`start` runs the same server on
a background thread and returns a :class:`ServerHandle` (tests, embedding). Shutdown (SIGTERM,
SIGINT or :meth:`ServerHandle.stop`) stops accepting, lets running statements finish for
``shutdown_grace`` seconds, cancels the rest, ends every connection with 57P01 (rolling back
open transactions) and checkpoints a durable database.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyram.server import messages as m
from pyram.server.config import ServerConfig
from pyram.server.connection import Connection
from pyram.server.transport import ConnectionProtocol

if TYPE_CHECKING:
    from pyram.api import Database

__all__ = ["Server", "ServerHandle", "serve", "start"]

_SHUTDOWN = "terminating connection due to administrator command"


def _stderr_log(line: str) -> None:
    print(f"pyram-server: {line}", file=sys.stderr, flush=True)


class Server:
    """One database served to many connections on one event loop."""

    def __init__(self, db: Database, config: ServerConfig) -> None:
        self.db = db
        self.config = config
        self.stopping = False
        self.port = config.port
        self._connections: dict[int, Connection] = {}
        self._admitted: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._pids = itertools.count(1000)
        self._listener: asyncio.Server | None = None
        self._log: Callable[[str], None] = config.log or _stderr_log

    # ------------------------------------------------------------------ bookkeeping
    def log(self, line: str) -> None:
        """One line of the server's log."""
        self._log(line)

    def next_pid(self) -> int:
        """A fresh backend id (BackendKeyData, CancelRequest)."""
        return next(self._pids)

    def admit(self, conn: Connection) -> bool:
        """Count ``conn`` among the sessions; False past ``max_connections``."""
        if len(self._admitted) >= self.config.max_connections:
            self.log(f"refused pid={conn.pid} peer={conn.peer}: too many connections")
            return False
        self._admitted.add(conn.pid)
        return True

    def release(self, conn: Connection) -> None:
        """``conn`` has ended."""
        self._admitted.discard(conn.pid)
        self._connections.pop(conn.pid, None)

    def cancel(self, pid: int, secret: int) -> None:
        """A CancelRequest: cancel the statement of backend ``pid`` if the secret matches."""
        conn = self._connections.get(pid)
        if conn is not None and conn.secret == secret and conn.worker is not None:
            conn.worker.cancel()
            self.log(f"cancel request for pid={pid}")

    # ------------------------------------------------------------------ running
    async def start(self) -> None:
        """Start listening (``port`` 0 picks a free port, then :attr:`port` tells it)."""
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(
            lambda: ConnectionProtocol(self._accept, limit=2**16),
            self.config.host,
            self.config.port,
        )
        self.port = self._listener.sockets[0].getsockname()[1]
        auth = self.config.auth
        self.log(f"listening on {self.config.host}:{self.port} (auth {auth})")

    async def _accept(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        protocol: ConnectionProtocol,
    ) -> None:
        if self.stopping:
            writer.close()
            return
        conn = Connection(self, reader, writer, protocol)
        self._connections[conn.pid] = conn
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await conn.serve()
        finally:
            self._tasks.discard(task)

    async def stop(self) -> None:
        """Shut down gracefully (see the module doc); checkpoints a durable database."""
        if self.stopping:
            return
        self.stopping = True
        self.log("shutting down")
        if self._listener is not None:
            self._listener.close()
        deadline = asyncio.get_running_loop().time() + self.config.shutdown_grace
        while self._busy() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        for conn in list(self._connections.values()):
            if conn.worker is not None:
                conn.worker.cancel("canceling statement due to server shutdown")
            with contextlib.suppress(Exception):  # the peer may be gone already
                conn.writer.write(m.error_response("FATAL", "57P01", _SHUTDOWN))
                conn.writer.close()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.config.shutdown_grace + 5)
        if self.db.path is not None:
            await asyncio.to_thread(self.db.checkpoint)
            self.log(f"checkpointed {self.db.path}")

    def _busy(self) -> bool:
        return any(c.worker is not None and c.worker.busy for c in self._connections.values())


class ServerHandle:
    """A server running on a background thread (see :func:`start`)."""

    def __init__(
        self, server: Server, loop: asyncio.AbstractEventLoop, thread: threading.Thread
    ) -> None:
        self._server = server
        self._loop = loop
        self._thread = thread

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self._server.port

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return self._server.config.host

    def stop(self) -> None:
        """Shut the server down gracefully and wait for its thread to end."""
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._server.stop(), self._loop).result()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(db: Database, **options: Any) -> ServerHandle:
    """Serve ``db`` on a background thread; ``options`` are :class:`ServerConfig` fields
    (``port=0`` picks a free port: read it from the handle).

    Example::

        handle = pyram.server.start(db, port=0, auth="trust")
        ...  # psycopg.connect(f"host=127.0.0.1 port={handle.port} user=me")
        handle.stop()
    """
    server = Server(db, ServerConfig(**options))
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, name="pyram-server", daemon=True)
    thread.start()
    ready.wait()
    if failure:
        raise failure[0]
    return ServerHandle(server, loop, thread)


def serve(db: Database, **options: Any) -> None:
    """Serve ``db`` until SIGTERM or SIGINT, then shut down gracefully (blocks).

    ``options`` are :class:`ServerConfig` fields: ``host``, ``port``, ``auth``, ``users``,
    ``tls``, ``max_connections``, timeouts, ``read_only``, ...
    """
    asyncio.run(_serve(Server(db, ServerConfig(**options))))


async def _serve(server: Server) -> None:
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()
