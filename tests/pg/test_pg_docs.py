"""docs/postgres.md's examples run against the test PostgreSQL (tests/test_docs.py cannot
start one): the page's tables are created first, ``DATABASE_URL`` points at the server."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from pg_fixtures import PgDatabase, pgdb_fixture  # noqa: F401 (the pgdb fixture)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from test_docs import run_page  # noqa: E402


def test_postgres_page_examples_run(pgdb: PgDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    pgdb.run(
        "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, active boolean NOT NULL);"
        "INSERT INTO users VALUES (1, 'ann', true);"
        "CREATE TABLE orders (id int PRIMARY KEY, user_id int, total numeric);"
        "CREATE TABLE events (id int PRIMARY KEY, kind text, at timestamptz, payload jsonb)"
    )
    monkeypatch.setenv("DATABASE_URL", pgdb.dsn)

    def stop_mirror(namespace: dict[str, Any]) -> None:
        mirror = namespace.get("mirror")
        if mirror is not None and not isinstance(mirror, types.FunctionType):
            mirror.stop()

    assert run_page(ROOT / "docs" / "postgres.md", cleanup=stop_mirror) == 2
