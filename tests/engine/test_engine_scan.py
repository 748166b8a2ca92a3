"""TableScan and IndexScan: batch boundaries, dead rows, row ids, every index access path."""

from __future__ import annotations

import pytest
from engine_testlib import F_TYPES, batches, fill, lit, new_db, physical, run, scan
from hypothesis import given
from hypothesis import strategies as st

from pyram.engine.batch import BATCH_SIZE
from pyram.engine.operators.scan import IndexScanOp, TableScan
from pyram.errors import ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.types import INTEGER, REAL, TEXT


def _rows(n: int) -> list[tuple[int, int | None, int, str]]:
    return [(i, None if i % 7 == 0 else i % 5, i * 2, f"s{i}") for i in range(n)]


@pytest.mark.parametrize("n", [0, 1, BATCH_SIZE - 1, BATCH_SIZE, BATCH_SIZE + 1])
def test_table_scan_returns_every_row_in_batches(n: int) -> None:
    db = new_db()
    fill(db, "l", _rows(n))
    node, _ = scan("l")
    op = physical(node, db)
    assert isinstance(op, TableScan)
    out = batches(op, db)
    assert all(b.length <= BATCH_SIZE and b.selection is None for b in out)
    assert len(out) == -(-n // BATCH_SIZE)
    assert run(node, db) == _rows(n)


def test_table_scan_uses_alive_selection_and_skips_dead_batches() -> None:
    db = new_db()
    n = 3 * BATCH_SIZE + 3
    fill(db, "l", _rows(n))
    dead = {*range(BATCH_SIZE), BATCH_SIZE + 5, n - 1}  # first batch wholly dead
    # fewer dead than live rows: no compaction, the table keeps its holes
    db._store.delete("l", dead)
    assert db._store.data("l").live_count == n - len(dead)
    node, _ = scan("l", ("id", "v"), rid=True)
    out = batches(physical(node, db), db)
    assert len(out) == 3
    assert isinstance(out[0].selection, bytearray)
    assert out[1].selection is None  # no dead row in that slice
    assert isinstance(out[2].selection, bytearray)
    expected = [(i, i * 2, i) for i in range(n) if i not in dead]
    assert run(node, db) == expected


def test_table_scan_zero_columns_counts_rows() -> None:
    db = new_db()
    fill(db, "l", _rows(5))
    db._store.delete("l", [1])
    node = pn.Scan("l", (), ())
    assert run(node, db) == [()] * 4


def test_table_scan_unknown_table() -> None:
    db = new_db()
    with pytest.raises(ProgrammingError):
        run(pn.Scan("nope", (), ()), db)


def _index_scan(**kwargs: object) -> tuple[pn.IndexScan, dict[str, px.ColumnRef]]:
    base, refs = scan("l", ("id", "k"), rid=bool(kwargs.pop("rid", False)))
    node = pn.IndexScan(
        "l",
        str(kwargs.pop("index", "l_k_idx")),
        base.columns,
        base.out,
        rid_cid=base.rid_cid,
        **kwargs,  # type: ignore[arg-type]
    )
    return node, refs


def test_index_scan_equality_in_probe_order_skipping_nulls_and_repeats() -> None:
    db = new_db()
    fill(db, "l", _rows(40))
    keys = ((lit(3),), (lit(None),), (lit(1),), (lit(3),), (lit(99),))
    node, _ = _index_scan(keys=keys)
    op = physical(node, db)
    assert isinstance(op, IndexScanOp) and op.access == "equality"
    rows = run(node, db)
    expected = [(i, 3) for i in range(40) if i % 7 and i % 5 == 3]
    expected += [(i, 1) for i in range(40) if i % 7 and i % 5 == 1]
    assert rows == expected


def test_index_scan_equality_with_params_and_unique_index() -> None:
    db = new_db()
    fill(db, "l", _rows(10))
    base, _ = scan("l", ("id", "s"), rid=True)
    node = pn.IndexScan(
        "l",
        "l_pkey",
        base.columns,
        base.out,
        keys=((px.Param("x", INTEGER),),),
        rid_cid=base.rid_cid,
    )
    assert run(node, db, {"x": 4}) == [(4, "s4", 4)]
    assert run(node, db, {"x": 42}) == []
    with pytest.raises(ProgrammingError):
        run(node, db)


@given(
    st.integers(-1, 6) | st.none(),
    st.integers(-1, 6) | st.none(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_index_scan_range_matches_filter(
    low: int | None, high: int | None, low_inc: bool, high_inc: bool, desc: bool
) -> None:
    db = new_db()
    fill(db, "l", _rows(60))
    node, _ = _index_scan(
        low=None if low is None else (lit(low),),
        high=None if high is None else (lit(high),),
        low_inclusive=low_inc,
        high_inclusive=high_inc,
        descending=desc,
    )
    rows = run(node, db)
    live = [(i, k) for i, k, _, _ in _rows(60)]
    if low is None and high is None:
        # full ordered scan: (key, rid) order, NULLs first; descending flips the whole sequence
        nulls = [r for r in live if r[1] is None]
        body = sorted((r for r in live if r[1] is not None), key=lambda r: (r[1], r[0]))
        expected = nulls + body
        assert rows == (expected[::-1] if desc else expected)
        return

    def inside(k: int | None) -> bool:
        if k is None:
            return False
        ok_low = low is None or (k >= low if low_inc else k > low)
        ok_high = high is None or (k <= high if high_inc else k < high)
        return ok_low and ok_high

    expected = sorted((r for r in live if inside(r[1])), key=lambda r: (r[1], r[0]), reverse=desc)
    assert rows == expected


def test_index_scan_null_bound_matches_nothing() -> None:
    db = new_db()
    fill(db, "l", _rows(10))
    node, _ = _index_scan(low=(lit(None),))
    assert run(node, db) == []


def test_index_scan_composite_prefix_range() -> None:
    db = new_db()
    rows = [(i, float(i % 4), ["a", "b", None][i % 3]) for i in range(30)]
    fill(db, "f", rows)
    fields = tuple(
        px.Field(5000 + i, c, F_TYPES[c], True, "f") for i, c in enumerate(("id", "x", "g"))
    )
    eq_node = pn.IndexScan(
        "f",
        "f_g_x_idx",
        ("id", "x", "g"),
        fields,
        keys=((px.Literal_("b", TEXT), px.Literal_(1.0, REAL)),),
    )
    assert run(eq_node, db) == [r for r in rows if r[2] == "b" and r[1] == 1.0]
    prefix_node = pn.IndexScan(
        "f", "f_g_x_idx", ("id", "x", "g"), fields, keys=((px.Literal_("a", TEXT),),)
    )
    assert run(prefix_node, db) == sorted(
        (r for r in rows if r[2] == "a"), key=lambda r: (r[1], r[0])
    )
    range_node = pn.IndexScan(
        "f",
        "f_g_x_idx",
        ("id", "x", "g"),
        fields,
        low=(px.Literal_("a", TEXT),),
        high=(px.Literal_("a", TEXT),),
    )
    got = run(range_node, db)
    assert got == sorted((r for r in rows if r[2] == "a"), key=lambda r: (r[1], r[0]))


def test_index_scan_range_on_hash_index_is_an_error() -> None:
    db = new_db()
    base, _ = scan("r", ("id", "k"))
    node = pn.IndexScan("r", "r_k_idx", base.columns, base.out, low=(lit(1),))
    with pytest.raises(ProgrammingError):
        run(node, db)
    missing, _ = _index_scan(index="nope", keys=((lit(1),),))
    with pytest.raises(ProgrammingError):
        run(missing, db)


def test_index_scan_stops_early_under_limit() -> None:
    db = new_db()
    fill(db, "l", _rows(3 * BATCH_SIZE))
    node, _ = _index_scan(rid=True)
    limited = pn.Limit(node, lit(3))
    rows = run(limited, db)
    assert rows == [(i, None, i) for i in range(0, 21, 7)]
