"""Helpers of the server tests: a database served on a free port (see conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyram
import pyram.server

PASSWORD = "correct horse"


class Served:
    """A database served on a free port, with what a client needs to connect."""

    def __init__(self, db: pyram.Database, handle: pyram.server.ServerHandle, user: str) -> None:
        self.db = db
        self.handle = handle
        self.port = handle.port
        self.user = user
        self.log: list[str] = []

    @property
    def dsn(self) -> str:
        """A libpq connection string for psycopg."""
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname=app"

    @property
    def url(self) -> str:
        """A URL with the password (asyncpg, psql)."""
        return f"postgresql://{self.user}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{self.port}/app"


def serve_database(**options: Any) -> Iterator[Served]:
    db = pyram.Database()
    log: list[str] = []
    handle = pyram.server.start(db, port=0, log=log.append, **options)
    served = Served(db, handle, "tester")
    served.log = log
    try:
        yield served
    finally:
        handle.stop()
