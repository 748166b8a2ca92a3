"""Which rows make room in a full cache table: one function per ``evict`` policy.

``"lru"`` is exact: the tracker keeps its ``rank`` dict in order of use (a use moves the key
to the end), so victims are the dict's first keys; a table of at most :data:`SAMPLE_SIZE`
rows is ranked by its ticks (exact after a rollback too).
``"lfu"`` and ``"ttl"`` are approximated by sampling, as Redis does: look at
:data:`SAMPLE_SIZE` random live rows and take the one with the fewest accesses or the nearest
deadline (with 16 samples the victim is, on average, lower than 94% of the table). A table of
at most :data:`SAMPLE_SIZE` rows is looked at whole, so small tables evict exactly.
``"fifo"`` is exact and cheap: row ids grow with insertion and compaction keeps their order,
so the oldest row is the first live row id. ``"random"`` takes any live row.
"""

from __future__ import annotations

import math
import random
from array import array
from itertools import islice, repeat
from operator import and_

from pyram.cache.tracker import NO_RID, TableTracker

__all__ = ["SAMPLE_SIZE", "pick_victims"]

#: rows sampled per eviction (Redis' maxmemory-samples is 5 by default; 10 is "close to
#: true LRU"; 16 costs little more here and closes most of the remaining gap)
SAMPLE_SIZE = 16
#: random probes per sampled row before giving up on a sparse table (most ids dead)
_PROBES = 4


def pick_victims(
    tracker: TableTracker, count: int, skip: set[int], rng: random.Random
) -> list[int]:
    """Up to ``count`` row ids to evict next from ``tracker``'s table (ids in ``skip``
    excluded: rows a RESTRICT reference holds, rows just written), best victims first.

    For a batch, ``SAMPLE_SIZE * count`` distinct rows are sampled and the ``count`` with the
    lowest score go: each victim is as old, relative to the table, as one picked from 16.
    """
    if tracker.policy.evict == "fifo":
        return _first_live(tracker, skip, count)
    if tracker.ranked and not tracker.lfu and tracker.data.live_count > SAMPLE_SIZE:
        return _least_recent(tracker, skip, count)
    candidates = _candidates(tracker, skip, rng, SAMPLE_SIZE * count)
    if tracker.policy.evict == "random" or len(candidates) <= count:
        return candidates[:count]
    data = tracker.data
    positions = tracker.key_positions
    if len(positions) == 1:
        keys = list(map(data.columns[positions[0]].__getitem__, candidates))
    else:
        keys = [data.key_of(positions, rid) for rid in candidates]
    # scores looked up and ranked in C (dict.get over the keys): no call per candidate
    if tracker.policy.evict == "ttl":
        scores = list(map(tracker.deadlines.get, keys, repeat(math.inf)))
        moved = tracker.expiry.moved
        if moved:  # later deadlines reads gave (expire_after="access")
            scores = list(map(moved.get, keys, scores))
    else:
        scores = list(map(tracker.rank.get, keys, repeat(0)))
    order = sorted(range(len(candidates)), key=scores.__getitem__)[:count]
    return list(map(candidates.__getitem__, order))


def _candidates(
    tracker: TableTracker, skip: set[int], rng: random.Random, wanted: int
) -> list[int]:
    """``wanted`` distinct live row ids not in ``skip``, at random (all of them when the
    table has no more)."""
    data = tracker.data
    if data.live_count - len(skip) <= wanted:
        return [rid for rid in data.live_rids() if rid not in skip]
    alive = data.alive
    size = len(alive)
    draw = rng.random  # int(random() * size): a third of randrange's cost, bias negligible
    # one batch of 32-bit draws made in C (modulo bias < size / 2**32), filtered in one
    # comprehension (dead ids, skipped ids; repeats fold in the dict). Enough are drawn for
    # the share of live ids (up to half are dead before a compaction), plus a quarter for
    # repeats, so the per-draw Python loop below rarely runs
    draws = wanted * size // max(1, data.live_count - len(skip))
    drawn = array("I", rng.randbytes(4 * (draws + draws // 4)))
    found = dict.fromkeys([rid for x in drawn if alive[rid := x % size] and rid not in skip])
    if len(found) < wanted:  # a sparse table: up to _PROBES draws per wanted row in all
        for _ in range(wanted * (_PROBES - 2)):
            rid = int(draw() * size)
            if alive[rid] and rid not in skip:
                found[rid] = None
                if len(found) >= wanted:
                    break
    picked = list(found)[:wanted]
    return picked or [rid for rid in data.live_rids() if rid not in skip][:wanted]


def _least_recent(tracker: TableTracker, skip: set[int], count: int) -> list[int]:
    """The ``count`` least recently used rows: the front of the ``rank`` dict, whose order
    is the order of use (see :mod:`pyram.cache.tracker`)."""
    data = tracker.data
    if tracker.hinted and not skip and data.epoch == tracker.epoch:
        # the row-id hints of the first ranks, verified as TableTracker.find does (in
        # range, alive, holding the key), each step one C-level pass over the batch; any
        # stale one sends the batch to the loop below
        rank = tracker.rank
        first = list(islice(rank, count))
        rids = list(map(and_, map(rank.__getitem__, first), repeat(NO_RID)))
        alive = data.alive
        if (
            rids
            and max(rids) < len(alive)
            and all(map(alive.__getitem__, rids))
            and list(map(data.columns[tracker.key_column].__getitem__, rids)) == first
        ):
            return rids
    find = tracker.find
    out: list[int] = []
    for key in tracker.rank:
        rid = find(key)
        if rid is not None and rid not in skip:
            out.append(rid)
            if len(out) >= count:
                break
    return out


def _first_live(tracker: TableTracker, skip: set[int], count: int) -> list[int]:
    alive = tracker.data.alive
    out: list[int] = []
    rid = alive.find(1)
    while rid != -1 and len(out) < count:
        if rid not in skip:
            out.append(rid)
        rid = alive.find(1, rid + 1)
    return out
