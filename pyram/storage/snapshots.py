"""Commit timestamps, open snapshots and the versions kept for them.

:class:`Snapshots` hands out read views (:class:`~pyram.storage.mvcc.ReadView`) at the newest
commit timestamp, counts the views still open per timestamp, stamps commits and garbage-collects
the row versions of committed transactions once no open view is older than their commit. A
commit's versions are needed only by views taken before it, so when none is open they are
dropped at once and a quiet database keeps no versions at all.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pyram.storage.mvcc import ReadView, Stamp

if TYPE_CHECKING:
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
            if self.views and not log.published:
                log.publish()
            records = log.seal()
            ts = self.last_commit + 1
            log.stamp.commit_ts = ts  # first: a view taken from now on sees the commit whole
            self.last_commit = ts
            if records:
                self._retained.append((ts, records))
            collect = self._collectable()
        _remove(collect)
        return ts

    def _collectable(self) -> list[UndoEntry]:
        """Records no open view needs any more (caller holds the lock)."""
        oldest = min(self._open) if self._open else self.last_commit
        out: list[UndoEntry] = []
        retained = self._retained
        while retained and retained[0][0] <= oldest:
            out.extend(retained.popleft()[1])
        return out

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
