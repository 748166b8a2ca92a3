"""Shared fixtures and model classes for the PyRAM test suite."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import pyram

# CI runs bounded property tests; PYRAM_SLOW=1 runs the long versions (more examples).
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "slow", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("slow" if os.environ.get("PYRAM_SLOW") else "default")


from models import Order, Review, Ticket, User  # noqa: E402


def table_state(db: pyram.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's live rows (stored form), sorted: for 'database unchanged' assertions."""
    state = {}
    for name in db.table_names():
        data = db._store.data(name)
        rows = [data.row(rid) for rid in data.live_rids()]
        state[name] = sorted(rows, key=repr)
    return state


def assert_indexes_agree(db: pyram.Database) -> None:
    """Every index of every table answers exactly what a full scan says."""
    for name in db.table_names():
        data = db._store.data(name)
        live = data.live_rids()
        for index_name, index in data.indexes.items():
            positions = data.key_positions(index_name)
            composite = len(positions) > 1
            expected: dict[Any, set[int]] = {}
            nulls = set()
            for rid in live:
                key = data.key_of(positions, rid)
                if key is None or (composite and None in key):
                    nulls.add(rid)
                else:
                    expected.setdefault(key, set()).add(rid)
            assert len(index) == len(live), (name, index_name)
            assert set(index.null_rids()) == nulls, (name, index_name)
            assert index.distinct_keys() == len(expected), (name, index_name)
            for key, rids in expected.items():
                assert set(index.lookup(key)) == rids, (name, index_name, key)


@pytest.fixture
def db() -> pyram.Database:
    """A database with the User/Order/Review/Ticket tables created."""
    database = pyram.Database()
    database.create(User, Order, Review, Ticket)
    return database


@pytest.fixture
def state() -> Callable[[pyram.Database], dict[str, list[tuple[Any, ...]]]]:
    """The ``table_state`` helper as a fixture."""
    return table_state


@pytest.fixture(scope="session")
def postgres() -> Any:
    """A PostgreSQL 15 server for this test session (started on first use, see pg_server.py).

    Never skips: PostgreSQL is installed on every machine, CI's included.
    """
    from pg_server import PostgresServer

    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()
