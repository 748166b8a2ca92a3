"""SQLite's rules for JOIN ... USING, ON clause names, truth tests and parameters, checked
against stdlib sqlite3 (the oracle): RIGHT/FULL JOIN USING columns are COALESCE(left, right),
ON clauses see the whole join chain, ``x IS TRUE`` is a truth test, ``x IN ()`` is 0/1, and
parameters take the values SQLite takes where its typing is dynamic."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

import pyram

Outcome = tuple[str, Any]


def _run_sqlite(script: str, sql: str, params: Any) -> Outcome:
    con = sqlite3.connect(":memory:")
    con.executescript(script)
    try:
        return "rows", con.execute(sql, params if params is not None else ()).fetchall()
    except sqlite3.Error as exc:
        return "error", str(exc)


def _run_pyram(script: str, sql: str, params: Any) -> Outcome:
    db = pyram.Database()
    db.sql(script)
    try:
        return "rows", db.sql(sql, params).all()
    except pyram.Error as exc:
        return "error", str(exc)


def _typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[str, Any], ...]]:
    """Rows with each value's type (1 and 1.0 differ, as SQLite's storage classes do)."""
    return sorted((tuple((type(v).__name__, v) for v in row) for row in rows), key=repr)


def assert_as_sqlite(script: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """PyRAM gives sqlite3's rows (as a multiset, types included) or raises when it raises."""
    expected = _run_sqlite(script, sql, params)
    got = _run_pyram(script, sql, params)
    assert got[0] == expected[0], f"{sql}\nsqlite3: {expected}\npyram:   {got}"
    if expected[0] == "rows":
        assert _typed(got[1]) == _typed(expected[1]), f"{sql}\nsqlite3: {expected}\npyram: {got}"
        return list(got[1])
    return []


# ---------------------------------------------------------------------- RIGHT / FULL JOIN USING

JOINS = """
CREATE TABLE a (c INTEGER, v TEXT); CREATE TABLE b (c INTEGER);
CREATE TABLE d (c INTEGER, w TEXT);
INSERT INTO a VALUES (7, 'x'), (8, 'y'); INSERT INTO b VALUES (7), (1);
INSERT INTO d VALUES (1, 'd1'), (8, 'd8'), (9, 'd9');
"""


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT c FROM a RIGHT JOIN b USING (c)",
        "SELECT * FROM a RIGHT JOIN b USING (c)",
        "SELECT a.* FROM a RIGHT JOIN b USING (c)",
        "SELECT b.* FROM a RIGHT JOIN b USING (c)",
        "SELECT c FROM a FULL JOIN b USING (c)",
        "SELECT *, a.c, b.c FROM a FULL JOIN b USING (c)",
        "SELECT c, COUNT(*) FROM a FULL JOIN b USING (c) GROUP BY c",
        "SELECT DISTINCT c FROM a FULL JOIN b USING (c)",
        "SELECT (SELECT c) FROM a FULL JOIN b USING (c)",
        "SELECT x.c FROM (SELECT * FROM a FULL JOIN b USING (c)) AS x",
    ],
)
def test_outer_using_column_is_the_coalesce(sql: str) -> None:
    assert_as_sqlite(JOINS, sql)


def test_outer_using_filters_and_orders_on_the_coalesced_value() -> None:
    assert assert_as_sqlite(JOINS, "SELECT c FROM a RIGHT JOIN b USING (c) WHERE c = 1") == [(1,)]
    rows = _run_pyram(JOINS, "SELECT a.c, c FROM a FULL JOIN b USING (c) ORDER BY c", None)
    assert rows == ("rows", [(None, 1), (7, 7), (8, 8)])  # a.c stays the left side's value


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT *, a.c, b.c, d.c FROM a FULL JOIN b USING (c) FULL JOIN d USING (c)",
        "SELECT *, a.c, b.c, d.c FROM a FULL JOIN b USING (c) JOIN d USING (c)",
        "SELECT *, a.c, b.c, d.c FROM a FULL JOIN b USING (c) LEFT JOIN d USING (c)",
        "SELECT *, a.c, b.c, d.c FROM a LEFT JOIN b USING (c) RIGHT JOIN d USING (c)",
        "SELECT * FROM d RIGHT JOIN (a FULL JOIN b USING (c)) USING (c)",
    ],
)
def test_chained_using_joins_match_on_the_coalesced_column(sql: str) -> None:
    assert_as_sqlite(JOINS, sql)


