"""The SQLAlchemy dialect: ``create_engine("pyram://")`` (in memory) or
``create_engine("pyram:///path/app.pyram")`` (durable).

It is SQLAlchemy's SQLite dialect (PyRAM speaks SQLite's SQL and shows SQLite's catalogue,
which reflection reads) over PyRAM's PEP 249 driver, with three changes:

- Types: values are sent as the Python objects PyRAM's strict columns store (dates, aware
  datetimes, ``Decimal``, ``UUID``, JSON values, ``bool``), not as SQLite's strings and
  numbers; see :mod:`pyram.ext.sqlalchemy.types`.
- Transactions: SQLAlchemy begins them (``BEGIN``) and ends them, so DDL, ``SAVEPOINT`` and
  ``begin_nested()`` all run inside the transaction, mapped onto PyRAM's transactions and
  savepoints. ``isolation_level="AUTOCOMMIT"`` runs each statement on its own.
- Connections: every connection of an engine shares one :class:`pyram.Database` (PyRAM's
  transactions belong to a thread, so the pool keeps one connection per thread). A durable
  database stays open while connections to it are open; ``engine.dispose()`` closes it.
  ``connect_args={"database": db}`` runs the engine on an existing :class:`pyram.Database`
  (tables declared by models included), which stays open.
"""

from __future__ import annotations

import os
import threading
import types
from collections.abc import Callable
from typing import Any

from sqlalchemy import exc, pool
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine.interfaces import DBAPIConnection, IsolationLevel
from sqlalchemy.engine.url import URL

import pyram
import pyram.dbapi as pyram_dbapi
from pyram.ext.sqlalchemy.types import PyramTypeCompiler, colspecs, ischema_names

__all__ = ["PyramDialect"]

#: The SQLite version whose SQL PyRAM's dialect speaks (SQLAlchemy turns features on by it).
SQLITE_VERSION_INFO = (3, 40, 0)

_DURABILITIES = ("full", "normal", "off")

#: The durable databases open in this process, by (absolute path, durability).
_FILES: dict[tuple[str | None, str], _Shared] = {}
_FILES_LOCK = threading.Lock()


def _driver_module() -> types.ModuleType:
    """PyRAM's PEP 249 module as SQLAlchemy's SQLite dialect expects a driver to look: with
    ``sqlite_version_info`` (the dialect sets its features from it)."""
    module = types.ModuleType("pyram.ext.sqlalchemy.dbapi", pyram_dbapi.__doc__)
    module.__dict__.update({k: v for k, v in vars(pyram_dbapi).items() if not k.startswith("_")})
    module.sqlite_version_info = SQLITE_VERSION_INFO  # type: ignore[attr-defined]
    module.sqlite_version = ".".join(map(str, SQLITE_VERSION_INFO))  # type: ignore[attr-defined]
    return module


class _Shared:
    """The database an engine's connections share, closed (if durable and opened here) with
    the last one."""

    def __init__(
        self, path: str | None, durability: str, database: pyram.Database | None = None
    ) -> None:
        self.path = path
        self.durability = durability
        self.database = database
        #: a database given by the caller stays open: it is theirs to close
        self.owned = database is None
        self.open_connections = 0
        # reentrant: a connection collected by the garbage collector while this thread holds
        # the lock (see _Connection.__del__) must not deadlock
        self.lock = threading.RLock()

    def connect(self) -> _Connection:
        with self.lock:
            if self.database is None:
                durability: Any = self.durability
                self.database = pyram.Database(self.path, durability=durability)
            self.open_connections += 1
            # no implicit BEGIN: SQLAlchemy begins transactions itself (see do_begin)
            connection = _Connection(self.database, isolation_level=None)
            connection.shared = self
            return connection

    def forget(self) -> None:
        """A connection was collected without being closed: count it gone, close nothing."""
        with self.lock:
            self.open_connections -= 1

    def closed(self) -> None:
        with self.lock:
            self.open_connections -= 1
            if self.path is None or not self.owned:
                return  # an in-memory database lives as long as its engine
            if self.open_connections == 0 and self.database is not None:
                self.database.close()
                self.database = None


class _Connection(pyram_dbapi.Connection):
    """A driver connection that tells the shared database when it closes."""

    shared: _Shared | None = None

    def close(self) -> None:
        shared, self.shared = self.shared, None
        super().close()
        if shared is not None:
            shared.closed()

    def __del__(self) -> None:
        # Collected without close(): the garbage collector may run in the middle of another
        # statement of this thread, and PyRAM's transaction belongs to the thread, shared
        # with the connection in use there; rolling it back here would undo that statement's
        # work. SQLAlchemy's pool already rolls back connections it takes back.
        if not getattr(self, "_closed", True):
            self._closed = True
            shared, self.shared = self.shared, None
            if shared is not None:
                shared.forget()


