"""Differential test: generated DSL queries give the same answers in memory and on PostgreSQL.

Hypothesis builds random data (with NULLs and duplicates) and random queries from the DSL's
pieces: predicates combining comparisons, IN, LIKE, BETWEEN, IS NULL with AND/OR/NOT;
projections with arithmetic (integer division and remainder included), CASE, COALESCE and
string functions; grouping with aggregates; outer joins; ORDER BY with LIMIT/OFFSET; DISTINCT.
Each query runs on :class:`pyram.Database` and on :func:`pyram.pg.connect`; the answers must be
equal after applying only the differences docs/postgres-backend.md lists: a REAL sum or average
may differ in its last bits (the engines add in different orders), so REALs are compared to 12
significant digits. Rows are compared in order when the query orders by a unique key, as
multisets otherwise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from backends import PostgresBackend
from hypothesis import given, settings
from hypothesis import strategies as st
from test_dsl_execution import Dept, Emp, dept_rows, emp_rows
from test_dsl_upsert import FEED, MODELS, Item, fill, items

import pyram
from pyram import excluded, func


@pytest.fixture(scope="module")
def pg(postgres: Any) -> Iterator[PostgresBackend]:
    backend = PostgresBackend(postgres.dsn)
    try:
        yield backend
    finally:
        backend.close()


ints = st.integers(-5, 75)
floats = st.sampled_from([0.0, 10.5, 100.0, 333.33, 999.99])
strs = st.sampled_from(["ann", "bob", "Dee", "d", "zz", ""])


def _comparison(column: Any, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    ops = st.sampled_from(["<", "<=", ">", ">=", "eq", "ne"])

    def make(op: str, value: Any) -> Any:
        if op == "eq":
            return column.eq(value)
        if op == "ne":
            return column.ne(value)
        return {"<": column < value, "<=": column <= value, ">": column > value,
                ">=": column >= value}[op]  # fmt: skip

    return st.builds(make, ops, values)


leaves = st.one_of(
    _comparison(Emp.age, ints),
    _comparison(Emp.salary, floats),
    _comparison(Emp.name, strs),
    st.just(Emp.dept.is_null()),
    st.just(Emp.salary.is_not_null()),
    st.lists(st.sampled_from(["eng", "ops", "hr"]), min_size=1, max_size=3).map(Emp.dept.in_),
    st.sampled_from(["d%", "%n", "_o_", "%e%", "D%"]).map(Emp.name.like),
    st.tuples(ints, ints).map(lambda b: Emp.age.between(min(b), max(b))),
)
predicates = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: p[0] & p[1]),
        st.tuples(inner, inner).map(lambda p: p[0] | p[1]),
        inner.map(lambda p: ~p),
    ),
    max_leaves=5,
)
divisors = st.integers(-4, 7)  # zero included: x / 0 is NULL on both
expressions = st.one_of(
    st.just(Emp.id),
    st.just(Emp.name),
    st.just(Emp.salary),
    st.just(Emp.dept),
    divisors.map(lambda k: Emp.age / k),
    divisors.map(lambda k: Emp.age % k),
    ints.map(lambda k: Emp.age * 2 - k),
    floats.map(lambda f: func.coalesce(Emp.salary, f)),
    st.just(func.upper(Emp.name)),
    st.just(func.length(Emp.name)),
    ints.map(lambda k: pyram.case((Emp.age < k, "young"), else_=Emp.name)),
    st.just(Emp.salary + 1.5),
)


def _normal(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, tuple):
        return tuple(_normal(v) for v in value)
    return value


def _same(memory: list[Any], postgres: list[Any], ordered: bool) -> None:
    left = [_normal(r) for r in memory]
    right = [_normal(r) for r in postgres]
    if not ordered:
        left, right = sorted(left, key=repr), sorted(right, key=repr)
    assert left == right


def _both(pg: PostgresBackend, depts: Any, emps: Any) -> tuple[Any, Any]:
    dbs = []
    for db in (pyram.Database(), None):
        target = pg.fresh(Dept, Emp) if db is None else db
        if db is not None:
            db.create(Dept, Emp)
        target.insert_many([Dept(n, b) for n, b in depts])
        known = {n for n, _ in depts}
        target.insert_many(
            [Emp(i, n, a, d if d in known else None, s) for i, (n, a, d, s) in enumerate(emps)]
        )
        dbs.append(target)
    return dbs[0], dbs[1]


@given(
    depts=dept_rows,
    emps=emp_rows,
    where=st.none() | predicates,
    cols=st.lists(expressions, min_size=1, max_size=4),
    order=st.booleans(),
    limit=st.none() | st.integers(0, 8),
    distinct=st.booleans(),
)
def test_projections_filters_and_order(
    pg: PostgresBackend, depts: Any, emps: Any, where: Any, cols: Any, order: bool,
    limit: int | None, distinct: bool,
) -> None:  # fmt: skip
    memory, postgres = _both(pg, depts, emps)
    q = pyram.select(*cols)
    if where is not None:
        q = q.where(where)
    if distinct:
        q = q.distinct()
    elif order or limit is not None:
        q = q.order_by(Emp.salary.desc(), Emp.name, Emp.id)
        if limit is not None:
            q = q.limit(limit)
    ordered = not distinct and (order or limit is not None)
    _same(memory.all(q), postgres.all(q), ordered)


@given(
    depts=dept_rows,
    emps=emp_rows,
    where=st.none() | predicates,
    key=st.sampled_from(["dept", "name", "decade"]),
)
def test_groups_and_aggregates(
    pg: PostgresBackend, depts: Any, emps: Any, where: Any, key: str
) -> None:
    memory, postgres = _both(pg, depts, emps)
    group = {"dept": Emp.dept, "name": Emp.name, "decade": (Emp.age / 10).label("decade")}[key]
    q = pyram.select(
        group, func.count(), func.count(Emp.salary), func.sum(Emp.age), func.avg(Emp.salary),
        func.min(Emp.name), func.max(Emp.salary), func.total(Emp.salary),
    ).group_by(group)  # fmt: skip
    if where is not None:
        q = q.where(where)
    _same(memory.all(q), postgres.all(q), ordered=False)
    having = q.having(func.count() > 1).order_by(group)
    _same(memory.all(having), postgres.all(having), ordered=True)


@given(depts=dept_rows, emps=emp_rows, where=st.none() | predicates)
def test_joins_and_subqueries(pg: PostgresBackend, depts: Any, emps: Any, where: Any) -> None:
    memory, postgres = _both(pg, depts, emps)
    joined = pyram.select(Emp.id, Dept.name, Dept.budget).left_join(Dept, on=Emp.dept == Dept.name)
    if where is not None:
        joined = joined.where(where)
    _same(memory.all(joined), postgres.all(joined), ordered=False)
    inner = pyram.select(Emp.dept).where(where) if where is not None else pyram.select(Emp.dept)
    q = pyram.select(Dept.name).where(Dept.name.in_(inner))
    _same(memory.all(q), postgres.all(q), ordered=False)
    counted = pyram.select(Dept.name, func.count(Emp.id)).left_join(
        Emp, on=Emp.dept == Dept.name
    ).group_by(Dept.name).order_by(Dept.name)  # fmt: skip
    _same(memory.all(counted), postgres.all(counted), ordered=True)


@given(depts=dept_rows, emps=emp_rows, where=st.none() | predicates)
def test_window_functions(pg: PostgresBackend, depts: Any, emps: Any, where: Any) -> None:
    memory, postgres = _both(pg, depts, emps)
    q = pyram.select(
        Emp.id,
        func.row_number().over(partition_by=Emp.dept, order_by=Emp.id).label("n"),
        func.rank().over(order_by=Emp.salary).label("by_salary"),
        func.dense_rank().over(order_by=Emp.name).label("by_name"),
        func.sum(Emp.age).over(partition_by=Emp.dept, order_by=Emp.id).label("running"),
        func.lag(Emp.name).over(order_by=Emp.id).label("before"),
        func.count().over(order_by=Emp.age, range=(-5, 0)).label("near"),
    )
    if where is not None:
        q = q.where(where)
    _same(memory.all(q), postgres.all(q), ordered=False)


upsert_keys = st.none() | st.integers(0, 3)
upsert_rows = st.tuples(
    st.integers(0, 6),
    st.none() | st.sampled_from("abc"),
    upsert_keys,
    upsert_keys,
    st.none() | st.integers(-5, 5),
)


def _sqlite(existing: list[Any], proposed: list[Any], verb: str, tail: str) -> Any:
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE TABLE item (id INTEGER PRIMARY KEY NOT NULL, code TEXT UNIQUE, a INTEGER, "
        "b INTEGER, qty INTEGER, UNIQUE (a, b))"
    )
    con.executemany("INSERT INTO item VALUES (?, ?, ?, ?, ?)", existing)
    values = ", ".join(["(?, ?, ?, ?, ?)"] * len(proposed))
    try:
        count = con.execute(
            f"{verb} INTO item SELECT * FROM (VALUES {values}) {tail}",
            [v for row in proposed for v in row],
        ).rowcount
    except sqlite3.Error:
        return "error"
    return count, con.execute("SELECT * FROM item ORDER BY id").fetchall()


def _run(db: pyram.TypedDatabase, statement: Any) -> Any:
    try:
        count = db.execute(statement)
    except pyram.Error:
        return "error"
    return count, items(db)


@settings(max_examples=60, deadline=None)
@given(
    existing=st.lists(upsert_rows, max_size=5, unique_by=(lambda r: r[0], lambda r: r[1])),
    proposed=st.lists(upsert_rows, min_size=1, max_size=6),
    action=st.sampled_from(["ignore", "replace", "update"]),
)
def test_on_conflict_memory_postgres_and_sqlite_agree(
    pg: PostgresBackend, existing: Any, proposed: Any, action: str
) -> None:
    """``insert().on_conflict()`` of generated rows (NULL keys, keys repeated among the
    statement's rows and against the table, three unique keys): the same row count and table
    in memory, on PostgreSQL and on sqlite3 given the same statement as SQL."""
    existing = [
        r
        for i, r in enumerate(existing)
        if r[2] is None or r[3] is None or all((o[2], o[3]) != (r[2], r[3]) for o in existing[:i])
    ]
    statement = pyram.insert(Item).from_select(FEED)
    if action == "update":
        statement = (
            statement.on_conflict("update", Item.id)
            .set(Item.qty, Item.qty + excluded(Item.qty))
            .where(excluded(Item.qty) > -3)
        )
        verb, tail = (
            "INSERT",
            (
                "WHERE true ON CONFLICT (id) DO UPDATE SET qty = qty + excluded.qty "
                "WHERE excluded.qty > -3"
            ),
        )
    else:
        statement = statement.on_conflict(action)  # type: ignore[arg-type]
        verb, tail = f"INSERT OR {action.upper()}", ""
    memory = pyram.Database()
    memory.create(*MODELS)
    fill(memory, existing, proposed)
    on_pg = pg.fresh(*MODELS)
    fill(on_pg, existing, proposed)
    expected = _run(memory, statement)
    assert _run(on_pg, statement) == expected
    if action != "update" or len({r[0] for r in proposed}) == len(proposed):
        # (SQLite updates a row twice where PyRAM and PostgreSQL refuse)
        assert _sqlite(existing, proposed, verb, tail) == expected
