"""A replication connection: create the slot, start streaming, read and answer frames.

It speaks through libpq's low-level interface (``psycopg.pq``) because the replication
commands need the simple query protocol and ``START_REPLICATION`` enters COPY BOTH mode,
which psycopg's cursors do not drive.
"""

from __future__ import annotations

import re
import select

from psycopg import pq
from psycopg.conninfo import make_conninfo

from pyram.errors import OperationalError, ProgrammingError
from pyram.pg.protocol import format_lsn, parse_lsn

__all__ = ["Disconnected", "ReplicationConnection", "check_name", "conninfo"]

# Slot and publication names go into replication commands as they are: keep them plain.
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}\Z")


def check_name(kind: str, name: str) -> str:
    """``name`` when it is a plain lower-case identifier.

    Raises:
        ProgrammingError: anything else (names are spliced into replication commands).
    """
    if not _NAME.match(name):
        raise ProgrammingError(f"mirror: {kind} name {name!r} must match [a-z_][a-z0-9_]*")
    return name


def conninfo(dsn: str, **extra: str) -> str:
    """``dsn`` (key=value or URL) with the session settings every mirror connection uses:
    UTC and ISO dates, so the stream's text values decode as the snapshot's do."""
    return make_conninfo(dsn, options="-c TimeZone=UTC -c DateStyle=ISO", **extra)


class Disconnected(OperationalError):
    """The replication connection failed or closed (retried with backoff)."""


class ReplicationConnection:
    """One ``replication=database`` connection."""

    def __init__(self, dsn: str) -> None:
        self._conn = pq.PGconn.connect(conninfo(dsn, replication="database").encode())
        if self._conn.status != pq.ConnStatus.OK:
            message = self._error()
            self._conn.finish()
            raise Disconnected(f"mirror: cannot open a replication connection: {message}")

    def _error(self) -> str:
        return self._conn.get_error_message().strip()

    def _command(self, command: str, expected: pq.ExecStatus) -> pq.abc.PGresult:
        result = self._conn.exec_(command.encode())
        if result.status != expected:
            message = result.get_error_message().strip()
            raise (Disconnected if self._conn.status != pq.ConnStatus.OK else OperationalError)(
                f"mirror: {command.split(' ', 1)[0]} failed: {message or self._error()}"
            )
        return result

    def create_slot(self, slot: str) -> tuple[int, str]:
        """Create a logical ``pgoutput`` slot exporting its snapshot; returns the consistent
        point and the snapshot name (valid until this connection's next command)."""
        result = self._command(
            f"CREATE_REPLICATION_SLOT {check_name('slot', slot)} LOGICAL pgoutput "
            "(SNAPSHOT 'export')",
            pq.ExecStatus.TUPLES_OK,
        )
        lsn = result.get_value(0, 1) or b""
        snapshot = result.get_value(0, 2) or b""
        return parse_lsn(lsn.decode()), snapshot.decode()

    def start(self, slot: str, publication: str, lsn: int) -> None:
        """Start streaming the slot's changes from ``lsn`` (PostgreSQL begins at the slot's
        confirmed position when that is later)."""
        self._command(
            f"START_REPLICATION SLOT {check_name('slot', slot)} LOGICAL {format_lsn(lsn)} "
            f"(proto_version '1', publication_names '{check_name('publication', publication)}')",
            pq.ExecStatus.COPY_BOTH,
        )
        self._conn.nonblocking = 1

    def read(self, timeout: float) -> bytes | None:
        """The next CopyData message, or None when none arrived within ``timeout`` seconds.

        Raises:
            Disconnected: the server ended the stream or the connection broke.
        """
        message = self.buffered()
        if message is not None:
            return message
        ready, _, _ = select.select([self._conn.socket], [], [], timeout)
        if not ready:
            return None
        self._conn.consume_input()
        return self.buffered()

    def buffered(self) -> bytes | None:
        """The next CopyData message if libpq already holds it, else None (no waiting).

        Raises:
            Disconnected: the server ended the stream or the connection broke.
        """
        size, data = self._conn.get_copy_data(1)
        if size > 0:
            return bytes(data)
        if size == 0:
            return None
        raise Disconnected(f"mirror: the replication stream ended: {self._error() or 'closed'}")

    def send(self, message: bytes) -> None:
        """Send a CopyData message (a standby status update).

        Raises:
            Disconnected: the connection broke.
        """
        try:
            self._conn.put_copy_data(message)
            self._conn.flush()
        except Exception as exc:  # psycopg.OperationalError from a dead socket
            raise Disconnected(f"mirror: sending to PostgreSQL failed: {exc}") from exc

    def close(self) -> None:
        """Close the connection (the server ends the stream and frees the slot)."""
        self._conn.finish()
