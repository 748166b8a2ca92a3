"""User-defined functions, aggregates, window functions and procedures (issue 16, point 5)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

import pyram
from pyram import Col, column
from pyram.dsl.binder import bind_query
from pyram.functions.registry import use_functions
from pyram.sql import parse_one
from pyram.sql.binder import Binder, BoundSelect


@pyram.table(name="person")
class Person(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    age: Col[int | None] = None


def _db() -> pyram.Database:
    db = pyram.Database()
    db.create(Person)
    db.insert_many(
        [
            Person(id=1, name="ann", age=30),
            Person(id=2, name="bob", age=None),
            Person(id=3, name="cy", age=41),
        ]
    )
    return db


def test_scalar_function_in_sql_and_the_dsl_one_plan() -> None:
    db = _db()

    @db.function
    def double(x: int | None) -> int | None:
        return None if x is None else 2 * x

    query = pyram.select(Person.name, double(Person.age).label("d")).where(double(Person.age) > 70)
    assert db.all(query) == [("cy", 82)]
    sql = "SELECT name, double(age) AS d FROM person WHERE double(age) > 70"
    assert db.sql(sql).all() == [("cy", 82)]
    with db._functions.active():
        from_dsl = bind_query(query, db._schema_of).plan
        bound = Binder(sql, db._sql).bind(parse_one(sql))
    assert isinstance(bound, BoundSelect)
    assert bound.plan == from_dsl


def test_functions_belong_to_one_database() -> None:
    db, other = _db(), _db()
    db.create_function("shout", lambda s: s.upper() + "!", 1)
    assert db.sql("SELECT shout(name) FROM person WHERE id = 1").all() == [("ANN!",)]
    with pytest.raises(pyram.ProgrammingError, match="no such function: shout"):
        other.sql("SELECT shout(name) FROM person")
    with use_functions(None), pytest.raises(pyram.ProgrammingError):
        pyram.functions.scalar_function("shout")


def test_nulls_arity_and_variadic_functions() -> None:
    db = _db()
    db.create_function("nvl", lambda a, b: b if a is None else a, 2, returns=int)
    db.create_function("total_of", lambda *xs: sum(x for x in xs if x is not None), -1)
    assert db.sql("SELECT nvl(age, -1) FROM person ORDER BY id").all() == [(30,), (-1,), (41,)]
    assert db.sql("SELECT total_of(id, age, 1) FROM person WHERE id = 3").all() == [(45,)]
    with pytest.raises(pyram.ProgrammingError, match="wrong number of arguments"):
        db.sql("SELECT nvl(age) FROM person")


def test_errors_name_the_function_and_leave_the_data_unchanged() -> None:
    db = _db()
    db.create_function("boom", lambda x: 1 // (x - 41), 1, returns=int)
    with pytest.raises(pyram.OperationalError, match=r"boom\(\) raised ZeroDivisionError"):
        db.sql("UPDATE person SET age = boom(age) WHERE age IS NOT NULL")
    assert db.sql("SELECT age FROM person ORDER BY id").all() == [(30,), (None,), (41,)]


def test_results_are_checked_against_the_declared_type() -> None:
    db = _db()
    db.create_function("as_text", lambda x: "x", 1, returns=int)
    with pytest.raises(pyram.DataError, match=r"result of as_text\(\)"):
        db.sql("SELECT as_text(id) FROM person").all()
    db.create_function("halves", lambda x: x, 1, returns=float)
    assert db.sql("SELECT halves(id) FROM person WHERE id = 1").all() == [(1.0,)]
    db.create_function("listy", lambda x: [x], 1)
    with pytest.raises(pyram.DataError, match=r"listy\(\) returned list"):
        db.sql("SELECT listy(id) FROM person").all()
    # the declared type is the expression's type: strict typing applies to its use
    with pytest.raises(pyram.ProgrammingError, match="must be INTEGER, got REAL"):
        db.sql("SELECT substr('abc', halves(id)) FROM person")


def test_non_deterministic_functions_are_not_folded() -> None:
    db = _db()
    calls = {"pure": 0, "impure": 0}

    def pure(x: int) -> int:
        calls["pure"] += 1
        return x + 1

    def impure(x: int) -> int:
        calls["impure"] += 1
        return x + 1

    db.create_function("pure", pure, 1)
    db.create_function("impure", impure, 1, deterministic=False)
    assert db.sql("SELECT pure(1), impure(1) FROM person").all() == [(2, 2)] * 3
    assert calls == {"pure": 1, "impure": 3}  # folded once at plan time vs once per row
    plan = "\n".join(r[0] for r in db.sql("EXPLAIN SELECT pure(1), impure(1) FROM person").all())
    assert "2 AS pure(1)" in plan and "impure(1)" in plan


def test_redefining_a_function_replans() -> None:
    db = _db()
    db.create_function("f", lambda x: x + 1, 1, returns=int)
    assert db.sql("SELECT f(id) FROM person WHERE id = 1").all() == [(2,)]
    db.create_function("f", lambda x: x + 100, 1, returns=int)
    assert db.sql("SELECT f(id) FROM person WHERE id = 1").all() == [(101,)]


def test_function_inside_a_subquery_planned_at_run_time() -> None:
    db = _db()
    db.create_function("double", lambda x: 2 * x, 1, returns=int)
    sql = "SELECT name FROM person WHERE age > (SELECT double(min(age)) - 35 FROM person)"
    assert db.sql(sql).all() == [("ann",), ("cy",)]


class Product:
    """sqlite3's aggregate protocol."""

    def __init__(self) -> None:
        self.value = 1
        self.nulls = 0

    def step(self, value: Any) -> None:
        if value is None:
            self.nulls += 1
        else:
            self.value *= value

    def finalize(self) -> int:
        return self.value * 1000 + self.nulls


