"""Which rows make room in a full cache table: one function per ``evict`` policy.

``"lru"``, ``"lfu"`` and ``"ttl"`` are approximated by sampling, as Redis does: look at
:data:`SAMPLE_SIZE` random live rows and take the one with the oldest access tick, the fewest
accesses or the nearest deadline. With 16 samples the victim is, on average, older than 94%
of the table, and the hit ratio on skewed (Zipf) traces stays within a point or two of exact
LRU (``tests/cache/test_eviction.py`` checks it) while a read pays one dict store instead of
moving a list node. A table of at most :data:`SAMPLE_SIZE` rows is looked at whole, so small
tables evict exactly. ``"fifo"`` is exact and cheap: row ids grow with insertion and
compaction keeps their order, so the oldest row is the first live row id. ``"random"`` takes
any live row.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from functools import partial
from typing import Any

from pyram.cache.tracker import TableTracker

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
    candidates = _candidates(tracker, skip, rng, SAMPLE_SIZE * count)
    if tracker.policy.evict == "random" or len(candidates) <= count:
        return candidates[:count]
    score = _scorer(tracker)
    data = tracker.data
    positions = tracker.key_positions
    if len(positions) == 1:
        keys = data.columns[positions[0]]
        scored = [(score(keys[rid]), rid) for rid in candidates]
    else:
        scored = [(score(data.key_of(positions, rid)), rid) for rid in candidates]
    return [rid for _score, rid in heapq.nsmallest(count, scored)]


def _scorer(tracker: TableTracker) -> Callable[[Any], float]:
    if tracker.policy.evict == "ttl":
        return partial(_score_of, tracker.deadlines, math.inf)
    return partial(_score_of, tracker.rank, 0)


def _score_of(scores: dict[Any, Any], missing: float, key: Any) -> float:
    score: float = scores.get(key, missing)
    return score


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
    found: dict[int, None] = {}
    for _ in range(wanted * _PROBES):
        rid = int(draw() * size)
        if alive[rid] and rid not in skip:
            found[rid] = None
            if len(found) == wanted:
                break
    return list(found) or [rid for rid in data.live_rids() if rid not in skip][:wanted]


def _first_live(tracker: TableTracker, skip: set[int], count: int) -> list[int]:
    alive = tracker.data.alive
    out: list[int] = []
    rid = alive.find(1)
    while rid != -1 and len(out) < count:
        if rid not in skip:
            out.append(rid)
        rid = alive.find(1, rid + 1)
    return out