@pytest.mark.parametrize(
    "sql",
    [
        # SQLite expands the coalesced column of * as its bare name: another c is ambiguous
        "SELECT * FROM a FULL JOIN b USING (c) JOIN d ON 1",
        "SELECT a.* FROM a FULL JOIN b USING (c) JOIN d ON 1",
        "SELECT * FROM a FULL JOIN b USING (c), d",
        "SELECT * FROM a AS x1 RIGHT JOIN a AS x2 USING (c) JOIN a AS x3 ON 1",
    ],
)
def test_star_over_an_outer_using_column_shown_twice_is_ambiguous(sql: str) -> None:
    assert_as_sqlite(JOINS, sql)
    with pytest.raises(pyram.Error, match="ambiguous column name: c"):
        _db(JOINS).sql(sql)


def test_star_expands_earlier_using_columns_left_of_a_full_join_as_bare_names() -> None:
    script = """
    CREATE TABLE t1 (id INTEGER PRIMARY KEY, d INTEGER, a INTEGER);
    CREATE TABLE t2 (id INTEGER PRIMARY KEY, a REAL);
    INSERT INTO t1 VALUES (7, NULL, NULL), (8, 1, 2); INSERT INTO t2 VALUES (8, NULL), (5, 0.5);
    """
    # the left join's USING column a, left of a FULL JOIN, is the bare a: x2.a makes it ambiguous
    assert_as_sqlite(
        script, "SELECT * FROM t2 AS x1 LEFT JOIN t1 USING (a, id) FULL JOIN t1 AS x2 USING (id, d)"
    )
    assert_as_sqlite(
        script, "SELECT * FROM t2 AS x1 LEFT JOIN t1 USING (id) FULL JOIN t1 AS x2 USING (id, d)"
    )
    assert_as_sqlite(
        script,
        "SELECT x1.*, t1.* FROM t2 AS x1 LEFT JOIN t1 USING (id) FULL JOIN t1 AS x2 USING (id, d)",
    )


def test_inner_and_left_using_keep_the_left_column() -> None:
    assert_as_sqlite(JOINS, "SELECT * FROM a LEFT JOIN b USING (c) JOIN d ON d.c = 1")
    assert_as_sqlite(JOINS, "SELECT c, a.c, b.c FROM a JOIN b USING (c)")


# ---------------------------------------------------------------------- ON clause names

ON_NAMES = """
CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER); CREATE TABLE c (x INTEGER);
CREATE TABLE d (x INTEGER, y INTEGER);
INSERT INTO a VALUES (1), (2); INSERT INTO b VALUES (1), (2); INSERT INTO c VALUES (2), (3);
INSERT INTO d VALUES (1, 1);
"""


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM a JOIN b ON x = y, c",  # c.x: ambiguous
        "SELECT * FROM a JOIN b ON a.x = b.y JOIN c ON x = 2",
        "SELECT * FROM b JOIN a ON x = b.y JOIN d USING (y)",
        "SELECT * FROM a JOIN b ON x = y JOIN c USING (x)",  # c.x is hidden by USING
        "SELECT * FROM a JOIN (b JOIN c ON y = x) ON 1",  # a nested chain sees its own tables
    ],
)
def test_on_names_resolve_against_the_whole_chain(sql: str) -> None:
    assert_as_sqlite(ON_NAMES, sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM a JOIN b ON b.y = c.x JOIN c ON 1",
        "SELECT * FROM a JOIN b ON b.y = c.x, c",
        "SELECT * FROM a JOIN b ON b.y = c.x LEFT JOIN c ON 1",
        "SELECT * FROM a JOIN b ON b.y = c.x LEFT JOIN c ON c.x = 3",
        "SELECT * FROM (SELECT 1) JOIN b ON y = x, a",
        "SELECT * FROM a JOIN b ON b.y = d.x AND a.x = d.y JOIN c ON c.x > a.x JOIN d ON 1",
        # refused: an outer join's ON, or an inner one's before a RIGHT JOIN
        "SELECT * FROM a LEFT JOIN b ON b.y = c.x JOIN c ON 1",
        "SELECT * FROM a JOIN b ON b.y = c.x RIGHT JOIN c ON 1",
    ],
)
def test_inner_join_on_may_name_a_later_table(sql: str) -> None:
    assert_as_sqlite(ON_NAMES, sql)


