"""SQL binding and running through ``db.sql``: names, SQLite semantics, strict values, errors."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from models import Order, User

import pyram
from pyram.sql.errors import SqlBindError, SqlSyntaxError


@pytest.fixture
def db() -> pyram.Database:
    database = pyram.Database()
    database.sql(
        """
        CREATE TABLE dept (name TEXT PRIMARY KEY, budget REAL NOT NULL DEFAULT 0.0);
        CREATE TABLE emp (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            dept TEXT REFERENCES dept(name) ON DELETE SET NULL,
            age INTEGER CHECK (age >= 0),
            salary REAL
        );
        INSERT INTO dept VALUES ('eng', 100.0), ('ops', 50.0), ('hr', 10.0);
        INSERT INTO emp (name, dept, age, salary) VALUES
            ('ann', 'eng', 30, 10.0), ('bob', 'eng', 40, NULL), ('cy', 'ops', 25, 7.5),
            ('dan', NULL, 50, 3.0);
        """
    )
    return database


def twin(sql_script: str) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.executescript(sql_script)
    return con


SCRIPT = """
CREATE TABLE t (a INTEGER, b INTEGER, c TEXT);
INSERT INTO t VALUES (1, 2, 'x'), (1, NULL, 'y'), (2, 5, NULL), (3, 3, 'x'), (NULL, 1, 'z');
CREATE TABLE u (a INTEGER, d REAL);
INSERT INTO u VALUES (1, 0.5), (3, 1.5), (4, NULL);
"""

ORACLE_QUERIES = [
    "SELECT a, b, a / 2, a % 2, -a, a || c FROM t",
    "SELECT a > b, a = b, a IS b, a IS NOT b, NOT a FROM t",
    "SELECT * FROM t WHERE a",
    "SELECT * FROM t WHERE b - 2",
    "SELECT sum(a > 1), count(b), total(b), avg(b) FROM t",
    "SELECT a, count(*) FROM t GROUP BY a ORDER BY a",
    "SELECT c, sum(b) AS s FROM t GROUP BY 1 ORDER BY s DESC, c",
    "SELECT a AS k FROM t ORDER BY k DESC",
    "SELECT a, b FROM t ORDER BY 2, 1",
    "SELECT * FROM t JOIN u USING (a) ORDER BY t.b",
    "SELECT * FROM t LEFT JOIN u USING (a) ORDER BY t.b",
    "SELECT t.a, u.d FROM t, u WHERE t.a = u.a",
    "SELECT a FROM t UNION SELECT a FROM u ORDER BY 1",
    "SELECT a FROM t INTERSECT SELECT a FROM u",
    "SELECT a FROM t EXCEPT SELECT a FROM u ORDER BY a",
    "WITH big AS (SELECT a, b FROM t WHERE b > 1) SELECT count(*), max(b) FROM big",
    "WITH x(n) AS (SELECT a FROM t), y AS (SELECT n * 10 AS m FROM x) SELECT sum(m) FROM y",
    "SELECT (SELECT max(d) FROM u WHERE u.a <= t.a) FROM t ORDER BY b",
    "SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a)",
    "SELECT a FROM t WHERE a NOT IN (SELECT a FROM u WHERE a IS NOT NULL)",
    "SELECT s.k FROM (SELECT a + 1 AS k FROM t) AS s WHERE s.k > 2",
    "SELECT CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END FROM t",
    "SELECT CASE WHEN b > 2 THEN b END, coalesce(b, -1), nullif(a, 1) FROM t",
    "SELECT a FROM t WHERE a IN () OR c NOT IN ()",
    "SELECT null IN (SELECT a FROM u WHERE a > 9), null NOT IN (SELECT a FROM u WHERE a > 9)",
    "SELECT a, b, count(*) FROM t GROUP BY a HAVING count(*) > 1",
    "SELECT DISTINCT c FROM t ORDER BY c",
    "SELECT a FROM t ORDER BY a NULLS LAST LIMIT 2 OFFSET 1",
    "SELECT a FROM t WHERE c LIKE 'X%' OR c GLOB 'z*'",
    "SELECT 7 / 2, 7.0 / 2, 7 % 3, -7 / 2, 1 / 0, 'a' || 'b', CAST('12ab' AS INTEGER)",
    "SELECT a FROM t WHERE a BETWEEN 1 AND 2 ORDER BY a",
    "SELECT count(DISTINCT a), group_concat(c) FROM t",
    "SELECT a & b, a | b, ~a, a << 2, b >> 1, 1 << 63, a << 64, -b >> 70 FROM t",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50) "
    "SELECT sum(x), count(*) FROM c",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c LIMIT 7",
    "WITH RECURSIVE f(n, a, b) AS (SELECT 1, 0, 1 UNION ALL SELECT n + 1, b, a + b FROM f "
    "WHERE n < 30) SELECT n, a FROM f ORDER BY n DESC LIMIT 3",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT (x + 1) % 5 FROM c) SELECT x FROM c ORDER BY x",
    "WITH RECURSIVE r(k) AS (SELECT a FROM t WHERE a = 1 UNION SELECT t.b FROM t JOIN r "
    "ON t.a = r.k) SELECT k FROM r ORDER BY k",
]


@pytest.mark.parametrize("query", ORACLE_QUERIES)
def test_same_answer_as_sqlite(query: str) -> None:
    db = pyram.Database()
    db.sql(SCRIPT)
    expected = twin(SCRIPT).execute(query).fetchall()
    got = db.sql(query).all()
    ordered = "ORDER BY" in query
    assert (got if ordered else sorted(got, key=repr)) == (
        expected if ordered else sorted(expected, key=repr)
    )


def test_column_names_follow_sqlite() -> None:
    db = pyram.Database()
    db.sql(SCRIPT)
    for query in ["SELECT a, b AS x, a+1, count(*) FROM t GROUP BY a", "SELECT * FROM t, u"]:
        expected = [d[0] for d in twin(SCRIPT).execute(query).description]
        assert list(db.sql(query).columns) == expected


def test_integer_primary_key_assigns_rowids(db: pyram.Database) -> None:
    assert db.sql("SELECT id, name FROM emp ORDER BY id").all()[:2] == [(1, "ann"), (2, "bob")]
    result = db.sql("INSERT INTO emp (name, age) VALUES ('eve', 20)")
    assert (result.rowcount, result.lastrowid) == (1, 5)
    db.sql("INSERT INTO emp (id, name) VALUES (10, 'fay')")
    assert db.sql("INSERT INTO emp (name) VALUES ('gus')").lastrowid == 11


def test_defaults_checks_and_foreign_keys_apply(db: pyram.Database) -> None:
    db.sql("INSERT INTO dept (name) VALUES ('new')")
    assert db.sql("SELECT budget FROM dept WHERE name = 'new'").scalar() == 0.0
    with pytest.raises(pyram.IntegrityError, match="CHECK"):
        db.sql("INSERT INTO emp (name, age) VALUES ('x', -1)")
    with pytest.raises(pyram.IntegrityError, match="FOREIGN KEY"):
        db.sql("INSERT INTO emp (name, dept) VALUES ('x', 'nope')")
    db.sql("DELETE FROM dept WHERE name = 'ops'")
    assert db.sql("SELECT dept FROM emp WHERE name = 'cy'").scalar() is None


def test_values_are_strictly_typed(db: pyram.Database) -> None:
    before = db.sql("SELECT * FROM emp").all()
    with pytest.raises(SqlBindError, match="does not fit INTEGER"):
        db.sql("INSERT INTO emp (name, age) VALUES ('x', 'old')")
    with pytest.raises(pyram.DataError):
        db.sql("INSERT INTO emp (name, age) VALUES (?, ?)", ["x", "old"])
    with pytest.raises(pyram.DataError):
        db.sql("INSERT INTO emp (name, age) VALUES ('x', 2.5)")
    with pytest.raises(SqlBindError, match="age is INTEGER"):
        db.sql("UPDATE emp SET age = name")
    assert db.sql("SELECT * FROM emp").all() == before


def test_literal_takes_the_column_type_like_sqlite_affinity(db: pyram.Database) -> None:
    assert db.sql("SELECT name FROM emp WHERE age = '30'").all() == [("ann",)]
    assert db.sql("SELECT count(*) FROM emp WHERE name > 5").scalar() == 4


def test_upsert_forms(db: pyram.Database) -> None:
    db.sql("INSERT OR IGNORE INTO dept VALUES ('eng', 1.0), ('qa', 2.0)")
    assert db.sql("SELECT name, budget FROM dept ORDER BY name").all() == [
        ("eng", 100.0),
        ("hr", 10.0),
        ("ops", 50.0),
        ("qa", 2.0),
    ]
    db.sql("INSERT OR REPLACE INTO dept VALUES ('hr', 11.0)")
    assert db.sql("SELECT budget FROM dept WHERE name = 'hr'").scalar() == 11.0
    changed = db.sql(
        "INSERT INTO dept VALUES ('qa', 5.0), ('ml', 1.0) "
        "ON CONFLICT (name) DO UPDATE SET budget = budget + excluded.budget"
    )
    assert changed.rowcount == 2
    assert db.sql("SELECT budget FROM dept WHERE name IN ('qa', 'ml') ORDER BY 1").all() == [
        (1.0,),
        (7.0,),
    ]
    db.sql("INSERT INTO dept VALUES ('qa', 0.0) ON CONFLICT DO NOTHING")
    assert db.sql("SELECT budget FROM dept WHERE name = 'qa'").scalar() == 7.0


def test_views(db: pyram.Database) -> None:
    db.sql("CREATE VIEW eng (who, yrs) AS SELECT name, age FROM emp WHERE dept = 'eng'")
    assert db.sql("SELECT who FROM eng WHERE yrs > 35").all() == [("bob",)]
    assert db.view_names() == ["eng"]
    db.sql("DROP VIEW eng")
    with pytest.raises(SqlBindError, match="no such table: eng"):
        db.sql("SELECT * FROM eng")
    db.sql("DROP VIEW IF EXISTS eng")


def test_one_catalogue_for_models_and_sql() -> None:
    db = pyram.Database()
    db.create(User, Order)
    db.insert(User(id=1, name="ann", age=30))
    db.sql("INSERT INTO orders (id, user_id, total) VALUES (1, 1, 9.5)")
    assert db.sql("SELECT u.name, o.total FROM user u JOIN orders o ON o.user_id = u.id").all() == [
        ("ann", 9.5)
    ]
    assert db.all(Order.select()) == [Order(id=1, user_id=1, total=9.5)]
    db.sql("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    db.sql("INSERT INTO note (body) VALUES ('hi')")
    assert db.sql("SELECT * FROM note").mappings() == [{"id": 1, "body": "hi"}]
    assert db.table_names() == ["user", "orders", "note"]


def test_result_object(db: pyram.Database) -> None:
    result = db.sql("SELECT name, age FROM emp WHERE age > ? ORDER BY age", [26])
    assert result.columns == ("name", "age")
    assert list(result) == result.all() == [("ann", 30), ("bob", 40), ("dan", 50)]
    assert result.first() == ("ann", 30)
    assert len(result) == 3
    with pytest.raises(pyram.ProgrammingError, match="exactly one row"):
        result.one()
    assert db.sql("SELECT count(*) FROM emp WHERE age > :a", {"a": 26}).scalar() == 3
    assert db.sql("SELECT ?2 - ?1", [1, 10]).one() == (9,)
    assert db.sql("UPDATE emp SET salary = 1.0 WHERE salary IS NULL").rowcount == 1


ERRORS: list[tuple[str, type[Exception], str, int, int]] = [
    ("SELECT nme FROM emp", SqlBindError, "no such column: nme", 1, 8),
    ("SELECT *\nFROM emp\nJOIN dept ON dept.nam = emp.dept", SqlBindError, "dept.nam", 3, 14),
    ("SELECT * FROM nowhere", SqlBindError, "no such table: nowhere", 1, 15),
    ("SELECT name FROM emp, dept", SqlBindError, "ambiguous column name: name", 1, 8),
    ("SELECT age FROM emp WHERE age = x'01'", SqlBindError, "cannot compare", 1, 31),
    ("SELECT a FROM emp ORDER BY 3", SqlBindError, "no such column: a", 1, 8),
    ("SELECT age FROM emp ORDER BY 3", SqlBindError, "out of range", 1, 30),
    ("SELECT sum(sum(age)) FROM emp", SqlBindError, "misuse of aggregate", 1, 12),
    ("SELECT 1 FORM emp", SqlSyntaxError, 'near "FORM"', 1, 10),
    ("SELECT 1 FROM emp WHERE", SqlSyntaxError, "end of input", 1, 24),
]


@pytest.mark.parametrize(("sql", "kind", "message", "line", "column"), ERRORS)
def test_errors_point_at_the_offending_token(
    db: pyram.Database, sql: str, kind: type[Exception], message: str, line: int, column: int
) -> None:
    with pytest.raises(kind) as caught:
        db.sql(sql)
    error: Any = caught.value
    assert isinstance(error, pyram.ProgrammingError)
    assert message in str(error)
    assert (error.line, error.column) == (line, column)
    caret_line = str(error).splitlines()[-1]
    assert caret_line.index("^") == column - 1


def test_huge_and_deep_inputs_give_clear_errors(db: pyram.Database) -> None:
    with pytest.raises(pyram.ProgrammingError, match="too deeply nested"):
        db.sql("SELECT " + "(" * 5000 + "1" + ")" * 5000)
    with pytest.raises(pyram.ProgrammingError, match="expression tree is too large"):
        db.sql("SELECT 1 " + "+ 1 " * 20000)
    with pytest.raises(pyram.ProgrammingError, match="too deeply nested"):
        db.sql("SELECT " + "(SELECT " * 400 + "1" + ")" * 400)
    # just under the limits everything still binds, compiles and runs
    assert db.sql("SELECT 1 " + "+ 1 " * 110).scalar() == 111
    many = "SELECT " + " + ".join(["age"] * 100) + " FROM emp WHERE id = 1"
    assert db.sql(many).scalar() == 30 * 100
    assert db.sql("SELECT " + "(SELECT " * 30 + "1" + ")" * 30).scalar() == 1
    huge = "INSERT INTO dept (name) VALUES " + ", ".join(f"('d{i}')" for i in range(20000))
    assert db.sql(huge).rowcount == 20000


def test_explain_and_ddl(db: pyram.Database) -> None:
    text = "\n".join(r[0] for r in db.sql("EXPLAIN SELECT * FROM emp WHERE id = 3").all())
    assert "emp" in text
    db.sql("CREATE TABLE IF NOT EXISTS emp (x INTEGER)")
    with pytest.raises(SqlBindError, match="already exists"):
        db.sql("CREATE TABLE emp (x INTEGER)")
    db.sql("CREATE TABLE scratch AS SELECT name, age * 2 AS twice FROM emp WHERE age < 35")
    assert db.sql("SELECT * FROM scratch ORDER BY twice").all() == [("cy", 50), ("ann", 60)]
    db.sql("DROP TABLE scratch")
    db.sql("DROP TABLE IF EXISTS scratch")
    with pytest.raises(pyram.ProgrammingError, match="no such table"):
        db.sql("DROP TABLE scratch")


def test_insert_or_replace_is_all_or_nothing(db: pyram.Database) -> None:
    before = db.sql("SELECT * FROM emp ORDER BY id").all()
    with pytest.raises(pyram.IntegrityError, match="CHECK"):
        db.sql("INSERT OR REPLACE INTO emp (id, name, age) VALUES (1, 'x', 5), (9, 'y', -1)")
    assert db.sql("SELECT * FROM emp ORDER BY id").all() == before


def test_transactions_in_sql(db: pyram.Database) -> None:
    before = db.sql("SELECT * FROM emp ORDER BY id").all()
    db.sql("BEGIN")
    db.sql("DELETE FROM emp WHERE age > 35")
    db.sql("SAVEPOINT s")
    db.sql("CREATE TABLE tmp (x INTEGER)")
    db.sql("INSERT INTO tmp VALUES (1)")
    db.sql("ROLLBACK TO s")
    assert "tmp" not in db.table_names()
    assert len(db.sql("SELECT * FROM emp").all()) == 2
    db.sql("ROLLBACK")
    assert db.sql("SELECT * FROM emp ORDER BY id").all() == before
    db.sql("BEGIN; UPDATE emp SET age = age + 1; COMMIT")
    assert db.sql("SELECT sum(age) FROM emp").scalar() == sum(r[3] for r in before) + 4
    with pytest.raises(pyram.OperationalError, match="no transaction is active"):
        db.sql("COMMIT")


def test_aggregate_of_a_subquery_binds_once() -> None:
    db = pyram.Database()
    db.sql(SCRIPT)
    query = "SELECT min((SELECT max(d) FROM u)) AS m, count(*) FROM t HAVING max(a) > 1 ORDER BY 1"
    assert db.sql(query).all() == twin(SCRIPT).execute(query).fetchall()


def test_a_parameter_folded_away_still_takes_its_value(db: pyram.Database) -> None:
    assert db.sql("SELECT name FROM emp WHERE NULL = :p", {"p": "x"}).all() == []
    with pytest.raises(pyram.ProgrammingError, match="no value given"):
        db.sql("SELECT name FROM emp WHERE NULL = :p")


def test_a_mapping_may_name_parameters_the_statement_does_not_use(db: pyram.Database) -> None:
    sql = "WITH unused AS (SELECT :x AS v) SELECT count(*) FROM emp WHERE age > :a"
    assert db.sql(sql, {"a": 26, "x": 1}).scalar() == 3
    with pytest.raises(pyram.ProgrammingError, match="2 parameter values given, the statement"):
        db.sql("SELECT ?", [1, 2])  # positional values must match


def test_a_view_used_twice_gets_distinct_columns() -> None:
    setup = "CREATE TABLE t1 (c TEXT); INSERT INTO t1 VALUES (NULL), (' a ');"
    setup += "CREATE VIEW v1(k0) AS SELECT 1.0 AS c0 FROM t1"
    db = pyram.Database()
    db.sql(setup)
    query = (
        "SELECT x2.c FROM v1 AS x1 FULL JOIN t1 AS x2 ON 0, v1 "
        "WHERE v1.k0 IS NOT NULL AND x2.c = ' a '"
    )
    assert db.sql(query).all() == twin(setup).execute(query).fetchall() == [(" a ",), (" a ",)]


def test_composite_index_prefix_finds_rows_with_a_null_suffix() -> None:
    setup = "CREATE TABLE t (c INTEGER, b REAL); CREATE INDEX i ON t (c, b);"
    setup += "INSERT INTO t VALUES (0, NULL), (4, NULL), (5, 1.0);"
    db = pyram.Database()
    db.sql(setup)
    for query in (
        "SELECT c FROM t WHERE c = 0",
        "SELECT c FROM t WHERE c > 3 ORDER BY c",
        "SELECT count(*) FROM t WHERE c >= 0",
    ):
        assert db.sql(query).all() == twin(setup).execute(query).fetchall(), query
