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

from pyram.api import (
    Connection,
    Cursor,
    Database,
    RefreshResult,
    Row,
    RowVersion,
    SqlFunction,
    SqlResult,
    TableStats,
    TransactionLike,
    TypedDatabase,
    apilevel,
    connect,
    paramstyle,
    threadsafety,
    udf,
)
from pyram.catalog import CheckConstraint, ForeignKey, IndexSpec, Retention, TableSchema
from pyram.dsl import (
    Column,
    Expr,
    Select,
    alias,
    case,
    cast,
    delete,
    excluded,
    exists,
    func,
    insert,
    lit,
    nullable,
    param,
    select,
    update,
)
from pyram.engine import format_query_plan
from pyram.errors import (
    CapacityError,
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
from pyram.model import Col, Table, asdict, column, replace, schema_of, table
from pyram.server import serve
from pyram.txn import Change, Transaction
from pyram.types import JSON, AwareDatetime

__version__ = "0.1.0"

__all__ = [
    "JSON",
    "AwareDatetime",
    "CapacityError",
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
    "RefreshResult",
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
    "TableStats",
    "Transaction",
    "TransactionLike",
    "TypedDatabase",
    "Warning",
    "__version__",
    "alias",
    "apilevel",
    "asdict",
    "case",
    "cast",
    "delete",
    "excluded",
    "exists",
    "format_query_plan",
    "func",
    "insert",
    "lit",
    "nullable",
    "param",
    "select",
    "serve",
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
