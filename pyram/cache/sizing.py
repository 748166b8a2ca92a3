"""Estimated bytes of a table's rows: what ``max_bytes`` limits and ``db.stats()`` reports.

An exact count would walk every object of every row; instead a table's cost per row is
estimated from a sample of its live rows and multiplied by the row count. Per row it adds:

- each value's ``sys.getsizeof`` (shared singletons such as None, booleans and the small
  integers CPython caches count nothing), or the item size of a packed column (an ``array``);
- one pointer-sized slot per column (the column list holds a reference);
- :data:`INDEX_ENTRY_BYTES` per index (a key reference and a row id in the index);
- :data:`TRACKING_BYTES` per row of a cache table (its expiry and eviction bookkeeping).

The sample is re-taken when the row count has doubled or halved since the last one, so the
cost of estimating stays a few dozen ``getsizeof`` calls per doubling.
"""

from __future__ import annotations

import sys
from array import array
from typing import Any

from pyram.storage.table_data import TableData

__all__ = ["INDEX_ENTRY_BYTES", "SAMPLE_ROWS", "TRACKING_BYTES", "estimate_row_bytes"]

#: rows looked at per estimate
SAMPLE_ROWS = 32
#: a pointer in a column list
SLOT_BYTES = 8
#: an index's reference to the key plus its row id (sorted index lists, hash index dicts)
INDEX_ENTRY_BYTES = 24
#: a cache table's per-row bookkeeping: a deadline or rank dict entry and its number
TRACKING_BYTES = 64


def estimate_row_bytes(data: TableData, *, tracked: bool) -> float:
    """Estimated bytes one live row of ``data`` costs (0.0 for an empty table)."""
    alive = data.alive
    if not data.live_count:
        return 0.0
    step = max(1, len(alive) // SAMPLE_ROWS)
    rids = [rid for rid in range(0, len(alive), step) if alive[rid]][:SAMPLE_ROWS]
    if not rids:
        rids = data.live_rids()[:SAMPLE_ROWS]
    total = 0
    for column in data.columns:
        if isinstance(column, array):
            total += column.itemsize * len(rids)
            continue
        total += SLOT_BYTES * len(rids)
        for rid in rids:
            total += _value_bytes(column[rid])
    per_row = total / len(rids)
    per_row += INDEX_ENTRY_BYTES * len(data.indexes)
    if tracked:
        per_row += TRACKING_BYTES
    return per_row


def _value_bytes(value: Any) -> int:
    if value is None or value is True or value is False:
        return 0
    if type(value) is int and -5 <= value <= 256:  # CPython's cached small ints
        return 0
    return sys.getsizeof(value)
