"""The Window operator on hand-built plans: partitions, peers, frames, EXCLUDE, FILTER, batch
edges, and the frame kernels' linear paths against a brute-force reference."""

from __future__ import annotations

from typing import Any

import pytest
from engine_testlib import batches, fill, lit, new_db, physical, run, scan, sqlite_mirror
from hypothesis import given, settings
from hypothesis import strategies as st

from pyram.engine.batch import BATCH_SIZE
from pyram.engine.operators.window import WindowOp
from pyram.errors import OperationalError
from pyram.functions.window import peers_of
from pyram.functions.window_frames import frame_aggregate, frame_bounds, frame_value
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.plan.builder import PlanBuilder

B = PlanBuilder()


def _window(
    calls: list[px.WindowCall],
    partition: tuple[str, ...] = (),
    order: tuple[str, ...] = (),
) -> tuple[pn.Window, dict[str, px.ColumnRef]]:
    node, c = scan("l")
    keys = [px.SortKey(c[name]) for name in order]
    return B.window(node, [c[p] for p in partition], keys, calls, [x.name for x in calls]), c


def _rows(db: Any, plan: pn.Plan) -> list[tuple[Any, ...]]:
    return run(physical(plan, db), db)


def test_empty_input_gives_no_rows() -> None:
    db = new_db()
    node, _ = scan("l")
    plan = B.window(node, [], [], [B.window_call("row_number", [])], ["rn"])
    assert _rows(db, plan) == []


def test_one_row_every_ranking_function() -> None:
    db = new_db()
    fill(db, "l", [(1, 5, None, "a")])
    node, c = scan("l")
    names = ["row_number", "rank", "dense_rank", "percent_rank", "cume_dist"]
    calls = [B.window_call(n, []) for n in names] + [B.window_call("ntile", [lit(3)])]
    plan = B.window(node, [], [px.SortKey(c["k"])], calls, [*names, "ntile"])
    assert _rows(db, plan) == [(1, 5, None, "a", 1, 1, 1, 0.0, 1.0, 1)]


def test_partitions_and_peers_with_nulls() -> None:
    db = new_db()
    fill(db, "l", [(1, 1, 10, "a"), (2, None, 5, "b"), (3, 1, 10, "c"), (4, 2, None, "d")])
    node, c = scan("l")
    calls = [B.window_call("rank", []), B.window_call("sum", [c["v"]])]
    plan = B.window(node, [c["k"]], [px.SortKey(c["v"])], calls, ["rank", "sum"])
    rows = _rows(db, plan)
    # the NULL partition and NULL order keys are partitions and peers like any value; peers
    # share the running sum; rows keep their input order (the query has no ORDER BY)
    assert rows == [
        (1, 1, 10, "a", 1, 20),
        (2, None, 5, "b", 1, 5),
        (3, 1, 10, "c", 1, 20),
        (4, 2, None, "d", 1, None),
    ]


def test_all_null_values_aggregate_to_null_and_zero() -> None:
    db = new_db()
    fill(db, "l", [(i, 0, None, None) for i in range(4)])
    node, c = scan("l")
    calls = [B.window_call(n, [c["v"]]) for n in ("sum", "count", "total", "min", "avg")]
    plan = B.window(node, [], [], calls, ["s", "c", "t", "m", "a"])
    assert {r[4:] for r in _rows(db, plan)} == {(None, 0, 0.0, None, None)}


@pytest.mark.parametrize("size", [BATCH_SIZE - 1, BATCH_SIZE, BATCH_SIZE + 1])
def test_batch_edges(size: int) -> None:
    db = new_db()
    fill(db, "l", [(i, i % 3, i, None) for i in range(size)])
    node, c = scan("l")
    calls = [B.window_call("row_number", []), B.window_call("sum", [c["v"]])]
    plan = B.window(node, [c["k"]], [px.SortKey(c["id"])], calls, ["rn", "s"])
    op = physical(plan, db)
    assert isinstance(op, WindowOp)
    out = batches(op, db)
    assert sum(b.row_count for b in out) == size
    assert all(b.length <= BATCH_SIZE for b in out)
    rows = [r for b in out for r in zip(*b.columns, strict=True)]
    assert [r[0] for r in rows] == list(range(size))  # input order across batch edges
    last = rows[-1]  # the last row of its partition: its running count and sum cover it all
    group = [i for i in range(size) if i % 3 == (size - 1) % 3]
    assert last[4] == len(group)
    assert last[5] == sum(group)


def test_early_stop_reads_no_further_batches() -> None:
    db = new_db()
    fill(db, "l", [(i, 0, i, None) for i in range(2 * BATCH_SIZE + 5)])
    node, c = scan("l")
    plan = B.window(node, [], [px.SortKey(c["id"])], [B.window_call("row_number", [])], ["rn"])
    first = next(iter(physical(plan, db).execute(_ctx(db))))
    assert first.length == BATCH_SIZE and first.columns[4][:3] == [1, 2, 3]


def _ctx(db: Any) -> Any:
    from pyram.engine.operator import ExecContext

    return ExecContext(db._store)


def test_filter_and_count_star_in_a_window() -> None:
    db = new_db()
    fill(db, "l", [(1, 0, 1, None), (2, 0, 5, None), (3, 0, None, None), (4, 0, 7, None)])
    node, c = scan("l")
    keep = px.Compare(">", c["v"], lit(2))
    calls = [B.window_call("count_star", [], filter=keep), B.window_call("count_star", [])]
    plan = B.window(node, [], [px.SortKey(c["id"])], calls, ["kept", "all"])
    assert [r[4:] for r in _rows(db, plan)] == [(0, 1), (1, 2), (1, 3), (2, 4)]


