"""SQLite's numeric semantics, with stdlib sqlite3 as the oracle: 64-bit INTEGER arithmetic
(overflow to REAL, saturating conversions, the 'integer overflow' errors), NaN as NULL, REAL
shown as text (``%!.15g``), text read as a number, CAST AS NUMERIC, and which of equal INTEGER
and REAL values a compound keeps (and REAL affinity of a compound subquery's columns).

Results are compared value AND type (1 and 1.0 differ): INTEGER and REAL are different storage
classes in SQLite.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

import pyram
from pyram import Col, column

SETUP = (
    "CREATE TABLE t (i INTEGER, r REAL, s TEXT)",
    "INSERT INTO t VALUES (1, 2.5, 'a'), (2, 2.0, '3'), (NULL, 1.0, '2.5'), "
    "(9223372036854775807, 1e20, ' 12x'), (-9223372036854775808, -1e20, '1e3')",
)


def typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[str, Any], ...]]:
    """Rows with each value tagged by its type, so 1 and 1.0 differ."""
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


def outcome(run: Any, sql: str) -> Any:
    try:
        return typed(run(sql))
    except (sqlite3.Error, pyram.Error) as exc:
        return ("error", str(exc).splitlines()[0].split(" at line")[0])


@pytest.fixture(scope="module")
def engines() -> tuple[Any, Any]:
    lite = sqlite3.connect(":memory:")
    ram = pyram.connect(":memory:")
    for statement in SETUP:
        lite.execute(statement)
        ram.execute(statement)

    def on_sqlite(sql: str) -> list[tuple[Any, ...]]:
        return lite.execute(sql).fetchall()

    def on_pyram(sql: str) -> list[tuple[Any, ...]]:
        return ram.execute(sql).fetchall()  # type: ignore[no-any-return]

    return on_sqlite, on_pyram


def same_as_sqlite(engines: tuple[Any, Any], sql: str, ordered: bool = True) -> None:
    on_sqlite, on_pyram = engines
    expected, got = outcome(on_sqlite, sql), outcome(on_pyram, sql)
    if not ordered and isinstance(expected, list) and isinstance(got, list):
        expected, got = sorted(expected, key=repr), sorted(got, key=repr)
    assert got == expected, sql


INTEGER_64 = [
    # + - * leaving the 64-bit range give REAL
    "SELECT 9223372036854775807 + 1, 9223372036854775807 * 2, 4611686018427387904 * 2",
    "SELECT 9223372036854775807 - -1, -9223372036854775807 - 2, 3037000500 * 3037000500",
    "SELECT 4611686018427387904 * -2, -4611686018427387904 * 2, -3037000500 * 3037000500",
    "SELECT i + 1, i - 1, i * 2, i * -1, -i FROM t ORDER BY s",
    "SELECT i + i + i, (i + 1) - 1, (i * 2) / 2, (i + 1) % 7 FROM t ORDER BY s",
    # the smallest INTEGER literal and its neighbours
    "SELECT -9223372036854775808, -9223372036854775807 - 1, 9223372036854775808",
    "SELECT -9223372036854775809, -(-9223372036854775807 - 1)",
    # integer division and remainder edges
    "SELECT (-9223372036854775807 - 1) / -1, (-9223372036854775807 - 1) % -1, 7 / -1, -7 % -1",
    "SELECT 5 / 0, 5 % 0, 5.0 / 0, 5.0 % 0, 5 % 0.5, 7 / 2, -7 / 2, -7 % 2, 7.5 % 2",
    "SELECT r % 3, r / 3 FROM t ORDER BY s",
    "SELECT 1e308 * 10 % 3, 1e20 % 3, -1e20 % 3, 5 % 2.5, 5.5 % -1",
    # bitwise operators wrap (no REAL)
    "SELECT 9223372036854775807 | 1, 1 << 63, 1 << 64, 9223372036854775807 << 1",
    "SELECT ~(-9223372036854775807 - 1), i & 3, i >> 62, i << 1 FROM t ORDER BY s",
    # REAL -> INTEGER saturates; infinities do not crash
    "SELECT CAST(r AS INTEGER), CAST(r * 1e300 AS INTEGER) FROM t ORDER BY s",
    "SELECT CAST(1e308 * 10 AS INTEGER), CAST(-1e308 * 10 AS INTEGER), CAST(2.9 AS INTEGER)",
    "SELECT CAST(9223372036854775807.0 AS INTEGER), CAST(-9223372036854775808.0 AS INTEGER)",
    "SELECT CAST('99999999999999999999' AS INTEGER), CAST('-99999999999999999999' AS INTEGER)",
    "SELECT CAST('1e3' AS INTEGER), CAST(' 12x' AS INTEGER), CAST('-' AS INTEGER)",
    # NaN is NULL
    "SELECT 1e308 * 10 - 1e308 * 10, 1e308 * 10 * 0, (1e308 * 10) / (1e308 * 10)",
    "SELECT CAST(1e308 * 10 - 1e308 * 10 AS INTEGER), (1e308 * 10 - 1e308 * 10) IS NULL",
    "SELECT 1e308 * 10, -1e308 * 10, CAST('1e999' AS REAL)",
    # errors: abs() of the smallest INTEGER, sum() leaving the range
    "SELECT abs(-9223372036854775807 - 1)",
    "SELECT abs(i) FROM t WHERE i < 0",
    "SELECT abs(-9223372036854775807), abs(-5.0)",
    "SELECT sum(column1) FROM (VALUES (9223372036854775807), (1))",
    "SELECT sum(column1) FROM (VALUES (9223372036854775807), (1), (-5))",
    "SELECT sum(column1) FROM (VALUES (9223372036854775807), (-5), (1))",
    "SELECT sum(column1) FROM (VALUES (9223372036854775807), (1.0), (-5))",
    "SELECT sum(column1) FROM (VALUES (9223372036854775807), (1), (1.0))",
    "SELECT sum(i) FROM t",
    "SELECT total(i), avg(i) FROM t",
]

REAL_TEXT = [
    "SELECT CAST(1e15 AS TEXT), CAST(1e16 AS TEXT), CAST(1.0 / 3 AS TEXT), CAST(1e-5 AS TEXT)",
    "SELECT CAST(-0.0 AS TEXT), CAST(100.0 AS TEXT), CAST(0.1 AS TEXT), CAST(-2.5 AS TEXT)",
    "SELECT 1e20 || 'x', 0.1 || '', 123456789012345.6 || '', 1.5e300 || '', 1e100 || ''",
    "SELECT 5e-324 || '', 12345678901234567890.0 || '', 0.0001 || '', 0.00001234 || ''",
    "SELECT CAST(1e308 * 10 AS TEXT), -1e308 * 10 || '', CAST(9223372036854775807 + 1 AS TEXT)",
    "SELECT CAST(r AS TEXT), r || '', CAST(r / 7 AS TEXT) FROM t ORDER BY s",
    "SELECT r FROM t WHERE r LIKE '2.%' ORDER BY r",
]

TEXT_AS_NUMBER = [
    "SELECT '3' * 2, 'abc' + 1, '3x' + 1, -'3', '3' + 4, '3.0' + 4, ' 3 ' + 1",
    "SELECT '1e3' + 0, '0x10' + 0, '.5' + 0, '5.' + 0, '' + 0, '-' + 0, '+3' + 0",
    "SELECT '9223372036854775808' + 0, '9223372036854775807' + 0, '1.x' + 0, '1e' + 0",
    "SELECT '1ex' + 0, ' ' + 0, '- 3' + 0, '3 x' + 0, '1e+' + 0",
    "SELECT -'abc', -'', -'2.0', -'9223372036854775808', -'-9223372036854775808'",
    "SELECT '3' / '2', '3.0' / 2, '7' % '4', 'x' / 2, '1e3' % 2, '2.5' % 2, 7 % '2.5'",
    "SELECT '1e3' & 7, ~'3', '12' | 1, '2.9' << 1, s & 3, s % 2 FROM t ORDER BY s",
    "SELECT s + 1, s * 1, -s, s - 0.5, s / 2, s % 2 FROM t ORDER BY s",
    "SELECT i + s, r + s FROM t ORDER BY s",
    "SELECT s FROM t WHERE s + 0 > 0 ORDER BY s",
    # CAST AS NUMERIC: INTEGER or REAL by the text; numbers unchanged
    "SELECT CAST('1' AS NUMERIC), CAST('1.5' AS NUMERIC), CAST('1e3' AS NUMERIC)",
    "SELECT CAST('1.0' AS NUMERIC), CAST('abc' AS NUMERIC), CAST(' 12 ' AS NUMERIC)",
    "SELECT CAST('12abc' AS NUMERIC), CAST('1e20' AS NUMERIC), CAST('' AS NUMERIC)",
    "SELECT CAST('9223372036854775807' AS NUMERIC), CAST('9223372036854775808' AS NUMERIC)",
    "SELECT CAST('3.0e0' AS NUMERIC), CAST('-0' AS NUMERIC), CAST('-0.0' AS NUMERIC)",
    "SELECT CAST(1.0 AS NUMERIC), CAST(2.5 AS NUMERIC), CAST(7 AS NUMERIC)",
    "SELECT CAST(s AS NUMERIC), CAST(r AS NUMERIC), CAST(i AS NUMERIC) FROM t ORDER BY s",
    "SELECT hex(NULL), hex(''), hex('a')",
]

MIXED_NUMERIC = [
    "SELECT CASE WHEN i = 1 THEN i ELSE r END FROM t ORDER BY s",
    "SELECT COALESCE(i, r) + 1, COALESCE(i, r) * 2, COALESCE(i, r) / 2 FROM t ORDER BY s",
    "SELECT COALESCE(i, r) % 2, -COALESCE(i, r), COALESCE(i, r) - 0.5 FROM t ORDER BY s",
    "SELECT CAST(COALESCE(i, r) AS TEXT), COALESCE(i, r) || 'x' FROM t ORDER BY s",
    "SELECT IFNULL(i, r), COALESCE(r, i) FROM t ORDER BY s",
    "SELECT CASE WHEN i > 0 THEN 1 ELSE 0.5 END / 2 FROM t ORDER BY s",
]


@pytest.mark.parametrize("sql", INTEGER_64)
def test_64_bit_integers(engines: tuple[Any, Any], sql: str) -> None:
    same_as_sqlite(engines, sql)


@pytest.mark.parametrize("sql", REAL_TEXT)
def test_real_shown_as_text(engines: tuple[Any, Any], sql: str) -> None:
    same_as_sqlite(engines, sql)


@pytest.mark.parametrize("sql", TEXT_AS_NUMBER)
def test_text_read_as_number(engines: tuple[Any, Any], sql: str) -> None:
    same_as_sqlite(engines, sql)


@pytest.mark.parametrize("sql", MIXED_NUMERIC)
def test_integer_and_real_values_keep_their_class(engines: tuple[Any, Any], sql: str) -> None:
    same_as_sqlite(engines, sql)


COMPOUNDS = [
    # of equal INTEGER and REAL values, SQLite keeps the last
    "SELECT 1.0 UNION SELECT 1",
    "SELECT 1 UNION SELECT 2 UNION SELECT 1.0",
    "SELECT 2.0 UNION SELECT 2 UNION ALL SELECT 2.0",
    "SELECT column1 FROM (VALUES (2), (2.0)) EXCEPT SELECT 5",
    "SELECT column1 FROM (VALUES (2), (2.0)) INTERSECT SELECT 2",
    "SELECT 2 UNION ALL SELECT 2.0 INTERSECT SELECT 2",
    "SELECT 2.0 UNION ALL SELECT 2 EXCEPT SELECT 3",
    "SELECT 2 INTERSECT SELECT 2.0",
    "SELECT i FROM t UNION SELECT r FROM t",
    "SELECT r FROM t UNION SELECT i FROM t",
    "SELECT i FROM t UNION ALL SELECT r FROM t",
    # with its own ORDER BY SQLite merges sorted arms: the first of each arm, for UNION the
    # right arm's beating the left's
    "SELECT 1.0 UNION SELECT 1 ORDER BY 1",
    "SELECT 1 UNION SELECT 1.0 ORDER BY 1",
    "SELECT 1 UNION SELECT 2 UNION SELECT 1.0 ORDER BY 1",
    "SELECT column1 FROM (VALUES (2), (2.0)) EXCEPT SELECT 5 ORDER BY 1",
    "SELECT column1 FROM (VALUES (2), (2.0)) INTERSECT SELECT 2 ORDER BY 1 DESC",
    "SELECT column1 FROM (VALUES (2.0), (2)) INTERSECT SELECT 2 ORDER BY 1",
    "SELECT column1 FROM (VALUES (2), (2.0)) UNION SELECT 5 ORDER BY 1",
    "SELECT 5 UNION SELECT column1 FROM (VALUES (2), (2.0)) ORDER BY 1",
    "SELECT COALESCE(i, r) FROM t UNION SELECT 2.0 ORDER BY 1",
    "SELECT * FROM (SELECT column1 FROM (VALUES (2), (2.0)) UNION SELECT 5) ORDER BY 1",
    "SELECT 1.0 UNION SELECT 1 LIMIT 5",
    # a compound subquery's column has the affinity of its first arm: REAL turns 5 into 5.0
    "SELECT * FROM (SELECT r FROM t UNION SELECT i FROM t)",
    "SELECT * FROM (SELECT r FROM t UNION ALL SELECT i FROM t)",
    "SELECT * FROM (SELECT r FROM t UNION ALL SELECT 0)",
    "SELECT * FROM (SELECT i FROM t UNION ALL SELECT r FROM t)",
    "SELECT * FROM (SELECT CAST(i AS REAL) FROM t UNION ALL SELECT i FROM t)",
    "SELECT * FROM (SELECT r + 0 FROM t UNION ALL SELECT i FROM t)",
    "SELECT * FROM (SELECT (SELECT r FROM t LIMIT 1) UNION ALL SELECT i FROM t)",
    "SELECT * FROM (SELECT x FROM (SELECT r AS x FROM t) UNION ALL SELECT i FROM t)",
    "SELECT * FROM (SELECT max(r) FROM t UNION ALL SELECT 1)",
    "WITH c AS (SELECT r FROM t UNION SELECT i FROM t) SELECT * FROM c",
    "SELECT * FROM (SELECT r FROM t UNION ALL SELECT NULL)",
]


@pytest.mark.parametrize("sql", COMPOUNDS)
def test_compounds_of_integer_and_real(engines: tuple[Any, Any], sql: str) -> None:
    same_as_sqlite(engines, sql, ordered=False)


def test_view_over_a_compound_has_real_affinity() -> None:
    db = pyram.connect(":memory:")
    db.execute("CREATE TABLE t (e REAL, i INTEGER)")
    db.execute("INSERT INTO t VALUES (NULL, 5)")
    db.execute("CREATE VIEW v AS SELECT e FROM t UNION SELECT i FROM t")
    assert sorted(db.execute("SELECT * FROM v").fetchall(), key=repr) == [(5.0,), (None,)]


def test_overflow_to_real_is_refused_by_an_integer_column() -> None:
    # strict typing stays: the REAL an overflow makes is not stored into an INTEGER column
    db = pyram.connect(":memory:")
    db.execute("CREATE TABLE t (i INTEGER)")
    db.execute("INSERT INTO t VALUES (9223372036854775807)")
    with pytest.raises(pyram.Error):
        db.execute("UPDATE t SET i = i + 1")
    assert db.execute("SELECT i FROM t").fetchall() == [(9223372036854775807,)]


@pyram.table
class Big(pyram.Table):
    id: Col[int] = column(primary_key=True)
    n: Col[int]
    x: Col[float]


def test_dsl_shares_the_integer_semantics() -> None:
    db = pyram.Database()
    db.create(Big)
    db.insert_many([Big(1, 2**63 - 1, 1e308), Big(2, -(2**63), -1e308)])
    q = pyram.select(Big.n + 1, Big.n * 2, -Big.n, Big.x * 10 - Big.x * 10).order_by(Big.id)
    assert typed(db.all(q)) == typed(
        [
            (9.223372036854776e18, 1.8446744073709552e19, -9223372036854775807, None),
            (-9223372036854775807, -1.8446744073709552e19, 9.223372036854776e18, None),
        ]
    )
