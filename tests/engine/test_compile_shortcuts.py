"""The kernel shortcuts for big expressions (pyram.engine.compile.shortcuts) give sqlite3's
answers, on the rows they take and on those they leave to the general translation."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pyram
from pyram.engine.compile import kernels

BIG = 2**62
ROWS = [
    (1, 1, 0, 1.0, "a"),
    (2, -5, 7, 2.5, None),
    (3, BIG, 3, -0.0, "b"),  # 500 x BIG overflows: REAL from the step that overflows on
    (4, -BIG, -BIG, 3.0, "c"),
    (5, 12, 2**40, 12.0, "12"),
]


@pytest.fixture(scope="module")
def pair() -> tuple[pyram.Database, sqlite3.Connection]:
    db = pyram.Database()
    lite = sqlite3.connect(":memory:")
    create = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER NOT NULL, y INTEGER NOT NULL, "
        "r REAL, s TEXT)"
    )
    for run in (db.sql, lite.execute):
        run(create)
    for row in ROWS:
        db.sql("INSERT INTO t VALUES (?, ?, ?, ?, ?)", row)
    lite.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", ROWS)
    return db, lite


def same(pair: tuple[pyram.Database, sqlite3.Connection], sql: str) -> None:
    db, lite = pair
    got = [tuple(r) for r in db.sql(sql).all()]
    assert got == lite.execute(sql).fetchall(), sql


@pytest.mark.parametrize(
    "terms",
    [
        ["x"] * 500,
        ["x", "y"] * 40,
        ["x", "3", "y", "-9223372036854775807"] * 10,
        ["y"] * 33 + ["4611686018427387904"],
    ],
)
@pytest.mark.parametrize("ops", ["+", "-", "+-"])
def test_long_sums_overflow_as_sqlite(
    pair: tuple[pyram.Database, sqlite3.Connection], terms: list[str], ops: str
) -> None:
    sql = terms[0] + "".join(f" {ops[i % len(ops)]} {t}" for i, t in enumerate(terms[1:]))
    same(pair, f"SELECT id, {sql} FROM t ORDER BY id")
    same(pair, f"SELECT id FROM t WHERE {sql} > 0 ORDER BY id")


def test_a_sum_takes_the_plain_path_when_values_are_small(
    pair: tuple[pyram.Database, sqlite3.Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    sources: list[str] = []
    define = kernels.define_kernel

    def spy(source: str, helpers: dict[str, object]) -> object:
        sources.append(source)
        return define(source, helpers)

    monkeypatch.setattr(kernels, "define_kernel", spy)
    db, _ = pair
    db.sql("SELECT " + " + ".join(["x"] * 40) + " FROM t").all()
    bound = (2**63 - 1) // 40
    assert any(f"-{bound} <= v0 <= {bound}" in s for s in sources)


@pytest.mark.parametrize(
    "case",
    [
        "CASE x " + " ".join(f"WHEN {i} THEN {i * 2}" for i in range(-10, 20)) + " END",
        "CASE x " + " ".join(f"WHEN {i % 7} THEN {i}" for i in range(30)) + " ELSE -1 END",
        "CASE r " + " ".join(f"WHEN {i} THEN 'v{i}'" for i in range(20)) + " ELSE s END",
        "CASE s " + " ".join(f"WHEN '{c}' THEN NULL" for c in "abcdefghij") + " ELSE 'z' END",
        "CASE " + " ".join(f"WHEN y = {i} THEN {i}.5" for i in range(10)) + " ELSE y END",
        "CASE x + 0 " + " ".join(f"WHEN {i} THEN {i}" for i in range(10)) + " END",
        "CASE " + " ".join(f"WHEN x = {i} THEN {i}" for i in range(9)) + " WHEN y = 3 THEN 3 END",
    ],
)
def test_long_cases_answer_as_sqlite(
    pair: tuple[pyram.Database, sqlite3.Connection], case: str
) -> None:
    same(pair, f"SELECT id, {case} FROM t ORDER BY id")
    same(pair, f"SELECT max({case}), count({case}) FROM t")


@settings(max_examples=40, deadline=None)
@given(
    keys=st.lists(st.one_of(st.integers(-3, 15), st.sampled_from([1.0, 2.5, -0.0])), min_size=8),
    results=st.lists(st.one_of(st.integers(-5, 5), st.none()), min_size=8),
    default=st.sampled_from(["", " ELSE y", " ELSE NULL", " ELSE 0"]),
)
def test_generated_cases_answer_as_sqlite(
    pair: tuple[pyram.Database, sqlite3.Connection],
    keys: list[object],
    results: list[int | None],
    default: str,
) -> None:
    whens = " ".join(
        f"WHEN {k} THEN {'NULL' if r is None else r}" for k, r in zip(keys, results, strict=False)
    )
    same(pair, f"SELECT id, CASE x {whens}{default} END FROM t ORDER BY id")
