"""32 concurrent clients move money between accounts at SERIALIZABLE, retrying on 40001:
the total never changes. CI runs a bounded number of transfers; the slow soak runs 30 s."""

from __future__ import annotations

import random
import threading
import time

import psycopg
import pytest
from psycopg import errors as pgerrors

from server.server_helpers import Served

ACCOUNTS = 20
START = 1000
CLIENTS = 32


def _setup(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as con:
        con.execute("CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)")
        with con.cursor().copy("COPY acct FROM STDIN") as copy:
            for i in range(ACCOUNTS):
                copy.write_row((i, START))


def _client(
    served: Served,
    seed: int,
    stop: threading.Event,
    transfers: int,
    counts: list[int],
    errors: list[BaseException],
) -> None:
    rng = random.Random(seed)
    done = retries = streak = 0
    try:
        with psycopg.connect(served.dsn) as con:
            con.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
            while done < transfers and not stop.is_set():
                src, dst = rng.sample(range(ACCOUNTS), 2)
                amount = rng.randrange(1, 50)
                try:
                    with con.transaction():
                        row = con.execute("SELECT balance FROM acct WHERE id = %s", (src,))
                        balance = row.fetchone()
                        assert balance is not None
                        if balance[0] >= amount:
                            con.execute(
                                "UPDATE acct SET balance = balance - %s WHERE id = %s",
                                (amount, src),
                            )
                            con.execute(
                                "UPDATE acct SET balance = balance + %s WHERE id = %s",
                                (amount, dst),
                            )
                    done += 1
                    streak = 0
                except pgerrors.SerializationFailure:
                    retries += 1
                    streak = min(streak + 1, 6)
                    time.sleep(rng.random() * 0.002 * 2**streak)  # back off, as clients do
        counts.append(done)
        counts.append(-retries)
    except BaseException as exc:  # reported by the test
        errors.append(exc)


def _run(served: Served, transfers: int, seconds: float) -> tuple[int, int]:
    _setup(served)
    stop = threading.Event()
    counts: list[int] = []
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_client, args=(served, n, stop, transfers, counts, errors))
        for n in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + seconds
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with psycopg.connect(served.dsn) as con:
        total = con.execute("SELECT sum(balance), min(balance) FROM acct").fetchone()
    assert total is not None
    assert total[0] == ACCOUNTS * START
    assert total[1] >= 0
    assert served.db.sql("SELECT sum(balance) FROM acct").raw_rows == [(ACCOUNTS * START,)]
    return sum(c for c in counts if c > 0), -sum(c for c in counts if c < 0)


def test_bank_transfers_keep_the_total(served: Served) -> None:
    committed, _ = _run(served, transfers=4, seconds=120)
    assert committed == CLIENTS * 4


@pytest.mark.slow
def test_bank_transfers_soak_30s(served: Served) -> None:
    committed, retried = _run(served, transfers=10**9, seconds=30)
    assert committed > 0
    print(f"{committed} transfers committed, {retried} retried after 40001 in 30 s")
