"""One cache table's expiry deadlines, in expiry order, without a heap entry per row.

Deadlines live in one dict (key -> seconds) kept in expiry order: a key whose deadline is set
or changed is always (re)stored at the END (``del`` then store, never an update in place,
which would leave it among keys it no longer follows). With a table-level ``ttl`` a deadline
is ``now + ttl``, so with a clock that does not step back each one is at least the largest so
far (``latest``) and the dict's insertion order IS the expiry order: storing a deadline is a
dict store and a comparison, with no ``(deadline, key)`` tuple per row (a cached row measured
64 bytes smaller than with a heap entry per key) and no ``heappush``.

A deadline below ``latest`` (a clock that stepped back, a rollback restoring an old deadline,
a requeue with a retry time, a per-row ``expires`` column, a read's later deadline placed
behind later ones) is also pushed onto a side heap. The invariant: *a key that is due while
some key before it in the dict is not is in the heap with the deadline that placed it.* So
:meth:`ExpiryQueue.due` takes keys from the dict's front while they are due (stopping at the
first that is not: any key behind it due sooner is in the heap) and pops the heap while its
top is due. Heap entries may go stale (the key gone, or placed again) and are checked against
the dict. When stale entries make the heap more than twice the deadlines it is rebuilt from
the dict (``O(n)`` once per ``n`` pushes; only keys out of order go back in), so steady
out-of-order writes do not grow it without bound.

"Is anything due?" is asked by every read and write (:meth:`CacheManager.before_access
<pyram.cache.manager.CacheManager.before_access>`), so it must not look at the dict: on a
dict whose front keys were deleted, ``next(iter(d))`` steps over the deleted slots. The queue
keeps ``soonest``, a lower bound of its next deadline (the front's and the heap top's when
:meth:`~ExpiryQueue.due` last looked, lowered by every deadline stored since; removing keys
only raises the true minimum, so it stays a bound), and the test is ``soonest <= now``. The
front scan of :meth:`~ExpiryQueue.due` does step over deleted slots, so once the removals
since the dict was last copied (``holes``) pass a few times the square root of its size, it
is copied (which drops them) before the scan.

Reads restart a row's clock under ``expire_after="access"``, without the store's write lock
(every other change comes from a write, one at a time, and :meth:`~ExpiryQueue.due` runs in
the expiry's own statement). A read must not reorder the dict while ``due`` walks it, so it
only records the later deadline in ``moved`` (one atomic dict store): a row's deadline is its
``moved`` entry if it has one, else its ``deadlines`` value, which stays the deadline that
placed it. A read only ever moves a deadline later (with a clock that stepped back, the later
one stands), so the order of the placing deadlines still bounds when rows fall due; ``due``
moves a row whose placing deadline passed but whose read one has not to the end, then.
"""

from __future__ import annotations

import heapq
import math
from itertools import repeat
from typing import Any

__all__ = ["ExpiryQueue"]

#: side-heap entries allowed beyond twice the deadlines before the heap is rebuilt
_HEAP_SLACK = 64
#: removals from the deadlines dict tolerated (beyond ``_HOLES_PER_ROOT`` times the square
#: root of its size) before :meth:`ExpiryQueue.due` copies it to drop the deleted slots its
#: front scan steps over: skipping a slot costs ~0.5 ns and copying ~25 ns a key (CPython
#: 3.11), so a copy every ~9 sqrt(n) removals balances the two
_HOLES_SLACK = 1024
_HOLES_PER_ROOT = 8


