"""History retention: committed row versions kept for reading the past (time travel).

The version store (:mod:`pyram.storage.mvcc`) already holds what a reader of an old snapshot
needs: the before-images of every change committed after it, in per-row chains, and the row
ranges appended since. Normally a commit's versions live only while some open snapshot is
older than the commit (:class:`~pyram.storage.snapshots.Snapshots`). A table with a
:class:`Retention` keeps its commits' versions longer: while they are younger than the
retention's ``time`` and among its newest ``commits``, whichever limit is tighter. Any
:class:`~pyram.storage.mvcc.ReadView` whose ``ts`` is a kept commit stamp then reads the table
exactly as it was; nothing else in the read path changes.

:class:`History` is the bookkeeping, owned by the store's ``Snapshots`` and called under its
lock: per table, the kept commits (stamp, wall-clock time, the undo entries holding the
versions) and the *horizon*, the oldest stamp the table can still be read at; and the
commit times, to turn a wall-clock time into the stamp of the newest commit at or before it.
Pruning is incremental: every commit drops the commits that fell out of retention (each is
dropped once), never a commit an open view still reads around.

Costs: with no retention configured there is no ``History`` object at all. With one, every
commit publishes its versions (as if a reader were about) and records its time; tables
without retention drop their versions at once as before.

What is kept is in memory only: a durable database's history starts when it is opened, and
commit stamps count from its opening.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pyram.catalog import Retention, as_retention
from pyram.errors import HistoryError, ProgrammingError
from pyram.storage.undo import UndoEntry, record_touches, rows_table

if TYPE_CHECKING:
    from pyram.storage.table_data import TableData

__all__ = ["History", "PastPoint", "Retention", "as_retention", "parse_point", "touches"]

#: What ``as_of`` takes: a commit stamp (int), a datetime (naive means UTC, as SQLite's
#: datetime strings), or an ISO-8601 text such as ``'2026-12-06 10:00:00'`` (UTC unless it
#: carries an offset).
PastPoint = int | datetime | str


def parse_point(point: object) -> int | float:
    """An ``as_of`` argument as a commit stamp (int) or wall-clock seconds (float)."""
    if isinstance(point, bool):
        raise ProgrammingError(f"as_of takes a commit stamp, a datetime or a time text: {point!r}")
    if isinstance(point, int):
        if point < 0:
            raise HistoryError(f"commit stamp {point} is negative")
        return point
    if isinstance(point, str):
        try:
            point = datetime.fromisoformat(point.strip())
        except ValueError:
            raise ProgrammingError(
                f"cannot read {point!r} as a time: write it as 'YYYY-MM-DD HH:MM:SS'"
            ) from None
    if isinstance(point, datetime):
        if point.tzinfo is None:
            point = point.replace(tzinfo=UTC)
        return point.timestamp()
    raise ProgrammingError(
        f"as_of takes a commit stamp, a datetime or a time text, got {type(point).__name__}"
    )


class _Kept:
    """One table's history: the table object it belongs to, its horizon (the oldest commit
    stamp it can be read at) and its kept commits (oldest first)."""

    __slots__ = ("commits", "data", "horizon")

    def __init__(self, data: TableData, horizon: int) -> None:
        self.data = data
        self.horizon = horizon
        self.commits: deque[tuple[int, float, list[UndoEntry]]] = deque()


class History:
    """The history of one store (see the module doc); every method runs under the lock of
    the store's :class:`~pyram.storage.snapshots.Snapshots`."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self.clock: Callable[[], float] = clock or time.time
        #: retention of tables not configured one by one (``Database(history=...)``)
        self.default: Retention | None = None
        self._settings: dict[str, Retention | None] = {}  # table key -> its own setting
        self._kept: dict[str, _Kept] = {}
        # commit stamps and their wall-clock times, ascending, from self._first on
        self._stamps: list[int] = []
        self._walls: list[float] = []
        self._first = 0
        self._pruned = False  # True once times were dropped
        self._ticks = 0

    # ------------------------------------------------------------------ settings
    def configure(
        self, key: str | None, retention: Retention | None, last_commit: int
    ) -> list[UndoEntry]:
        """Set the retention of table ``key`` (lowercase name), or the default (``key``
        None). History starts now: the newest commit is the first readable point. Returns
        the records of tables whose history was switched off (for the caller to collect once
        no open view reads around them)."""
        if not self._stamps:
            self._stamps.append(last_commit)
            self._walls.append(self.clock())
        if key is None:
            self.default = retention
        else:
            self._settings[key] = retention
        dropped: list[UndoEntry] = []
        for name in [k for k in self._kept if self.retention_of(k) is None]:
            dropped.extend(r for c in self._kept.pop(name).commits for r in c[2])
        return dropped

    def retention_of(self, key: str) -> Retention | None:
        """The retention that applies to table ``key``."""
        return self._settings.get(key, self.default)

    # ------------------------------------------------------------------ commits
    def keep(
        self, ts: int, records: list[UndoEntry], oldest_view: int
    ) -> tuple[list[UndoEntry], list[UndoEntry]]:
        """Take commit ``ts``'s version-holding ``records``: keep the row changes of tables
        with a retention. Returns (records not kept, records pruned now), both for the caller
        to collect as usual."""
        now = self.clock()
        self._stamps.append(ts)
        self._walls.append(now)
        rest: list[UndoEntry] = []
        mine: dict[str, list[UndoEntry]] = {}
        for record in records:
            data = rows_table(record)
            retention = None if data is None else self.retention_of(data.schema.name.lower())
            if data is None or retention is None:
                rest.append(record)
                continue
            key = data.schema.name.lower()
            kept = self._kept.get(key)
            if kept is None or kept.data is not data:
                # first kept commit: the table is as it was since its previous write; a table
                # rebuilt (ALTER) or recreated under the same name starts its history here
                horizon = data.commit_ts if kept is None else ts
                if kept is not None:
                    rest.extend(r for c in kept.commits for r in c[2])
                kept = self._kept[key] = _Kept(data, horizon)
            mine.setdefault(key, []).append(record)
        for key, kept_records in mine.items():
            self._kept[key].commits.append((ts, now, kept_records))
        return rest, self.prune(oldest_view)

    def prune(self, oldest_view: int) -> list[UndoEntry]:
        """Drop the commits out of retention that no open view (the oldest at
        ``oldest_view``) reads around; returns their records (to remove outside the lock).
        Each commit is dropped once, so the work is proportional to what is dropped."""
        now = self.clock()
        out: list[UndoEntry] = []
        for key, kept in self._kept.items():
            retention = self.retention_of(key)
            assert retention is not None  # configure() drops the tables it switches off
            seconds = retention.seconds
            limit = retention.commits
            commits = kept.commits
            while commits and commits[0][0] <= oldest_view:
                ts, wall, _records = commits[0]
                too_many = limit is not None and len(commits) > limit
                too_old = seconds is not None and now - wall > seconds
                if not (too_many or too_old):
                    break
                out.extend(commits.popleft()[2])
                kept.horizon = ts
        self._ticks += 1
        if out or not self._ticks & 63:  # the times list is trimmed now and then, not per commit
            self._drop_old_times(now)
        return out

    def _drop_old_times(self, now: float) -> None:
        """Forget the commit times no table can be read at any more, keeping the one at the
        boundary (it dates the oldest readable point). A table nobody wrote since history
        began can be read at any point, so times go only when they are older than every kept
        table's horizon and outside the loosest retention window (which bounds the list)."""
        stamps = self._stamps
        bound = self._window_start(now)
        horizon = min((k.horizon for k in self._kept.values()), default=bound)
        horizon = min(horizon, bound)
        first = self._first
        while first + 1 < len(stamps) and stamps[first + 1] <= horizon:
            first += 1
        if first != self._first:
            self._pruned = True
        if first > 1024 and first * 2 > len(stamps):
            del self._stamps[:first], self._walls[:first]
            first = 0
        self._first = first

    def _window_start(self, now: float) -> int:
        """The oldest stamp the loosest configured retention keeps, over all commits."""
        stamps, walls = self._stamps, self._walls
        oldest = stamps[-1]
        for retention in [self.default, *self._settings.values()]:
            if retention is None:
                continue
            start = stamps[self._first]
            if retention.commits is not None:
                start = max(start, stamps[max(len(stamps) - 1 - retention.commits, self._first)])
            if retention.seconds is not None:
                i = bisect_right(walls, now - retention.seconds, self._first) - 1
                start = max(start, stamps[max(i, self._first)])
            oldest = min(oldest, start)
        return oldest

    # ------------------------------------------------------------------ reading
    def resolve(self, point: int | float, last_commit: int) -> int:
        """The commit stamp to read at: ``point`` itself (an int), or the newest commit at or
        before ``point`` (wall-clock seconds)."""
        if isinstance(point, int):
            if point > last_commit:
                raise HistoryError(
                    f"commit stamp {point} is in the future: the newest commit is {last_commit}"
                )
            return point
        stamps = self._stamps
        # times are written to the microsecond: a commit within half of one counts as at it
        i = bisect_right(self._walls, point + 5e-7, self._first) - 1
        if i < self._first:
            start = _format(self._walls[self._first])
            why = "was pruned" if self._pruned else "had not begun"
            raise HistoryError(
                f"no history reaches back to {_format(point)}: history then {why}; the "
                f"oldest kept point is {start}"
            )
        return stamps[i]

    def check(self, data: TableData, ts: int, last_commit: int) -> None:
        """Raise HistoryError unless ``data`` can be read as of commit ``ts``."""
        if ts >= last_commit:
            return  # the present
        name = data.schema.name
        kept = self._kept_for(data)
        if kept is not None:
            if ts < kept.horizon:
                raise HistoryError(
                    f"the history of table {name} was pruned: the oldest readable commit is "
                    f"{kept.horizon} ({_format(self.time_of(kept.horizon))}), asked for {ts}"
                )
            return
        if self.retention_of(name.lower()) is None:
            raise HistoryError(
                f"table {name} keeps no history: it can be read only as it is now "
                "(give it one with @pyram.table(history=...) or db.set_history())"
            )
        other = self._kept.get(name.lower())
        if other is not None and data.commit_ts <= (other.commits[-1][0] if other.commits else 0):
            # the kept history is another table object's: dropped and created again
            raise HistoryError(
                f"table {name} was dropped and created again after commit {ts}: its history "
                "starts at its next write"
            )
        if ts < data.commit_ts:  # written before history began, or rebuilt since
            raise HistoryError(
                f"the history of table {name} starts at commit {data.commit_ts}, "
                f"after commit {ts} (its history began, or it was altered, then)"
            )

    def _kept_for(self, data: TableData) -> _Kept | None:
        kept = self._kept.get(data.schema.name.lower())
        return kept if kept is not None and kept.data is data else None

    def time_of(self, ts: int) -> float | None:
        """Wall-clock seconds of commit ``ts``, when still known."""
        i = bisect_right(self._stamps, ts, self._first) - 1
        if i >= self._first and self._stamps[i] == ts:
            return self._walls[i]
        return None

    def points(self, data: TableData) -> tuple[int, list[tuple[int, list[UndoEntry]]]]:
        """(horizon, kept commits as (stamp, records)) of ``data``'s history."""
        kept = self._kept_for(data)
        if kept is None:
            return data.commit_ts, []
        return kept.horizon, [(ts, records) for ts, _wall, records in kept.commits]

    def kept_commits(self, key: str) -> int:
        """Number of commits whose versions table ``key`` keeps (memory is bounded by it)."""
        kept = self._kept.get(key)
        return 0 if kept is None else len(kept.commits)


def _format(seconds: float | None) -> str:
    if seconds is None:
        return "unknown time"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def touches(records: Sequence[UndoEntry], rids: set[int]) -> bool:
    """True when undo ``records`` changed or appended one of ``rids``."""
    return any(record_touches(record, rids) for record in records)