@pytest.mark.parametrize(
    "sql",
    [
        # x is the outer a.x unless a table joined later in the subquery has an x (c does)
        "SELECT (SELECT COUNT(*) FROM b JOIN b AS b2 ON x = b.y JOIN c ON 1) FROM a",
        "SELECT (SELECT COUNT(*) FROM b JOIN b AS b2 ON x = b.y JOIN b AS b3 ON 1) FROM a",
        "SELECT (SELECT COUNT(*) FROM b JOIN b AS b2 ON x = b.y LEFT JOIN c ON 1) FROM a",
        "SELECT (SELECT COUNT(*) FROM b JOIN b AS b2 ON x = b.y RIGHT JOIN c ON 1) FROM a",
        "SELECT (SELECT COUNT(*) FROM b LEFT JOIN b AS b2 ON x = b.y JOIN c ON 1) FROM a",
        "SELECT * FROM a JOIN b ON zz = 1, c",
    ],
)
def test_on_bare_names_prefer_a_later_table_to_an_outer_query(sql: str) -> None:
    assert_as_sqlite(ON_NAMES, sql)


# ---------------------------------------------------------------------- truth tests, IN ()

TRUTH = """
CREATE TABLE t (a INTEGER, s TEXT, r REAL);
INSERT INTO t VALUES (2, '1', 0.5), (0, 'x', 0.0), (NULL, NULL, NULL), (1, '2abc', -1.0);
"""


@pytest.mark.parametrize("column", ["a", "s", "r", "(a > 0)"])
def test_is_true_and_is_false_are_truth_tests(column: str) -> None:
    tests = ", ".join(f"{column} IS {op}" for op in ("TRUE", "NOT TRUE", "FALSE", "NOT FALSE"))
    assert_as_sqlite(TRUTH, f"SELECT {column}, {tests} FROM t")


def test_is_true_filters_and_stays_distinct_from_is_one() -> None:
    assert sorted(assert_as_sqlite(TRUTH, "SELECT a FROM t WHERE a IS TRUE")) == [(1,), (2,)]
    assert_as_sqlite(TRUTH, "SELECT a FROM t WHERE a IS NOT FALSE")
    assert_as_sqlite(TRUTH, "SELECT a IS (TRUE), a IS 1, a = TRUE, TRUE IS a FROM t")
    assert_as_sqlite(TRUTH, "SELECT NULL IS TRUE, 2 IS TRUE, NULL IS NOT FALSE")


def test_empty_in_is_an_integer() -> None:
    rows = assert_as_sqlite(
        TRUTH, "SELECT a IN (), a NOT IN (), NULL NOT IN (), (a IN ()) + 1 FROM t"
    )
    assert all(type(v) is int for row in rows for v in row)
    assert sorted(assert_as_sqlite(TRUTH, "SELECT 5 AS c0 UNION SELECT (1 NOT IN ())")) == [
        (1,),
        (5,),
    ]
    assert_as_sqlite(TRUTH, "SELECT SUM(a NOT IN ()) FROM t WHERE a NOT IN ()")


# ---------------------------------------------------------------------- parameters

PARAMS = """
CREATE TABLE t (a INTEGER, s TEXT, r REAL);
INSERT INTO t VALUES (1, 'x', 0.5), (2, NULL, NULL);
"""


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT a FROM t WHERE s IS :p", {"p": "x"}),
        ("SELECT a FROM t WHERE s IS :p", {"p": None}),
        ("SELECT a FROM t WHERE a IS :p", {"p": 1}),
        ("SELECT a FROM t WHERE :p IS s", {"p": None}),
        ("SELECT a FROM t WHERE :p IS NOT a", {"p": 2}),
        ("SELECT a FROM t WHERE a = :p OR :p IS NULL", {"p": None}),
        ("SELECT a FROM t WHERE a = :p OR :p IS NULL", {"p": 2}),
        ("SELECT :p IS TRUE, :p IS FALSE", {"p": 2}),
        ("SELECT :p IS TRUE, :p IS NOT FALSE", {"p": None}),
    ],
)
def test_parameter_used_as_null_and_as_a_value(sql: str, params: dict[str, Any]) -> None:
    assert_as_sqlite(PARAMS, sql, params)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT :p || 'x'", {"p": 0}),
        ("SELECT :p || 'x', :p + 1", {"p": 0}),
        ("SELECT s || :p FROM t", {"p": 5}),
        ("SELECT :p || s FROM t GROUP BY :p || s", {"p": 1}),
        ("SELECT :p LIKE '1%' FROM t", {"p": 12}),
        ("SELECT :p || 'x'", {"p": "y"}),
    ],
)
def test_concatenated_parameter_takes_any_value(sql: str, params: dict[str, Any]) -> None:
    assert_as_sqlite(PARAMS, sql, params)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT ? + 1, 1 + ?, ? / 2", [2.5, 2.5, 5.0]),
        ("SELECT ? = 1, ? < 1, ? = 'a'", [1.0, 0.5, 1]),
        ("SELECT a FROM t WHERE a = ? + 1", [0.0]),
        ("SELECT CASE ? WHEN 1 THEN 'a' END", [1.0]),
        ("SELECT ? BETWEEN 1 AND 3, ? IN (1, 2)", [2.5, 2.0]),
    ],
)
def test_parameter_next_to_a_literal_keeps_its_value(sql: str, params: list[Any]) -> None:
    """Only a column gives a parameter its type; next to a literal any number goes."""
    assert_as_sqlite(PARAMS, sql, params)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT MAX(s) FROM t HAVING SUM(ABS(:p))", {"p": 4}),
        ("SELECT MAX(s) FROM t HAVING SUM(ABS(:p))", {"p": 0}),
        ("SELECT a FROM t WHERE ABS(:p)", {"p": -2}),
        ("SELECT a FROM t WHERE NOT ABS(:p)", {"p": 0.0}),
    ],
)
def test_untyped_value_as_a_condition_is_a_truth_test(sql: str, params: dict[str, Any]) -> None:
    assert_as_sqlite(PARAMS, sql, params)


