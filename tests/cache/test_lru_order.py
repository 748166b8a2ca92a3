"""Exact LRU on tables past the sampling size, and the row-id hints LRU ranks carry.

A table of more than ``SAMPLE_SIZE`` rows evicts in the order of use kept by the tracker's
rank dict; the ranks also carry row ids that a hit uses instead of the primary-key index.
These tests pin the order exactly and check that stale hints (compaction renumbering rows,
rollbacks, updates) never return a wrong row.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest

import pyram
from pyram import Col, column
from pyram.cache.eviction import SAMPLE_SIZE
from pyram.cache.tracker import NO_RID

ROWS = 100  # > SAMPLE_SIZE, < EVICT_BATCH * 2: one victim per eviction


def lru_model(max_rows: int = ROWS) -> type[pyram.Table]:
    @pyram.table(name="item", evict="lru", max_rows=max_rows)
    class Item(pyram.Table):
        id: Col[int] = column(primary_key=True)
        payload: Col[str] = column(default="")

    return Item


def filled(keys: list[int], max_rows: int = ROWS) -> tuple[pyram.Database, Any]:
    item = lru_model(max_rows)
    db = pyram.Database()
    db.create(item)
    for key in keys:
        db.insert(item(id=key, payload=f"p{key}"))
    return db, item


def ids(db: pyram.Database, item: Any) -> set[int]:
    return {row.id for row in db.all(item.select())}


def test_large_table_evicts_exactly_the_least_recently_used() -> None:
    assert ROWS > SAMPLE_SIZE
    keys = list(range(1000, 1000 + ROWS))
    db, item = filled(keys)
    model: OrderedDict[int, None] = OrderedDict.fromkeys(keys)
    reads = keys[::3] + keys[5:40]
    for key in reads:
        assert db.get(item, key) == item(id=key, payload=f"p{key}")
        model.move_to_end(key)
    for new in range(5000, 5030):
        db.insert(item(id=new))
        model[new] = None
        model.popitem(last=False)
        assert ids(db, item) == set(model)
    assert db.stats()["item"].evictions == 30


def test_an_upsert_counts_as_a_use() -> None:
    keys = list(range(ROWS))
    db, item = filled(keys)
    db.upsert(item(id=0, payload="new"))  # the oldest becomes the newest
    db.insert(item(id=ROWS))
    assert 0 in ids(db, item) and 1 not in ids(db, item)


def test_hits_stay_right_after_compaction_renumbers_rows() -> None:
    # many deletes then a commit compact the table: the row ids ranks carry go stale
    keys = list(range(3000))
    db, item = filled(keys, max_rows=10_000)
    for key in keys[:2500]:
        db.get(item, key)  # every rank now holds a row id
    # every other row of the first 2,400 and the last 600: survivors move to lower row ids
    # that other keys held before, so a stale row id would name a live row of another key
    db.sql("DELETE FROM item WHERE (id < 2400 AND id % 2 = 0) OR id >= 2400")
    data = db._store.data("item")
    assert data.slot_count == data.live_count == 1200  # compacted: row ids renumbered
    for key in (1, 601, 1201, 2399):
        assert db.get(item, key) == item(id=key, payload=f"p{key}")
        assert db.get_or_load(item, key, lambda k: None) == item(id=key, payload=f"p{key}")
    assert db.get(item, 10) is None
    assert db.stats()["item"].misses == 1
    # the hints were renewed, not left to fail: each names the row the index names
    tracker = db._cache.by_model[item]
    index = tracker.pk_index
    assert all(rank & NO_RID == index.get(key) for key, rank in tracker.rank.items())


def test_hits_stay_right_after_a_rolled_back_eviction() -> None:
    keys = list(range(ROWS))
    db, item = filled(keys)
    with pytest.raises(RuntimeError), db.transaction():
        db.insert(item(id=ROWS))  # evicts 0
        assert db.get(item, 0) is None
        raise RuntimeError("abort")
    assert ids(db, item) == set(keys)
    for key in (0, 1, ROWS - 1):
        assert db.get(item, key) == item(id=key, payload=f"p{key}")
    assert db.get(item, ROWS) is None


def test_a_key_moved_by_update_is_found_under_its_new_key() -> None:
    keys = list(range(ROWS))
    db, item = filled(keys)
    db.get(item, 7)
    db.sql("UPDATE item SET id = 7000 WHERE id = 7")
    assert db.get(item, 7) is None
    assert db.get(item, 7000) == item(id=7000, payload="p7")
