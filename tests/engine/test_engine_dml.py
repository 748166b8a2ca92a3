"""InsertOp, UpdateOp and DeleteOp: defaults, encoded types, row counts, all-or-nothing."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import assert_indexes_agree, table_state
from engine_testlib import eq, fill, lit, new_db, out_fields, run, scan
from models import Color

import pyram
from pyram import Col, column
from pyram.errors import IntegrityError, ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.types import INTEGER, JSON_TYPE, TEXT

_serial = iter(range(1, 10**6))


@pyram.table(name="doc")
class Doc(pyram.Table):
    id: Col[int] = column(primary_key=True)
    color: Col[Color | None] = column(default=None)
    body: Col[pyram.JSON | None] = column(default=None)
    tag: Col[str] = column(default="t")
    serial: Col[int] = column(default_factory=lambda: next(_serial))
    u: Col[int | None] = column(default=None, unique=True, check=lambda u: u < 100)


def _db() -> pyram.Database:
    db = new_db()
    db.create(Doc)
    return db


def _values(rows: list[tuple[Any, ...]], types: list[Any]) -> pn.Values:
    fields = tuple(px.Field(9300 + i, f"c{i}", t, True) for i, t in enumerate(types))
    return pn.Values(
        tuple(tuple(px.Literal_(v, t) for v, t in zip(r, types, strict=True)) for r in rows), fields
    )


def test_insert_fills_defaults_and_decodes_stored_forms() -> None:
    db = _db()
    source = _values([(1, "red", '{"a":[1,2]}'), (2, None, None)], [INTEGER, TEXT, JSON_TYPE])
    plan = pn.Insert("doc", ("id", "color", "body"), source)
    assert run(plan, db) == [(2,)]
    data = db._store.data("doc")
    first, second = data.row(0), data.row(1)
    assert first[:4] == (1, "red", '{"a":[1,2]}', "t") and first[5] is None
    assert second[:4] == (2, None, None, "t")
    assert first[4] != second[4]  # the factory ran once per row


def test_insert_is_all_or_nothing_and_empty_source_counts_zero() -> None:
    db = _db()
    bad = _values([(1, 5), (2, 5)], [INTEGER, INTEGER])  # duplicate UNIQUE value
    with pytest.raises(IntegrityError):
        run(pn.Insert("doc", ("id", "u"), bad), db)
    assert db._store.data("doc").live_count == 0
    assert run(pn.Insert("doc", ("id",), _values([], [INTEGER])), db) == [(0,)]
    with pytest.raises(ProgrammingError):
        run(pn.Insert("doc", ("id", "nope"), _values([(1, 1)], [INTEGER, INTEGER])), db)


def test_insert_from_a_query() -> None:
    db = _db()
    fill(db, "l", [(i, i, i * 10, None) for i in range(5)])
    node, c = scan("l", ("id", "v"))
    source = pn.Filter(node, px.Compare(">", c["v"], lit(15)))
    assert run(pn.Insert("doc", ("id", "u"), source), db) == [(3,)]
    assert sorted(db._store.data("doc").columns[5]) == [20, 30, 40]


def _doc_scan() -> tuple[pn.Scan, dict[str, px.ColumnRef]]:
    cols = ("id", "color", "body", "tag", "serial", "u")
    types = {
        "id": INTEGER,
        "color": TEXT,
        "body": JSON_TYPE,
        "tag": TEXT,
        "serial": INTEGER,
        "u": INTEGER,
    }
    return scan("doc", cols, rid=True, types=types)


def test_update_assigns_and_keeps_encoded_columns() -> None:
    db = _db()
    db._store.insert(
        "doc", [[1, 2], [Color.RED, None], [{"k": 1}, None], ["a", "b"], [7, 8], [1, 2]]
    )
    node, c = _doc_scan()
    plan = pn.Update(
        "doc",
        pn.Filter(node, px.Compare("=", c["id"], lit(1))),
        (("color", px.Literal_("green", TEXT)), ("u", px.Arith("+", c["u"], lit(10), INTEGER))),
        c["rid"].cid,
    )
    assert run(plan, db) == [(1,)]
    assert db._store.data("doc").row(0) == (1, "green", '{"k":1}', "a", 7, 11)
    assert db._store.data("doc").row(1) == (2, None, None, "b", 8, 2)


def test_unique_keys_are_checked_at_statement_end() -> None:
    """u = u + 1 over u = 10, 1, 2 ends with 11, 2, 3: valid, whatever order rows are visited
    in (SQLite checks row by row and fails or succeeds depending on that order)."""
    db = _db()
    db._store.insert("doc", [[1, 2, 3], [None] * 3, [None] * 3, ["t"] * 3, [1, 2, 3], [10, 1, 2]])
    node, c = _doc_scan()
    plan = pn.Update("doc", node, (("u", px.Arith("+", c["u"], lit(1), INTEGER)),), c["rid"].cid)
    assert run(plan, db) == [(3,)]
    assert [db._store.data("doc").row(r)[5] for r in range(3)] == [11, 2, 3]
    assert_indexes_agree(db)


@pytest.mark.parametrize("failing_u", [1, 95])  # UNIQUE conflict / CHECK violation
def test_update_failing_midway_restores_every_row(failing_u: int) -> None:
    db = _db()
    us = [10, failing_u, 3] if failing_u == 1 else [10, failing_u, 50]
    db._store.insert("doc", [[1, 2, 3], [None] * 3, [None] * 3, ["t"] * 3, [1, 2, 3], us])
    before = table_state(db)
    node, c = _doc_scan()
    # u=1 -> 3 collides with the row keeping u=3 / u=95 -> 100 breaks the CHECK
    rows: pn.Plan = pn.Filter(node, px.Compare("!=", c["id"], lit(3))) if failing_u == 1 else node
    plan = pn.Update(
        "doc",
        rows,
        (("u", px.Arith("+", c["u"], lit(2 if failing_u == 1 else 5), INTEGER)),),
        c["rid"].cid,
    )
    with pytest.raises(IntegrityError):
        run(plan, db)
    assert table_state(db) == before
    assert_indexes_agree(db)


def test_update_through_a_join_updates_each_row_once() -> None:
    db = _db()
    db._store.insert("doc", [[1, 2], [None, None], [None, None], ["a", "b"], [1, 2], [None, None]])
    fill(db, "l", [(i, 1, i, None) for i in range(3)])  # three matches for doc 1
    node, c = _doc_scan()
    ls, lc = scan("l", ("k", "v"))
    joined = pn.Join("inner", node, ls, eq(c["id"], lc["k"]))
    plan = pn.Update("doc", joined, (("u", lc["v"]),), c["rid"].cid)
    assert run(plan, db) == [(1,)]
    assert db._store.data("doc").row(0)[5] == 0  # the first match's value


def test_delete_counts_rows_and_ignores_repeats() -> None:
    db = _db()
    fill(db, "l", [(i, i % 2, i, None) for i in range(10)])
    node, c = scan("l", ("id", "k"), rid=True)
    odd = pn.Filter(node, px.Compare("=", c["k"], lit(1)))
    doubled = pn.SetOp("union", True, odd, odd, out_fields([c["id"], c["k"], c["rid"]]))
    plan = pn.Delete("l", doubled, doubled.out[2].cid)
    assert run(plan, db) == [(5,)]
    assert db._store.data("l").live_rids() == [0, 2, 4, 6, 8]
    assert run(pn.Delete("l", odd, c["rid"].cid), db) == [(0,)]
    assert_indexes_agree(db)
