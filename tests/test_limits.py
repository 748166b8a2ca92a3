"""Input at and past SQLite's limits (pyram.limits): each works, or is a clean pyram error.

Issue 19: huge CASEs, long operator chains, 500-arm compounds, deep DSL chains, huge integers,
wrong arguments and long IN lists must never escape as RecursionError, SyntaxError,
OverflowError or TypeError, and a failure leaves the database unchanged.
"""

from __future__ import annotations

import math
import sqlite3

import pytest
from models import User

import pyram
from pyram.limits import MAX_COMPOUND_SELECT, MAX_EXPR_DEPTH, MAX_FUNCTION_ARGS


@pytest.fixture
def pair() -> tuple[pyram.Database, sqlite3.Connection]:
    db = pyram.Database()
    lite = sqlite3.connect(":memory:")
    for run in (db.sql, lite.execute):
        run("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER, r REAL, s TEXT)")
        run(
            "INSERT INTO t (x, r, s) VALUES (1, 1.5, 'a'), (NULL, 2.5, NULL), "
            "(4611686018427387904, -0.1, 'b'), (7, NULL, 'c')"
        )
    return db, lite


def same(pair: tuple[pyram.Database, sqlite3.Connection], sql: str, params: list[object]) -> None:
    db, lite = pair
    assert db.sql(sql, params).all() == lite.execute(sql, params).fetchall()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT CASE x " + " ".join(f"WHEN {i} THEN {i * 2}" for i in range(2000)) + " END FROM t",
        "SELECT " + " + ".join(["x"] * MAX_EXPR_DEPTH) + " FROM t",
        "SELECT " + " - ".join(["x", "r"] * 500) + " FROM t",
        "SELECT x " + "".join(f" {'+-*/%'[i % 5]} {i + 1}" for i in range(300)) + " FROM t",
        "SELECT " + " || ".join(["s", "x", "'z'"] * 100) + " FROM t",
        "SELECT count(*) FROM t WHERE " + " AND ".join(f"x <> {i}" for i in range(2, 1000)),
        "SELECT count(*) FROM t WHERE " + " OR ".join(f"x = {i}" for i in range(1, 1000)),
        "SELECT " + "abs(" * 30 + "x" + ")" * 30 + " FROM t",
        " UNION ALL ".join(f"SELECT {i}, 'a{i}'" for i in range(MAX_COMPOUND_SELECT)),
        " UNION ".join(f"SELECT {i % 7}" for i in range(MAX_COMPOUND_SELECT)) + " ORDER BY 1",
    ],
    ids=[
        "case2000",
        "plus1000",
        "minus1000",
        "mixed300",
        "concat300",
        "and998",
        "or999",
        "abs30",
        "union_all500",
        "union500",
    ],
)
def test_large_statements_answer_as_sqlite(
    pair: tuple[pyram.Database, sqlite3.Connection], sql: str
) -> None:
    same(pair, sql, [])


def test_deep_nesting_compiles_past_cpythons_parenthesis_limit() -> None:
    # 140 nested calls: deeper than SQLite parses, and about 280 parentheses of kernel code
    # if it were one expression (CPython refuses 200); the kernel splits it into functions
    db = pyram.Database()
    sql = "SELECT " + "abs(" * 140 + "-3" + ")" * 140 + ", " + "-(" * 60 + "2" + ")" * 60
    assert db.sql(sql).all() == [(3, 2)]


def test_a_chain_of_parameters_stays_untyped(
    pair: tuple[pyram.Database, sqlite3.Connection],
) -> None:
    same(pair, "SELECT ?" + " + ?" * 40, list(range(41)))


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT " + " + ".join(["1"] * (MAX_EXPR_DEPTH + 2)), "maximum depth 1000"),
        ("SELECT 1 WHERE " + " AND ".join(["1"] * 2000), "maximum depth 1000"),
        (" UNION ALL ".join(["SELECT 1"] * (MAX_COMPOUND_SELECT + 1)), "compound SELECT"),
        ("SELECT max(" + ",".join(["1"] * (MAX_FUNCTION_ARGS + 1)) + ")", "too many arguments"),
        ("SELECT ?32767", "variable number"),
        ("SELECT " + "(" * 400 + "1" + ")" * 400, "nested"),
        (" EXCEPT ".join(f"SELECT {i}" for i in range(MAX_COMPOUND_SELECT)), "too complex"),
    ],
    ids=["plus", "and", "compound", "args", "variable", "parens", "except500"],
)
def test_past_a_limit_is_a_clean_error(sql: str, message: str) -> None:
    db = pyram.Database()
    with pytest.raises(pyram.ProgrammingError, match=message):
        db.sql(sql)


def test_a_dsl_chain_of_500_ands_and_1000_terms() -> None:
    db = pyram.Database()
    db.create(User)
    db.insert_many([User(id=i, name=f"n{i}", age=i) for i in range(10)])
    cond = User.age >= 0
    for i in range(500):
        cond = cond & (User.age > -i - 1)
    assert len(db.all(User.select().where(cond))) == 10
    total = User.age + 0
    for _ in range(999):
        total = total + 1
    assert db.all(pyram.select(total).where(User.id == 3)) == [(1002,)]
    too_long = total + 1 + 1
    with pytest.raises(pyram.ProgrammingError, match="maximum depth"):
        db.all(pyram.select(too_long))


