"""docs/postgres.md's examples run against the test PostgreSQL (tests/test_docs.py cannot
start one): the page's tables are created first, ``DATABASE_URL`` points at the server."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
from pg_fixtures import PgDatabase, pgdb_fixture  # noqa: F401 (the pgdb fixture)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from test_docs import _SKIP_MARK, python_blocks  # noqa: E402


def test_postgres_page_examples_run(pgdb: PgDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    pgdb.run(
        "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, active boolean NOT NULL);"
        "INSERT INTO users VALUES (1, 'ann', true);"
        "CREATE TABLE orders (id int PRIMARY KEY, user_id int, total numeric);"
        "CREATE TABLE events (id int PRIMARY KEY, kind text, at timestamptz, payload jsonb)"
    )
    monkeypatch.setenv("DATABASE_URL", pgdb.dsn)
    path = ROOT / "docs" / "postgres.md"
    module = types.ModuleType("docs_postgres")
    sys.modules[module.__name__] = module
    ran = 0
    try:
        for first_line, code in python_blocks(path.read_text(encoding="utf-8")):
            if code.splitlines()[0].strip() == _SKIP_MARK:
                continue
            exec(compile("\n" * (first_line - 1) + code, str(path), "exec"), module.__dict__)
            ran += 1
    finally:
        del sys.modules[module.__name__]
        mirror = module.__dict__.get("mirror")
        if mirror is not None and not isinstance(mirror, types.FunctionType):
            mirror.stop()
    assert ran == 2
