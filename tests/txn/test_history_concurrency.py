"""Time travel under concurrency: readers of the past in other threads while writers commit
at every isolation level and the retention prunes behind them.

Every answer must equal the committed state at the point read, or be a HistoryError saying the
point was pruned; a reader of the past never makes a writer wait (writers here commit while
readers hold their views).
"""

from __future__ import annotations

import random
import threading

import pytest

import pyram


@pyram.table(name="acct", history=12)
class Acct(pyram.Table):
    id: pyram.Col[int] = pyram.column(primary_key=True)
    balance: pyram.Col[int]


@pytest.mark.parametrize("isolation", ["read_committed", "snapshot", "serializable"])
def test_past_reads_are_exact_while_writers_commit_and_history_prunes(isolation: str) -> None:
    db = pyram.Database()
    db.create(Acct)
    db.insert_many([Acct(id=i, balance=100) for i in range(8)])
    states: dict[int, dict[int, int]] = {db.commit_stamp: dict.fromkeys(range(8), 100)}
    lock = threading.Lock()
    problems: list[str] = []
    stop = threading.Event()
    pruned = [0]

    def reader(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            with lock:
                stamp, expected = rng.choice(list(states.items()))
            try:
                rows = db.all(Acct.select(), as_of=stamp)
                sql = db.sql(f"SELECT id, balance FROM acct FOR SYSTEM_TIME AS OF {stamp}")
            except pyram.HistoryError as error:
                assert "pruned" in str(error)
                pruned[0] += 1
                continue
            got = {r.id: r.balance for r in rows}
            if got != expected or dict(sql.raw_rows) != expected:
                problems.append(f"stamp {stamp}: {got} != {expected}")
            assert sum(got.values()) == 800  # transfers keep the total

    threads = [threading.Thread(target=reader, args=(seed,)) for seed in range(2)]
    for thread in threads:
        thread.start()
    rng = random.Random(7)
    try:
        for _ in range(120):
            a, b = rng.sample(range(8), 2)
            amount = rng.randint(1, 20)
            while True:
                try:
                    with db.transaction(isolation):  # type: ignore[arg-type]
                        one, two = db.get(Acct, a), db.get(Acct, b)
                        assert one is not None and two is not None
                        db.update(Acct(id=a, balance=one.balance - amount))
                        db.update(Acct(id=b, balance=two.balance + amount))
                    break
                except pyram.SerializationFailure:
                    continue
            with lock:
                state = dict(states[max(states)])
                state[a] -= amount
                state[b] += amount
                states[db.commit_stamp] = state
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not problems, problems[:3]
    history = db._store.snapshots.history
    assert history is not None and history.kept_commits("acct") <= 12  # pruned as it went
    newest = max(states)
    assert db.all(Acct.select(), as_of=newest - 11) is not None
    with pytest.raises(pyram.HistoryError, match="pruned"):
        db.all(Acct.select(), as_of=newest - 13)