def test_huge_integers_are_refused_as_sqlite3_refuses_them() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
    with pytest.raises(pyram.DataError, match=r"parameter \?1: integer out of range"):
        db.sql("SELECT ? + 1", [10**5000])
    with pytest.raises(pyram.DataError, match="64-bit"):
        db.sql("INSERT INTO t (x) VALUES (?)", [2**70])
    with pytest.raises(pyram.DataError, match="64-bit"):
        User(id=2**63, name="a", age=1)
    db.sql("INSERT INTO t (x) VALUES (?)", [2**63 - 1])
    # arithmetic past the range becomes REAL, as in SQLite; nothing stored fails later
    assert db.sql("SELECT x + 1 FROM t").scalar() == 2.0**63
    assert db.sql("SELECT x FROM t").all() == [(2**63 - 1,)]


def test_the_model_constructor_refuses_what_insert_refuses() -> None:
    @pyram.table
    class Score(pyram.Table):
        id: pyram.Col[int] = pyram.column(primary_key=True)
        score: pyram.Col[float | None] = None

    with pytest.raises(pyram.DataError, match="NaN"):
        Score(id=1, score=math.nan)
    assert Score(id=1, score=1.5).score == 1.5


def test_wrong_arguments_are_clean_errors() -> None:
    db = pyram.Database()
    db.create(User)
    with pytest.raises(pyram.ProgrammingError, match="SQL must be a str"):
        db.sql(None)  # type: ignore[arg-type]
    with pytest.raises(pyram.ProgrammingError, match=r"db\.all\(\)"):
        db.execute(User.select())  # type: ignore[arg-type]
    with pytest.raises(pyram.ProgrammingError, match=r"db\.sql\(\)"):
        db.all("SELECT 1")  # type: ignore[arg-type]


def test_parameter_messages_name_the_missing_parameter() -> None:
    db = pyram.Database()
    with pytest.raises(pyram.ProgrammingError, match=r"no parameter :b; no value given for :a"):
        db.sql("SELECT :a", {"b": 2})
    with pytest.raises(pyram.ProgrammingError, match=r"no value given for parameter \?2"):
        db.sql("SELECT ?, ?", [1])


def test_eq_none_is_is_null_in_the_dsl() -> None:
    db = pyram.Database()
    db.create(User)
    db.insert_many([User(id=1, name="a", age=1), User(id=2, name="b", age=2, email="e")])
    assert [u.id for u in db.all(User.select().where(User.email == None))] == [1]  # noqa: E711
    assert [u.id for u in db.all(User.select().where(User.email != None))] == [2]  # noqa: E711
    assert [u.id for u in db.all(User.select().where(User.email.eq(None)))] == [1]


def test_load_of_a_durable_file_points_to_database_path(tmp_path: object) -> None:
    path = f"{tmp_path}/app.pyram"
    db = pyram.Database(path=path)
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    db.close()
    with pytest.raises(pyram.PersistenceError, match=r"pyram\.Database\(path="):
        pyram.Database.load(path)


@pytest.mark.parametrize("n", [10, 5000])
def test_in_lists_of_parameters_and_literals(
    pair: tuple[pyram.Database, sqlite3.Connection], n: int
) -> None:
    values: list[object] = [*range(0, 3 * n, 3), None, 4611686018427387904]
    marks = ",".join("?" * len(values))
    same(pair, f"SELECT id FROM t WHERE x IN ({marks}) ORDER BY id", values)
    same(pair, f"SELECT id, x NOT IN ({marks}) FROM t ORDER BY id", values)
    without_null = [v for v in values if v is not None]
    marks = ",".join("?" * len(without_null))
    same(pair, f"SELECT id, x NOT IN ({marks}) FROM t ORDER BY id", without_null)
    # REAL against INTEGER values compares numerically (2.5 is not 2; 1.5 matches 1.5)
    reals: list[object] = [*range(0, 3 * n, 3), 1.5, 2]
    marks = ",".join("?" * len(reals))
    same(pair, f"SELECT id FROM t WHERE r IN ({marks}) ORDER BY id", reals)
    literals = ",".join(map(str, range(0, 3 * n, 3)))
    same(pair, f"SELECT id FROM t WHERE x NOT IN ({literals}, 7) ORDER BY id", [])


def test_dsl_in_with_many_values() -> None:
    db = pyram.Database()
    db.create(User)
    db.insert_many([User(id=i, name=f"n{i}", age=i) for i in range(100)])
    ages = list(range(0, 100_000, 2))
    assert len(db.all(User.select().where(User.age.in_(ages)))) == 50


@pytest.mark.parametrize(
    "sql",
    [
        "WITH RECURSIVE c(x, s) AS (SELECT 1, 'a' UNION ALL SELECT x + 1, s || 'b' FROM c "
        "WHERE x < 5) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT x % 3 + 1 FROM c) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c LIMIT 5",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT x * 10 FROM c "
        "WHERE x < 1000) SELECT * FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) "
        "SELECT sum(x), count(*), max(x) FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT x + 1 FROM c WHERE x < 3000) "
        "SELECT sum(x), count(*) FROM c",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        "WHERE x < (SELECT max(id) FROM t)) SELECT * FROM c",
    ],
)
def test_recursive_ctes_in_queue_form_match_sqlite(
    pair: tuple[pyram.Database, sqlite3.Connection], sql: str
) -> None:
    same(pair, sql, [])


def test_a_failed_statement_leaves_the_database_unchanged() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")
    db.sql("INSERT INTO t (x) VALUES (1), (2)")
    bad = "UPDATE t SET x = " + " + ".join(["x"] * (MAX_EXPR_DEPTH + 5))
    with pytest.raises(pyram.ProgrammingError):
        db.sql(bad)
    with pytest.raises(pyram.DataError):
        db.sql("INSERT INTO t (x) VALUES (1), (?)", [2**64])
    assert db.sql("SELECT x FROM t ORDER BY id").all() == [(1,), (2,)]
