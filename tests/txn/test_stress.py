"""Threaded stress: money transfers between accounts beside readers summing every balance.

Eight writer threads move random amounts between random accounts inside transactions,
retrying on SerializationFailure or a lock timeout: four at ``serializable`` with relative
updates (``balance = balance - ?``), four at ``snapshot`` reading both balances first and
writing the computed values (a lost update there would change the total: first-committer-wins
must refuse it). Three reader threads sum the balances meanwhile: in read-only snapshot
transactions (a full scan and an index range scan, which must agree) and outside any
transaction. Every sum a reader sees, and the final sum, must equal the initial total, and no
row may go missing. CI runs a bounded version (``PYRAM_STRESS_SECONDS``, default 1.5 s); set it
higher for a soak run.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable

import pyram

ACCOUNTS = 50
START = 1_000
SECONDS = float(os.environ.get("PYRAM_STRESS_SECONDS", "1.5"))


def test_transfers_keep_the_total_in_every_snapshot() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)")
    db.sql("INSERT INTO account VALUES " + ", ".join(f"({i}, {START})" for i in range(ACCOUNTS)))
    total = ACCOUNTS * START
    deadline = time.monotonic() + SECONDS
    sums: list[int] = []
    errors: list[BaseException] = []
    transfers = [0]
    retries = [0]
    lock = threading.Lock()

    def transfer(rng: random.Random) -> None:
        source, target = rng.sample(range(ACCOUNTS), 2)
        amount = rng.randint(1, 50)
        with db.transaction(timeout=2.0):
            db.sql("UPDATE account SET balance = balance - ? WHERE id = ?", [amount, source])
            db.sql("UPDATE account SET balance = balance + ? WHERE id = ?", [amount, target])

    def read_modify_write(rng: random.Random) -> None:
        source, target = rng.sample(range(ACCOUNTS), 2)
        amount = rng.randint(1, 50)
        read = "SELECT balance FROM account WHERE id = ?"
        write = "UPDATE account SET balance = ? WHERE id = ?"
        with db.transaction("snapshot", timeout=2.0):
            have = db.sql(read, [source]).scalar()
            other = db.sql(read, [target]).scalar()
            db.sql(write, [have - amount, source])
            db.sql(write, [other + amount, target])

    def writer(seed: int, move: Callable[[random.Random], None]) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            try:
                move(rng)
            except (pyram.SerializationFailure, pyram.OperationalError):
                with lock:
                    retries[0] += 1
                continue  # a conflict or a lock timeout: the transaction was undone; retry
            with lock:
                transfers[0] += 1

    def reader(in_transaction: bool) -> None:
        while time.monotonic() < deadline:
            if in_transaction:
                with db.transaction("snapshot", read_only=True):
                    scanned = db.sql("SELECT count(*), sum(balance) FROM account").one()
                    ranged = db.sql(
                        "SELECT count(*), sum(balance) FROM account WHERE id >= 0"
                    ).one()
                if scanned != ranged:
                    errors.append(AssertionError(f"one snapshot, two answers: {scanned} {ranged}"))
            else:
                scanned = db.sql("SELECT count(*), sum(balance) FROM account").one()
            with lock:
                sums.append(scanned[1])
            if scanned[0] != ACCOUNTS:
                errors.append(AssertionError(f"saw {scanned[0]} accounts"))

    def guarded(fn: object, *args: object) -> threading.Thread:
        def run() -> None:
            try:
                fn(*args)  # type: ignore[operator]
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        return threading.Thread(target=run)

    moves = [transfer, read_modify_write]
    threads = [guarded(writer, seed, moves[seed % 2]) for seed in range(8)]
    threads += [guarded(reader, True), guarded(reader, True), guarded(reader, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert transfers[0] > 0 and sums
    assert set(sums) == {total}
    assert db.sql("SELECT sum(balance), count(*) FROM account").one() == (total, ACCOUNTS)
