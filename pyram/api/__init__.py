"""The facade layer: what users hold (``Database``, results, DB-API connections, functions).

Place in the pipeline: on top of everything. :class:`Database` (``database.py``) is the public
API; it wires the layers below (front ends, optimizer, engine, storage, transactions, files)
and delegates each concern to a module here: ``records`` (instances in and out by key),
``queries`` (DSL queries prepared and run), ``query_api`` and ``derived_reads`` (the query
methods; ``one``/``scalar``... derived from ``all``/``first``, shared with PostgreSQL's
backend), ``session`` (plan, optimise, run; the plan cache),
``statements`` (SQL text: DDL, DML, transactions, views), ``triggers``, ``schema_alter`` and
``migrate`` (schema changes), ``files``/``durable``/``durable_attach``/``database_io``
(database files), ``result`` (query results), ``udf`` (user functions) and ``dbapi`` with
``connection``/``dbapi_types``/``dbapi_control`` (PEP 249).

Nothing below imports this package; the shell and the integrations (``pyram.ext``) sit above
it. ``pyram`` re-exports the public names.
"""

from pyram.api.database import Database
from pyram.api.database_io import definitions_of
from pyram.api.dbapi import Connection, Cursor, apilevel, connect, paramstyle, threadsafety
from pyram.api.protocol import TransactionLike, TypedDatabase
from pyram.api.result import Row, SqlResult
from pyram.api.udf import SqlFunction, udf
from pyram.cache import RefreshResult, TableStats
from pyram.storage import RowVersion

__all__ = [
    "Connection",
    "Cursor",
    "Database",
    "RefreshResult",
    "Row",
    "RowVersion",
    "SqlFunction",
    "SqlResult",
    "TableStats",
    "TransactionLike",
    "TypedDatabase",
    "apilevel",
    "connect",
    "definitions_of",
    "paramstyle",
    "threadsafety",
    "udf",
]
