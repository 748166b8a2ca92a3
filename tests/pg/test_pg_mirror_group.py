"""Group commit: a mirror that is behind applies several whole PostgreSQL transactions as one
PyRAM transaction (at most ``max_group``), and every PyRAM commit is still a state PostgreSQL
committed; ``max_group=1`` keeps one PyRAM transaction per PostgreSQL transaction."""

from __future__ import annotations

from typing import Any

import pytest
from pg_fixtures import PgDatabase, pgdb_fixture  # noqa: F401 (the pgdb fixture)

import pyram
import pyram.pg as pg
from pyram.errors import ProgrammingError

TRANSACTIONS = 200


def _backlog(pgdb: PgDatabase, count: int) -> str:
    """``count`` transactions of three changes each: a transfer between two accounts and a
    log row; after k of them account 1 holds -k, account 2 holds k and the log k rows."""
    with pgdb.connect() as conn:
        for i in range(1, count + 1):
            with conn.transaction():
                conn.execute("UPDATE acct SET balance = balance - 1 WHERE id = 1")
                conn.execute("UPDATE acct SET balance = balance + 1 WHERE id = 2")
                conn.execute("INSERT INTO log VALUES (%s)", (i,))
    return pgdb.lsn()


def _run(pgdb: PgDatabase, count: int, **options: Any) -> tuple[list[int], pyram.Database]:
    """Mirror, fall behind by ``count`` transactions, catch up; returns the number of changes
    of each PyRAM commit (each checked to be a committed PostgreSQL state when it happened)."""
    pgdb.run(
        "CREATE TABLE acct (id int PRIMARY KEY, balance int NOT NULL);"
        "INSERT INTO acct VALUES (1, 0), (2, 0);"
        "CREATE TABLE log (id int PRIMARY KEY)"
    )
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["acct", "log"], slot=pgdb.slot, **options)
    sizes: list[int] = []
    broken: list[str] = []

    def check(changes: list[Any]) -> None:
        sizes.append(sum(c.table in ("acct", "log") for c in changes))  # not the position
        applied = db.sql("SELECT count(*) FROM log").scalar()
        balances = [r[0] for r in db.sql("SELECT balance FROM acct ORDER BY id").all()]
        if balances != [-applied, applied]:
            broken.append(f"after {applied} transactions the balances are {balances}")

    db.on_commit(check)
    try:
        mirror.pause()
        lsn = _backlog(pgdb, count)
        mirror.resume()
        assert mirror.wait_for(lsn, timeout=120)
        stats = mirror.stats()
        assert (stats["transactions"], stats["rows"]) == (count, 3 * count)
    finally:
        mirror.stop()
    assert not broken, broken[:3]
    assert db.sql("SELECT count(*) FROM log").scalar() == count
    return sizes, db


def test_a_backlog_is_applied_in_groups_of_whole_transactions(pgdb: PgDatabase) -> None:
    sizes, _ = _run(pgdb, TRANSACTIONS, max_group=25)
    assert sum(sizes) == 3 * TRANSACTIONS
    assert all(size % 3 == 0 for size in sizes), sizes  # never part of a transaction
    assert max(sizes) <= 3 * 25, sizes  # at most max_group transactions in one commit
    assert len(sizes) < TRANSACTIONS, "the backlog was applied one transaction at a time"


def test_max_group_one_applies_each_transaction_alone(pgdb: PgDatabase) -> None:
    sizes, _ = _run(pgdb, 50, max_group=1)
    assert sizes == [3] * 50


def test_max_group_must_be_positive(pgdb: PgDatabase) -> None:
    with pytest.raises(ProgrammingError, match="max_group"):
        pg.mirror(pyram.Database(), pgdb.dsn, ["x"], slot=pgdb.slot, max_group=0)
