"""A cache table's primary key index: hash by default, sorted when asked (``key_index``)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

import pyram
from pyram import Col, Database, ProgrammingError, Table, column
from pyram.storage.indexes import HashIndex, SortedIndex


@pyram.table(name="hot", ttl=60, max_rows=50)
class Hot(Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]


@pyram.table(name="hot", ttl=60, max_rows=50, key_index="sorted")
class SortedHot(Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]


@pyram.table(name="plain")
class Plain(Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]


def _key_index(db: Database, table: str) -> object:
    data = db._records.store.data(table)
    return data.indexes[f"{table}_pkey"]


def test_a_cache_table_hashes_its_key_and_a_plain_table_keeps_it_sorted() -> None:
    db = Database()
    db.create(Hot)
    db.create(Plain)
    assert isinstance(_key_index(db, "hot"), HashIndex)
    assert isinstance(_key_index(db, "plain"), SortedIndex)


def test_key_index_sorted_keeps_the_sorted_index() -> None:
    db = Database()
    db.create(SortedHot)
    assert isinstance(_key_index(db, "hot"), SortedIndex)


def test_sql_tables_choose_with_the_with_clause() -> None:
    db = Database()
    db.sql("CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT) WITH (ttl = 5)")
    db.sql("CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT) WITH (ttl = 5, KEY_INDEX = 'sorted')")
    db.sql("CREATE TABLE c (id INTEGER PRIMARY KEY) WITH (max_rows = 5, key_index = 'hash')")
    assert isinstance(_key_index(db, "a"), HashIndex)
    assert isinstance(_key_index(db, "b"), SortedIndex)
    assert isinstance(_key_index(db, "c"), HashIndex)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("ttl = 5, key_index = 'btree'", "key_index must be 'hash' or 'sorted'"),
        ("ttl = 5, key_index = 3", "key_index takes a string"),
        ("key_index = 'hash'", "key_index applies to cache tables"),
    ],
)
def test_bad_key_index_options_are_refused(options: str, message: str) -> None:
    db = Database()
    with pytest.raises(ProgrammingError, match=message):
        db.sql(f"CREATE TABLE t (id INTEGER PRIMARY KEY) WITH ({options})")
    assert db.sql("SELECT name FROM sqlite_master WHERE name = 't'").all() == []


def test_a_model_with_a_bad_key_index_is_refused() -> None:
    with pytest.raises(ProgrammingError, match="key_index must be"):

        @pyram.table(ttl=5, key_index="btree")  # type: ignore[arg-type]
        class Bad(Table):
            id: Col[int] = column(primary_key=True)

    with pytest.raises(ProgrammingError, match="applies to cache tables"):

        @pyram.table(key_index="hash")
        class NotCache(Table):
            id: Col[int] = column(primary_key=True)


@pytest.mark.parametrize("key_index", ["hash", "sorted"])
def test_key_ranges_and_order_agree_with_sqlite(key_index: str) -> None:
    rng = random.Random(7)
    keys = rng.sample(range(-500, 500), 200)
    db = Database()
    db.sql(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) "
        f"WITH (max_rows = 150, key_index = '{key_index}')"
    )
    oracle = sqlite3.connect(":memory:")
    oracle.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    for k in keys[:150]:  # within the limit: nothing evicted, both hold the same rows
        db.sql("INSERT INTO t VALUES (?, ?)", (k, f"v{k}"))
        oracle.execute("INSERT INTO t VALUES (?, ?)", (k, f"v{k}"))
    for query in (
        "SELECT id, v FROM t WHERE id BETWEEN -100 AND 120 ORDER BY id",
        "SELECT id FROM t WHERE id > 300 ORDER BY id DESC LIMIT 7",
        "SELECT id FROM t WHERE id = 17 OR id IN (1, 2, 3, -4) ORDER BY id",
        "SELECT count(*), min(id), max(id) FROM t",
    ):
        assert db.sql(query).all() == oracle.execute(query).fetchall(), query


def test_a_file_keeps_its_rows_when_the_key_index_changes(tmp_path: Path) -> None:
    path = tmp_path / "hot.pyram"
    with Database(path) as db:
        db.create(SortedHot)
        db.insert_many([SortedHot(k, f"n{k}") for k in range(20)])
    with Database(path) as db:
        db.create(Hot)  # the model now hashes its key
        assert isinstance(_key_index(db, "hot"), HashIndex)
        assert db.get(Hot, 7) == Hot(7, "n7")
        db.upsert(Hot(30, "n30"))
    with Database(path) as db:
        db.create(SortedHot)
        assert isinstance(_key_index(db, "hot"), SortedIndex)
        assert [r.id for r in db.all(SortedHot.select().order_by(SortedHot.id))] == [
            *range(20),
            30,
        ]
