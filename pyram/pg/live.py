"""The live mirror: :func:`mirror` starts one, :class:`Mirror` operates it.

A background thread follows the slot's ``pgoutput`` stream: it buffers each PostgreSQL
transaction until its Commit and applies it in one PyRAM transaction (so a reader never sees
half of one) together with the others already received when the mirror is behind (up to
``max_group``: catching up costs one PyRAM commit per group, not per transaction), reports
the applied position to PostgreSQL only after PyRAM committed it, and reconnects with
exponential backoff when PostgreSQL is unreachable. A transaction at or below the applied
position (resent after a reconnect or a server crash) is skipped.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from pyram.errors import ProgrammingError
from pyram.model import Table
from pyram.pg.apply import Applier, ReadOnlyGuard, Row
from pyram.pg.errors import MirrorError, MirrorWarning
from pyram.pg.protocol import (
    Begin,
    Commit,
    Delete,
    Insert,
    Keepalive,
    Relation,
    Truncate,
    Update,
    format_lsn,
    parse_frame,
    parse_lsn,
    parse_message,
    status_update,
)
from pyram.pg.schema import MirroredTable, Source
from pyram.pg.setup import connect, prepare_tables, start_position
from pyram.pg.stream import Disconnected, ReplicationConnection, check_name

if TYPE_CHECKING:
    from pyram import Database

__all__ = ["Lag", "Mirror", "mirror", "mirror_stats"]

log = logging.getLogger("pyram.pg")

FEEDBACK_INTERVAL = 1.0  # seconds between standby status updates when nothing else asks
WAL_CHECK_INTERVAL = 10.0  # seconds between checks of the WAL the slot retains
_IDLE_WAIT = 0.1  # socket wait when no one waits for a position
_WAITER_WAIT = 0.005  # ... and when someone does (keepalives are requested this often)

_MIRRORS: weakref.WeakKeyDictionary[Any, list[Mirror]] = weakref.WeakKeyDictionary()

Tables = Sequence[Source | str | type[Table]] | Source | str | type[Table]


@dataclass(frozen=True, slots=True)
class Lag:
    """How far PyRAM is behind PostgreSQL.

    Attributes:
        bytes: WAL bytes between the server's last reported position and the applied one.
        seconds: time since the commit of the oldest transaction received but not yet
            applied (0 when none is pending).
    """

    bytes: int
    seconds: float


def mirror(
    db: Database,
    dsn: str,
    tables: Tables,
    *,
    slot: str = "pyram_mirror",
    publication: str | None = None,
    keep_slot: bool | None = None,
    max_retained_wal: int = 1 << 30,
    max_backoff: float = 5.0,
    max_group: int = 1000,
) -> Mirror:
    """Mirror PostgreSQL tables into ``db`` and keep them fresh; returns the running mirror.

    ``tables`` lists model classes, ``"schema.table"`` names and :class:`Source` entries (row
    filter, column list), or is ``"schema.*"`` for every table of a schema. It returns once
    the consistent snapshot is loaded (or, for a durable database that mirrored before, once
    it resumed from its recorded position); changes then stream in the background.

    ``slot`` names the replication slot and, unless ``publication`` is given, the
    publication the mirror (re)creates. ``keep_slot`` (default: True for a durable database,
    False in memory) is what :meth:`Mirror.stop` does with the slot. A warning is issued when
    the slot retains more than ``max_retained_wal`` bytes of WAL; reconnection waits grow up
    to ``max_backoff`` seconds.

    Each PostgreSQL transaction is applied whole, in commit order. When the mirror is behind
    (transactions already received wait to be applied), up to ``max_group`` of them are
    applied as one PyRAM transaction: a reader still sees either all of a PostgreSQL
    transaction or none of it, and only states PostgreSQL committed, but one ``on_commit``
    call may then list the changes of several. ``max_group=1`` applies each PostgreSQL
    transaction as its own PyRAM transaction.

    Raises:
        MirrorError: PostgreSQL is not set up for logical replication.
        ProgrammingError, NotSupportedError: a table, column or type the mirror cannot map.
        psycopg.OperationalError: PostgreSQL is unreachable at start.
    """
    started = Mirror(
        db,
        dsn,
        tables,
        slot=check_name("slot", slot),
        publication=check_name("publication", publication or slot),
        keep_slot=db.path is not None if keep_slot is None else keep_slot,
        max_retained_wal=max_retained_wal,
        max_backoff=max_backoff,
        max_group=max_group,
    )
    started.start()
    return started


def mirror_stats(db: Database) -> dict[str, dict[str, Any]]:
    """``stats()`` of every mirror into ``db``, by slot name (the ``db.stats()`` entry)."""
    return {m.slot: m.stats() for m in _MIRRORS.get(db, [])}


class _Received:
    """What the stream delivered and the mirror has not applied yet."""

    __slots__ = ("begin", "commit_time", "group", "rows")

    def __init__(self) -> None:
        self.begin: Begin | None = None  # the transaction being received
        self.rows: list[Row] = []  # ... its changes so far
        # whole transactions (commit LSN, end LSN, rows): while more of the stream is already
        # buffered (the mirror is behind) they wait, up to max_group, then go in as one PyRAM
        # transaction; the moment the stream has nothing more, they go at once
        self.group: list[tuple[int, int, list[Row]]] = []
        self.commit_time = 0.0  # of the last transaction in the group


class Mirror:
    """A running mirror (made by :func:`mirror`)."""

    def __init__(
        self,
        db: Database,
        dsn: str,
        tables: Tables,
        *,
        slot: str,
        publication: str,
        keep_slot: bool,
        max_retained_wal: int,
        max_backoff: float,
        max_group: int = 1000,
    ) -> None:
        self.db = db
        self.dsn = dsn
        self.slot = slot
        self.publication = publication
        self.keep_slot = keep_slot
        self.max_retained_wal = max_retained_wal
        self.max_backoff = max_backoff
        if max_group < 1:
            raise ProgrammingError(f"mirror: max_group must be >= 1, not {max_group}")
        self.max_group = max_group
        self._sources = tables
        self._guard = ReadOnlyGuard()
        self._unguard: list[Callable[[], None]] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._thread: threading.Thread | None = None
        self._status = "starting"
        self._error: MirrorError | None = None
        self.tables: list[MirroredTable] = []
        self._applier: Applier | None = None
        self._server_lsn = 0
        self._idle_lsn = 0  # a keepalive's position when no transaction was open
        self._pending_since: float | None = None
        self._waiters = 0
        self._counters = {"transactions": 0, "rows": 0, "skipped": 0, "reconnects": 0}
        self._resumed = False
        self._last_delay = 0.0
        self._retained = 0
        self._sql: psycopg.Connection[Any] | None = None

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        """Set up (tables, publication, slot, snapshot) and start the streaming thread."""
        conn = connect(self.dsn)
        try:
            self.tables = prepare_tables(self.db, conn, self._sources)
            applier = Applier(self.db, self.tables, self.slot, self._guard)
            applier.bind(conn)
            replication, lsn, resumed = start_position(
                conn, applier, self.tables, self.dsn, self.slot, self.publication
            )
        except BaseException:
            conn.close()
            raise
        self._applier = applier
        self._sql = conn
        self._resumed = resumed
        for table in self.tables:
            self._unguard.append(self.db.before_change(table.target, self._guard.check))
        self._unguard.append(self.db.add_stats_provider(self._table_stats))
        _MIRRORS.setdefault(self.db, []).append(self)
        self._idle_lsn = lsn
        self._status = "streaming"
        self._thread = threading.Thread(
            target=self._run, args=(replication,), name=f"pyram-mirror-{self.slot}", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ public state
    @property
    def status(self) -> str:
        """``streaming``, ``paused``, ``reconnecting``, ``failed`` or ``stopped``."""
        return self._status

    @property
    def error(self) -> MirrorError | None:
        """Why the mirror stopped, when it failed."""
        return self._error

    @property
    def position(self) -> str:
        """The applied position as PostgreSQL prints LSNs: every change committed before it
        is visible in PyRAM."""
        return format_lsn(self._position())

    def _position(self) -> int:
        assert self._applier is not None
        return max(self._applier.end_lsn, self._idle_lsn)

    def lag(self) -> Lag:
        """How far behind PostgreSQL the mirror is (see :class:`Lag`)."""
        with self._cond:
            behind = max(0, self._server_lsn - self._position())
            since = self._pending_since
        return Lag(behind, 0.0 if since is None else max(0.0, time.time() - since))

    def wait_for(self, lsn: str | int, timeout: float | None = None) -> bool:
        """Wait until every change committed in PostgreSQL up to ``lsn`` is visible here.

        ``lsn`` as PostgreSQL prints it (``SELECT pg_current_wal_lsn()::text`` after the
        service's own write gives read-your-writes). Returns False on timeout.

        Raises:
            MirrorError: the mirror failed or was stopped meanwhile.
            ProgrammingError: ``lsn`` is not an LSN.
        """
        target = parse_lsn(lsn) if isinstance(lsn, str) else lsn
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._waiters += 1
            try:
                while self._position() < target:
                    if self._error is not None:
                        raise self._error
                    if self._status == "stopped":
                        raise MirrorError("mirror: stopped before reaching " + format_lsn(target))
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._cond.wait(0.05 if left is None else min(left, 0.05))
                return True
            finally:
                self._waiters -= 1

    def pause(self) -> None:
        """Stop applying changes (PostgreSQL keeps them in the slot) until :meth:`resume`."""
        self._running.clear()
        if self._status == "streaming":
            self._status = "paused"

    def resume(self) -> None:
        """Apply changes again after :meth:`pause`."""
        self._running.set()
        if self._status == "paused":
            self._status = "streaming"

    def stop(self, drop_slot: bool | None = None) -> None:
        """Stop streaming; drop the slot (and the publication) when ``drop_slot``, by
        default when the mirror was made with ``keep_slot=False``. The mirrored tables
        become ordinary writable tables."""
        self._stopping.set()
        self._running.set()
        if self._thread is not None:
            self._thread.join()
        for unguard in self._unguard:
            unguard()
        self._unguard.clear()
        if self._status != "failed":
            self._status = "stopped"
        with self._cond:
            self._cond.notify_all()
        mirrors = _MIRRORS.get(self.db, [])
        if self in mirrors:
            mirrors.remove(self)
        if not (self.keep_slot if drop_slot is None else not drop_slot):
            self._drop_slot()
        if self._sql is not None:
            self._sql.close()
            self._sql = None

    def __enter__(self) -> Mirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stats(self) -> dict[str, Any]:
        """Counters and gauges for ``db.stats()``: status, position, lag, transactions and
        rows applied, replays skipped, reconnects, last commit-to-visible delay, WAL retained,
        and whether the mirror resumed a durable database's position (no snapshot)."""
        lag = self.lag()
        return {
            "status": self._status,
            "position": self.position,
            "lag_bytes": lag.bytes,
            "lag_seconds": lag.seconds,
            "last_delay_seconds": self._last_delay,
            "retained_wal_bytes": self._retained,
            "tables": [t.target for t in self.tables],
            "resumed": self._resumed,
            **self._counters,
        }

    def _table_stats(self) -> dict[str, dict[str, Any]]:
        """Each mirrored table's lag, for ``db.stats()`` (registered while running)."""
        lag = self.lag()
        fields = {"lag_bytes": lag.bytes, "lag_seconds": lag.seconds}
        return {t.target: fields for t in self.tables}

    # ------------------------------------------------------------------ the thread
    def _run(self, replication: ReplicationConnection | None) -> None:
        backoff = 0.05
        lsn = self._position()
        while not self._stopping.is_set():
            try:
                if replication is None:
                    replication = ReplicationConnection(self.dsn)
                replication.start(self.slot, self.publication, lsn)
                self._status = "streaming" if self._running.is_set() else "paused"
                backoff = 0.05
                self._follow(replication)
            except (Disconnected, psycopg.OperationalError) as exc:
                if self._stopping.is_set():
                    break
                self._status = "reconnecting"
                self._counters["reconnects"] += 1
                log.warning("%s; retrying in %.2f s", exc, backoff)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
            except Exception as exc:  # a change the mirror cannot follow: stop, say why
                self._fail(exc)
                break
            finally:
                if replication is not None:
                    replication.close()
                    replication = None
            lsn = self._position()

    def _fail(self, exc: Exception) -> None:
        error = exc if isinstance(exc, MirrorError) else MirrorError(f"mirror stopped: {exc}")
        if error is not exc:
            error.__cause__ = exc
        log.error("%s", error)
        with self._cond:
            self._error = error
            self._status = "failed"
            self._cond.notify_all()

    def _follow(self, replication: ReplicationConnection) -> None:
        assert self._applier is not None
        self._applier.bind(self._sql_conn())
        received = _Received()
        last_feedback = last_check = time.monotonic()
        while not self._stopping.is_set():
            now = time.monotonic()
            if now - last_check > WAL_CHECK_INTERVAL:
                self._check_retained_wal()
                last_check = now
            if not self._running.is_set():
                self._commit(received)
                self._paused(replication)
                continue
            idle = received.begin is None and not received.group
            asking = self._waiters and idle and now - last_feedback > _WAITER_WAIT
            if asking or now - last_feedback > FEEDBACK_INTERVAL:
                # a waiter needs the server's position: ask for a keepalive (at most every
                # _WAITER_WAIT seconds; each request costs the server a reply)
                replication.send(status_update(self._position(), reply=bool(asking)))
                last_feedback = now
            wait = 0.0 if received.group else _WAITER_WAIT if self._waiters else _IDLE_WAIT
            data = replication.read(wait)
            if data is None:  # the stream has nothing more for now: apply what came
                self._commit(received)
                continue
            while data is not None:  # every message libpq already holds, then look around
                self._receive(data, received, replication)
                data = replication.buffered()
        self._commit(received)

    def _receive(
        self, data: bytes, received: _Received, replication: ReplicationConnection
    ) -> None:
        """Take one message of the stream: buffer a transaction's rows until its Commit,
        which adds it to the group (applied when the group is full or the stream pauses)."""
        frame = parse_frame(data)
        if isinstance(frame, Keepalive):
            self._keepalive(frame, received.begin is None and not received.group)
            if frame.reply:
                replication.send(status_update(self._position()))
            return
        if frame.end > self._server_lsn:
            self._server_lsn = frame.end
        message = parse_message(frame.payload)
        if isinstance(message, (Insert, Update, Delete, Truncate)):
            received.rows.append(message)
        elif isinstance(message, Begin):
            received.begin, received.rows = message, []
            if self._pending_since is None:
                self._pending_since = message.commit_time
        elif isinstance(message, Commit):
            received.group.append((message.commit_lsn, message.end_lsn, received.rows))
            received.commit_time = message.commit_time
            received.begin, received.rows = None, []
            if len(received.group) >= self.max_group:
                self._commit(received)
        elif isinstance(message, Relation):
            self._commit(received)  # the transactions before it had the old shape
            assert self._applier is not None
            self._applier.relation(message)

    def _paused(self, replication: ReplicationConnection) -> None:
        # keep the connection alive (the server times out a silent client) without reading
        replication.send(status_update(self._position()))
        self._running.wait(min(FEEDBACK_INTERVAL, 1.0))

    def _keepalive(self, frame: Keepalive, idle: bool) -> None:
        # this thread alone writes the positions (an int assignment is atomic): the lock and
        # the waiters' wake-up only when the applied position moves
        if frame.end > self._server_lsn:
            self._server_lsn = frame.end
        if idle and frame.end > self._idle_lsn:
            with self._cond:  # everything the server sent before this point has been applied
                self._idle_lsn = frame.end
                self._pending_since = None
                self._cond.notify_all()

    def _commit(self, received: _Received) -> None:
        """Apply the group of received transactions as one PyRAM transaction."""
        group = received.group
        if not group:
            return
        received.group = []
        assert self._applier is not None
        applied = self._applier.apply_group(group)
        begin = received.begin  # the transaction being received meanwhile, if any
        with self._cond:
            self._counters["transactions"] += applied
            self._counters["skipped"] += len(group) - applied
            if applied:
                self._counters["rows"] += sum(len(t[2]) for t in group[len(group) - applied :])
                self._last_delay = max(0.0, time.time() - received.commit_time)
            self._pending_since = None if begin is None else begin.commit_time
            self._cond.notify_all()

    # ------------------------------------------------------------------ SQL side
    def _sql_conn(self) -> psycopg.Connection[Any]:
        if self._sql is None or self._sql.closed or self._sql.broken:
            if self._sql is not None:
                self._sql.close()
            self._sql = connect(self.dsn)
        return self._sql

    def _check_retained_wal(self) -> None:
        try:
            row = self._sql_conn().execute(
                "SELECT pg_current_wal_lsn() - restart_lsn FROM pg_replication_slots"
                " WHERE slot_name = %s",
                (self.slot,),
            ).fetchone()
        except psycopg.Error:
            return  # the stream's own reconnect logic reports an outage
        retained = int(row[0]) if row and row[0] is not None else 0
        if retained > self.max_retained_wal >= self._retained:
            message = (
                f"mirror: slot {self.slot} retains {retained} bytes of WAL "
                f"(> max_retained_wal = {self.max_retained_wal}); PostgreSQL keeps it until "
                "the mirror catches up or the slot is dropped"
            )
            log.warning("%s", message)
            # a warnings filter of "error" must not kill the mirror's thread
            with contextlib.suppress(MirrorWarning):
                warnings.warn(message, MirrorWarning, stacklevel=1)
        self._retained = retained

    def _drop_slot(self) -> None:
        with connect(self.dsn) as conn:  # a fresh one: the server may have restarted
            for _ in range(100):  # the walsender may take a moment to let go of the slot
                try:
                    conn.execute(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        " WHERE slot_name = %s",
                        (self.slot,),
                    )
                    break
                except psycopg.errors.ObjectInUse:
                    time.sleep(0.05)
            conn.execute(
                sql.SQL("DROP PUBLICATION IF EXISTS {}").format(sql.Identifier(self.publication))
            )
