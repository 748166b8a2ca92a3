"""The facade layer: what users hold (``Database``, results, DB-API connections, functions).

Place in the pipeline: on top of everything. :class:`Database` wires the layers below (front
ends, optimizer, engine, storage, transactions, persistence) and holds no query logic of its
own; its helpers here each own one concern: ``session`` (plan, optimise, run),
``statements`` (one SQL session: DDL, DML, transactions), ``triggers``, ``schema_alter`` and
``migrate`` (schema changes), ``durable``/``durable_attach``/``database_io`` (files),
``result`` (query results), ``udf`` (user functions) and ``dbapi`` (PEP 249).

Nothing below imports this package; the shell and the integrations (``pyram.ext``) sit above
it. ``pyram`` re-exports the public names.
"""

from pyram.api.database import Database
from pyram.api.database_io import definitions_of
from pyram.api.dbapi import Connection, Cursor, apilevel, connect, paramstyle, threadsafety
from pyram.api.result import Row, SqlResult
from pyram.api.udf import SqlFunction, udf

__all__ = [
    "Connection",
    "Cursor",
    "Database",
    "Row",
    "SqlFunction",
    "SqlResult",
    "apilevel",
    "connect",
    "definitions_of",
    "paramstyle",
    "threadsafety",
    "udf",
]
