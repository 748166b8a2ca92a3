"""Cache tables: expiry, capacity and eviction, read-through loading, statistics.

Sits above storage and txn (it deletes through the store's checked write path and labels
the change events), below the ``Database`` facade, which delegates to it. Tables without a
cache policy never reach this package. See docs/cache.md for the user's view and
docs/architecture.md for the design.
"""

from pyram.cache.loader import SingleFlight
from pyram.cache.manager import HELD_RETRY_SECONDS, CacheManager, Clock
from pyram.cache.refresh import RefreshResult, refresh_rows
from pyram.cache.stats import StatsProvider, TableStats, collect_stats
from pyram.cache.tracker import TableTracker

__all__ = [
    "HELD_RETRY_SECONDS",
    "CacheManager",
    "Clock",
    "RefreshResult",
    "SingleFlight",
    "StatsProvider",
    "TableStats",
    "TableTracker",
    "collect_stats",
    "refresh_rows",
]