def test_bad_offsets_fail_at_run_time() -> None:
    db = new_db()
    fill(db, "l", [(1, 0, 1, None)])
    node, c = scan("l")
    frame = px.WindowFrame("rows", px.FrameBound("preceding", B.param("n")))
    plan = B.window(node, [], [], [B.window_call("sum", [c["v"]], frame)], ["s"])
    with pytest.raises(OperationalError, match="non-negative integer"):
        run(physical(plan, db), db, {"n": -1})
    assert run(physical(plan, db), db, {"n": 0}) == [(1, 0, 1, None, 1)]


# ---------------------------------------------------------------------- frame kernels
FRAMES = st.tuples(
    st.sampled_from(["rows", "groups", "range"]),
    st.sampled_from(["unbounded_preceding", "preceding", "current_row", "following"]),
    st.sampled_from(["preceding", "current_row", "following", "unbounded_following"]),
    st.integers(0, 3),
    st.integers(0, 3),
    st.sampled_from(["no_others", "current_row", "group", "ties"]),
)


def _brute(name: str, values: list[Any], lo: int, hi: int, skip: set[int]) -> Any:
    frame = [values[j] for j in range(lo, hi) if j not in skip and values[j] is not None]
    if name == "count":
        return len(frame)
    if name == "sum":
        return sum(frame) if frame else None
    if name == "min":
        return min(frame) if frame else None
    return max(frame) if frame else None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 4), max_size=12),
    st.lists(st.integers(-5, 5) | st.none(), min_size=12, max_size=12),
    FRAMES,
    st.sampled_from(["sum", "count", "min", "max"]),
)
def test_linear_kernels_match_brute_force(
    keys: list[int], values: list[Any], frame: tuple[Any, ...], name: str
) -> None:
    unit, start, end, a, b, exclude = frame
    keys = sorted(keys)
    values = values[: len(keys)]
    peers = peers_of(keys, len(keys))
    lo, hi = frame_bounds(unit, (start, a), (end, b), peers, keys, False)
    from pyram.functions import aggregate_function

    impl = aggregate_function(name).impl
    got = frame_aggregate(name, impl, [], values, lo, hi, exclude, peers)
    firsts = frame_value("first_value", values, None, lo, hi, exclude, peers)
    lasts = frame_value("last_value", values, None, lo, hi, exclude, peers)
    seconds = frame_value("nth_value", values, [2] * len(keys), lo, hi, exclude, peers)
    for i in range(len(keys)):
        ps, pe = peers.row_starts()[i], peers.row_ends()[i]
        skip = {
            "no_others": set(),
            "current_row": {i},
            "group": set(range(ps, pe)),
            "ties": set(range(ps, pe)) - {i},
        }[exclude]
        assert got[i] == _brute(name, values, lo[i], hi[i], skip), (i, lo[i], hi[i])
        rows = [j for j in range(lo[i], hi[i]) if j not in skip]
        assert firsts[i] == (values[rows[0]] if rows else None)
        assert lasts[i] == (values[rows[-1]] if rows else None)
        assert seconds[i] == (values[rows[1]] if len(rows) > 1 else None)


def test_window_over_sqlite_mirror() -> None:
    db = new_db()
    fill(db, "l", [(i, i % 3 or None, (i * 7) % 5, "xyz"[i % 3]) for i in range(20)])
    expected = (
        sqlite_mirror(db)
        .execute(
            "SELECT id, sum(v) OVER (PARTITION BY k ORDER BY v, id ROWS BETWEEN 2 PRECEDING AND "
            "1 FOLLOWING), max(v) OVER (PARTITION BY k ORDER BY v, id ROWS BETWEEN 2 PRECEDING AND "
            "1 FOLLOWING) FROM l ORDER BY id"
        )
        .fetchall()
    )
    node, c = scan("l")
    frame = px.WindowFrame(
        "rows", px.FrameBound("preceding", lit(2)), px.FrameBound("following", lit(1))
    )
    calls = [B.window_call(n, [c["v"]], frame) for n in ("sum", "max")]
    keys = [px.SortKey(c["v"]), px.SortKey(c["id"])]
    plan = B.window(node, [c["k"]], keys, calls, ["s", "m"])
    rows = sorted((r[0], r[4], r[5]) for r in _rows(db, plan))
    assert rows == expected


def test_explain_golden() -> None:
    db = new_db()
    fill(db, "l", [(1, 0, 1, "a")])
    node, c = scan("l")
    frame = px.WindowFrame(
        "groups",
        px.FrameBound("preceding", lit(1)),
        px.FrameBound("current_row"),
        "ties",
    )
    calls = [B.window_call("rank", []), B.window_call("sum", [c["v"]], frame)]
    plan = B.window(node, [c["k"]], [px.SortKey(c["v"], True)], calls, ["r", "s"])
    from pyram.engine import explain
    from pyram.optimizer.display import format_plan

    assert explain(physical(plan)).splitlines()[0] == (
        "Window rank(), sum(v) [GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE TIES] "
        "OVER (PARTITION BY k ORDER BY v DESC) (est. rows 0)"
    )
    assert format_plan(plan).splitlines()[0] == (
        "Window [PARTITION BY k ORDER BY v DESC] [rank() AS r, sum(v) [GROUPS BETWEEN 1 "
        "PRECEDING AND CURRENT ROW EXCLUDE TIES] AS s]"
    )
