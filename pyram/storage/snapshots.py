"""Commit timestamps, open snapshots and the versions kept for them.

:class:`Snapshots` hands out read views (:class:`~pyram.storage.mvcc.ReadView`) at the newest
commit timestamp, counts the views still open per timestamp, stamps commits and garbage-collects
the row versions of committed transactions once no open view is older than their commit. A
commit's versions are needed only by views taken before it, so when none is open they are
dropped at once and a quiet database keeps no versions at all. Tables with a history
retention keep theirs longer (:mod:`pyram.storage.history`), and views of a past commit
(:meth:`Snapshots.open_past`) read them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pyram.errors import HistoryError
from pyram.storage.history import History, Retention, parse_point
from pyram.storage.mvcc import ReadView, Stamp

if TYPE_CHECKING:
    from pyram.storage.table_data import TableData
    from pyram.storage.undo import UndoEntry, UndoLog

__all__ = ["Snapshots"]


class Snapshots:
    """The snapshot registry of one store (thread-safe; its lock is held only briefly)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: timestamp of the newest commit; a new view sees everything up to it
        self.last_commit = 0
        self._open: dict[int, int] = {}  # snapshot ts -> number of open views at it
        #: number of open views (read without the lock: writers ask whether to publish)
        self.views = 0
        self._retained: deque[tuple[int, list[UndoEntry]]] = deque()
        #: called after a view opens (the store makes an unpublished writer publish)
        self.on_open: Callable[[], None] | None = None
        #: kept history (None until a retention is configured: then every commit publishes)
        self.history: History | None = None

    def open_view(self, own: Stamp | None = None, *, track_reads: bool = False) -> ReadView:
        """A view of the newest committed state (plus ``own``'s changes); release it with
        :meth:`close_view`."""
        with self._lock:
            ts = self.last_commit
            self._open[ts] = self._open.get(ts, 0) + 1
            self.views += 1
        hook = self.on_open
        if hook is not None:
            hook()
        return ReadView(ts, own, track_reads=track_reads)

    def close_view(self, view: ReadView) -> None:
        """The view is no longer read: versions only it needed can go."""
        with self._lock:
            count = self._open[view.ts] - 1
            if count:
                self._open[view.ts] = count
            else:
                del self._open[view.ts]
            self.views -= 1
            collect = self._collectable()
            if self.history is not None:  # the view may have held back pruning
                collect += self.history.prune(self._oldest())
        _remove(collect)

    def move_view(self, view: ReadView) -> None:
        """Advance ``view`` to the newest commit (a read-committed statement starts)."""
        with self._lock:
            ts = self.last_commit
            if ts == view.ts:
                return
            count = self._open[view.ts] - 1
            if count:
                self._open[view.ts] = count
            else:
                del self._open[view.ts]
            self._open[ts] = self._open.get(ts, 0) + 1
            view.ts = ts
            collect = self._collectable()
        _remove(collect)

    @property
    def open_count(self) -> int:
        """Number of open views."""
        with self._lock:
            return sum(self._open.values())

    def commit(self, log: UndoLog) -> int:
        """Stamp a log's commit (the caller holds the write lock, so commits are serial) and
        keep its versions for the views older than it; returns the commit timestamp.

        Under the registry's lock, so no view opens meanwhile: a view open now is older than
        the commit and must read around it (published here if it was not yet), a view opened
        later sees it whole."""
        with self._lock:
            history = self.history
            if not (self.views or history is not None or log.publishing):
                # the commonest commit: no reader about, none came while it wrote (so it
                # published nothing) and no history: only the stamp. No reader can be
                # publishing the log now (one counts itself in views before it does)
                log.sealed = True
                ts = log.stamp.commit_ts = self.last_commit + 1
                self.last_commit = ts
                if not self._retained:
                    return ts
                collect = self._collectable()
                pruned: list[UndoEntry] = []
            else:
                ts, pruned, collect = self._commit_versions(log)
        if pruned:
            _remove(pruned)
        if collect:
            _remove(collect)
        return ts

    def _commit_versions(self, log: UndoLog) -> tuple[int, list[UndoEntry], list[UndoEntry]]:
        """:meth:`commit` of a log a reader may see (the caller holds the lock): publish,
        stamp, keep the versions the open views and the history need; returns the commit
        timestamp, the versions history pruned and those no view needs any more."""
        history = self.history
        if (self.views or history is not None) and not log.published:
            log.publish()
        records = log.seal()
        ts = self.last_commit + 1
        log.stamp.commit_ts = ts  # first: a view taken from now on sees the commit whole
        self.last_commit = ts
        pruned: list[UndoEntry] = []
        if history is not None:
            records, pruned = history.keep(ts, records, self._oldest())
        if records:
            self._retained.append((ts, records))
        collect = self._collectable() if self._retained else []
        return ts, pruned, collect

    def _oldest(self) -> int:
        """The oldest snapshot an open view reads (caller holds the lock)."""
        return min(self._open) if self._open else self.last_commit

    def _collectable(self) -> list[UndoEntry]:
        """Records no open view needs any more (caller holds the lock)."""
        oldest = self._oldest()
        out: list[UndoEntry] = []
        retained = self._retained
        while retained and retained[0][0] <= oldest:
            out.extend(retained.popleft()[1])
        return out

    # ------------------------------------------------------------------ history
    def configure_history(
        self,
        table: str | None,
        retention: Retention | None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Keep history for table ``table`` (lowercase name; None: every table without a
        setting of its own) under ``retention`` (None: keep none), from the newest commit on."""
        with self._lock:
            history = self.history
            if history is None:
                if retention is None:
                    return
                history = self.history = History(clock)
            dropped = history.configure(table, retention, self.last_commit)
            if dropped:
                self._retained.append((self.last_commit, dropped))
            collect = self._collectable() + history.prune(self._oldest())
        _remove(collect)

    def open_past(self, point: object) -> ReadView:
        """A view of the database as of ``point`` (a commit stamp, a datetime or a time
        text; see :data:`pyram.storage.history.PastPoint`), held like any view so nothing it
        reads around is pruned meanwhile: release it with :meth:`close_view`. Each table it
        reads is checked to keep history back to that point (HistoryError)."""
        parsed = parse_point(point)
        with self._lock:
            history = self.history
            if history is None:
                raise HistoryError(
                    "no table keeps history: give one a retention with "
                    "@pyram.table(history=...), db.set_history() or Database(history=...)"
                )
            collect = history.prune(self._oldest())
            ts = history.resolve(parsed, self.last_commit)
            self._open[ts] = self._open.get(ts, 0) + 1
            self.views += 1
        _remove(collect)
        hook = self.on_open
        if hook is not None:
            hook()
        return ReadView(ts, past=self.check_past)

    def open_history(self, data: TableData) -> tuple[ReadView, list[tuple[int, list[UndoEntry]]]]:
        """A view of ``data``'s oldest kept point (held, so nothing is pruned while it is
        open; close it with :meth:`close_view`) and its kept commits as (stamp, records)."""
        with self._lock:
            history = self.history
            key = data.schema.name.lower()
            if history is None or history.retention_of(key) is None:
                raise HistoryError(f"table {data.schema.name} keeps no history")
            horizon, commits = history.points(data)
            horizon = min(horizon, self.last_commit)
            self._open[horizon] = self._open.get(horizon, 0) + 1
            self.views += 1
        hook = self.on_open
        if hook is not None:
            hook()
        return ReadView(horizon, past=self.check_past), commits

    def time_of(self, ts: int) -> float | None:
        """Wall-clock seconds of commit ``ts`` when the history still knows it."""
        with self._lock:
            return None if self.history is None else self.history.time_of(ts)

    def check_past(self, data: TableData, ts: int) -> None:
        """Raise HistoryError unless table ``data`` can be read as of commit ``ts``."""
        with self._lock:
            history = self.history
            if history is None:  # pragma: no cover - open_past needs a history
                raise HistoryError("no table keeps history")
            history.check(data, ts, self.last_commit)

    def when_quiet(self, fn: Callable[[], object]) -> bool:
        """Run ``fn`` (a compaction, which renumbers rows) only when no view is open and no
        versions are kept; no view can open meanwhile. True when it ran."""
        with self._lock:
            if self._open or self._retained:
                return False
            fn()
            return True


def _remove(records: Iterable[UndoEntry]) -> None:
    for record in records:
        record.remove()
