"""The PEP 249 (DB-API 2.0) driver: ``pyram.connect()`` and its connections and cursors.

A :class:`Connection` runs SQL on a :class:`pyram.Database` through :meth:`Database.sql`, and
controls transactions the way the standard library's :mod:`sqlite3` does in its default
(legacy) mode: an ``INSERT``/``UPDATE``/``DELETE``/``REPLACE`` issued outside a transaction
first runs ``BEGIN``; queries and DDL never begin one; :meth:`Connection.commit` and
:meth:`Connection.rollback` end the open transaction (and do nothing when none is open)::

    import pyram

    con = pyram.connect()  # a fresh in-memory database
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO t (name) VALUES (?)", ("ada",))  # implicit BEGIN
    con.commit()
    con.execute("SELECT name FROM t").fetchall()  # [('ada',)]

Transactions belong to the database and the thread (see :class:`pyram.storage.Store`):
connections that share one :class:`Database` in one thread share its open transaction.
"""

from __future__ import annotations

import os
from typing import Final

from pyram.api.connection import Connection, Cursor
from pyram.api.database import Database
from pyram.api.dbapi_control import LEGACY_TRANSACTION_CONTROL
from pyram.api.dbapi_types import (
    BINARY,
    DATETIME,
    NUMBER,
    ROWID,
    STRING,
    Binary,
    Date,
    DateFromTicks,
    DBAPITypeObject,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
)
from pyram.errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from pyram.persist import Durability

__all__ = [
    "BINARY",
    "DATETIME",
    "LEGACY_TRANSACTION_CONTROL",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "Cursor",
    "DBAPITypeObject",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
]

#: PEP 249 module globals.
apilevel: Final = "2.0"
#: Threads may share the module but not connections.
threadsafety: Final = 1
#: ``?`` markers with a sequence; ``:name`` markers with a mapping are accepted too.
paramstyle: Final = "qmark"

_MEMORY = ":memory:"


# ---------------------------------------------------------------------------------------------
# connect()


def connect(
    database: str | os.PathLike[str] | Database = _MEMORY,
    *,
    isolation_level: str | None = "",
    autocommit: bool | int = LEGACY_TRANSACTION_CONTROL,
    durability: Durability = "full",
) -> Connection:
    """Open a connection to a fresh in-memory database, a durable database file, or an
    existing :class:`Database`.

    ``pyram.connect()`` (or ``":memory:"``) creates a new database; ``pyram.connect(path)``
    opens (or creates) the durable database at ``path`` with ``durability`` (see
    :class:`Database`), closed with the connection; ``pyram.connect(db)`` wraps ``db``, so
    tables declared in Python and tables created in SQL are one catalogue.
    ``isolation_level`` and ``autocommit`` work as in :func:`sqlite3.connect` (Python 3.12).

    Raises:
        NotSupportedError: ``""`` (a private temporary database) or a ``file:`` URI.
        PersistenceError: the file is locked by another process, damaged or not PyRAM's.
        TypeError: ``database`` is neither a path nor a :class:`Database`.
    """
    owned = True
    if isinstance(database, Database):
        db, owned = database, False
    elif database == _MEMORY:
        db = Database()
    elif isinstance(database, str | os.PathLike):
        path = os.fspath(database)
        if not path or path.startswith("file:"):
            raise NotSupportedError(
                f"cannot open {path!r}: give ':memory:', a file path or a pyram.Database "
                "(temporary databases and URIs are not supported)"
            )
        db = Database(path, durability=durability)
    else:
        raise TypeError(
            f"connect() takes ':memory:', a path or a pyram.Database, not {type(database).__name__}"
        )
    connection = Connection(db, isolation_level=isolation_level, autocommit=autocommit)
    connection._owns_database = owned
    return connection
