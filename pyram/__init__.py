"""PyRAM: a pure-Python in-memory relational database with a typed, ORM-style query builder.

Declare tables as typed classes, then create, write and read them through a :class:`Database`::

    import pyram
    from pyram import Col

    @pyram.table
    class User(pyram.Table):
        id: Col[int] = pyram.column(primary_key=True)
        name: Col[str]

    db = pyram.Database()
    db.create(User)
    db.insert(User(id=1, name="ada"))
"""

from pyram.catalog import CheckConstraint, ForeignKey, IndexSpec, TableSchema
from pyram.catalog.retention import Retention
from pyram.database import Database
from pyram.dbapi import Connection, Cursor, apilevel, connect, paramstyle, threadsafety
from pyram.dsl import Column, Expr, Select
from pyram.dsl.dml import delete, insert, update
from pyram.dsl.expr import case, cast, lit, param
from pyram.dsl.functions import func
from pyram.dsl.query import alias, exists, select
from pyram.engine.query_plan import format_query_plan
from pyram.errors import (
    CorruptFileError,
    DatabaseError,
    DataError,
    Error,
    HistoryError,
    IntegrityError,
    InterfaceError,
    InternalError,
    MultipleResultsFound,
    NoResultFound,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    SchemaMismatchError,
    SerializationFailure,
    Warning,
)
from pyram.model import Col, Table, column, schema_of, table
from pyram.model.values import asdict, replace
from pyram.result import Row, SqlResult
from pyram.storage.history_rows import RowVersion
from pyram.txn import Change, Transaction
from pyram.types import JSON, AwareDatetime
from pyram.udf import SqlFunction, udf

__version__ = "0.1.0"

__all__ = [
    "JSON",
    "AwareDatetime",
    "Change",
    "CheckConstraint",
    "Col",
    "Column",
    "Connection",
    "CorruptFileError",
    "Cursor",
    "DataError",
    "Database",
    "DatabaseError",
    "Error",
    "Expr",
    "ForeignKey",
    "HistoryError",
    "IndexSpec",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "MultipleResultsFound",
    "NoResultFound",
    "NotSupportedError",
    "OperationalError",
    "PersistenceError",
    "ProgrammingError",
    "Retention",
    "Row",
    "SchemaMismatchError",
    "SerializationFailure",
    "SqlResult",
    "RowVersion",
    "Select",
    "SqlFunction",
    "Table",
    "TableSchema",
    "Transaction",
    "Warning",
    "__version__",
    "alias",
    "apilevel",
    "asdict",
    "case",
    "cast",
    "delete",
    "exists",
    "format_query_plan",
    "func",
    "insert",
    "lit",
    "param",
    "select",
    "udf",
    "update",
    "column",
    "connect",
    "paramstyle",
    "replace",
    "schema_of",
    "table",
    "threadsafety",
]
