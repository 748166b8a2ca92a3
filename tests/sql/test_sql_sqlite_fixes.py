"""Fixes found by differential testing against sqlite3 (issue 16, point 6).

Each query runs on sqlite3 and on PyRAM over the same rows; values are compared with their
storage class (``1`` is not ``1.0``), so a REAL that comes back as an INTEGER fails.
"""

from __future__ import annotations

import random
import sqlite3
from typing import Any

import pytest

import pyram
from pyram import Col, column

SETUP = [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT)",
    "CREATE INDEX t_i ON t (i)",
    "INSERT INTO t VALUES (1, 1, 2.5, 'a'), (2, NULL, 3.5, 'b'), (3, 3, NULL, 'a'), "
    "(4, 2, 0.5, 'b'), (5, 7, 1.0, 'a')",
    "CREATE TABLE u (id INTEGER PRIMARY KEY, i INTEGER, x TEXT)",
    "INSERT INTO u VALUES (1, 1, 'p'), (2, 3, 'q'), (5, 2, 'r'), (6, NULL, 's')",
    "CREATE TABLE w (x TEXT, k REAL)",
    "INSERT INTO w VALUES ('p', 0.5), ('s', 1.5), ('z', 2.5)",
]


def _typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[str, Any], ...]]:
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


@pytest.fixture(scope="module")
def engines() -> tuple[sqlite3.Connection, pyram.Database]:
    con = sqlite3.connect(":memory:")
    db = pyram.Database()
    for statement in SETUP:
        con.execute(statement)
        db.sql(statement)
    return con, db


def _same(
    engines: tuple[sqlite3.Connection, pyram.Database],
    sql: str,
    params: list[Any] | None = None,
    ordered: bool = False,
) -> None:
    con, db = engines
    expected = _typed(con.execute(sql, params or []).fetchall())
    got = _typed(db.sql(sql, params).all())
    if not ordered:
        expected, got = sorted(expected, key=repr), sorted(got, key=repr)
    assert got == expected, sql


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT CAST(CASE WHEN i > 1 THEN -0.125 ELSE 1 END AS REAL) FROM t",
        "SELECT CAST(coalesce(i, r) AS REAL) FROM t",
        "SELECT CAST(ifnull(r, i) AS REAL) FROM t",
        "SELECT CAST(i AS REAL), CAST(r AS REAL), CAST(i AS INTEGER) FROM t",
    ],
)
def test_cast_to_real_of_a_mixed_expression_gives_real(engines: Any, sql: str) -> None:
    _same(engines, sql)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT id FROM t WHERE i > ?", [2.5]),
        ("SELECT id FROM t WHERE i = ?", [3.0]),
        ("SELECT id FROM t WHERE i = ?", [3.5]),
        ("SELECT id FROM t WHERE id = ?", [2.0]),
        ("SELECT id FROM t WHERE id > ?", [1.5]),
        ("SELECT id FROM t WHERE i IN (?, ?)", [3.0, 1.5]),
        ("SELECT id FROM t WHERE i BETWEEN ? AND ?", [1.5, 3.0]),
        ("SELECT i - ?, ? * i FROM t", [99.5, 2]),
        ("SELECT i - ? FROM t", [3]),
        ("SELECT CASE i WHEN ? THEN 'one' ELSE 'other' END FROM t", [1.0]),
        ("SELECT CAST(i - ? AS INTEGER) FROM t", [0.5]),
        ("SELECT id FROM t WHERE id IN (SELECT id FROM t WHERE i < ?)", [2.5]),
    ],
)
def test_real_parameter_next_to_an_integer_column(
    engines: Any, sql: str, params: list[Any]
) -> None:
    _same(engines, sql, params)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT total(i + ?), avg(i * ?) FROM t", [0.5, 0.5]),
        ("SELECT round(i - ?), abs(i - ?) FROM t", [0.25, 1]),
        ("SELECT substr(s, id * ?) FROM t", [1]),
        ("SELECT substr(s, sum(id * ?)) FROM t GROUP BY s", [1]),
        # a REAL parameter inside scalar function arguments, as CASE result branches, and in
        # an argument SQLite reads as an INTEGER (truncated toward zero)
        ("SELECT sum(i + ?), max(i + ?), min(i * ?) FROM t", [1, 1, 2]),
        ("SELECT abs(i - ?), abs(i - ?) / 2, round(i * ?, 1) FROM t", [7.5, 7.5, 0.25]),
        ("SELECT abs(i - ?), substr(s, abs(i - ?)) FROM t", [7, 0.5]),
        ("SELECT substr(s, id * ?), substr(s, 1, id + ?) FROM t", [1.5, -0.5]),
        ("SELECT CASE WHEN i > 1 THEN ? ELSE i END FROM t", [2.5]),
        ("SELECT CASE WHEN i > 1 THEN ? ELSE i END, CASE i WHEN 1 THEN ? END FROM t", [2, 3.5]),
        ("SELECT sum(CASE WHEN i > 1 THEN ? ELSE 0 END) FROM t", [2]),
        ("SELECT substr(s, 1, CASE WHEN i > 1 THEN ? ELSE 2 END) FROM t", [2.5]),
        ("SELECT substr(s, 1, CASE WHEN i > 1 THEN ? ELSE 2 END) FROM t", [3]),
        ("SELECT substr(s, ?, ?), substr(s, i + ?) FROM t", [1.5, 2.9, 0.5]),
    ],
)
def test_parameters_in_function_arguments(engines: Any, sql: str, params: list[Any]) -> None:
    """A parameter next to an INTEGER column takes a REAL: computed as SQLite computes it,
    in function arguments and CASE branches too."""
    _same(engines, sql, params)


