"""Window functions written in the DSL and in SQL bind to the identical plan (and optimize to
the identical plan, and give the same rows); the SQL binder's window errors carry positions."""

from __future__ import annotations

from typing import Any

import pytest
from models import Order, User

import pyram
from pyram import func
from pyram.api.session import StoreStatistics
from pyram.dsl.binder import bind_query
from pyram.optimizer import optimize
from pyram.optimizer.display import format_plan
from pyram.optimizer.rule import RuleContext
from pyram.plan import nodes as pn
from pyram.sql import parse_one
from pyram.sql.binder import Binder, BoundSelect
from pyram.sql.errors import SqlBindError

QUERIES: list[tuple[str, Any, str]] = [
    (
        "row_number",
        pyram.select(
            User.id,
            func.row_number().over(partition_by=User.name, order_by=User.age).label("rn"),
        ),
        "SELECT id, row_number() OVER (PARTITION BY name ORDER BY age) AS rn FROM user",
    ),
    (
        "running_sum_rows_frame",
        pyram.select(
            User.id,
            func.sum(User.age).over(order_by=User.id, rows=(None, 0)).label("s"),
            func.avg(User.age).over(order_by=User.id, rows=(-2, 1)).label("a"),
        ),
        "SELECT id, sum(age) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
        " AS s, avg(age) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) AS a "
        "FROM user",
    ),
    (
        "rank_lag_desc_exclude",
        pyram.select(
            User.id,
            func.rank().over(order_by=User.age.desc()).label("r"),
            func.lag(User.age, 2, 0).over(order_by=User.age.desc()).label("l"),
            func.count().over(order_by=User.age, groups=(-1, 1), exclude="ties").label("c"),
        ),
        "SELECT id, rank() OVER (ORDER BY age DESC) AS r, lag(age, 2, 0) OVER (ORDER BY age DESC)"
        " AS l, count(*) OVER (ORDER BY age GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING "
        "EXCLUDE TIES) AS c FROM user",
    ),
    (
        "filter_window_and_order_by",
        pyram.select(
            User.id,
            func.count(User.email).filter(User.age > 3).over(partition_by=User.name).label("n"),
        ).order_by(func.row_number().over(order_by=User.id.desc())),
        "SELECT id, count(email) FILTER (WHERE age > 3) OVER (PARTITION BY name) AS n "
        "FROM user ORDER BY row_number() OVER (ORDER BY id DESC)",
    ),
    (
        "window_over_groups",
        pyram.select(
            User.name,
            func.count().label("n"),
            func.sum(func.count()).over(order_by=User.name).label("running"),
        ).group_by(User.name),
        "SELECT name, count(*) AS n, sum(count(*)) OVER (ORDER BY name) AS running "
        "FROM user GROUP BY name",
    ),
    (
        "aggregate_filter",
        pyram.select(User.name, func.count().filter(User.age > 3).label("n")).group_by(User.name),
        "SELECT name, count(*) FILTER (WHERE age > 3) AS n FROM user GROUP BY name",
    ),
]


@pytest.fixture(scope="module")
def db() -> pyram.Database:
    database = pyram.Database()
    database.create(User, Order)
    database.insert_many(
        [
            User(id=i, name=f"u{i % 3}", age=i % 5, email=None if i % 4 else f"{i}@x")
            for i in range(1, 20)
        ]
    )
    return database


def _sql_plan(db: pyram.Database, sql: str) -> pn.Plan:
    bound = Binder(sql, db._sql).bind(parse_one(sql))
    assert isinstance(bound, BoundSelect)
    return bound.plan


def _optimized(db: pyram.Database, plan: pn.Plan) -> pn.Plan:
    store = db._store
    return optimize(plan, RuleContext(catalog=store.catalog.get, stats=StoreStatistics(store)))


@pytest.mark.parametrize(("name", "query", "sql"), QUERIES, ids=[q[0] for q in QUERIES])
def test_window_binds_to_the_same_plan(db: pyram.Database, name: str, query: Any, sql: str) -> None:
    from_dsl = bind_query(query, db._schema_of).plan
    from_sql = _sql_plan(db, sql)
    assert from_sql == from_dsl, f"\nDSL:\n{format_plan(from_dsl)}\nSQL:\n{format_plan(from_sql)}"
    assert any(isinstance(n, pn.Window) for n in pn.walk_plan(from_sql)) or "FILTER" in sql
    assert _optimized(db, from_sql) == _optimized(db, from_dsl)
    assert db.all(query) == db.sql(sql).all()


def test_calls_sharing_a_window_share_one_node(db: pyram.Database) -> None:
    plan = _sql_plan(
        db,
        "SELECT rank() OVER w, sum(age) OVER w, lag(age) OVER (ORDER BY id) FROM user "
        "WINDOW w AS (PARTITION BY name ORDER BY age)",
    )
    windows = [n for n in pn.walk_plan(plan) if isinstance(n, pn.Window)]
    assert sorted(len(w.calls) for w in windows) == [1, 2]


def test_a_filter_moves_below_a_window_only_on_partition_keys(db: pyram.Database) -> None:
    sql = (
        "SELECT * FROM (SELECT id, name, age, sum(age) OVER (PARTITION BY name) AS s FROM user)"
        " WHERE name = 'u1' AND age > 2"
    )
    text = format_plan(_optimized(db, _sql_plan(db, sql)))
    lines = text.splitlines()
    window = next(i for i, line in enumerate(lines) if "Window" in line)
    below, above = "\n".join(lines[window:]), "\n".join(lines[:window])
    assert "(name = 'u1')" in below and "(age > 2)" in above, text
    rows = db.sql(sql).all()
    total = sum(u.age for u in db.all(User.select()) if u.name == "u1")
    assert rows and all(r[3] == total and r[1] == "u1" and r[2] > 2 for r in rows)


def test_unused_window_calls_are_pruned(db: pyram.Database) -> None:
    sql = "SELECT id FROM (SELECT id, rank() OVER (ORDER BY age) AS r FROM user)"
    optimized = _optimized(db, _sql_plan(db, sql))
    assert not any(isinstance(n, pn.Window) for n in pn.walk_plan(optimized))


@pytest.mark.parametrize(
    ("sql", "message", "column"),
    [
        ("SELECT id FROM user WHERE row_number() OVER () > 1", "misuse of window function", 27),
        ("SELECT row_number() FROM user", "misuse of window function row_number()", 8),
        ("SELECT age FROM user GROUP BY age HAVING rank() OVER () > 1", "misuse of window", 42),
        ("SELECT sum(age) OVER w FROM user", "no such window: w", 8),
        ("SELECT abs(age) FILTER (WHERE age > 1) FROM user", "FILTER may not be used", 8),
        ("SELECT sum(DISTINCT age) OVER () FROM user", "DISTINCT is not supported", 8),
        (
            "SELECT sum(age) OVER (w PARTITION BY id) FROM user WINDOW w AS (PARTITION BY name)",
            "cannot override PARTITION clause of window: w",
            22,
        ),
        (
            "SELECT sum(age) OVER (ORDER BY age ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) "
            "FROM user",
            "unsupported frame specification",
            8,
        ),
        (
            "SELECT sum(age) OVER (ORDER BY age, id RANGE 1 PRECEDING) FROM user",
            "RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression",
            8,
        ),
    ],
)
def test_window_errors_point_at_the_call(
    db: pyram.Database, sql: str, message: str, column: int
) -> None:
    with pytest.raises(SqlBindError, match=message) as info:
        db.sql(sql).all()
    assert info.value.column == column, str(info.value)
    assert db.sql("SELECT count(*) FROM user").all() == [(19,)]
