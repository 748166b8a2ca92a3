"""One-row writes by unique key run straight from their parameters (issue 11's lean path).

``UPDATE t SET a = ? WHERE id = ?`` and ``DELETE FROM t WHERE id = ?`` skip binding, the
execution context and the operator when the parameters are plainly what the statement takes;
anything else (a NULL or REAL key, a wrong type) goes the general way. Both ways must answer as
sqlite3 does.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

import pyram
from pyram.engine.operators.dml import UpdateOp
from pyram.engine.point_lookup import PointDelete, PointUpdate

DDL = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT UNIQUE, c REAL NOT NULL)"
ROWS = [(1, 10, "x", 1.0), (2, 20, "y", 2.0), (3, None, None, 3.0)]


def both(statements: list[tuple[str, Any]]) -> tuple[Any, Any]:
    out = []
    for module in (sqlite3, pyram):
        con = module.connect(":memory:")
        con.execute(DDL)
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", ROWS)
        counts: list[Any] = []
        for sql, params in statements:
            try:
                counts.append(con.execute(sql, params).rowcount)
            except (sqlite3.Error, pyram.Error) as exc:
                counts.append(type(exc).__name__)
        rows = [tuple(r) for r in con.execute("SELECT * FROM t ORDER BY id").fetchall()]
        out.append((counts, rows))
    return out[0], out[1]


@pytest.mark.parametrize("key", [1, 2, 4, None], ids=["first", "second", "missing", "null"])
def test_point_update_and_delete_match_sqlite(key: Any) -> None:
    expected, got = both(
        [
            ("UPDATE t SET a = ?, b = 'z' WHERE id = ?", (99, key)),
            ("UPDATE t SET c = ? WHERE id = ?", (7, key)),  # an INTEGER into REAL: 7.0
            ("DELETE FROM t WHERE id = ?", (key,)),
        ]
    )
    assert got == expected


def test_constraints_hold_on_the_direct_path() -> None:
    expected, got = both(
        [
            ("UPDATE t SET b = ? WHERE id = ?", ("y", 1)),  # UNIQUE
            ("UPDATE t SET c = ? WHERE id = ?", (None, 1)),  # NOT NULL
            ("UPDATE t SET b = ? WHERE id = ?", ("x", 1)),  # same value: matched, no conflict
        ]
    )
    assert got == expected


def test_a_wrong_type_is_refused_not_coerced() -> None:
    db = pyram.Database()
    db.sql(DDL)
    db.sql("INSERT INTO t VALUES (1, 10, 'x', 1.0)")
    with pytest.raises(pyram.DataError):
        db.sql("UPDATE t SET a = ? WHERE id = ?", ["10", 1])
    assert db.sql("SELECT a FROM t").all() == [(10,)]


def test_the_direct_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    db = pyram.Database()
    db.sql(DDL)
    db.sql("INSERT INTO t VALUES (1, 10, 'x', 1.0)")
    db.sql("INSERT INTO t VALUES (2, 20, 'y', 2.0)")
    used = {"direct": 0}
    for cls in (PointUpdate, PointDelete):
        original = cls.run_direct

        def counting(self: Any, params: Any, original: Any = original) -> Any:
            result = original(self, params)
            used["direct"] += result is not None
            return result

        monkeypatch.setattr(cls, "run_direct", counting)
    monkeypatch.setattr(UpdateOp, "update_one", lambda *a: pytest.fail("general path used"))
    assert db.sql("UPDATE t SET a = ? WHERE id = ?", [11, 1]).rowcount == 1
    assert db.sql("DELETE FROM t WHERE id = ?", [2]).rowcount == 1
    assert used["direct"] == 2
    assert db.sql("SELECT * FROM t").all() == [(1, 11, "x", 1.0)]


def test_the_direct_path_inside_a_transaction_rolls_back() -> None:
    db = pyram.Database()
    db.sql(DDL)
    db.sql("INSERT INTO t VALUES (1, 10, 'x', 1.0)")
    db.sql("BEGIN")
    db.sql("UPDATE t SET a = ? WHERE id = ?", [11, 1])
    db.sql("DELETE FROM t WHERE id = ?", [1])
    assert db.sql("SELECT count(*) FROM t").all() == [(0,)]
    db.sql("ROLLBACK")
    assert db.sql("SELECT * FROM t").all() == [(1, 10, "x", 1.0)]
