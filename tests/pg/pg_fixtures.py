"""The mirror tests' fixture: a fresh PostgreSQL database per test on the session server
(imported by each test module: a conftest.py here would shadow tests/conftest.py for the
modules that import helpers from it)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

_ids = itertools.count()


class PgDatabase:
    """One PostgreSQL database of the test server: its DSN, a slot name, and SQL helpers."""

    def __init__(self, server: Any, name: str) -> None:
        self.server = server
        self.name = name
        self.dsn = server.dsn.replace("dbname=postgres", f"dbname={name}")
        self.slot = f"slot_{name}"

    def connect(self) -> psycopg.Connection[Any]:
        """An autocommit connection in UTC (so timestamps compare with the mirror's)."""
        return psycopg.connect(self.dsn, autocommit=True, options="-c TimeZone=UTC")

    def run(self, sql: str, params: Any = None) -> None:
        """Run SQL (one transaction)."""
        with psycopg.connect(self.dsn) as conn:
            conn.execute(sql, params)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Fetch all rows of a query."""
        with self.connect() as conn:
            return conn.execute(sql).fetchall()

    def lsn(self) -> str:
        """The current WAL position as text."""
        return str(self.rows("SELECT pg_current_wal_lsn()::text")[0][0])


@pytest.fixture(name="pgdb")
def pgdb_fixture(postgres: Any) -> Iterator[PgDatabase]:
    """A fresh PostgreSQL database, dropped (with its slots) after the test."""
    name = f"mirror_{next(_ids)}"
    postgres.psql(f"CREATE DATABASE {name}")
    db = PgDatabase(postgres, name)
    try:
        yield db
    finally:
        slots = postgres.psql(
            f"SELECT slot_name FROM pg_replication_slots WHERE database = '{name}'"
        ).split()
        for slot in slots:
            postgres.psql(f"SELECT pg_drop_replication_slot('{slot}')")
        postgres.psql(f"DROP DATABASE {name} WITH (FORCE)")
