"""Hypothesis strategies for window-function queries, run against sqlite3 by
``test_sql_window_differential.py`` (through ``differential_strategies.check_case``).

One table ``t(id INTEGER PRIMARY KEY, g, a INTEGER, b REAL)`` with few distinct values (ties
and NULLs are common). Queries select ``id`` and 1-3 window expressions (so rows compare as
multisets): ranking functions, lag/lead, first/last/nth_value and aggregates (with FILTER),
over PARTITION BY / ORDER BY (directions, NULLS FIRST/LAST) and ROWS / RANGE / GROUPS frames
with EXCLUDE, through inline or named windows (``WINDOW w AS``, ``OVER (w ...)``); or an
aggregate query with windows over its groups. Where a result depends on the order *within*
peers (row_number, lag, ROWS frames, group_concat...), ``id`` ends the window's ORDER BY, so
both engines see one order. Some queries are invalid on purpose (a window function in WHERE).
"""

from __future__ import annotations

from typing import Any

from differential_strategies import INT, REAL, Case, ColumnDef, Query, TableDef
from hypothesis import strategies as st

G_VALUES = (None, 1, 2, 3)
A_VALUES = (None, 0, 1, 2, 2, 5, -1)
B_VALUES = (None, 0.5, 1.0, 1.25, -2.5, 3.0)

#: functions whose value does not depend on the order of peers (under a peer-based frame)
PEER_SAFE_AGGREGATES = ("count(*)", "count(a)", "sum(a)", "total(b)", "avg(a)", "min(b)", "max(a)")
ORDER_AGGREGATES = ("group_concat(a)", "group_concat(a, '-')")
RANKS = ("rank()", "dense_rank()", "percent_rank()", "cume_dist()")
ORDERED = (
    "row_number()",
    "ntile(3)",
    "lag(a)",
    "lead(b, 2)",
    "lag(a, 1, -7)",
    "lead(a, 1, a)",
    "first_value(b)",
    "last_value(a)",
    "nth_value(a, 2)",
)


@st.composite
def window_table(draw: Any) -> TableDef:
    cols = (
        ColumnDef("id", INT, pk=True),
        ColumnDef("g", INT),
        ColumnDef("a", INT),
        ColumnDef("b", REAL),
    )
    count = draw(st.integers(0, 12))
    rows = tuple(
        (
            i,
            draw(st.sampled_from(G_VALUES)),
            draw(st.sampled_from(A_VALUES)),
            draw(st.sampled_from(B_VALUES)),
        )
        for i in range(count)
    )
    return TableDef("t", cols, rows)


def _order_terms(draw: Any, keys: list[str]) -> list[str]:
    terms = []
    for key in keys:
        term = key + draw(st.sampled_from(["", " DESC", " ASC"]))
        term += draw(st.sampled_from(["", "", " NULLS FIRST", " NULLS LAST"]))
        terms.append(term)
    return terms


def _bound(draw: Any, start: bool) -> str:
    n = draw(st.integers(0, 2))
    choices = [f"{n} PRECEDING", "CURRENT ROW", f"{n} FOLLOWING"]
    choices.append("UNBOUNDED PRECEDING" if start else "UNBOUNDED FOLLOWING")
    return str(draw(st.sampled_from(choices)))


def _frame(draw: Any, units: list[str]) -> str:
    unit = draw(st.sampled_from(units))
    if draw(st.booleans()):
        body = f"BETWEEN {_bound(draw, True)} AND {_bound(draw, False)}"
    else:
        body = draw(st.sampled_from(["UNBOUNDED PRECEDING", "1 PRECEDING", "CURRENT ROW"]))
    exclude = draw(
        st.sampled_from(
            [
                "",
                "",
                " EXCLUDE NO OTHERS",
                " EXCLUDE CURRENT ROW",
                " EXCLUDE GROUP",
                " EXCLUDE TIES",
            ]
        )
    )
    return f"{unit} {body}{exclude}"