@pytest.mark.parametrize("value", [3, 3.5, None])
def test_integer_parameter_in_a_real_case_stays_an_integer(value: Any) -> None:
    sql = "SELECT CASE WHEN a = 1 THEN :p ELSE r END FROM t"
    assert_as_sqlite(PARAMS, sql, {"p": value})


def test_same_parameter_next_to_a_literal_and_a_column() -> None:
    assert_as_sqlite(PARAMS, "SELECT COUNT(*) FROM t WHERE :p = 1 OR :p = a", {"p": 1})
    case = "SELECT CASE :p WHEN 1 THEN 'b' WHEN a THEN 'c' END FROM t"
    assert_as_sqlite(PARAMS, case, {"p": 1})
    assert_as_sqlite(PARAMS, case, {"p": 2})
    assert_as_sqlite(PARAMS, case, {"p": None})


def test_cached_statement_takes_each_value_of_a_dynamic_parameter() -> None:
    """One prepared plan (cached by text) serves values of every type."""
    db = _db(PARAMS)
    sql = "SELECT :p || 'x', :p IS NULL, :p IS TRUE"
    for value in (0, "y", None, 2.5, 7):
        expected = _run_sqlite(PARAMS, sql, {"p": value})
        assert ("rows", db.sql(sql, {"p": value}).all()) == expected
    case = "SELECT CASE WHEN a = 1 THEN :p ELSE r END FROM t"
    assert db.sql(case, {"p": 3}).all() == [(3,), (None,)]
    assert db.sql(case, {"p": 2.5}).all() == [(2.5,), (None,)]


def test_integer_parameter_written_to_a_real_column_is_stored_as_real() -> None:
    db = _db(PARAMS)
    db.sql("INSERT INTO t (a, r) VALUES (3, :p)", {"p": 4})
    db.sql("UPDATE t SET r = :p WHERE a = 1", {"p": 6})
    rows = db.sql("SELECT a, r FROM t ORDER BY a").all()
    assert rows == [(1, 6.0), (2, None), (3, 4.0)]
    assert all(type(r) is float for _, r in rows if r is not None)


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT :p1 NOT IN () FROM t", {"p1": 1}),
        ("SELECT :p1 IN () FROM t", {"p1": None}),
        ("WITH w AS (SELECT a FROM t WHERE :p1 < 'A') SELECT a FROM t", {"p1": "a"}),
        ("WITH w AS (SELECT a FROM t WHERE :p1 < 'A') SELECT a FROM w", {"p1": "a"}),
        ("WITH w AS (SELECT a FROM t WHERE :p1 < 'A') SELECT a FROM t", {}),  # both refuse
        ("SELECT a FROM t WHERE a = :p1 LIMIT 0", {"p1": 1}),
        ("SELECT a FROM t WHERE a = :p1 AND 1 = 2", {"p1": 1}),
    ],
)
def test_parameters_outside_the_plan_still_take_values(sql: str, params: dict[str, Any]) -> None:
    assert_as_sqlite(PARAMS, sql, params)


def test_positional_parameter_in_an_unread_cte_counts() -> None:
    sql = "WITH w AS (SELECT ? AS k) SELECT a FROM t WHERE a = ?"
    assert assert_as_sqlite(PARAMS, sql, ["z", 2]) == [(2,)]
    with pytest.raises(pyram.Error):
        _db(PARAMS).sql(sql, [2])


def _db(script: str) -> pyram.Database:
    db = pyram.Database()
    db.sql(script)
    return db
