"""``storage.alter.alter_table`` and the index copies it makes: the rebuilt table is independent
of the old one (which readers may still hold), keeps row ids, and its indexes answer as a fresh
build would."""

from __future__ import annotations

import attrs
import pytest

from pyram.catalog import ColumnDecl, ColumnSchema, IndexSpec, define_table
from pyram.catalog.alter import add_column, drop_column
from pyram.errors import DataError, IntegrityError
from pyram.storage import Store
from pyram.storage.alter import ColumnSource, alter_table
from pyram.storage.indexes import HashIndex, SortedIndex
from pyram.types import INTEGER, REAL, TEXT


def _store() -> Store:
    schema = define_table(
        "t",
        [
            ColumnDecl(ColumnSchema("id", INTEGER), primary_key=True),
            ColumnDecl(ColumnSchema("tag", TEXT, nullable=True)),
            ColumnDecl(ColumnSchema("score", REAL)),
        ],
        indexes=[IndexSpec("t_tag_hash", ("tag",), "hash"), IndexSpec("t_score", ("score",))],
    )
    store = Store()
    store.create([schema])
    rows = 3000
    store.insert(
        "t",
        [list(range(rows)), [f"g{i % 7}" if i % 5 else None for i in range(rows)],
         [i / 4 for i in range(rows)]],
    )  # fmt: skip
    store.delete("t", range(0, rows, 3))
    return store


def test_rebuilt_table_keeps_row_ids_and_answers_like_a_fresh_index() -> None:
    store = _store()
    old = store.data("t")
    schema = old.schema
    new_schema = add_column(drop_column(schema, "score"), ColumnSchema("n", INTEGER, True))
    alter_table(store, "t", new_schema, [ColumnSource(0), ColumnSource(1), ColumnSource(None, 5)])
    new = store.data("t")
    assert new is not old and new.slot_count == old.slot_count
    assert new.live_rids() == old.live_rids()
    assert [new.row(r) for r in new.live_rids()[:3]] == [(1, "g1", 5), (2, "g2", 5), (4, "g4", 5)]
    assert isinstance(new.indexes["t_tag_hash"], HashIndex)
    assert sorted(new.indexes["t_tag_hash"].lookup("g3")) == sorted(
        old.indexes["t_tag_hash"].lookup("g3")
    )
    assert "t_score" not in new.indexes  # it went with its column
    # independence: changing the new table leaves the old one (and its indexes) as they were
    before = sorted(old.indexes["t_tag_hash"].lookup("g3"))
    store.delete("t", new.indexes["t_tag_hash"].lookup("g3"))
    assert new.indexes["t_tag_hash"].lookup("g3") == []
    assert sorted(old.indexes["t_tag_hash"].lookup("g3")) == before
    assert old.live_count == len(old.live_rids()) > new.live_count


def test_widened_column_gets_a_rebuilt_index() -> None:
    schema = define_table(
        "w",
        [
            ColumnDecl(ColumnSchema("id", INTEGER), primary_key=True),
            ColumnDecl(ColumnSchema("v", INTEGER)),
        ],
        indexes=[IndexSpec("w_v", ("v",))],
    )
    store = Store()
    store.create([schema])
    store.insert("w", [[1, 2, 3], [30, 10, 20]])
    new_schema = attrs.evolve(schema, columns=(schema.columns[0], ColumnSchema("v", REAL)))
    alter_table(store, "w", new_schema, [ColumnSource(0), ColumnSource(1, convert=float)])
    data = store.data("w")
    index = data.indexes["w_v"]
    assert isinstance(index, SortedIndex)
    assert index.lookup(10.0) == [1]
    assert list(data.columns[1]) == [30.0, 10.0, 20.0]  # NOT NULL REAL: packed doubles


def test_bad_rows_leave_everything_as_it_was() -> None:
    store = _store()
    old = store.data("t")
    not_null = add_column(old.schema, ColumnSchema("n", INTEGER))
    with pytest.raises(IntegrityError, match="NOT NULL"):
        alter_table(
            store,
            "t",
            not_null,
            [ColumnSource(0), ColumnSource(1), ColumnSource(2), ColumnSource(None, None)],
        )
    wrong = add_column(old.schema, ColumnSchema("n", INTEGER, True))
    with pytest.raises(DataError):
        alter_table(
            store,
            "t",
            wrong,
            [ColumnSource(0), ColumnSource(1), ColumnSource(2), ColumnSource(None, "x")],
        )
    assert store.data("t") is old and store.catalog.get("t") is old.schema
