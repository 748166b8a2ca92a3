"""Kill the mirroring process and restart PostgreSQL mid-stream: nothing is lost, nothing is
applied twice (an insert-only table would fail on a replayed insert and stop the mirror)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
from pg_fixtures import PgDatabase, pgdb_fixture  # noqa: F401 (the pgdb fixture)

import pyram
import pyram.pg as pg

CHILD = Path(__file__).with_name("mirror_child.py")
ROOT = Path(__file__).resolve().parents[2]


def _child(path: Path, pgdb: PgDatabase, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(path), pgdb.dsn, pgdb.slot, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    return proc


def _write(pgdb: PgDatabase, count: int, stop: threading.Event) -> None:
    """Transactions of one insert-only row and one counter update; survives server restarts."""
    done = 0
    while done < count and not stop.is_set():
        try:
            with psycopg.connect(pgdb.dsn, connect_timeout=2) as conn:
                while done < count:
                    with conn.transaction():
                        conn.execute("INSERT INTO log (payload) VALUES (%s)", (f"p{done}",))
                        conn.execute("UPDATE kv SET v = v + 1 WHERE k = %s", (done % 7,))
                    done += 1
                    time.sleep(0.001)
        except psycopg.OperationalError:
            time.sleep(0.2)  # the server is restarting


def _setup(pgdb: PgDatabase) -> None:
    pgdb.run(
        "CREATE TABLE log (id serial PRIMARY KEY, payload text NOT NULL);"
        "CREATE TABLE kv (k int PRIMARY KEY, v bigint NOT NULL);"
        "INSERT INTO kv SELECT g, 0 FROM generate_series(0, 6) g"
    )


def test_kill_of_the_mirroring_process_and_server_restart_lose_nothing(
    pgdb: PgDatabase, tmp_path: Path
) -> None:
    _setup(pgdb)
    path = tmp_path / "mirror.pyram"
    stop = threading.Event()
    writer = threading.Thread(target=_write, args=(pgdb, 1500, stop))
    first = _child(path, pgdb)
    writer.start()
    try:
        time.sleep(1.0)
        first.send_signal(signal.SIGKILL)  # mid-stream, without any goodbye
        first.wait()
        time.sleep(0.5)  # the writer goes on while no mirror runs
        second = _child(path, pgdb)  # resumes from the file's recorded position
        time.sleep(0.5)
        pgdb.server.restart(mode="immediate")  # a PostgreSQL crash mid-stream
        time.sleep(1.0)
        second.send_signal(signal.SIGKILL)
        second.wait()
        writer.join(timeout=120)
    finally:
        stop.set()
        writer.join()
    final = _child(path, pgdb, pgdb.lsn())
    assert final.stdout is not None and final.stderr is not None
    # through the reader that took "ready": communicate() reads the pipe itself and would
    # miss what that reader already buffered (the JSON, when the child catches up at once)
    out = final.stdout.read()
    err = final.stderr.read()
    assert final.wait(timeout=120) == 0, err
    result = json.loads(out)
    expected = {
        t: [list(r) for r in pgdb.rows(f"SELECT * FROM {t} ORDER BY 1")] for t in ("log", "kv")
    }
    assert len(expected["log"]) == 1500
    assert result["rows"] == expected
    assert sum(v for _, v in expected["kv"]) == 1500


def test_server_restart_under_an_in_process_mirror(pgdb: PgDatabase) -> None:
    _setup(pgdb)
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["log", "kv"], slot=pgdb.slot, max_backoff=0.5)
    stop = threading.Event()
    writer = threading.Thread(target=_write, args=(pgdb, 600, stop))
    try:
        writer.start()
        time.sleep(0.5)
        pgdb.server.restart(mode="immediate")
        writer.join(timeout=120)
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        assert mirror.stats()["reconnects"] >= 1
        for table in ("log", "kv"):
            expected = pgdb.rows(f"SELECT * FROM {table} ORDER BY 1")
            assert db.sql(f"SELECT * FROM {table} ORDER BY 1").all() == expected
    finally:
        stop.set()
        writer.join()
        mirror.stop()
    assert mirror.error is None
