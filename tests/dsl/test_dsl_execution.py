"""DSL queries agree with a plain-Python reference on random data, on both backends.

Every test taking ``backend`` runs twice: on PyRAM in memory and on PostgreSQL through
``pyram.pg`` (tests/dsl/backends.py); the few that inspect the in-memory engine's internals
(plan cache, snapshots of iterators) run in memory only.

Data comes from hypothesis with NULLs, duplicate keys and empty tables; each test builds a
query with the DSL and computes the expected answer with list comprehensions that spell out
SQL's rules (three-valued logic, NULLs first ascending, integer division...).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from backends import backend_fixture  # noqa: F401  (the ``backend`` fixture)
from hypothesis import given
from hypothesis import strategies as st

import pyram
from pyram import Col, column, func


@pyram.table
class Dept(pyram.Table):
    name: Col[str] = column(primary_key=True)
    budget: Col[float | None] = None


@pyram.table
class Emp(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    age: Col[int] = column(index=True)
    dept: Col[str | None] = column(default=None, references=lambda: Dept.name, index="hash")
    salary: Col[float | None] = None


DEPTS = ["eng", "ops", "sales", "hr"]
names = st.sampled_from(["ann", "bob", "cy", "Dee", "ed"])
emp_rows = st.lists(
    st.tuples(
        names,
        st.integers(min_value=18, max_value=70),
        st.none() | st.sampled_from(DEPTS),
        st.none()
        | st.floats(min_value=0, max_value=1000, allow_nan=False).map(lambda f: round(f, 2)),
    ),
    max_size=40,
)
dept_rows = st.lists(
    st.tuples(st.sampled_from(DEPTS), st.none() | st.floats(0, 1e6, allow_nan=False)),
    max_size=4,
    unique_by=lambda t: t[0],
)


def load(
    depts: list[tuple[str, float | None]], emps: list[tuple[Any, ...]], backend: Any = None
) -> Any:
    db = pyram.Database() if backend is None else backend.fresh(Dept, Emp)
    if backend is None:
        db.create(Dept, Emp)
    db.insert_many([Dept(n, b) for n, b in depts])
    known = {n for n, _ in depts}
    rows = [Emp(i, n, a, d if d in known else None, s) for i, (n, a, d, s) in enumerate(emps)]
    db.insert_many(rows)
    return db


def emps_of(db: pyram.TypedDatabase) -> list[Emp]:
    return sorted(db.all(Emp.select()), key=lambda e: e.id)


def sql_key(value: Any) -> tuple[int, Any]:
    """Sort key putting NULL first, as SQLite does in ascending order."""
    return (0, 0) if value is None else (1, value)


@given(depts=dept_rows, emps=emp_rows, limit=st.integers(18, 70))
def test_where_comparisons_and_three_valued_logic(
    backend: Any, depts: Any, emps: Any, limit: int
) -> None:
    db = load(depts, emps, backend)
    every = emps_of(db)
    q = Emp.select().where((Emp.age > limit) | (Emp.salary < 100.0))
    expected = [e.id for e in every if e.age > limit or (e.salary is not None and e.salary < 100)]
    assert sorted(e.id for e in db.all(q)) == expected
    q2 = Emp.select().where(~(Emp.salary > 500.0))  # NOT of NULL is NULL: no row
    expected2 = [e.id for e in every if e.salary is not None and not e.salary > 500]
    assert sorted(e.id for e in db.all(q2)) == expected2
    q3 = pyram.select(Emp.id).where(Emp.dept.is_null() & (Emp.age.between(20, limit)))
    expected3 = [e.id for e in every if e.dept is None and 20 <= e.age <= limit]
    assert sorted(r[0] for r in db.all(q3)) == expected3


@given(depts=dept_rows, emps=emp_rows)
def test_in_not_in_like(backend: Any, depts: Any, emps: Any) -> None:
    db = load(depts, emps, backend)
    every = emps_of(db)
    got = db.all(pyram.select(Emp.id).where(Emp.dept.in_(["eng", "ops"])))
    assert sorted(r[0] for r in got) == [e.id for e in every if e.dept in ("eng", "ops")]
    got = db.all(pyram.select(Emp.id).where(Emp.dept.not_in(["eng"])))
    assert sorted(r[0] for r in got) == [
        e.id for e in every if e.dept is not None and e.dept != "eng"
    ]
    got = db.all(pyram.select(Emp.id).where(Emp.name.like("d%")))  # LIKE is case-insensitive
    assert sorted(r[0] for r in got) == [e.id for e in every if e.name.lower().startswith("d")]


@given(depts=dept_rows, emps=emp_rows, n=st.integers(0, 10), skip=st.integers(0, 5))
def test_order_by_nulls_limit_offset(
    backend: Any, depts: Any, emps: Any, n: int, skip: int
) -> None:
    db = load(depts, emps, backend)
    every = emps_of(db)
    q = pyram.select(Emp.id, Emp.salary).order_by(Emp.salary.desc(), Emp.id).limit(n).offset(skip)
    # descending: NULLs last; ties broken by id ascending
    ordered = sorted(every, key=lambda e: e.id)
    ordered = sorted(ordered, key=lambda e: sql_key(e.salary), reverse=True)
    assert db.all(q) == [(e.id, e.salary) for e in ordered][skip : skip + n]
    q2 = Emp.select().order_by(Emp.dept, Emp.age.desc(), Emp.id)
    ordered2 = sorted(every, key=lambda e: e.id)
    ordered2 = sorted(ordered2, key=lambda e: e.age, reverse=True)
    ordered2 = sorted(ordered2, key=lambda e: sql_key(e.dept))
    assert [e.id for e in db.all(q2)] == [e.id for e in ordered2]


@given(depts=dept_rows, emps=emp_rows)
def test_group_by_aggregates(backend: Any, depts: Any, emps: Any) -> None:
    db = load(depts, emps, backend)
    every = emps_of(db)
    q = pyram.select(
        Emp.dept,
        func.count(),
        func.count(Emp.salary),
        func.sum(Emp.salary),
        func.min(Emp.age),
        func.max(Emp.salary),
        func.avg(Emp.age),
    ).group_by(Emp.dept)
    groups: dict[Any, list[Emp]] = {}
    for e in every:
        groups.setdefault(e.dept, []).append(e)
    expected = []
    for dept, members in groups.items():
        salaries = [m.salary for m in members if m.salary is not None]
        expected.append(
            (
                dept,
                len(members),
                len(salaries),
                sum(salaries) if salaries else None,
                min(m.age for m in members),
                max(salaries) if salaries else None,
                sum(m.age for m in members) / len(members),
            )
        )
    got = db.all(q)
    assert sorted(got, key=lambda r: sql_key(r[0])) == sorted(expected, key=lambda r: sql_key(r[0]))


@given(emps=emp_rows)
def test_aggregates_without_groups_on_any_input(backend: Any, emps: Any) -> None:
    db = load([], emps, backend)
    every = emps_of(db)
    got = db.one(pyram.select(func.count(), func.sum(Emp.age), func.max(Emp.name)))
    ages = [e.age for e in every]
    assert got == (
        len(every),
        sum(ages) if ages else None,
        max((e.name for e in every), default=None),
    )
    assert db.scalar(pyram.select(func.count()).select_from(Emp).where(Emp.age > 200)) == 0


@given(depts=dept_rows, emps=emp_rows, minimum=st.integers(0, 3))
def test_having(backend: Any, depts: Any, emps: Any, minimum: int) -> None:
    db = load(depts, emps, backend)
    counts = Counter(e.age // 10 for e in emps_of(db))
    decade = (Emp.age / 10).label("decade")
    q = pyram.select(decade, func.count()).group_by(decade).having(func.count() > minimum)
    assert sorted(db.all(q)) == sorted((d, c) for d, c in counts.items() if c > minimum)


@given(depts=dept_rows, emps=emp_rows)
def test_joins(backend: Any, depts: Any, emps: Any) -> None:
    db = load(depts, emps, backend)
    every = emps_of(db)
    budget = dict(depts)
    inner = db.all(pyram.select(Emp.id, Dept.budget).join(Dept))
    assert sorted(inner) == sorted((e.id, budget[e.dept]) for e in every if e.dept in budget)
    left = db.all(pyram.select(Emp.id, Dept.name).left_join(Dept, on=Emp.dept == Dept.name))
    assert sorted(left) == sorted((e.id, e.dept if e.dept in budget else None) for e in every)
    per_dept = db.all(
        pyram.select(Dept.name, func.count(Emp.id))
        .left_join(Emp, on=Emp.dept == Dept.name)
        .group_by(Dept.name)
    )
    assert sorted(per_dept) == sorted((d, sum(1 for e in every if e.dept == d)) for d in budget)


@given(emps=emp_rows)
def test_self_join_with_alias(backend: Any, emps: Any) -> None:
    db = load([], emps, backend)
    every = emps_of(db)
    older = pyram.alias(Emp, "older")
    q = pyram.select(Emp.id, older.id).join(
        older, on=(older.age > Emp.age) & (older.name == Emp.name)
    )
    expected = [(a.id, b.id) for a in every for b in every if b.age > a.age and b.name == a.name]
    assert sorted(db.all(q)) == sorted(expected)


@given(depts=dept_rows, emps=emp_rows)
def test_distinct_and_set_operations(backend: Any, depts: Any, emps: Any) -> None:
    db = load(depts, emps, backend)
    every = emps_of(db)
    assert sorted(db.all(pyram.select(Emp.name).distinct()), key=repr) == sorted(
        {(e.name,) for e in every}, key=repr
    )
    young = pyram.select(Emp.name).where(Emp.age < 40)
    rich = pyram.select(Emp.name).where(Emp.salary > 500.0)
    y = [e.name for e in every if e.age < 40]
    r = [e.name for e in every if e.salary is not None and e.salary > 500]
    assert sorted(db.all(young.union(rich))) == sorted((n,) for n in set(y) | set(r))
    assert sorted(db.all(young.union_all(rich))) == sorted((n,) for n in y + r)
    assert sorted(db.all(young.intersect(rich))) == sorted((n,) for n in set(y) & set(r))
    assert sorted(db.all(young.except_(rich))) == sorted((n,) for n in set(y) - set(r))


@given(depts=dept_rows, emps=emp_rows)
def test_subqueries(backend: Any, depts: Any, emps: Any) -> None:
    db = load(depts, emps, backend)
    every = emps_of(db)
    funded = pyram.select(Dept.name).where(Dept.budget > 1000.0)
    got = db.all(pyram.select(Emp.id).where(Emp.dept.in_(funded)))
    names = {d for d, b in depts if b is not None and b > 1000}
    assert sorted(got) == sorted((e.id,) for e in every if e.dept in names)
    # correlated EXISTS: departments with someone older than 60
    q = pyram.select(Dept.name).where(
        pyram.exists(pyram.select(Emp.id).where((Emp.dept == Dept.name) & (Emp.age > 60)))
    )
    expected = {d for d, _ in depts if any(e.dept == d and e.age > 60 for e in every)}
    assert sorted(db.all(q)) == sorted((d,) for d in expected)
    # scalar subquery: people older than the average
    avg_age = pyram.select(func.avg(Emp.age)).scalar_subquery()
    got = db.all(pyram.select(Emp.id).where(Emp.age > avg_age))
    mean = sum(e.age for e in every) / len(every) if every else None
    assert sorted(got) == sorted((e.id,) for e in every if mean is not None and e.age > mean)


@given(emps=emp_rows)
def test_expressions_case_arithmetic_functions(backend: Any, emps: Any) -> None:
    db = load([], emps, backend)
    every = emps_of(db)
    q = pyram.select(
        Emp.id,
        Emp.age * 2 + 1,
        Emp.age / 7,
        Emp.age % 7,
        pyram.case((Emp.age < 30, "young"), (Emp.age < 50, "mid"), else_="senior"),
        func.upper(Emp.name),
        func.coalesce(Emp.salary, -1.0),
        Emp.salary + 1.0,
    ).order_by(Emp.id)
    expected = [
        (
            e.id,
            e.age * 2 + 1,
            e.age // 7,
            e.age % 7,
            "young" if e.age < 30 else "mid" if e.age < 50 else "senior",
            e.name.upper(),
            -1.0 if e.salary is None else e.salary,
            None if e.salary is None else e.salary + 1.0,
        )
        for e in every
    ]
    assert db.all(q) == expected


@given(emps=emp_rows, bump=st.integers(1, 5))
def test_update_delete_insert_statements(backend: Any, emps: Any, bump: int) -> None:
    db = load([], emps, backend)
    before = emps_of(db)
    changed = db.execute(pyram.update(Emp).set(Emp.age, Emp.age + bump).where(Emp.age < 40))
    assert changed == sum(1 for e in before if e.age < 40)
    after = {e.id: e.age for e in emps_of(db)}
    assert after == {e.id: e.age + bump if e.age < 40 else e.age for e in before}
    removed = db.execute(pyram.delete(Emp).where(Emp.salary.is_null()))
    assert removed == sum(1 for e in before if e.salary is None)
    assert db.count(Emp) == len(before) - removed


def test_parameters(backend: Any) -> None:
    db = load([("eng", 1.0)], [("ann", 30, "eng", 10.0), ("bob", 40, None, None)], backend)
    q = Emp.select().where(Emp.id.eq(pyram.param("id", int)))
    assert db.one(q, id=0).name == "ann"
    assert db.one(q, {"id": 1}).name == "bob"
    assert db.first(q, id=7) is None
    try:
        db.all(q)
    except pyram.ProgrammingError as exc:
        assert "parameter" in str(exc)
    else:
        raise AssertionError("missing parameter accepted")
    try:
        db.all(q, id="0")
    except pyram.DataError:
        pass
    else:
        raise AssertionError("a str parameter for an INTEGER column was accepted")


def test_plan_cache() -> None:
    db = load([("eng", 1.0)], [("ann", 30, "eng", 10.0), ("bob", 40, None, None)])
    q = Emp.select().where(Emp.id.eq(pyram.param("id", int)))
    assert db.one(q, id=0).name == "ann"
    assert len(db._plans) == 1  # one shape, prepared once
    rebuilt = Emp.select().where(Emp.id.eq(pyram.param("id", int)))  # equal shape, new object
    assert db._queries.prepare(rebuilt) is db._queries.prepare(q)


def test_empty_tables(backend: Any) -> None:
    db = load([], [], backend)
    assert db.all(Emp.select()) == []
    assert db.first(Emp.select()) is None
    assert db.all(pyram.select(Emp.dept, func.count()).group_by(Emp.dept)) == []
    assert db.all(pyram.select(Emp.id).join(Dept)) == []


def test_outer_join_columns_become_nullable(backend: Any) -> None:
    db = load([("eng", 5.0)], [("ann", 30, "eng", 1.0), ("bob", 40, None, None)], backend)
    q = pyram.select(Emp.id, func.upper(Dept.name), Dept.name.concat("!")).left_join(
        Dept, on=Emp.dept == Dept.name
    )
    assert sorted(db.all(q), key=lambda r: r[0]) == [(0, "ENG", "eng!"), (1, None, None)]
    from pyram.dsl.binder import bind_query

    plan = bind_query(q, db._schema_of).plan
    assert [f.nullable for f in plan.fields] == [False, True, True]
    right = pyram.select(Emp.name, Dept.name).right_join(Emp, on=Emp.dept == Dept.name)
    assert sorted(db.all(right), key=repr) == sorted([("ann", "eng"), ("bob", None)], key=repr)


def test_iter_reads_one_snapshot_and_compaction_waits_for_it() -> None:
    from pyram.engine.batch import BATCH_SIZE

    db = load([], [])
    n = BATCH_SIZE + 4000
    db.insert_many(Emp(i, "x", 30) for i in range(n))
    it = db.iter(pyram.select(Emp.id))
    first = next(it)
    db.execute(pyram.delete(Emp).where(Emp.id >= n - 1000))  # a write while iterating...
    rest = list(it)
    assert first == (0,) and [first, *rest] == [(i,) for i in range(n)]  # ...is not seen
    assert db.count(Emp) == n - 1000
    data = db._store.data("emp")
    it2 = db.iter(pyram.select(Emp.id))
    next(it2)
    db.execute(pyram.delete(Emp).where(Emp.id >= 1000))  # most rows: compaction is due...
    assert data.slot_count == n  # ...but waits: a reader could be renumbered under
    assert len(list(it2)) == n - 1000 - 1
    db.execute(pyram.delete(Emp).where(Emp.id == 999))  # no reader now: compacts
    assert data.slot_count == 999 and db.count(Emp) == 999


def test_numbers_of_any_kind_compare_and_combine(backend: Any) -> None:
    db = load([], [("ann", 30, None, 10.0), ("bob", 41, None, None)], backend)
    assert db.all(pyram.select(Emp.id).where(Emp.age >= 30.5)) == [(1,)]
    assert db.all(pyram.select(Emp.age * 1.5).order_by(Emp.id)) == [(45.0,), (61.5,)]
    try:
        db.all(pyram.select(Emp.id).where(Emp.age == "30"))
    except pyram.ProgrammingError as exc:
        assert "does not fit INTEGER" in str(exc)
    else:
        raise AssertionError("a str literal was accepted for an INTEGER column")


def test_select_from_adds_tables(backend: Any) -> None:
    db = load([("eng", 5.0)], [("ann", 30, "eng", 1.0)], backend)
    q = pyram.select(Emp.name).where(Emp.dept.eq(Dept.name)).select_from(Dept)
    assert db.all(q) == [("ann",)]
