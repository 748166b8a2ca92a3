"""Fixtures for the PostgreSQL-protocol server: a served in-memory database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import pyram.server
from server.server_helpers import PASSWORD, Served, serve_database


@pytest.fixture
def served() -> Iterator[Served]:
    """Trust authentication on loopback (the simplest client setup)."""
    yield from serve_database(auth="trust")


@pytest.fixture
def served_scram() -> Iterator[Served]:
    """SCRAM-SHA-256 with one user, ``tester``, password :data:`PASSWORD`."""
    yield from serve_database(users={"tester": pyram.server.make_verifier(PASSWORD)})
