"""SQL grouping and name resolution checked against stdlib sqlite3: correlated subqueries after
GROUP BY, aggregates of outer columns, select-list aliases in WHERE / HAVING / GROUP BY /
ORDER BY, signed positions, and no outer columns in a subquery's GROUP BY / ORDER BY."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

import pyram
from pyram.sql.errors import SqlBindError

SCRIPT = """
CREATE TABLE t (a INTEGER, d TEXT);
INSERT INTO t VALUES (1, 'y'), (2, 'y'), (2, 'z');
CREATE TABLE u (a INTEGER, c INTEGER);
INSERT INTO u VALUES (1, 5), (2, 6), (3, 7);
CREATE TABLE p (x INTEGER);
CREATE TABLE q (x INTEGER);
INSERT INTO p VALUES (1), (2);
INSERT INTO q VALUES (5);
"""


@pytest.fixture(scope="module")
def engines() -> tuple[pyram.Database, sqlite3.Connection]:
    db = pyram.Database()
    db.sql(SCRIPT)
    con = sqlite3.connect(":memory:")
    con.executescript(SCRIPT)
    return db, con


def _rows(rows: list[Any], ordered: bool) -> list[tuple[Any, ...]]:
    out = [tuple(r) for r in rows]
    return out if ordered else sorted(out, key=repr)


# ----------------------------------------------------------------- same rows as sqlite3

CORRELATED_AFTER_GROUPING = [
    "SELECT (SELECT t.d) FROM t GROUP BY t.d",
    "SELECT COUNT(*), (SELECT t.d) FROM t GROUP BY t.d",
    "SELECT (SELECT t.d) FROM t GROUP BY (SELECT t.d)",
    "SELECT (SELECT MAX(v.a) FROM t AS v WHERE v.a > t.a) FROM t GROUP BY t.a",
    "SELECT a, (SELECT SUM(u.c) FROM u WHERE u.a = t.a) FROM t GROUP BY a",
    "SELECT a, COUNT(*) FROM t GROUP BY a HAVING (SELECT COUNT(*) FROM u WHERE u.a = t.a) > 0",
    "SELECT a, COUNT(*) FROM t GROUP BY a ORDER BY (SELECT u.c FROM u WHERE u.a = t.a) DESC",
    "SELECT a + 1, (SELECT COUNT(*) FROM u WHERE u.a <= t.a + 1) FROM t GROUP BY a + 1",
]

OUTER_AGGREGATES = [
    "SELECT (SELECT MAX(t.a)) FROM t",
    "SELECT (SELECT MAX(t.a) FROM u) FROM t",
    "SELECT (SELECT MAX(t.a + u.a) FROM u) FROM t",
    "SELECT COUNT(*), (SELECT MAX(t.a)) FROM t",
    "SELECT (SELECT MAX(t.a)), (SELECT MIN(t.d)) FROM t",
    "SELECT (SELECT (SELECT MAX(t.a))) FROM t",
    "SELECT (SELECT COUNT(t.a)) FROM t GROUP BY d",
    "SELECT (SELECT SUM(u.c) FROM u WHERE u.a = MAX(t.a)) FROM t",
    "SELECT COUNT(*) FROM t HAVING (SELECT MAX(t.a)) > 1",
    "SELECT (SELECT MAX(t.a)) FROM t WHERE a > 1",
]

ALIASES = [
    "SELECT a + 1 AS x FROM t WHERE x > 2",
    "SELECT a + 1 AS x FROM t ORDER BY x + 0 DESC, d",
    "SELECT a AS g, COUNT(*) FROM t GROUP BY g HAVING g > 1",
    "SELECT a AS k, COUNT(*) AS n FROM t GROUP BY k HAVING n > 1",
    "SELECT a AS k, COUNT(*) AS n FROM t GROUP BY k ORDER BY n DESC, k",
    "SELECT a + 1 AS x FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = x)",
    "SELECT a + 1 AS x FROM t WHERE x = (SELECT x)",
    "SELECT a AS q FROM t GROUP BY q HAVING (SELECT q) > 1",
    "SELECT a AS c FROM t ORDER BY (SELECT c), d",
    # a column of the FROM clause wins over an alias in WHERE, GROUP BY and expressions
    "SELECT 1 AS a FROM t WHERE a > 1",
    "SELECT a + 1 AS a FROM t WHERE a > 1",
    "SELECT a + 10 AS a FROM t GROUP BY a",
    "SELECT a + 1 AS a FROM t ORDER BY a + 0",
    # ... but a bare AS name in ORDER BY is the select-list entry
    "SELECT a + 1 AS a, d FROM t ORDER BY a DESC, d",
    "SELECT p.x AS x FROM p, q ORDER BY x DESC",
    # the same level's alias wins over an outer query's column
    "SELECT (SELECT v.a + 10 AS c0 FROM t AS v WHERE c0 > 11) FROM (SELECT 1 AS c0)",
    "SELECT (SELECT v.a AS c0 FROM u AS v WHERE c0 > 2) FROM (SELECT 5 AS c0)",
]

POSITIONS = [
    "SELECT a, d FROM t ORDER BY +2 DESC, 1",
    "SELECT a, d FROM t ORDER BY - -2 DESC, 1",
    "SELECT a, COUNT(*) FROM t GROUP BY +1",
    "SELECT a FROM t UNION SELECT a FROM u ORDER BY +1 DESC",
]


@pytest.mark.parametrize(
    "query", CORRELATED_AFTER_GROUPING + OUTER_AGGREGATES + ALIASES + POSITIONS
)
def test_rows_match_sqlite(engines: tuple[pyram.Database, sqlite3.Connection], query: str) -> None:
    db, con = engines
    ordered = "ORDER BY" in query
    assert _rows(db.sql(query).all(), ordered) == _rows(con.execute(query).fetchall(), ordered)


# ----------------------------------------------------------------- both refuse

ERRORS = [
    # positions out of range, signed or not (SQLite's message)
    ("SELECT a FROM t GROUP BY -1", "1st GROUP BY term out of range - should be between 1 and 1"),
    ("SELECT d, a FROM t ORDER BY 1, -1", "2nd ORDER BY term out of range"),
    ("SELECT a FROM t UNION SELECT a FROM u ORDER BY -1", "1st ORDER BY term out of range"),
    # an ambiguous GROUP BY name is an error even when an alias has that name
    ("SELECT p.x AS x, COUNT(*) FROM p, q GROUP BY x", "ambiguous column name: x"),
    # a subquery's GROUP BY and ORDER BY see no outer query
    ("SELECT (SELECT COUNT(*) FROM u GROUP BY t.a) FROM t", "no such column: t.a"),
    ("SELECT (SELECT v.a FROM u AS v ORDER BY t.a + v.a LIMIT 1) FROM t", "no such column: t.a"),
    # aggregates of outer columns where the outer query cannot compute them
    ("SELECT a FROM t WHERE (SELECT MAX(t.a)) > 1", "misuse of aggregate function MAX()"),
    ("SELECT a FROM t ORDER BY (SELECT MAX(t.a))", "misuse of aggregate function MAX()"),
    ("SELECT SUM((SELECT MAX(t.a))) FROM t", "misuse of aggregate function MAX()"),
    (
        "SELECT COUNT(*) FROM t GROUP BY (SELECT MAX(t.a) FROM u)",
        "aggregate functions are not allowed in the GROUP BY clause",
    ),
    # an alias of an aggregate is still an aggregate
    ("SELECT COUNT(*) AS n FROM t WHERE n > 1", "misuse of aggregate function"),
    # aliases are not visible in the select list itself
    ("SELECT a + 1 AS x, (SELECT x) FROM t", "no such column: x"),
]


@pytest.mark.parametrize(("query", "message"), ERRORS)
def test_both_refuse(
    engines: tuple[pyram.Database, sqlite3.Connection], query: str, message: str
) -> None:
    db, con = engines
    with pytest.raises(sqlite3.OperationalError):
        con.execute(query).fetchall()
    with pytest.raises(SqlBindError, match=message.replace("(", r"\(").replace(")", r"\)")):
        db.sql(query).all()


def test_ambiguous_group_name_points_at_the_name(
    engines: tuple[pyram.Database, sqlite3.Connection],
) -> None:
    db, _ = engines
    with pytest.raises(pyram.ProgrammingError) as info:
        db.sql("SELECT p.x AS x, COUNT(*) FROM p, q GROUP BY x")
    assert "column 46" in str(info.value)


def test_outer_aggregate_makes_the_outer_query_an_aggregate(
    engines: tuple[pyram.Database, sqlite3.Connection],
) -> None:
    db, _ = engines
    plan = db.sql("EXPLAIN SELECT (SELECT MAX(t.a)) FROM t").all()
    text = "\n".join(str(r[0]) for r in plan)
    assert "max" in text.lower()
    assert db.sql("SELECT (SELECT MAX(t.a)) FROM t").all() == [(2,)]


def test_outer_aggregates_in_statements_follow_sqlite() -> None:
    script = """
    CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2);
    CREATE TABLE u (a INTEGER); CREATE TABLE log (x INTEGER);
    CREATE TRIGGER tr AFTER INSERT ON u BEGIN
        INSERT INTO log SELECT MAX(new.a);
        INSERT INTO log SELECT (SELECT MAX(new.a + t.a)) FROM t;
    END;
    """
    db = pyram.Database()
    db.sql(script)
    con = sqlite3.connect(":memory:")
    con.executescript(script)
    # NEW is a constant of the trigger body: the aggregates belong to the queries naming it
    db.sql("INSERT INTO u VALUES (10)")
    con.execute("INSERT INTO u VALUES (10)")
    assert db.sql("SELECT x FROM log").all() == con.execute("SELECT x FROM log").fetchall()
    assert db.sql("SELECT x FROM log").all() == [(10,), (12,)]
    # the target of UPDATE / DELETE is no aggregate query
    for statement in (
        "UPDATE t SET a = (SELECT MAX(t.a)) WHERE a = 1",
        "DELETE FROM t WHERE (SELECT MAX(t.a)) > 5",
    ):
        with pytest.raises(sqlite3.OperationalError):
            con.execute(statement)
        with pytest.raises(SqlBindError, match="misuse of aggregate function MAX"):
            db.sql(statement)
    assert db.sql("SELECT a FROM t").all() == [(1,), (2,)]


def test_on_clause_sees_select_list_aliases(
    engines: tuple[pyram.Database, sqlite3.Connection],
) -> None:
    db, con = engines
    query = "SELECT t.a AS x FROM t JOIN u ON x = u.a"
    assert _rows(db.sql(query).all(), False) == _rows(con.execute(query).fetchall(), False)
