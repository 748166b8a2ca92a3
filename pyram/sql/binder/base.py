"""Shared state of the SQL binder: the SQL text (for positioned errors), the catalogue, the
plan builder, the CTEs in scope, and SQL type names.

Errors: every problem found while binding is a :class:`~pyram.sql.errors.SqlBindError` that
points at the offending token. Type errors found by :class:`~pyram.plan.builder.PlanBuilder`
(which knows nothing of positions) are re-raised at the innermost node being bound.
"""

from __future__ import annotations

import copy
from typing import Any, Protocol, Self

import attrs

from pyram.catalog import TableSchema
from pyram.errors import ProgrammingError
from pyram.plan import nodes as pn
from pyram.plan.builder import PlanBuilder
from pyram.sql import ast
from pyram.sql.errors import SqlBindError, SqlError
from pyram.types import BLOB, BOOLEAN, INTEGER, REAL, TEXT, DataType, type_from_sql_name

#: SQLite's schema tables: read-only virtual tables (see :mod:`pyram.sql.binder.system`).
SYSTEM_TABLE_NAMES = frozenset(
    {"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"}
)

__all__ = [
    "BinderBase",
    "CteDef",
    "SYSTEM_TABLE_NAMES",
    "SchemaObject",
    "SqlCatalog",
    "ViewDef",
    "column_type",
    "parameter_key",
    "positioned",
    "statement_parameters",
]


@attrs.frozen
class ViewDef:
    """A view: its name, its query (syntax tree), declared column names and source text
    (``offset``: where its CREATE VIEW statement starts in ``sql``)."""

    name: str
    select: ast.Select
    columns: tuple[str, ...]
    sql: str
    offset: int = 0


@attrs.frozen
class CteDef:
    """A common table expression visible to the statement being bound."""

    name: str
    select: ast.Select
    columns: tuple[str, ...]
    recursive: bool = False
    #: inside the recursive part of a recursive CTE: the work table its name means there
    work: pn.WorkTable | None = None


@attrs.frozen
class SchemaObject:
    """A view or trigger as ``sqlite_master`` lists it: kind (``"view"``/``"trigger"``), name,
    the table it belongs to (a view: itself) and its ``CREATE`` statement as written."""

    type: str
    name: str
    tbl_name: str
    sql: str


class SqlCatalog(Protocol):
    """What the binder asks about names: tables and views (case-insensitive)."""

    def find_table(self, name: str) -> TableSchema | None:
        """The table named ``name``, or None."""
        ...

    def find_view(self, name: str) -> ViewDef | None:
        """The view named ``name``, or None."""
        ...

    def tables(self) -> list[TableSchema]:
        """Every table."""
        ...

    def schema_objects(self) -> list[SchemaObject]:
        """The views, then the triggers, each in creation order (for ``sqlite_master``)."""
        ...

    def created_sql(self, kind: str, name: str) -> str | None:
        """The ``CREATE`` statement a table or index (``kind``) was made with in SQL, or None
        (made by a model, or the text is not kept): ``sqlite_master`` then regenerates it."""
        ...

    def settings(self) -> dict[str, object]:
        """What the settings pragmas report: ``file`` (the database file, "" in memory),
        ``journal_mode`` and ``synchronous``."""
        ...


def column_type(type_name: ast.TypeName | None, where: str) -> DataType:
    """The strict type of a declared SQL column type.

    Known names map directly (``VARCHAR(20)`` is TEXT, ``DOUBLE PRECISION`` is REAL); other
    names follow SQLite's affinity rules (contains INT -> INTEGER; CHAR, CLOB or TEXT -> TEXT;
    BLOB -> BLOB; REAL, FLOA or DOUB -> REAL). A column needs a type: PyRAM stores values
    strictly typed, so an untyped column is an error rather than SQLite's "any".
    """
    if type_name is None:
        raise ProgrammingError(f"{where}: a column needs a type (PyRAM tables are strictly typed)")
    try:
        return type_from_sql_name(type_name.name)
    except ProgrammingError:
        pass
    upper = type_name.name.upper()
    if "INT" in upper:
        return INTEGER
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return TEXT
    if "BLOB" in upper:
        return BLOB
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return REAL
    if "BOOL" in upper:
        return BOOLEAN
    raise ProgrammingError(f"{where}: unknown type {type_name.name!r}")


