"""SQL and DSL point reads by primary key count as a use of a cache table's row (LRU, LFU,
``expire_after="access"``), as ``db.get`` does; other queries and other keys do not."""

from __future__ import annotations

from typing import Any

import pyram
from pyram import Col, column


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _db(evict: str = "lru", **options: Any) -> tuple[pyram.Database, Any, _Clock]:
    @pyram.table(name="item", evict=evict, max_rows=3, **options)  # type: ignore[call-overload]
    class Item(pyram.Table):
        id: Col[int] = column(primary_key=True)
        code: Col[str] = column(unique=True)

    clock = _Clock()
    db = pyram.Database(clock=clock)
    db.create(Item)
    for i in (1, 2, 3):
        db.insert(Item(id=i, code=f"c{i}"))
        clock.now += 1
    return db, Item, clock


def _ids(db: pyram.Database) -> list[int]:
    return sorted(row[0] for row in db.sql("SELECT id FROM item"))


def test_a_sql_point_read_keeps_a_row_from_lru_eviction() -> None:
    db, item, _ = _db()
    assert db.sql("SELECT code FROM item WHERE id = ?", [1]).all() == [("c1",)]
    db.insert(item(id=4, code="c4"))
    assert _ids(db) == [1, 3, 4]  # 2 was the least recently used, not 1


def test_a_dsl_point_read_counts_for_lfu() -> None:
    db, item, _ = _db("lfu")
    query = pyram.select(item.code).where(item.id == pyram.param("k"))
    for key in (1, 1, 2, 2, 3):
        db.all(query, {"k": key})
    db.insert(item(id=4, code="c4"))
    assert _ids(db) == [1, 2, 4]


def test_a_read_by_another_unique_key_or_a_scan_is_no_use() -> None:
    db, item, _ = _db()
    db.sql("SELECT id FROM item WHERE code = 'c1'").all()  # a unique key, not the primary
    db.sql("SELECT * FROM item").all()
    db.insert(item(id=4, code="c4"))
    assert _ids(db) == [2, 3, 4]  # 1, the oldest, went: the reads above ranked nothing
    assert db.stats()["item"].hits == 0  # hit counters are db.get's and get_or_load's


def test_a_sql_point_read_restarts_an_access_ttl() -> None:
    db, _, clock = _db(ttl=10, expire_after="access")
    for _ in range(4):  # row 2 was written at 101: without the reads it is gone at 111
        clock.now += 5
        assert db.sql("SELECT id FROM item WHERE id = 2").all() == [(2,)]
    assert _ids(db) == [2]  # 1 and 3 expired meanwhile; each read gave 2 ten more seconds
    clock.now += 10
    assert _ids(db) == []
