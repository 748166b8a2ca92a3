"""Randomized concurrent workloads on PostgreSQL: the mirror ends equal, and every state a
PyRAM reader sees is a state PostgreSQL committed (no half transactions, no reordering).

Every transaction first increments a counter row, so PostgreSQL serializes the writers and the
counter names each committed state; the writers log their operations by counter value, and
replaying the logs gives the expected state for every counter value a reader observed.
"""

from __future__ import annotations

import random
import threading
from typing import Any

import psycopg
from pg_fixtures import PgDatabase, pgdb_fixture  # noqa: F401 (the pgdb fixture)

import pyram
import pyram.pg as pg

TABLES = ("a", "b")
State = dict[str, dict[int, Any]]


def _setup(pgdb: PgDatabase) -> State:
    pgdb.run(
        "CREATE TABLE counter (id int PRIMARY KEY, n bigint NOT NULL);"
        "INSERT INTO counter VALUES (1, 0);"
        "CREATE TABLE a (id int PRIMARY KEY, v text, x double precision);"
        "CREATE TABLE b (id int PRIMARY KEY, v text, x double precision);"
        "INSERT INTO a SELECT g, 'a' || g, g / 2.0 FROM generate_series(1, 50) g;"
        "INSERT INTO b SELECT g, 'b' || g, NULL FROM generate_series(1, 20) g"
    )
    return {
        "a": {i: (f"a{i}", i / 2.0) for i in range(1, 51)},
        "b": {i: (f"b{i}", None) for i in range(1, 21)},
    }


def _random_ops(rng: random.Random) -> list[tuple[Any, ...]]:
    ops: list[tuple[Any, ...]] = []
    for _ in range(rng.randint(1, 6)):
        table = rng.choice(TABLES)
        key = rng.randint(1, 80)
        kind = rng.choices(["insert", "update", "move", "delete", "truncate"], [4, 4, 2, 3, 0.1])
        if kind[0] == "insert":
            ops.append(("insert", table, key, f"v{rng.random():.6f}", rng.random()))
        elif kind[0] == "update":
            ops.append(("update", table, key, f"u{rng.random():.6f}", rng.random()))
        elif kind[0] == "move":
            ops.append(("move", table, key, rng.randint(1, 80)))
        elif kind[0] == "delete":
            ops.append(("delete", table, key))
        else:
            ops.append(("truncate", table))
    return ops


def _run_op(conn: psycopg.Connection[Any], op: tuple[Any, ...]) -> None:
    kind, table = op[0], op[1]
    if kind == "insert":
        conn.execute(f"INSERT INTO {table} VALUES (%s, %s, %s)", op[2:])
    elif kind == "update":
        conn.execute(f"UPDATE {table} SET v = %s, x = %s WHERE id = %s", (op[3], op[4], op[2]))
    elif kind == "move":
        conn.execute(f"UPDATE {table} SET id = %s WHERE id = %s", (op[3], op[2]))
    elif kind == "delete":
        conn.execute(f"DELETE FROM {table} WHERE id = %s", (op[2],))
    else:
        conn.execute(f"TRUNCATE {table}")


def _replay(state: State, ops: list[tuple[Any, ...]]) -> None:
    """Apply a committed transaction's operations as PostgreSQL did (none of them failed)."""
    for op in ops:
        rows = state[op[1]]
        if op[0] == "insert" or (op[0] == "update" and op[2] in rows):
            rows[op[2]] = (op[3], op[4])
        elif op[0] == "move" and op[2] in rows:
            rows[op[3]] = rows.pop(op[2])
        elif op[0] == "delete":
            rows.pop(op[2], None)
        elif op[0] == "truncate":
            rows.clear()


def _writer(pgdb: PgDatabase, seed: int, count: int, log: dict[int, list[Any]]) -> None:
    rng = random.Random(seed)
    with psycopg.connect(pgdb.dsn) as conn:
        for _ in range(count):
            ops = _random_ops(rng)
            try:
                with conn.transaction():
                    row = conn.execute("UPDATE counter SET n = n + 1 RETURNING n").fetchone()
                    assert row is not None
                    for op in ops:
                        _run_op(conn, op)
            except psycopg.errors.UniqueViolation:
                continue  # rolled back: PostgreSQL never committed this state
            log[int(row[0])] = ops


def _pyram_state(db: pyram.Database) -> tuple[int, State]:
    with db.transaction(isolation="snapshot", read_only=True):
        n = db.sql("SELECT n FROM counter").scalar()
        state = {
            t: {r[0]: (r[1], r[2]) for r in db.sql(f"SELECT id, v, x FROM {t}").all()}
            for t in TABLES
        }
    return int(n), state


def test_concurrent_random_workload_shows_only_committed_states(pgdb: PgDatabase) -> None:
    initial = _setup(pgdb)
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["counter", *TABLES], slot=pgdb.slot)
    log: dict[int, list[Any]] = {}
    seen: list[tuple[int, State]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.append(_pyram_state(db))

    reader = threading.Thread(target=read)
    reader.start()
    writers = [
        threading.Thread(target=_writer, args=(pgdb, seed, 150, log)) for seed in range(4)
    ]
    try:
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        assert mirror.wait_for(pgdb.lsn(), timeout=30)
    finally:
        done.set()
        reader.join()
        mirror.stop()
    assert mirror.error is None
    # the end state equals PostgreSQL's
    final = _pyram_state(db)
    for t in TABLES:
        expected = {r[0]: (r[1], r[2]) for r in pgdb.rows(f"SELECT id, v, x FROM {t}")}
        assert final[1][t] == expected
    # every state a reader saw is the committed state of its counter value
    expected_states: dict[int, State] = {0: {t: dict(r) for t, r in initial.items()}}
    state = {t: dict(r) for t, r in initial.items()}
    for n in sorted(log):
        _replay(state, log[n])
        expected_states[n] = {t: dict(r) for t, r in state.items()}
    assert final[0] == max(log) and final[1] == expected_states[max(log)]
    assert len({n for n, _ in seen}) > 5  # the reader saw many intermediate states
    for n, observed in seen:
        assert observed == expected_states[n], f"state at counter {n} differs"