def parameter_key(param: ast.Param) -> str | int:
    """The key a parameter's value is given under: its name, or its 0-based position."""
    if param.name:
        return param.name.lstrip(":@$")
    return (param.index or 1) - 1


def statement_parameters(stmt: ast.Node) -> tuple[str | int, ...]:
    """Keys of every parameter written in ``stmt``, in order, each once.

    A statement takes a value for each of them (as in SQLite), including those in parts that
    never reach the plan: a CTE nothing reads, the operand of ``x IN ()``.
    """
    found: dict[str | int, None] = {}
    stack: list[Any] = [stmt]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Param):
            found[parameter_key(item)] = None
        elif isinstance(item, ast.ValueItems):  # an IN list's items, read as data
            found.update(dict.fromkeys(item.params))
        elif isinstance(item, tuple):
            stack.extend(reversed(item))
        elif attrs.has(type(item)):
            stack.extend(reversed([getattr(item, f.name) for f in attrs.fields(type(item))]))
    return tuple(found)


class positioned:
    """Re-raise a ProgrammingError without a position at ``offset`` of ``binder``'s SQL."""

    __slots__ = ("binder", "offset")

    def __init__(self, binder: BinderBase, offset: int) -> None:
        self.binder = binder
        self.offset = offset

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, ProgrammingError) and not isinstance(exc, SqlError):
            raise self.binder.error(str(exc), self.offset) from None


class BinderBase:
    """State shared by the parts of the binder."""

    def __init__(self, sql: str, catalog: SqlCatalog, builder: PlanBuilder | None = None) -> None:
        self.sql = sql
        self.catalog = catalog
        self.b = builder or PlanBuilder()
        #: CTEs visible, innermost WITH last
        self.ctes: list[dict[str, CteDef]] = []
        #: the virtual catalogue tables the statement reads (shared with the binders of its
        #: views): such a statement describes the schema of the moment and is not cached
        self.catalog_reads: set[str] = set()
        #: the PostgreSQL dialect's session settings (None: SQLite's dialect)
        self.pg: dict[str, str] | None = None
        #: the PostgreSQL catalogue of the moment, made when the statement first reads it
        self.pg_snapshot: Any = None
        #: settings ``set_config(name, value, ...)`` calls of the statement change (in order)
        self.pg_changes: list[tuple[str, str]] = []

    def for_text(self, sql: str) -> Self:
        """A binder for another SQL text (a view's) sharing this one's column ids and state."""
        other = copy.copy(self)
        other.sql = sql
        other.ctes = []
        return other

    def error(self, reason: str, offset: int) -> SqlBindError:
        """A binding error pointing at ``offset``."""
        return SqlBindError(reason, self.sql, offset)

    def at(self, node: ast.Node) -> positioned:
        """Context manager: builder errors inside are reported at ``node``."""
        return positioned(self, node.offset)

    def find_cte(self, name: str) -> CteDef | None:
        """The innermost CTE named ``name``."""
        key = name.lower()
        for level in reversed(self.ctes):
            if key in level:
                return level[key]
        return None

    def table_schema(self, name: str, offset: int) -> TableSchema:
        """A table by name, or a positioned ``no such table`` error."""
        schema = self.catalog.find_table(name)
        if schema is None and name.lower() in SYSTEM_TABLE_NAMES:
            raise self.error(f"table {name} may not be modified", offset)
        if schema is None:
            raise self.error(f"no such table: {name}", offset)
        return schema
