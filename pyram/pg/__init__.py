"""Live mirror of PostgreSQL tables (optional extra ``pyram[postgres]``: psycopg 3).

``pyram.pg.mirror(db, dsn, tables=[User, "public.orders"])`` loads a consistent snapshot of
the tables into ``db`` and then follows PostgreSQL's logical replication stream (``pgoutput``)
in commit order, one PyRAM transaction per PostgreSQL transaction. See docs/postgres.md.
"""

from __future__ import annotations

try:
    import psycopg  # noqa: F401
except ImportError as exc:  # the optional extra is missing: say how to get it
    raise ImportError(
        "pyram.pg needs psycopg 3: pip install 'pyram[postgres]'"
    ) from exc

from pyram.pg.errors import MirrorError, MirrorWarning, ReadOnlyTableError
from pyram.pg.live import Lag, Mirror, mirror, mirror_stats
from pyram.pg.schema import Source

__all__ = [
    "Lag",
    "Mirror",
    "MirrorError",
    "MirrorWarning",
    "ReadOnlyTableError",
    "Source",
    "mirror",
    "mirror_stats",
]
