"""Threaded stress: money transfers between accounts beside readers summing every balance.

Eight writer threads move random amounts between random accounts inside transactions
(retrying on SerializationFailure or a lock timeout); two reader threads sum all balances in
read-only transactions. Every sum a reader sees, and the final sum, must equal the initial
total, and no row may go missing. CI runs a bounded version (``PYRAM_STRESS_SECONDS``, default
1.5 s); set it higher for a soak run.
"""

from __future__ import annotations

import os
import random
import threading
import time

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
    lock = threading.Lock()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            source, target = rng.sample(range(ACCOUNTS), 2)
            amount = rng.randint(1, 50)
            try:
                with db.transaction(timeout=2.0):
                    db.sql(
                        "UPDATE account SET balance = balance - ? WHERE id = ?", [amount, source]
                    )
                    db.sql(
                        "UPDATE account SET balance = balance + ? WHERE id = ?", [amount, target]
                    )
                with lock:
                    transfers[0] += 1
            except (pyram.SerializationFailure, pyram.OperationalError):
                continue  # a conflict or a lock timeout: the transaction was undone; retry

    def reader() -> None:
        while time.monotonic() < deadline:
            try:
                with db.transaction(read_only=True, timeout=2.0):
                    rows = db.sql("SELECT count(*), sum(balance) FROM account").one()
            except pyram.OperationalError:
                continue
            with lock:
                sums.append(rows[1])
            if rows[0] != ACCOUNTS:
                errors.append(AssertionError(f"saw {rows[0]} accounts"))

    def guarded(fn: object, *args: object) -> threading.Thread:
        def run() -> None:
            try:
                fn(*args)  # type: ignore[operator]
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        return threading.Thread(target=run)

    threads = [guarded(writer, seed) for seed in range(8)] + [guarded(reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert transfers[0] > 0 and sums
    assert set(sums) == {total}
    assert db.sql("SELECT sum(balance), count(*) FROM account").one() == (total, ACCOUNTS)
