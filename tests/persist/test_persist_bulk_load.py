"""Loading builds each index once, sorted in bulk, never entry by entry (issue 11).

A snapshot export loaded with ``Database.load`` and a durable file reopened from its checkpoint
both hand each table's rows to the store in one column-wise insert; the sorted indexes are then
built by one sort each. Inserting the entries one at a time (``SortedIndex.insert``) would cost
a search and a list insert per row: the test makes that path fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pyram
from pyram.storage.indexes import SortedIndex

ROWS = 5_000


def filled(db: pyram.Database | None = None) -> pyram.Database:
    db = db if db is not None else pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, name TEXT UNIQUE)")
    db.sql("CREATE INDEX t_grp ON t (grp)")
    con = pyram.connect(db)
    # keys in no particular order, so no index could be filled by appending
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?)",
        [((i * 7919) % ROWS, i % 37, f"n{i}") for i in range(ROWS)],
    )
    con.commit()
    return db


def no_entry_by_entry(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds: list[int] = []
    original = SortedIndex._bulk_build

    def bulk(self: SortedIndex, keys: list[object], rids: list[int]) -> None:
        builds.append(len(keys))
        original(self, keys, rids)

    def one(*args: object) -> None:
        raise AssertionError("an index entry was inserted on its own while loading")

    monkeypatch.setattr(SortedIndex, "_bulk_build", bulk)
    monkeypatch.setattr(SortedIndex, "insert", one)
    return builds


def check(db: pyram.Database) -> None:
    assert db.sql("SELECT count(*), sum(id) FROM t").all() == [(ROWS, ROWS * (ROWS - 1) // 2)]
    assert db.sql("SELECT name FROM t WHERE id = ?", [7919 % ROWS]).all() == [("n1",)]
    assert db.sql("SELECT count(*) FROM t WHERE grp = 5").all() == [(len(range(5, ROWS, 37)),)]


def test_a_snapshot_loads_with_one_sort_per_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "app.snapshot"
    filled().export(path)
    builds = no_entry_by_entry(monkeypatch)
    loaded = pyram.Database.load(path)
    check(loaded)
    # one sort per index (primary key, UNIQUE name, grp); empty indexes are made first
    assert sorted(n for n in builds if n) == [ROWS, ROWS, ROWS]


def test_a_durable_file_reopens_with_one_sort_per_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "app.pyram"
    with pyram.Database(path) as db:
        filled(db).checkpoint()
    builds = no_entry_by_entry(monkeypatch)
    with pyram.Database(path) as again:
        check(again)
    assert sorted(n for n in builds if n) == [ROWS, ROWS, ROWS]
