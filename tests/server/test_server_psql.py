"""psql (the PostgreSQL 15 client) runs scripts against the server with ON_ERROR_STOP."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from server.server_helpers import PASSWORD, Served

SCRIPT = r"""
CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT, pop INTEGER CHECK (pop > 0));
INSERT INTO city VALUES (1, 'Oslo', 700000), (2, 'Bergen', 285000);
BEGIN;
UPDATE city SET pop = pop + 1 WHERE id = 1;
SAVEPOINT s1;
DELETE FROM city;
ROLLBACK TO SAVEPOINT s1;
COMMIT;
\copy city (id, name) from stdin
3	Trondheim
4	\N
\.
\copy city (id, name) from stdin with (format csv)
5,"Stavanger, Rogaland"
\.
PREPARE by_id AS SELECT name FROM city WHERE id = $1;
SELECT id, name, pop FROM city ORDER BY id;
\copy (SELECT id, name FROM city WHERE id > 2 ORDER BY id) to stdout with csv
"""


def _psql(served: Served, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PGPASSWORD=PASSWORD, PGCONNECT_TIMEOUT="10")
    command = [
        "psql",
        "-X",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-p",
        str(served.port),
        "-U",
        served.user,
        "-d",
        "app",
        *args,
    ]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_psql_runs_a_script(served_scram: Served, tmp_path: Path) -> None:
    script = tmp_path / "script.sql"
    script.write_text(SCRIPT.replace("PREPARE by_id AS SELECT name FROM city WHERE id = $1;\n", ""))
    done = _psql(served_scram, "-A", "-F", "|", "-f", str(script))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "1|Oslo|700001" in lines
    assert "4||" in lines
    assert '5,"Stavanger, Rogaland"' in lines
    assert "COPY 2" in lines and "COPY 1" in lines
    assert served_scram.db.sql("SELECT count(*) FROM city").raw_rows == [(5,)]


def test_psql_stops_on_error_with_sqlstate(served: Served, tmp_path: Path) -> None:
    script = tmp_path / "bad.sql"
    script.write_text(
        "\\set VERBOSITY verbose\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n"
    )
    done = _psql(served, "-f", str(script))
    assert done.returncode == 3
    assert "23505" in done.stderr
    assert served.db.sql("SELECT id FROM t").raw_rows == [(1,)]  # stopped at the error


def test_psql_variables_and_transactions_from_stdin(served: Served) -> None:
    done = _psql(
        served,
        "-A",
        "-t",
        "-q",
        stdin="CREATE TABLE k (v TEXT);\nBEGIN;\nINSERT INTO k VALUES ('a');\nROLLBACK;\n"
        "INSERT INTO k VALUES ('b');\nSELECT v FROM k;\nSHOW server_version;\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["b", "15.0"]


def test_psql_lists_tables_and_databases(served: Served) -> None:
    served.db.sql("CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT)")
    done = _psql(served, "-c", "\\dt", "-c", "\\l")
    assert done.returncode == 0, done.stderr
    assert "public | city | table" in done.stdout
    assert "app" in done.stdout and "UTF8" in done.stdout
