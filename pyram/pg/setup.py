"""Starting a mirror: check the server, create the tables, publication and slot, and load
the consistent snapshot (or resume from the position a durable database recorded)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from pyram.model import schema_of
from pyram.pg.apply import Applier, MirrorState
from pyram.pg.errors import MirrorError
from pyram.pg.schema import MirroredTable, create_tables, expand, publication_sql, resolve
from pyram.pg.stream import ReplicationConnection, conninfo

if TYPE_CHECKING:
    from pyram import Database

__all__ = ["connect", "prepare_tables", "start_position"]


def connect(dsn: str) -> psycopg.Connection[Any]:
    """An autocommit SQL connection with the mirror's session settings."""
    return psycopg.connect(conninfo(dsn), autocommit=True)


def prepare_tables(
    db: Database, conn: psycopg.Connection[Any], tables: Any
) -> list[MirroredTable]:
    """Resolve the sources and make the PyRAM tables (and the position table).

    Raises:
        MirrorError: the server's ``wal_level`` is not ``logical``.
    """
    (level,) = conn.execute("SHOW wal_level").fetchone() or ("?",)
    if level != "logical":
        raise MirrorError(
            f"mirror: PostgreSQL runs with wal_level = {level}; logical replication needs "
            "wal_level = logical (postgresql.conf, then restart the server)"
        )
    mirrored = resolve(conn, expand(conn, tables))
    create_tables(db, mirrored)
    if schema_of(MirrorState).name in {n.lower() for n in db.table_names()}:
        db.migrate(MirrorState)  # a durable database reopened: attach the class
    else:
        db.create(MirrorState)
    return mirrored


def start_position(
    conn: psycopg.Connection[Any],
    applier: Applier,
    tables: list[MirroredTable],
    dsn: str,
    slot: str,
    publication: str,
) -> tuple[ReplicationConnection, int, bool]:
    """Open the replication connection; resume when PyRAM recorded a position for a slot
    that still exists, else (re)create the publication and slot and load the snapshot the
    slot exported. Returns the connection, the LSN to stream from and whether it resumed."""
    exists = conn.execute(
        "SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (slot,)
    ).fetchone()
    replication = ReplicationConnection(dsn)
    try:
        if exists and applier.load_position():
            return replication, applier.end_lsn, True
        if exists:  # a slot without the rows it was made for: start over
            conn.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
        conn.execute(sql.SQL("DROP PUBLICATION IF EXISTS {}").format(sql.Identifier(publication)))
        conn.execute(publication_sql(publication, tables))
        lsn, snapshot = replication.create_slot(slot)
        _load(applier, dsn, snapshot, lsn)
        return replication, lsn, False
    except BaseException:
        replication.close()
        raise


def _load(applier: Applier, dsn: str, snapshot: str, lsn: int) -> None:
    with psycopg.connect(conninfo(dsn)) as loader:
        loader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        loader.read_only = True
        # the first statement of the transaction; the name comes from the server, in its
        # fixed hex-and-dash form
        loader.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        applier.load_snapshot(loader, lsn)
        loader.rollback()  # read only: nothing to keep
