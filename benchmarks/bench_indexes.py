"""Micro-benchmark of the storage-layer indexes (HashIndex, SortedIndex).

Run: ``python benchmarks/bench_indexes.py [N]`` (default N = 1_000_000). For each kind, unique
(N distinct int keys, shuffled) and non-unique (~N/10 distinct keys), it times:

* build: ``insert_many`` of N entries into an empty index;
* 100k point lookups (``lookup``; half hits, half misses for the unique case);
* 1000 range queries each covering ~1% of the keys, fully consumed (sorted index only);
* 100k random changes: alternately remove a random existing entry and insert a new one.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyram.storage.indexes import HashIndex, SortedIndex

IndexType = type[HashIndex] | type[SortedIndex]


def timed(label: str, fn: Callable[[], object]) -> None:
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    print(f"    {label:<38} {elapsed * 1000:9.1f} ms")


def bench(cls: IndexType, unique: bool, n: int) -> None:
    rng = random.Random(42)
    key_space = n * 10 if unique else n // 10
    if unique:
        keys = rng.sample(range(key_space), n)
    else:
        keys = [rng.randrange(key_space) for _ in range(n)]
    rids = list(range(n))
    idx = cls("bench", ("k",), unique=unique)
    print(f"  {cls.__name__} unique={unique}")
    timed(f"build {n:,} (insert_many)", lambda: idx.insert_many(keys, rids))

    probes = [rng.choice(keys) if i % 2 else rng.randrange(key_space) for i in range(100_000)]

    def point_lookups() -> None:
        lookup = idx.lookup
        for key in probes:
            lookup(key)

    timed("100,000 point lookups", point_lookups)

    if isinstance(idx, SortedIndex):
        sorted_idx = idx
        width = key_space // 100
        lows = [rng.randrange(key_space - width) for _ in range(1000)]

        def ranges() -> None:
            total = 0
            for low in lows:
                total += len(list(sorted_idx.range(low, low + width, high_inclusive=False)))
            assert total > 0

        timed("1,000 range queries of ~1% (consumed)", ranges)

    live = dict(zip(rids, keys, strict=True))
    live_rids = list(rids)
    next_rid = n

    def changes() -> None:
        nonlocal next_rid
        for i in range(100_000):
            if i % 2 == 0:
                # Remove a random live row (swap-pop keeps the pick O(1)).
                j = rng.randrange(len(live_rids))
                live_rids[j], live_rids[-1] = live_rids[-1], live_rids[j]
                rid = live_rids.pop()
                idx.remove(live.pop(rid), rid)
            else:
                key = key_space + next_rid if unique else rng.randrange(key_space)
                idx.insert(key, next_rid)
                live[next_rid] = key
                live_rids.append(next_rid)
                next_rid += 1

    timed("100,000 random changes (50% ins/rem)", changes)
    assert len(idx) == len(live)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(f"Python {sys.version.split()[0]}, N = {n:,}")
    for cls in (HashIndex, SortedIndex):
        for unique in (True, False):
            bench(cls, unique, n)


if __name__ == "__main__":
    main()
