"""The ``backend`` fixture: the same DSL tests on PyRAM in memory and on PostgreSQL.

A test module imports ``backend`` and asks its ``fresh(*models)`` for an empty database with
those tables. In memory that is a new :class:`pyram.Database`; on PostgreSQL
(``pyram.pg.connect`` against the session's test server, see tests/pg_server.py) the tables
are created once per module and emptied with TRUNCATE between hypothesis examples, which keeps
a property test at a few milliseconds per example. Never skips: the server is part of CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

import pyram
import pyram.pg


class MemoryBackend:
    """Fresh in-memory databases."""

    name = "memory"

    def fresh(self, *models: type[pyram.Table]) -> pyram.TypedDatabase:
        db = pyram.Database()
        db.create(*models)
        return db

    def close(self) -> None:
        """Nothing to release."""


class PostgresBackend:
    """One PostgreSQL database per test module, emptied between examples."""

    name = "postgres"

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.admin = psycopg.connect(dsn, autocommit=True)
        self.db: pyram.pg.PgDatabase | None = None
        self.models: tuple[type[pyram.Table], ...] = ()

    def fresh(self, *models: type[pyram.Table]) -> pyram.TypedDatabase:
        if self.db is None or models != self.models:
            self.close_db()
            self.admin.execute("DROP SCHEMA public CASCADE")
            self.admin.execute("CREATE SCHEMA public")
            self.db = pyram.pg.connect(self.dsn, pool_size=4)
            self.db.create(*models)
            self.models = models
        else:
            names = ", ".join(f'"{name}"' for name in self.db.table_names())
            self.admin.execute(f"TRUNCATE {names} CASCADE")  # type: ignore[arg-type]
        return self.db

    def close_db(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def close(self) -> None:
        self.close_db()
        self.admin.close()


@pytest.fixture(name="backend", scope="module", params=["memory", "postgres"])
def backend_fixture(request: Any) -> Iterator[MemoryBackend | PostgresBackend]:
    """Each test of the module runs once in memory and once on PostgreSQL."""
    chosen: MemoryBackend | PostgresBackend
    if request.param == "memory":
        chosen = MemoryBackend()
    else:
        chosen = PostgresBackend(request.getfixturevalue("postgres").dsn)
    try:
        yield chosen
    finally:
        chosen.close()
