"""Targeted window queries against sqlite3: text keys under RANGE offsets, parameters in
frames, empty input, views and subqueries over windows, NULL lag offsets."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

import pyram

SETUP = [
    "CREATE TABLE s (id INTEGER PRIMARY KEY, k TEXT, v INTEGER, r REAL)",
    "INSERT INTO s VALUES (1, 'a', 1, 0.5), (2, 'b', 2, NULL), (3, 'b', 3, 1.5), "
    "(4, NULL, 4, 2.0), (5, 'c', NULL, -1.0), (6, 'a', 6, 2.0)",
    "CREATE TABLE e (x INTEGER)",
]


@pytest.fixture(scope="module")
def engines() -> tuple[pyram.Database, sqlite3.Connection]:
    db = pyram.Database()
    lite = sqlite3.connect(":memory:")
    for statement in SETUP:
        db.sql(statement)
        lite.execute(statement)
    return db, lite


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT id, sum(v) OVER (ORDER BY k RANGE 1 PRECEDING) FROM s", ()),
        (
            "SELECT id, count(*) OVER (ORDER BY k DESC RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING) "
            "FROM s",
            (),
        ),
        (
            "SELECT id, sum(v) OVER (ORDER BY id ROWS BETWEEN ? PRECEDING AND ? FOLLOWING) FROM s",
            (2, 1),
        ),
        (
            "SELECT id, sum(r) OVER (ORDER BY r RANGE BETWEEN 0.75 PRECEDING AND CURRENT ROW) "
            "FROM s",
            (),
        ),
        ("SELECT count(*) OVER (), row_number() OVER (ORDER BY x) FROM e", ()),
        (
            "SELECT id, lag(v, NULL) OVER (ORDER BY id), lead(k, 2, 'none') OVER (ORDER BY id) "
            "FROM s",
            (),
        ),
        ("SELECT k, n FROM (SELECT k, count(*) OVER (PARTITION BY k) AS n FROM s) WHERE n > 1", ()),
        (
            "SELECT id, nth_value(v, ?) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND "
            "UNBOUNDED FOLLOWING) FROM s",
            (3,),
        ),
        (
            "SELECT id, avg(v) OVER (PARTITION BY k ORDER BY id GROUPS BETWEEN 1 PRECEDING AND "
            "1 FOLLOWING EXCLUDE CURRENT ROW) FROM s",
            (),
        ),
    ],
)
def test_matches_sqlite(engines: Any, sql: str, params: tuple[Any, ...]) -> None:
    db, lite = engines
    expected = sorted(lite.execute(sql, params).fetchall(), key=repr)
    assert sorted(db.sql(sql, list(params)).all(), key=repr) == expected


def test_a_view_over_a_window(engines: Any) -> None:
    db, _ = engines
    db.sql("CREATE VIEW ranked AS SELECT id, rank() OVER (ORDER BY v DESC) AS r FROM s")
    assert db.sql("SELECT id FROM ranked WHERE r = 1").all() == [(6,)]


def test_runtime_errors_leave_the_database_unchanged(engines: Any) -> None:
    db, _ = engines
    for sql in (
        "SELECT ntile(0) OVER () FROM s",
        "SELECT nth_value(v, 0) OVER () FROM s",
        "SELECT sum(v) OVER (ORDER BY id ROWS -1 PRECEDING) FROM s",
    ):
        with pytest.raises(pyram.OperationalError):
            db.sql(sql).all()
    assert db.sql("SELECT count(*) FROM s").scalar() == 6
