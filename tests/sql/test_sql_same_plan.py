"""The same query written in the DSL and in SQL binds to the identical logical plan, and
optimizes to the identical plan: the two front ends meet in one plan and one engine."""

from __future__ import annotations

from typing import Any

import pytest
from models import Order, User

import pyram
from pyram import func
from pyram.api.session import StoreStatistics
from pyram.dsl.binder import bind_query, bind_statement
from pyram.optimizer import optimize
from pyram.optimizer.display import format_plan
from pyram.optimizer.rule import RuleContext
from pyram.plan import nodes as pn
from pyram.sql import parse_one
from pyram.sql.binder import Binder, BoundSelect

Other = pyram.alias(User, "other")

QUERIES: list[tuple[str, Any, str]] = [
    (
        "distinct_order_not_selected",
        pyram.select(User.name).distinct().order_by(User.age.desc()),
        "SELECT DISTINCT name FROM user ORDER BY age DESC",
    ),
    (
        "cast_real_case",
        pyram.select(
            pyram.cast(pyram.case((User.age > 1, -0.125), else_=1.0), float).label("x")
        ),
        "SELECT CAST(CASE WHEN age > 1 THEN -0.125 ELSE 1.0 END AS REAL) AS x FROM user",
    ),
    (
        "integer_operand_param",
        pyram.select(User.id).where(User.age > pyram.param("p")),
        "SELECT id FROM user WHERE age > :p",
    ),
    ("select_all", User.select(), "SELECT * FROM user"),
    ("where", User.select().where(User.age > 30), "SELECT * FROM user WHERE age > 30"),
    (
        "columns_order_limit",
        pyram.select(User.name, User.age).where(User.age >= 18).order_by(User.age.desc()).limit(5),
        "SELECT name, age FROM user WHERE age >= 18 ORDER BY age DESC LIMIT 5",
    ),
    (
        "limit_offset_params",
        pyram.select(User.id).order_by(User.id).limit(pyram.param("n")).offset(pyram.param("k")),
        "SELECT id FROM user ORDER BY id LIMIT :n OFFSET :k",
    ),
    (
        "and_or_not",
        pyram.select(User.id).where(((User.age < 20) | (User.age > 60)) & ~(User.name == "ann")),
        "SELECT id FROM user WHERE (age < 20 OR age > 60) AND NOT name = 'ann'",
    ),
    (
        "null_in_between_like",
        pyram.select(User.id).where(
            User.email.is_null()
            & User.age.in_([1, 2, 3])
            & User.age.between(10, 20)
            & User.name.like("a%")
        ),
        "SELECT id FROM user WHERE email IS NULL AND age IN (1, 2, 3) "
        "AND age BETWEEN 10 AND 20 AND name LIKE 'a%'",
    ),
    (
        "arithmetic_label",
        pyram.select((User.age + 1).label("next"), (User.age * 2 - 3).label("x")),
        "SELECT age + 1 AS next, age * 2 - 3 AS x FROM user",
    ),
    (
        "join_group",
        pyram.select(User.name, func.count(Order.id).label("n"))
        .join(Order, on=Order.user_id == User.id)
        .group_by(User.name),
        "SELECT user.name, count(orders.id) AS n FROM user "
        "JOIN orders ON orders.user_id = user.id GROUP BY user.name",
    ),
    (
        "left_join",
        pyram.select(User.name, Order.total).left_join(Order, on=Order.user_id == User.id),
        "SELECT name, total FROM user LEFT JOIN orders ON orders.user_id = user.id",
    ),
    (
        "group_having_order",
        pyram.select(User.age, func.count().label("n"))
        .group_by(User.age)
        .having(func.count() > 1)
        .order_by(User.age),
        "SELECT age, count(*) AS n FROM user GROUP BY age HAVING count(*) > 1 ORDER BY age",
    ),
    (
        "aggregates",
        pyram.select(
            func.sum(User.age).label("s"), func.avg(User.age).label("a"), func.max(User.name)
        ),
        "SELECT sum(age) AS s, avg(age) AS a, max(name) AS max FROM user",
    ),
    (
        "distinct",
        pyram.select(User.age).distinct(),
        "SELECT DISTINCT age FROM user",
    ),
    (
        "union_all",
        pyram.select(User.name).union_all(pyram.select(User.email)),
        "SELECT name FROM user UNION ALL SELECT email FROM user",
    ),
    (
        "in_subquery",
        pyram.select(User.id).where(User.id.in_(pyram.select(Order.user_id))),
        "SELECT id FROM user WHERE id IN (SELECT user_id FROM orders)",
    ),
    (
        "exists_correlated",
        pyram.select(User.id).where(pyram.exists(Order.select().where(Order.user_id == User.id))),
        "SELECT id FROM user WHERE EXISTS (SELECT * FROM orders WHERE orders.user_id = user.id)",
    ),
    (
        "scalar_subquery",
        pyram.select(User.id).where(User.age > pyram.select(func.avg(User.age)).scalar_subquery()),
        "SELECT id FROM user WHERE age > (SELECT avg(age) AS avg FROM user)",
    ),
    (
        "case_function",
        pyram.select(
            pyram.case((User.age < 30, "young"), else_="old").label("band"),
            func.lower(User.name).label("lname"),
        ),
        "SELECT CASE WHEN age < 30 THEN 'young' ELSE 'old' END AS band, "
        "lower(name) AS lname FROM user",
    ),
    (
        "point_lookup_param",
        User.select().where(User.id == pyram.param("id")),
        "SELECT * FROM user WHERE id = :id",
    ),
    (
        "self_join_alias",
        pyram.select(User.id).join(Other, on=User.age < Other.age),
        "SELECT user.id FROM user JOIN user AS other ON user.age < other.age",
    ),
]

