"""PyRAM on PostgreSQL (optional extra ``pyram[postgres]``: psycopg 3 and psycopg-pool).

``pyram.pg.connect(dsn)`` returns a database with :class:`pyram.Database`'s typed API;
``pyram.pg.connect_async(dsn)`` the same as coroutines. See docs/postgres-backend.md.
"""

from __future__ import annotations

from pyram.pg.aio import AsyncPgDatabase, connect_async
from pyram.pg.backend import PgDatabase, connect
from pyram.pg.transactions import PgTransaction

__all__ = ["AsyncPgDatabase", "PgDatabase", "PgTransaction", "connect", "connect_async"]