def test_aggregate_follows_sqlite3_and_sees_nulls() -> None:
    db = _db()
    db.create_aggregate("product", Product)
    con = sqlite3.connect(":memory:")
    con.create_aggregate("product", 1, Product)
    con.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, age INTEGER)")
    con.executemany(
        "INSERT INTO person VALUES (?, ?, ?)", [(1, "ann", 30), (2, "bob", None), (3, "cy", 41)]
    )
    for sql in (
        "SELECT product(age) FROM person",
        "SELECT id > 1, product(age), count(*) FROM person GROUP BY 1 ORDER BY 1",
        "SELECT product(id) FROM person WHERE id > 5",
    ):
        assert db.sql(sql).all() == con.execute(sql).fetchall(), sql


class Running:
    """sqlite3's window-function protocol."""

    def __init__(self) -> None:
        self.total = 0

    def step(self, value: int) -> None:
        self.total += value

    def inverse(self, value: int) -> None:
        self.total -= value

    def value(self) -> int:
        return self.total

    def finalize(self) -> int:
        return self.total


def test_window_function_is_registered_and_works_as_an_aggregate() -> None:
    db = _db()
    db.create_window_function("running", 1, Running)
    assert "running" in db._functions.scope.windows
    assert db._functions.scope.windows["running"].cls is Running
    assert db.sql("SELECT running(id) FROM person").all() == [(6,)]

    class Incomplete:
        def step(self, value: int) -> None: ...

    with pytest.raises(pyram.ProgrammingError, match="inverse, value, finalize"):
        db.create_window_function("broken", 1, Incomplete)


def test_dbapi_connections_take_sqlite3_signatures() -> None:
    con = pyram.connect(":memory:")
    con.execute("CREATE TABLE t (x INTEGER)")
    con.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (3,)])
    con.create_function("sq", 1, lambda x: x * x, deterministic=True)
    con.create_aggregate("product", 1, Product)
    con.create_window_function("running", 1, Running)
    assert con.execute("SELECT sq(x) FROM t ORDER BY x").fetchall() == [(1,), (4,), (9,)]
    assert con.execute("SELECT product(x), running(x) FROM t").fetchall() == [(6000, 6)]
    con.close()


def _move(db: pyram.Database, source: int, target: int, years: int) -> str:
    db.sql("UPDATE person SET age = age + ? WHERE id = ?", [years, target])
    db.sql("UPDATE person SET age = age - ? WHERE id = ?", [years, source])
    if db.sql("SELECT age FROM person WHERE id = ?", [source]).all()[0][0] < 0:
        raise ValueError("negative age")
    return f"moved {years}"


def test_procedures_run_in_one_transaction() -> None:
    db = _db()
    db.create_procedure("move", _move)
    assert db.call("move", 1, 3, 5) == "moved 5"
    assert db.sql("CALL move(1, 3, ?)", [5]).all() == [("moved 5",)]
    assert db.sql("SELECT age FROM person ORDER BY id").all() == [(20,), (None,), (51,)]
    with pytest.raises(pyram.OperationalError, match=r"procedure move\(\) raised ValueError"):
        db.sql("CALL move(1, 3, 100)")
    assert db.sql("SELECT age FROM person ORDER BY id").all() == [(20,), (None,), (51,)]
    with pytest.raises(pyram.ProgrammingError, match="no such procedure"):
        db.call("nope")
    with pytest.raises(pyram.ProgrammingError, match="no such procedure"):
        db.sql("CALL nope()")


def test_a_procedure_inside_a_transaction_is_a_savepoint() -> None:
    db = _db()
    db.create_procedure("move", _move)
    with db.transaction():
        db.sql("UPDATE person SET name = 'ANN' WHERE id = 1")
        with pytest.raises(pyram.OperationalError):
            db.call("move", 1, 3, 100)
    # the procedure's work is undone, the transaction's own update kept
    assert db.sql("SELECT name, age FROM person WHERE id = 1").all() == [("ANN", 30)]


def test_window_functions_are_found_by_name_while_the_database_binds() -> None:
    from pyram.functions.registry import user_window

    db = _db()
    db.create_window_function("running", 1, Running)
    with db._functions.active():
        found = user_window("RUNNING")
    assert found is not None and found.cls is Running and found.nargs == 1
    assert user_window("running") is None  # no database active: nothing global
