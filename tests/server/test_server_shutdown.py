"""``python -m pyram serve FILE`` as a real process: SIGTERM shuts it down gracefully (open
transactions rolled back, the file checkpointed) and a restart on the file loses no commit."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import errors as pgerrors

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """A ``python -m pyram serve`` subprocess on a free port."""

    def __init__(self, path: Path, *extra: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pyram",
                "serve",
                str(path),
                "--auth",
                "trust",
                "--port",
                "0",
                *extra,
            ],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert self.proc.stderr is not None
        self.lines: list[str] = []
        line = self.proc.stderr.readline()
        self.lines.append(line)
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert match, line
        self.port = int(match.group(1))
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        self.lines.extend(self.proc.stderr)

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=ops"

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(60)
        self._reader.join(5)
        return code


def test_sigterm_and_restart_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "app.pyram"
    server = ServerProcess(path)
    try:
        with psycopg.connect(server.dsn, autocommit=True) as con:
            con.execute("CREATE TABLE ev (id INTEGER PRIMARY KEY, note TEXT)")
            with con.cursor().copy("COPY ev FROM STDIN") as copy:
                for i in range(500):
                    copy.write_row((i, f"row {i}"))
            con.execute("UPDATE ev SET note = 'changed' WHERE id < 10")
            con.execute("DELETE FROM ev WHERE id >= 490")
        pending = psycopg.connect(server.dsn)  # an open transaction at shutdown
        pending.execute("INSERT INTO ev VALUES (1000, 'never committed')")
        busy = psycopg.connect(server.dsn, autocommit=True)  # a statement running at shutdown
        failure: list[BaseException] = []

        def long_query() -> None:
            try:
                busy.execute(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
                    " WHERE x < 100000000) SELECT count(*) FROM c"
                )
            except BaseException as exc:  # what the client saw
                failure.append(exc)

        runner = threading.Thread(target=long_query)
        runner.start()
        time.sleep(0.3)
    finally:
        code = server.terminate()
    runner.join(30)
    assert code == 0, "".join(server.lines)
    assert failure and isinstance(failure[0], psycopg.OperationalError | pgerrors.QueryCanceled)
    log = "".join(server.lines)
    assert "shutting down" in log and "checkpointed" in log
    pending.close()
    busy.close()

    restarted = ServerProcess(path)
    try:
        with psycopg.connect(restarted.dsn) as con:
            assert con.execute("SELECT count(*) FROM ev").fetchone() == (490,)
            assert con.execute("SELECT count(*) FROM ev WHERE note = 'changed'").fetchone() == (10,)
            assert con.execute("SELECT count(*) FROM ev WHERE id = 1000").fetchone() == (0,)
    finally:
        assert restarted.terminate() == 0


@pytest.mark.parametrize("args", [["--auth", "trust", "--host", "0.0.0.0"], []])
def test_cli_refuses_unsafe_or_userless_setups(tmp_path: Path, args: list[str]) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "pyram", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "loopback" in done.stderr or "no users" in done.stderr