class ExpiryQueue:
    """The deadlines of one table's rows, found in expiry order (see the module docstring).

    Slotted: :attr:`soonest` is read by every cache read and write.

    Attributes:
        deadlines: key -> the deadline (seconds) that placed the key, in expiry order but for
            keys in ``heap``; a key's deadline is its ``moved`` entry if any, else this.
        moved: key -> a later deadline a read gave it (``expire_after="access"``), not yet
            moved to its place.
        heap: ``(deadline, key)`` entries of keys out of order, some stale (checked against
            ``deadlines``).
        latest: no deadline stored in order since is larger (the largest stored in order).
        soonest: a lower bound of the earliest deadline (``inf`` when there is none).
        holes: keys removed from ``deadlines`` since it was last copied.
    """

    __slots__ = ("deadlines", "heap", "holes", "latest", "moved", "soonest")

    def __init__(self) -> None:
        self.deadlines: dict[Any, float] = {}
        self.moved: dict[Any, float] = {}
        self.heap: list[tuple[float, Any]] = []
        self.latest = -math.inf
        self.soonest = math.inf
        self.holes = 0

    def clear(self) -> None:
        """Forget every deadline."""
        self.deadlines.clear()
        self.moved.clear()
        self.heap.clear()
        self.latest, self.soonest, self.holes = -math.inf, math.inf, 0

    def get(self, key: Any) -> float | None:
        """``key``'s deadline, or None when it has none."""
        moved = self.moved.get(key)
        return self.deadlines.get(key) if moved is None else moved

    def set(self, key: Any, deadline: float | None) -> None:
        """Record ``key``'s deadline (None: it does not expire), at the end of the order (a
        write's: under the store's write lock)."""
        deadlines = self.deadlines
        self.moved.pop(key, None)
        if key in deadlines:  # moved to the end: an update in place would break the order
            del deadlines[key]
            self.holes += 1
        if deadline is not None:
            deadlines[key] = deadline
            self.ordered(key, deadline)

    def touch(self, key: Any, deadline: float) -> None:
        """A read restarted ``key``'s clock: its deadline becomes ``deadline`` if it has one
        and that is later. Safe without the write lock: one dict store into ``moved``."""
        placed = self.deadlines.get(key)
        # (reads racing each other may leave the earlier of their two deadlines: the row
        # then goes when its placing deadline passes, later by their clocks' difference)
        if placed is not None and deadline > self.moved.get(key, placed):
            self.moved[key] = deadline

    def ordered(self, key: Any, deadline: float) -> None:
        """Keep the invariant for ``key``, just stored last in ``deadlines`` at ``deadline``."""
        if deadline >= self.latest:
            self.latest = deadline
            if deadline < self.soonest:  # the first key, or the first since all were due
                self.soonest = deadline
        else:
            self.push(key, deadline)

    def push(self, key: Any, deadline: float) -> None:
        """Put ``key`` (stored at ``deadline``) on the side heap: it may be due before keys
        ahead of it in the dict."""
        heap = self.heap
        heapq.heappush(heap, (deadline, key))
        if deadline < self.soonest:
            self.soonest = deadline
        if len(heap) > 2 * len(self.deadlines) + _HEAP_SLACK:
            self._rebuild_heap()

    def _rebuild_heap(self) -> None:
        """Only the keys out of order (due before some key ahead of them), at their placing
        deadlines; stale entries dropped. ``latest`` is made exact again: keys gone may have
        left it above every deadline, sending in-order deadlines to the heap."""
        latest = -math.inf
        out_of_order = []
        for key, deadline in self.deadlines.items():
            if deadline < latest:
                out_of_order.append((deadline, key))
            else:
                latest = deadline
        heapq.heapify(out_of_order)
        self.heap[:] = out_of_order  # in place: due() may be popping it
        self.latest = latest

    def pop_many(self, keys: list[Any]) -> list[float | None]:
        """Remove ``keys`` (rows deleted); returns their deadlines (None: had none)."""
        out = list(map(self.deadlines.pop, keys, repeat(None)))
        self.holes += len(out)  # at most: keys without a deadline leave none
        moved = self.moved
        if moved:
            out = list(map(moved.pop, keys, out))  # a read's later deadline, where one is
        return out

    def pop(self, key: Any) -> float | None:
        """Remove ``key``; returns its deadline (None: it had none)."""
        self.holes += 1
        return self.moved.pop(key, self.deadlines.pop(key, None))

    def due(self, now: float, limit: int) -> dict[Any, float]:
        """Up to ``limit`` keys whose deadline is at or before ``now`` (key -> deadline): the
        due keys at the dict's front, then the heap's. They stay in ``deadlines`` (removing
        their rows removes them); :meth:`requeue` puts back those that could not be removed.
        Keys a read gave a later deadline that has not come are moved to their place."""
        if self.holes > _HOLES_SLACK + _HOLES_PER_ROOT * math.isqrt(len(self.deadlines)):
            self._copy()
        deadlines, moved = self.deadlines, self.moved
        out: dict[Any, float] = {}
        if limit <= 0:
            return out
        front = math.inf
        later: list[Any] = []  # read since they were placed, not due: moved after the walk
        for key, deadline in deadlines.items():
            if deadline > now:
                front = deadline  # keys behind it due sooner are in the heap
                break
            read = moved.get(key)
            if read is not None and read > now:
                later.append(key)
                continue
            out[key] = deadline if read is None else read
            if len(out) >= limit:
                break
        for key in later:  # placed at their read deadline: the bound below covers them too
            front = min(front, self._place_read(key))
        if len(out) >= limit:
            return out  # more may be due: soonest stays (at or before now)
        heap = self.heap
        while heap and heap[0][0] <= now:
            if len(out) >= limit:
                return out
            deadline, key = heapq.heappop(heap)
            if deadlines.get(key) != deadline:
                continue  # stale: the key is gone or placed again since
            read = moved.get(key)
            if read is not None and read > now:
                front = min(front, self._place_read(key))
            else:
                out[key] = deadline if read is None else read
        # not below the keys handed out: they are removed, or requeue lowers it again
        self.soonest = min(front, heap[0][0]) if heap else front
        return out

    def _place_read(self, key: Any) -> float:
        """Move ``key`` to the place of the later deadline a read gave it; returns that."""
        deadline = self.moved.pop(key)  # the latest read's: one may have come meanwhile
        del self.deadlines[key]
        self.holes += 1
        self.deadlines[key] = deadline
        self.ordered(key, deadline)
        return deadline

    def _copy(self) -> None:
        """Copy ``deadlines`` (dropping its deleted slots; the order is kept) and drop the
        ``moved`` entries of keys gone (a read racing a delete may leave one)."""
        self.deadlines = deadlines = dict(self.deadlines)
        self.holes = 0
        moved = self.moved
        for key in [key for key in list(moved) if key not in deadlines]:  # list(): atomic
            moved.pop(key, None)

    def requeue(self, due: dict[Any, float], retry_at: float | None = None) -> None:
        """Put back keys :meth:`due` handed out that are still here (a removal that did not
        happen), due again at ``retry_at`` when given."""
        for key, deadline in due.items():
            if self.get(key) == deadline:
                if retry_at is not None:
                    self.set(key, retry_at)
                else:  # still in its place: the heap finds it whatever is ahead of it
                    self.push(key, self.deadlines[key])

    def next_deadline(self) -> float | None:
        """A lower bound of the earliest deadline (:attr:`soonest`), or None if none."""
        soonest = self.soonest
        return None if soonest == math.inf else soonest