@st.composite
def window_call(draw: Any, grouped: bool) -> str:
    """One ``f(...) OVER (...)`` over table t (or over its groups by g when ``grouped``)."""
    if grouped:
        columns, aggregates = ["g"], ["count(*)", "sum(a)", "max(b)"]
    else:
        columns, aggregates = ["g", "a", "b"], []
    partition = draw(st.lists(st.sampled_from(columns), max_size=1 if grouped else 2, unique=True))
    order_keys = draw(st.lists(st.sampled_from(columns + aggregates), max_size=2, unique=True))
    kind = draw(st.sampled_from(["rank", "ordered", "agg", "order_agg"]))
    if grouped:
        inner = draw(st.sampled_from(aggregates))
        func = {
            "rank": draw(st.sampled_from(RANKS)),
            "ordered": draw(
                st.sampled_from(["row_number()", f"lag({inner})", f"first_value({inner})"])
            ),
            "agg": f"{draw(st.sampled_from(['sum', 'max', 'count']))}({inner})",
            "order_agg": f"group_concat({draw(st.sampled_from(aggregates[:2]))})",
        }[kind]
    else:
        func = {
            "rank": draw(st.sampled_from(RANKS)),
            "ordered": draw(st.sampled_from(ORDERED)),
            "agg": draw(st.sampled_from(PEER_SAFE_AGGREGATES)),
            "order_agg": draw(st.sampled_from(ORDER_AGGREGATES)),
        }[kind]
        # SQLite 3.40 ignores FILTER on min()/max() used as window functions (it returns the
        # unfiltered extreme); PyRAM filters, as the standard says: not compared here
        if kind in ("agg", "order_agg") and draw(st.integers(0, 3)) == 3 and "m" not in func[:2]:
            func += " FILTER (WHERE a > 0)"
    frame = ""
    total_order = kind in ("ordered", "order_agg")
    frame_reader = func.startswith(("first_value", "last_value", "nth_value"))
    if (kind in ("agg", "order_agg") or frame_reader) and draw(st.integers(0, 2)) > 0:
        frame = _frame(draw, ["rows", "groups", "range"])
        total_order = total_order or frame.startswith("rows")
        offset = any(c.isdigit() for c in frame.split("EXCLUDE")[0])
        if frame.startswith("range") and offset and (len(order_keys) != 1 or total_order):
            # RANGE with an offset needs exactly one ORDER BY term: no tie-breaker
            frame = frame.replace("range", "groups", 1)
    terms = _order_terms(draw, order_keys)
    if total_order:
        terms.append("g" if grouped else "id")
    spec = []
    if partition:
        spec.append("PARTITION BY " + ", ".join(partition))
    if terms:
        spec.append("ORDER BY " + ", ".join(terms))
    if frame:
        spec.append(frame.upper())
    return f"{func} OVER ({' '.join(spec)})"


@st.composite
def window_query(draw: Any) -> Query:
    """A query with 1-3 window calls (sometimes named windows, FILTER, an ORDER BY by a window
    call; sometimes over GROUP BY g; sometimes invalid: a window call in WHERE)."""
    grouped = draw(st.integers(0, 3)) == 3
    calls = draw(st.lists(window_call(grouped), min_size=1, max_size=3))
    select = "g, count(*)" if grouped else "id, g, a"
    if grouped and draw(st.booleans()):
        # FILTER on plain aggregates too
        select += ", sum(a) FILTER (WHERE b > 0), count(*) FILTER (WHERE a IS NULL OR a > 1)"
    tail = " GROUP BY g" if grouped else ""
    if not grouped and draw(st.integers(0, 4)) == 4:
        tail = " WHERE a IS NOT NULL" + tail
    named = ""
    if not grouped and draw(st.integers(0, 3)) == 3:
        # the first call's window goes through a named window: OVER w or OVER (w ORDER BY ...)
        call = calls[0]
        head, spec = call.split(" OVER (", 1)
        spec = spec[:-1]
        if spec.startswith("PARTITION BY") and " ORDER BY " in spec:
            partition, rest = spec.split(" ORDER BY ", 1)
            named = f" WINDOW w AS ({partition})"
            calls[0] = f"{head} OVER (w ORDER BY {rest})"
        else:
            named = f" WINDOW w AS ({spec})"
            calls[0] = f"{head} OVER w"
    if draw(st.integers(0, 9)) == 9:
        return Query(f"SELECT {select} FROM t WHERE {calls[0]} > 0", ordered=False, invalid=True)
    order = ""
    if draw(st.integers(0, 4)) == 4:
        order = f" ORDER BY {calls[-1]}"
    sql = f"SELECT {select}, {', '.join(calls)} FROM t{tail}{named}{order}"
    return Query(sql, ordered=False)


@st.composite
def window_cases(draw: Any) -> Case:
    """A table with rows and 1-3 window queries over it."""
    table = draw(window_table())
    queries = tuple(draw(window_query()) for _ in range(draw(st.integers(1, 3))))
    return Case((table,), queries)
