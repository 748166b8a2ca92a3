"""Fuzzing at the edges (issue 19): generated oversized and malformed SQL, DSL chains and
parameter values. Only a pyram.Error (or a correct answer) may come out, never another
exception, and a failed statement leaves the database as it was.

Bounded in the default run; ``PYRAM_SLOW=1`` soaks (many more examples).
"""

from __future__ import annotations

import math
import os
import sqlite3
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from models import User

import pyram

SOAK = os.environ.get("PYRAM_SLOW") == "1"
FUZZ = settings(
    max_examples=2000 if SOAK else 60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_SETUP = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER, r REAL, s TEXT NOT NULL DEFAULT '')",
    "INSERT INTO t (x, r, s) VALUES (1, 1.5, 'a'), (NULL, 2.5, 'b'), (-7, NULL, 'c')",
)
_TOKENS = [
    "SELECT", "FROM", "WHERE", "t", "x", "r", "s", "id", "(", ")", ",", "+", "-", "*", "/",
    "%", "||", "=", "<", "AND", "OR", "NOT", "CASE", "WHEN", "THEN", "ELSE", "END", "IN",
    "UNION", "ALL", "EXCEPT", "?", ":p", "NULL", "1", "2.5", "'x'", "x'00'", "abs(", "max(",
    "INSERT", "INTO", "VALUES", "UPDATE", "SET", "DELETE", "ORDER", "BY", "LIMIT", ";",
    "9223372036854775808", "1e999", "BETWEEN", "LIKE", "IS", "WITH", "RECURSIVE", "AS",
]  # fmt: skip
_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**64),
    st.sampled_from([10**400, -(2**63), 2**63]),
    st.floats(),
    st.text(max_size=5),
    st.binary(max_size=5),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.builds(object),
)


def _fresh() -> pyram.Database:
    db = pyram.Database()
    for sql in _SETUP:
        db.sql(sql)
    return db


_IN_ITEMS = [
    *["1", "-2", "3.5", "1e3", "01", "1.", ".5", "+3", "-0", "99999999999999999999", "NULL"],
    *["'a'", "'it''s'", "?", "?2", "?40000", ":a", "@b", "x", "1 - 2", "(1)", "0x1F", "X'00'"],
    *["", "--", "'", "1e", ".", "-", "?0", "/*", "1 2", ")", "("],
]


def _contents(db: pyram.Database) -> list[tuple[Any, ...]]:
    return db.sql("SELECT * FROM t ORDER BY id").raw_rows


def _run(db: pyram.Database, sql: Any, params: Any) -> None:
    """Run ``sql``: fine, or a pyram.Error leaving the table as it was."""
    before = _contents(db)
    try:
        db.sql(sql, params)
    except pyram.Error:
        assert _contents(db) == before
    # anything else propagates and fails the test


def _repeat(unit: str, joiner: str, n: int) -> str:
    return joiner.join([unit] * n)


statements = st.one_of(
    st.lists(st.sampled_from(_TOKENS), max_size=40).map(" ".join),
    st.text(max_size=60),
    st.builds(
        lambda n, op: "SELECT " + _repeat("x", f" {op} ", n) + " FROM t",
        st.integers(1, 1500),
        st.sampled_from(["+", "-", "*", "/", "%", "||", "AND", "OR", "<", "="]),
    ),
    st.builds(lambda n: "SELECT " + "(" * n + "1" + ")" * n, st.integers(1, 400)),
    st.builds(lambda n: "SELECT " + "abs(" * n + "x" + ")" * n + " FROM t", st.integers(1, 200)),
    st.builds(lambda n: _repeat("SELECT x FROM t", " UNION ALL ", n), st.integers(1, 520)),
    st.builds(
        lambda n: "SELECT CASE x " + _repeat("WHEN 1 THEN 2", " ", n) + " END FROM t",
        st.integers(1, 2500),
    ),
    st.builds(
        lambda n: f"UPDATE t SET x = x + {n} * x WHERE id IN ({_repeat('?', ',', 3)})",
        st.integers(-(2**70), 2**70),
    ),
    st.builds(  # IN lists read as data, and what only looks like one
        lambda items, word: f"SELECT id FROM t WHERE x {word} (" + ", ".join(items) + ")",
        st.lists(st.sampled_from(_IN_ITEMS), max_size=30),
        st.sampled_from(["IN", "NOT IN"]),
    ),
    st.just("INSERT INTO t (x, r) VALUES (?, ?)"),
    st.just("SELECT ? + 1, ? || 'a', abs(?)"),
)
params = st.one_of(
    st.none(), st.lists(_VALUES, max_size=4), st.dictionaries(st.text(max_size=3), _VALUES)
)


@FUZZ
@given(statements, params)
def test_generated_sql_raises_only_pyram_errors(sql: str, values: Any) -> None:
    _run(_fresh(), sql, values)


@FUZZ
@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text())), params)
def test_non_text_sql_is_a_pyram_error(sql: Any, values: Any) -> None:
    _run(_fresh(), sql, values)


@FUZZ
@given(
    st.lists(
        st.tuples(st.sampled_from("+-*"), st.integers(-(2**62), 2**62)), min_size=1, max_size=1200
    ),
)
def test_long_arithmetic_chains_answer_as_sqlite(steps: list[tuple[str, int]]) -> None:
    sql = "SELECT x" + "".join(f" {op} ({value})" for op, value in steps) + " FROM t"
    lite = sqlite3.connect(":memory:")
    for setup in _SETUP:
        lite.execute(setup)
    try:
        expected: Any = lite.execute(sql).fetchall()
    except sqlite3.OperationalError:
        expected = None  # past SQLite's depth limit: PyRAM must refuse it too
    db = _fresh()
    if expected is None:
        try:
            db.sql(sql)
        except pyram.ProgrammingError:
            return
        raise AssertionError("SQLite refused the chain, PyRAM answered")
    got = db.sql(sql).all()
    for row_got, row_expected in zip(got, expected, strict=True):
        for a, b in zip(row_got, row_expected, strict=True):
            assert a == b or (isinstance(a, float) and math.isclose(a, b, rel_tol=1e-12))


@FUZZ
@given(
    st.lists(
        st.tuples(st.sampled_from(["&", "|", "+", "=="]), st.one_of(st.integers(), st.none())),
        max_size=1100,
    )
)
def test_generated_dsl_chains_raise_only_pyram_errors(steps: list[tuple[str, int | None]]) -> None:
    db = pyram.Database()
    db.create(User)
    db.insert(User(id=1, name="a", age=3))
    cond: Any = User.age >= 0
    total: Any = User.age + 0
    try:
        for op, value in steps:
            if op == "&":
                cond = cond & (User.age != value)
            elif op == "|":
                cond = cond | (User.age == value)
            elif op == "+":
                total = total + (0 if value is None else value)
            else:
                cond = cond & (User.email == None)  # noqa: E711
        db.all(pyram.select(total).where(cond))
    except pyram.Error:
        pass
    assert db.all(User.select()) == [User(id=1, name="a", age=3)]