def test_a_real_parameter_where_no_real_fits_is_a_clean_error() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
    db.sql("INSERT INTO t VALUES (1, 'a')")
    # group_concat() takes no REAL (CAST it to TEXT): its INTEGER argument stays INTEGER
    with pytest.raises(pyram.DataError, match="expected INTEGER"):
        db.sql("SELECT group_concat(id * ?) FROM t", [1.5])
    assert db.sql("SELECT group_concat(id * ?) FROM t", [2]).all() == [("2",)]
    # an aggregate keeps the type it has without REAL parameters (its result is a column
    # other parts of the query read as that type): a REAL there is refused, never mis-typed
    for sql in (
        "SELECT sum(id + ?) FROM t",
        "SELECT max(CASE WHEN id > 0 THEN ? ELSE id END) FROM t",
    ):
        with pytest.raises(pyram.DataError, match="expected INTEGER"):
            db.sql(sql, [0.5])
        assert db.sql(sql, [2]).all() in ([(3,)], [(2,)])


def test_real_parameter_is_still_refused_where_it_is_stored() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER)")
    db.sql("INSERT INTO t VALUES (1, 1)")
    for sql in (
        "INSERT INTO t VALUES (2, ?)",
        "UPDATE t SET i = ? WHERE id = 1",
        "INSERT INTO t SELECT 3, i + ? FROM t",
    ):
        with pytest.raises(pyram.DataError):
            db.sql(sql, [2.5])
    with pytest.raises(pyram.DataError):
        db.sql("SELECT * FROM t LIMIT ?", [1.5])
    assert db.sql("SELECT * FROM t").all() == [(1, 1)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t NATURAL JOIN u",
        "SELECT * FROM t NATURAL INNER JOIN u",
        "SELECT * FROM t NATURAL LEFT JOIN u",
        "SELECT * FROM t NATURAL LEFT OUTER JOIN u",
        "SELECT * FROM t NATURAL RIGHT JOIN u",
        "SELECT * FROM t NATURAL FULL JOIN u",
        "SELECT * FROM t NATURAL CROSS JOIN u",
        "SELECT id, i, x FROM u NATURAL JOIN w",
        "SELECT * FROM u NATURAL JOIN w NATURAL JOIN t",
        "SELECT * FROM t NATURAL JOIN w",  # no shared column: every pair
        "SELECT s, x FROM t NATURAL JOIN u WHERE i > 0",
    ],
)
def test_natural_join(engines: Any, sql: str) -> None:
    _same(engines, sql)


