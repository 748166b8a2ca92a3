"""``db.stats()``: per table rows, estimated bytes and the cache counters."""

from __future__ import annotations

import attrs

from pyram.cache.manager import CacheManager
from pyram.cache.sizing import estimate_row_bytes

__all__ = ["TableStats", "collect_stats"]


@attrs.frozen
class TableStats:
    """What one table holds and how its cache behaved since the last reset.

    Attributes:
        rows: live rows.
        bytes: estimated bytes (see docs/cache.md for how).
        hits: point reads (``db.get``/``db.get_or_load``) of a cache table that found a row.
        misses: point reads that found none.
        loads: rows a loader produced and the table stored.
        load_errors: loader calls that raised.
        expirations: rows removed because they expired.
        evictions: rows removed to make room.
    """

    rows: int
    bytes: int
    hits: int = 0
    misses: int = 0
    loads: int = 0
    load_errors: int = 0
    expirations: int = 0
    evictions: int = 0

    @property
    def hit_ratio(self) -> float:
        """hits / (hits + misses), or 0.0 before any read."""
        reads = self.hits + self.misses
        return self.hits / reads if reads else 0.0


def collect_stats(manager: CacheManager, *, reset: bool = False) -> dict[str, TableStats]:
    """Stats of every table by name, in creation order; ``reset`` zeroes the counters
    after reading them."""
    out: dict[str, TableStats] = {}
    store = manager.store
    for schema in store.catalog:
        name = schema.name.lower()
        data = store.data(schema.name)
        tracker = manager.trackers.get(name)
        if tracker is not None:
            per_row = manager.row_bytes(tracker)
        else:
            per_row = estimate_row_bytes(data, tracked=False)
        counters = manager.counters(name)
        out[schema.name] = TableStats(
            rows=data.live_count,
            bytes=round(data.live_count * per_row),
            hits=counters.hits,
            misses=counters.misses,
            loads=counters.loads,
            load_errors=counters.load_errors,
            expirations=counters.expirations,
            evictions=counters.evictions,
        )
        if reset:
            counters.reset()
    return out