STATEMENTS: list[tuple[str, Any, str]] = [
    (
        "update",
        pyram.update(User).set(User.age, User.age + 1).where(User.name == "ann"),
        "UPDATE user SET age = age + 1 WHERE name = 'ann'",
    ),
    (
        "delete",
        pyram.delete(Order).where(Order.total < 10.0),
        "DELETE FROM orders WHERE total < 10.0",
    ),
    (
        "insert_select",
        pyram.insert(Order).from_select(pyram.select(User.id, User.id, User.age)),
        "INSERT INTO orders SELECT id, id, age FROM user",
    ),
]


@pytest.fixture(scope="module")
def db() -> pyram.Database:
    database = pyram.Database()
    database.create(User, Order)
    return database


def _sql_plan(db: pyram.Database, sql: str) -> pn.Plan:
    bound = Binder(sql, db._sql).bind(parse_one(sql))
    return bound.plan if isinstance(bound, BoundSelect) else bound  # type: ignore[return-value]


def _optimized(db: pyram.Database, plan: pn.Plan) -> pn.Plan:
    store = db._store
    return optimize(plan, RuleContext(catalog=store.catalog.get, stats=StoreStatistics(store)))


@pytest.mark.parametrize(("name", "query", "sql"), QUERIES, ids=[q[0] for q in QUERIES])
def test_query_binds_to_the_same_plan(db: pyram.Database, name: str, query: Any, sql: str) -> None:
    from_dsl = bind_query(query, db._schema_of).plan
    from_sql = _sql_plan(db, sql)
    assert from_sql == from_dsl, f"\nDSL:\n{format_plan(from_dsl)}\nSQL:\n{format_plan(from_sql)}"
    assert _optimized(db, from_sql) == _optimized(db, from_dsl)


@pytest.mark.parametrize(("name", "stmt", "sql"), STATEMENTS, ids=[s[0] for s in STATEMENTS])
def test_statement_binds_to_the_same_plan(
    db: pyram.Database, name: str, stmt: Any, sql: str
) -> None:
    from_dsl = bind_statement(stmt, db._schema_of)
    from_sql = _sql_plan(db, sql)
    assert from_sql == from_dsl, f"\nDSL:\n{format_plan(from_dsl)}\nSQL:\n{format_plan(from_sql)}"


def test_a_different_query_gives_a_different_plan(db: pyram.Database) -> None:
    """The comparison above can fail: a one-token change is a different plan."""
    from_dsl = bind_query(User.select().where(User.age > 30), db._schema_of).plan
    assert _sql_plan(db, "SELECT * FROM user WHERE age >= 30") != from_dsl


def test_both_front_ends_give_the_same_rows(db: pyram.Database) -> None:
    db.insert_many([User(id=i, name=f"u{i % 4}", age=i % 7) for i in range(1, 30)])
    db.insert_many([Order(id=i, user_id=i % 29 + 1, total=float(i)) for i in range(1, 40)])
    for _, query, sql in QUERIES:
        params = {"n": 3, "k": 1, "id": 5, "p": 2.5}
        used = {k: v for k, v in params.items() if f":{k}" in sql}
        rows = db.all(query, used)
        expected = [r if isinstance(r, tuple) else tuple(pyram.asdict(r).values()) for r in rows]
        assert db.sql(sql, used).all() == expected, sql