def test_natural_join_refuses_on_and_using() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE a (x INTEGER)")
    for sql in ("SELECT * FROM a NATURAL JOIN a AS b ON 1", "SELECT * FROM a NATURAL a"):
        with pytest.raises(pyram.ProgrammingError):
            db.sql(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT DISTINCT s FROM t ORDER BY i",
        "SELECT DISTINCT s FROM t ORDER BY r DESC",
        "SELECT DISTINCT s, i > 1 FROM t ORDER BY r, 1",
        "SELECT DISTINCT x FROM u ORDER BY i NULLS LAST",
        "SELECT DISTINCT s FROM t ORDER BY i + r, s LIMIT 1",
        "SELECT DISTINCT s FROM t GROUP BY s, i ORDER BY count(*) DESC, s",
    ],
)
def test_distinct_order_by_a_term_not_selected(engines: Any, sql: str) -> None:
    _same(engines, sql, ordered=True)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT s, i, max(r) FROM t GROUP BY s",
        "SELECT s, i, min(r) FROM t GROUP BY s",
        "SELECT s, i, count(*) FROM t GROUP BY s",
        "SELECT s, r, sum(i) FROM t GROUP BY s",
        "SELECT s, r, count(*) FROM t",
        "SELECT id, max(i) FROM t",
        "SELECT id, min(i), max(r) FROM t",
        "SELECT s, id FROM t GROUP BY s HAVING max(i) > 2",
    ],
)
def test_bare_column_picks_sqlites_row(engines: Any, sql: str) -> None:
    _same(engines, sql)


def test_bare_columns_on_random_tables() -> None:
    """Random rows with ties, NULLs and an index or not: the bare column's row is SQLite's."""
    rng = random.Random(16)
    aggregates = ["count(*)", "sum(m)", "max(m)", "min(m)", "max(v)", "min(r), max(v)", "avg(m)"]
    groupings = ["", " GROUP BY k", " GROUP BY v", " GROUP BY k HAVING count(*) > 1"]
    for _ in range(120):
        con = sqlite3.connect(":memory:")
        db = pyram.Database()
        statements = ["CREATE TABLE u (k INTEGER, m INTEGER, v TEXT, r REAL)"]
        if rng.random() < 0.3:
            statements.append("CREATE INDEX u_k ON u (k)")
        for statement in statements:
            con.execute(statement)
            db.sql(statement)
        for _ in range(rng.randint(0, 8)):
            row = [
                rng.choice([1, 2, None]),
                rng.choice([1, 5, 5, None]),
                rng.choice(["a", "b", None]),
                rng.choice([0.5, 1.5, None]),
            ]
            con.execute("INSERT INTO u VALUES (?, ?, ?, ?)", row)
            db.sql("INSERT INTO u VALUES (?, ?, ?, ?)", row)
        bare = rng.choice(["v", "r", "m, v"])
        sql = f"SELECT {bare}, {rng.choice(aggregates)} FROM u{rng.choice(groupings)}"
        expected = sorted(_typed(con.execute(sql).fetchall()), key=repr)
        assert sorted(_typed(db.sql(sql).all()), key=repr) == expected, sql


@pyram.table(name="shop_user")
class ShopUser(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]


@pyram.table(name="shop_order")
class ShopOrder(pyram.Table):
    id: Col[int] = column(primary_key=True)
    user_id: Col[int] = column(references=lambda: ShopUser.id)


@pyram.table(name="shop_item")
class ShopItem(pyram.Table):
    id: Col[int] = column(primary_key=True)
    order_id: Col[int] = column(references=lambda: ShopOrder.id)
    sku: Col[str]


def test_dsl_join_inference_counts_only_tables_already_joined() -> None:
    """``join(ShopOrder)`` links to the user; the item joined later does not make it ambiguous."""
    db = pyram.Database()
    db.create(ShopUser, ShopOrder, ShopItem)
    db.insert_many([ShopUser(id=1, name="ann"), ShopUser(id=2, name="bob")])
    db.insert_many([ShopOrder(id=10, user_id=1), ShopOrder(id=11, user_id=2)])
    db.insert_many([ShopItem(id=1, order_id=10, sku="x"), ShopItem(id=2, order_id=10, sku="y")])
    q = pyram.select(ShopUser.name, ShopItem.sku).join(ShopOrder).join(ShopItem)
    assert sorted(db.all(q)) == [("ann", "x"), ("ann", "y")]
    sql = (
        "SELECT shop_user.name, shop_item.sku FROM shop_user "
        "JOIN shop_order ON shop_order.user_id = shop_user.id "
        "JOIN shop_item ON shop_item.order_id = shop_order.id"
    )
    assert sorted(db.sql(sql).all()) == sorted(db.all(q))