class PyramDialect(SQLiteDialect_pysqlite):
    """SQLAlchemy 2.x dialect for PyRAM (``pyram://``, ``pyram:///path/app.pyram``)."""

    name = "pyram"
    driver = "pyram"
    supports_statement_cache = True
    # PyRAM keeps the Python objects: no string/float round trips
    supports_native_decimal = True
    supports_native_boolean = True
    supports_native_uuid = True
    returns_native_bytes = True
    # PyRAM has no RETURNING: new keys come from cursor.lastrowid
    insert_returning = False
    update_returning = False
    delete_returning = False
    update_returning_multifrom = False
    colspecs = {**SQLiteDialect_pysqlite.colspecs, **colspecs}  # noqa: RUF012
    ischema_names = ischema_names
    type_compiler_cls = PyramTypeCompiler
    _isolation_lookup = frozenset({"SERIALIZABLE", "AUTOCOMMIT"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for feature in ("insert_returning", "update_returning", "delete_returning"):
            setattr(self, feature, False)  # the base sets them from the SQLite version
        #: the in-memory database of this engine (and databases given in connect_args)
        self._shared: dict[tuple[str | None, str], _Shared] = {}
        self._shared_lock = threading.Lock()

    @classmethod
    def import_dbapi(cls) -> Any:
        return _driver_module()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        # PyRAM's transactions belong to a thread: one connection per thread
        return pool.SingletonThreadPool

    def create_connect_args(self, url: URL) -> Any:
        if url.username or url.password or url.host or url.port:
            raise exc.ArgumentError(
                f"invalid PyRAM URL {url!r}: use pyram:// (in memory) or "
                "pyram:///relative/path.pyram or pyram:////absolute/path.pyram"
            )
        path = url.database or None
        if path == ":memory:":
            path = None
        durability = str(url.query.get("durability", "full"))
        if durability not in _DURABILITIES:
            raise exc.ArgumentError(
                f"durability must be one of {', '.join(_DURABILITIES)}, not {durability!r}"
            )
        if path is not None:
            path = os.path.abspath(path)
        return [path, durability], {}

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        path, durability = cargs
        given = cparams.pop("database", None)
        if cparams:
            raise exc.ArgumentError(f"unknown connect_args: {', '.join(cparams)}")
        if given is not None:
            if not isinstance(given, pyram.Database):
                raise exc.ArgumentError("connect_args database must be a pyram.Database")
            key: tuple[str | None, str] = (f"id:{id(given)}", durability)
            with self._shared_lock:
                shared = self._shared.setdefault(key, _Shared(None, durability, given))
            return shared.connect()
        with _FILES_LOCK:
            # a file is opened once per process: engines on one file share its Database
            table = _FILES if path is not None else self._shared
            shared = table.setdefault((path, durability), _Shared(path, durability))
        return shared.connect()

    def on_connect(self) -> Callable[[DBAPIConnection], None]:
        def connect(dbapi_connection: DBAPIConnection) -> None:
            return None  # PyRAM has no user-defined SQL functions to register

        return connect

    def do_begin(self, dbapi_connection: Any) -> None:
        if getattr(dbapi_connection, "autocommit", False) is True:
            return
        # the pool hands a thread its one connection again while it is in use (as SQLite's
        # single-connection pools do): the second user joins the open transaction
        if not dbapi_connection.in_transaction:
            dbapi_connection.cursor().execute("BEGIN")

    def get_isolation_level_values(self, dbapi_connection: DBAPIConnection) -> list[Any]:
        return ["SERIALIZABLE", "AUTOCOMMIT"]

    def get_isolation_level(self, dbapi_connection: DBAPIConnection) -> Any:
        return (
            "AUTOCOMMIT"
            if getattr(dbapi_connection, "autocommit", False) is True
            else ("SERIALIZABLE")
        )

    def set_isolation_level(self, dbapi_connection: DBAPIConnection, level: IsolationLevel) -> None:
        connection: Any = dbapi_connection
        if level == "AUTOCOMMIT":
            connection.autocommit = True
        else:
            connection.autocommit = pyram_dbapi.LEGACY_TRANSACTION_CONTROL
            connection.isolation_level = None

    def detect_autocommit_setting(self, dbapi_conn: DBAPIConnection) -> bool:
        return getattr(dbapi_conn, "autocommit", False) is True

    def do_ping(self, dbapi_connection: DBAPIConnection) -> bool:
        return not getattr(dbapi_connection, "closed", False)
