"""PostgreSQL, on the optional extra ``pyram[postgres]`` (psycopg 3 and psycopg-pool).

- The live mirror: ``pyram.pg.mirror(db, dsn, tables=[User, "public.orders"])`` loads a
  consistent snapshot of the tables into ``db`` and then follows PostgreSQL's logical
  replication stream (``pgoutput``) in commit order, one PyRAM transaction per PostgreSQL
  transaction. See docs/postgres.md.
- The backend: ``pyram.pg.connect(dsn)`` returns a database with :class:`pyram.Database`'s
  typed API, running the same models and DSL queries on PostgreSQL;
  ``pyram.pg.connect_async(dsn)`` the same as coroutines. See docs/postgres-backend.md.
"""

from __future__ import annotations

try:
    import psycopg  # noqa: F401
except ImportError as exc:  # the optional extra is missing: say how to get it
    raise ImportError(
        "pyram.pg needs psycopg 3: pip install 'pyram[postgres]'"
    ) from exc

from pyram.pg.aio import AsyncPgDatabase, connect_async
from pyram.pg.backend import PgDatabase, connect
from pyram.pg.errors import MirrorError, MirrorWarning, ReadOnlyTableError
from pyram.pg.live import Lag, Mirror, mirror, mirror_stats
from pyram.pg.schema import Source
from pyram.pg.transactions import PgTransaction

__all__ = [
    "AsyncPgDatabase",
    "Lag",
    "Mirror",
    "MirrorError",
    "MirrorWarning",
    "PgDatabase",
    "PgTransaction",
    "ReadOnlyTableError",
    "Source",
    "connect",
    "connect_async",
    "mirror",
    "mirror_stats",
]
