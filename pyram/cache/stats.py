"""``db.stats()``: per table rows, estimated bytes and the cache counters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from pyram.cache.manager import CacheManager
from pyram.cache.sizing import estimate_row_bytes

__all__ = ["StatsProvider", "TableStats", "collect_stats"]

#: what a component that fills tables from elsewhere (the PostgreSQL mirror) registers with
#: ``db.add_stats_provider``: called by every ``db.stats()``, it returns table name ->
#: :class:`TableStats` fields to set (``lag_bytes``, ``lag_seconds``)
StatsProvider = Callable[[], Mapping[str, Mapping[str, Any]]]


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
        lag_bytes: for a table a live mirror fills (pyram.pg), how many bytes of the
            source's WAL are not applied yet; None for other tables.
        lag_seconds: for a mirrored table, how long the oldest change received but not
            applied has been waiting (0.0 when none is); None for other tables.
    """

    rows: int
    bytes: int
    hits: int = 0
    misses: int = 0
    loads: int = 0
    load_errors: int = 0
    expirations: int = 0
    evictions: int = 0
    lag_bytes: int | None = None
    lag_seconds: float | None = None

    @property
    def hit_ratio(self) -> float:
        """hits / (hits + misses), or 0.0 before any read."""
        reads = self.hits + self.misses
        return self.hits / reads if reads else 0.0


def collect_stats(
    manager: CacheManager, providers: list[StatsProvider], *, reset: bool = False
) -> dict[str, TableStats]:
    """Stats of every table by name, in creation order, with the fields ``providers`` give;
    ``reset`` zeroes the counters after reading them."""
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
    if providers:
        by_lower = {name.lower(): name for name in out}
        for provider in providers:
            for table, fields in provider().items():
                found = by_lower.get(table.lower())
                if found is not None:
                    out[found] = attrs.evolve(out[found], **fields)
    return out
