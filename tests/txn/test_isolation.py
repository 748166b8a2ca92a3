"""Isolation: deterministic interleavings of two transactions, per isolation level.

Each scenario is the classic schedule that exhibits one anomaly (dirty read, non-repeatable
read, phantom read, lost update, read skew, write skew), run at every level. What each level
promises (docs/transactions.md):

| anomaly             | read_committed | snapshot              | serializable          |
| ------------------- | -------------- | --------------------- | --------------------- |
| dirty read          | prevented      | prevented             | prevented             |
| non-repeatable read | occurs         | prevented             | prevented             |
| phantom read        | occurs         | prevented             | prevented             |
| lost update         | occurs         | SerializationFailure  | SerializationFailure  |
| read skew           | occurs         | prevented             | prevented             |
| write skew          | occurs         | occurs                | SerializationFailure  |

Readers never wait (no step but a second writer's first write is ever blocked): the tests
assert that too, so they show MVCC at work rather than transactions taking turns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from isolation import Outcome, Step, run_permutation

import pyram

LEVELS = ["read_committed", "snapshot", "serializable"]


@pytest.fixture
def db() -> pyram.Database:
    database = pyram.Database()
    database.sql("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
    database.sql("INSERT INTO kv VALUES ('x', 10), ('y', 10)")
    return database


class Tx:
    """Steps of one session: begin/commit/rollback and SQL, its transaction kept per thread."""

    def __init__(self, level: str) -> None:
        self.level = level
        self.local = threading.local()

    def begin(self) -> Step:
        def step(db: pyram.Database) -> None:
            self.local.tx = db.begin(self.level)  # type: ignore[arg-type]

        return step

    def commit(self) -> Step:
        return lambda db: self.local.tx.commit()

    def rollback(self) -> Step:
        return lambda db: self.local.tx.rollback()

    @staticmethod
    def read(sql: str) -> Step:
        return lambda db: db.sql(sql).scalar()

    @staticmethod
    def write(sql: str, params: Callable[[], list[Any]] | None = None) -> Step:
        return lambda db: db.sql(sql, params() if params else None).rowcount


def value(outcomes: dict[str, Outcome], step: str) -> Any:
    outcome = outcomes[step]
    assert outcome.error is None, f"{step} raised {outcome.error}"
    return outcome.value


@pytest.mark.parametrize("level", LEVELS)
def test_no_dirty_read(db: pyram.Database, level: str) -> None:
    t1, t2 = Tx(level), Tx(level)
    out = run_permutation(
        db,
        {
            "t1": {
                "b1": t1.begin(),
                "w1": t1.write("UPDATE kv SET v = 99 WHERE k = 'x'"),
                "r1": t1.rollback(),
            },
            "t2": {
                "b2": t2.begin(),
                "read2": t2.read("SELECT v FROM kv WHERE k = 'x'"),
                "c2": t2.commit(),
            },
        },
        ["b1", "w1", "b2", "read2", "r1", "c2"],
    )
    assert value(out, "read2") == 10  # never the uncommitted 99
    assert not any(o.blocked for o in out.values())  # the reader did not wait for the writer


@pytest.mark.parametrize("level", LEVELS)
def test_no_non_repeatable_read(db: pyram.Database, level: str) -> None:
    t1, t2 = Tx(level), Tx(level)
    q = "SELECT v FROM kv WHERE k = 'x'"
    out = run_permutation(
        db,
        {
            "t1": {"b1": t1.begin(), "a1": t1.read(q), "a2": t1.read(q), "c1": t1.commit()},
            "t2": {
                "b2": t2.begin(),
                "w2": t2.write("UPDATE kv SET v = 99 WHERE k = 'x'"),
                "c2": t2.commit(),
            },
        },
        ["b1", "a1", "b2", "w2", "c2", "a2", "c1"],
    )
    assert value(out, "a1") == 10
    assert value(out, "a2") == (99 if level == "read_committed" else 10)
    assert not any(o.blocked for o in out.values())
    assert db.sql(q).scalar() == 99  # the other transaction's write is kept


@pytest.mark.parametrize("level", LEVELS)
def test_no_phantom(db: pyram.Database, level: str) -> None:
    t1, t2 = Tx(level), Tx(level)
    q = "SELECT count(*) FROM kv WHERE v > 5"
    out = run_permutation(
        db,
        {
            "t1": {"b1": t1.begin(), "n1": t1.read(q), "n2": t1.read(q), "c1": t1.commit()},
            "t2": {
                "b2": t2.begin(),
                "i2": t2.write("INSERT INTO kv VALUES ('z', 20)"),
                "c2": t2.commit(),
            },
        },
        ["b1", "n1", "b2", "i2", "c2", "n2", "c1"],
    )
    assert value(out, "n1") == 2
    assert value(out, "n2") == (3 if level == "read_committed" else 2)
    assert not any(o.blocked for o in out.values())
    assert db.sql(q).scalar() == 3


@pytest.mark.parametrize("level", LEVELS)
def test_no_lost_update(db: pyram.Database, level: str) -> None:
    t1, t2 = Tx(level), Tx(level)
    q = "SELECT v FROM kv WHERE k = 'x'"
    seen: dict[str, int] = {}

    def read_into(key: str) -> Step:
        def step(db: pyram.Database) -> int:
            seen[key] = db.sql(q).scalar()
            return seen[key]

        return step

    def bump(key: str) -> Step:
        return lambda db: db.sql("UPDATE kv SET v = ? WHERE k = 'x'", [seen[key] + 1]).rowcount

    out = run_permutation(
        db,
        {
            "t1": {"b1": t1.begin(), "r1": read_into("t1"), "w1": bump("t1"), "c1": t1.commit()},
            "t2": {"b2": t2.begin(), "r2": read_into("t2"), "w2": bump("t2"), "c2": t2.commit()},
        },
        ["b1", "r1", "b2", "r2", "w1", "c1", "w2", "c2"],
    )
    assert value(out, "r1") == value(out, "r2") == 10  # both read before either wrote
    assert value(out, "c1") is None
    if level == "read_committed":
        assert value(out, "w2") == 1
        assert db.sql(q).scalar() == 11  # the lost update read_committed allows
    else:
        # first-committer-wins: the second writer's write fails, nothing of it survives
        assert out["w2"].error == "SerializationFailure"
        assert db.sql(q).scalar() == 11
        assert out["c2"].error is None  # its commit has nothing left to commit


@pytest.mark.parametrize("level", LEVELS)
def test_no_read_skew(db: pyram.Database, level: str) -> None:
    t1, t2 = Tx(level), Tx(level)
    out = run_permutation(
        db,
        {
            "t1": {
                "b1": t1.begin(),
                "x1": t1.read("SELECT v FROM kv WHERE k = 'x'"),
                "y1": t1.read("SELECT v FROM kv WHERE k = 'y'"),
                "c1": t1.commit(),
            },
            "t2": {
                "b2": t2.begin(),
                "m2": t2.write("UPDATE kv SET v = v + CASE k WHEN 'x' THEN -5 ELSE 5 END"),
                "c2": t2.commit(),
            },
        },
        ["b1", "x1", "b2", "m2", "c2", "y1", "c1"],
    )
    assert value(out, "m2") == 2
    total = value(out, "x1") + value(out, "y1")
    if level == "read_committed":
        assert total == 25  # x before the transfer, y after it: the skew it allows
    else:
        assert total == 20  # a consistent view of the pair
    assert not any(o.blocked for o in out.values())


@pytest.mark.parametrize("level", LEVELS)
def test_no_write_skew(db: pyram.Database, level: str) -> None:
    """Invariant x + y >= 0; each transaction checks it, then takes 20 from its own row."""
    t1, t2 = Tx(level), Tx(level)
    total = "SELECT sum(v) FROM kv"

    def take(key: str) -> Step:
        sql = f"UPDATE kv SET v = v - 20 WHERE k = '{key}' AND (SELECT sum(v) FROM kv) >= 20"
        return lambda db: db.sql(sql).rowcount

    out = run_permutation(
        db,
        {
            "t1": {"b1": t1.begin(), "s1": t1.read(total), "w1": take("x"), "c1": t1.commit()},
            "t2": {"b2": t2.begin(), "s2": t2.read(total), "w2": take("y"), "c2": t2.commit()},
        },
        ["b1", "s1", "b2", "s2", "w1", "w2", "c1", "c2"],
    )
    assert value(out, "w1") == 1
    assert out["w2"].blocked  # the second writer waits for the first one's end
    if level == "serializable":
        # t2 read kv, which t1 changed and committed since: its write fails
        assert out["w2"].error == "SerializationFailure"
        assert db.sql(total).scalar() == 0  # the invariant x + y >= 0 holds
    elif level == "snapshot":
        assert value(out, "w2") == 1  # it checked the invariant on its snapshot: write skew
        assert db.sql(total).scalar() == -20
    else:
        assert value(out, "w2") == 0  # read committed re-reads the sum: it sees t1's take
        assert db.sql(total).scalar() == 0
