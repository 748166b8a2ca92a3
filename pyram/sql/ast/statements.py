"""SQL syntax tree (see :mod:`pyram.sql.ast`): statements other than SELECT and DDL: INSERT,
UPDATE, DELETE, transaction control, CALL, REINDEX, PRAGMA, EXPLAIN."""

from __future__ import annotations

import enum

import attrs

from pyram.sql.ast.select import (
    Cte,
    Node,
    Select,
    SqlExpr,
    Statement,
    Values,
)

__all__ = [
    "ConflictAction",
    "IndexedColumn",
    "Assignment",
    "OnConflict",
    "DefaultValues",
    "Insert",
    "Update",
    "Delete",
    "TransactionMode",
    "Begin",
    "Commit",
    "Rollback",
    "Savepoint",
    "Release",
    "Call",
    "Reindex",
    "Pragma",
    "Explain",
]


# ---------------------------------------------------------------------------------------------
# DML


class ConflictAction(enum.Enum):
    """``OR <action>`` of INSERT/UPDATE and conflict clauses."""

    ROLLBACK = "ROLLBACK"
    ABORT = "ABORT"
    FAIL = "FAIL"
    IGNORE = "IGNORE"
    REPLACE = "REPLACE"


@attrs.frozen(kw_only=True)
class IndexedColumn(Node):
    """An index/key column: ``expr [COLLATE c] [ASC|DESC]`` (``descending`` None if unstated)."""

    expr: SqlExpr
    collation: str | None = None
    descending: bool | None = None


@attrs.frozen(kw_only=True)
class Assignment(Node):
    """``column = value`` in UPDATE and DO UPDATE SET."""

    column: str
    value: SqlExpr


@attrs.frozen(kw_only=True)
class OnConflict(Node):
    """``ON CONFLICT [(columns) [WHERE ...]] DO NOTHING | DO UPDATE SET ... [WHERE ...]``.

    ``assignments`` is empty for DO NOTHING.
    """

    columns: tuple[IndexedColumn, ...] = ()
    target_where: SqlExpr | None = None
    do_nothing: bool = True
    assignments: tuple[Assignment, ...] = ()
    where: SqlExpr | None = None


@attrs.frozen(kw_only=True)
class DefaultValues(Node):
    """``DEFAULT VALUES``."""


@attrs.frozen(kw_only=True)
class Insert(Statement):
    """``[WITH ...] INSERT [OR action] INTO t [(columns)] source [upsert...]``.

    ``REPLACE INTO`` is ``or_action=REPLACE``. ``source`` is VALUES rows, a SELECT or DEFAULT
    VALUES.
    """

    table: str
    source: Values | Select | DefaultValues
    schema: str | None = None
    alias: str | None = None
    columns: tuple[str, ...] = ()
    or_action: ConflictAction | None = None
    on_conflict: tuple[OnConflict, ...] = ()
    ctes: tuple[Cte, ...] = ()
    recursive: bool = False


@attrs.frozen(kw_only=True)
class Update(Statement):
    """``UPDATE [OR action] t SET a = e, ... [WHERE ...]``."""

    table: str
    assignments: tuple[Assignment, ...]
    schema: str | None = None
    alias: str | None = None
    where: SqlExpr | None = None
    or_action: ConflictAction | None = None
    ctes: tuple[Cte, ...] = ()
    recursive: bool = False


@attrs.frozen(kw_only=True)
class Delete(Statement):
    """``DELETE FROM t [WHERE ...]``."""

    table: str
    schema: str | None = None
    alias: str | None = None
    where: SqlExpr | None = None
    ctes: tuple[Cte, ...] = ()
    recursive: bool = False


# ---------------------------------------------------------------------------------------------
# Transactions and EXPLAIN


class TransactionMode(enum.Enum):
    """``BEGIN DEFERRED|IMMEDIATE|EXCLUSIVE``."""

    DEFERRED = "DEFERRED"
    IMMEDIATE = "IMMEDIATE"
    EXCLUSIVE = "EXCLUSIVE"


@attrs.frozen(kw_only=True)
class Begin(Statement):
    """``BEGIN [mode] [TRANSACTION]`` (PostgreSQL: ``BEGIN ISOLATION LEVEL ...``)."""

    mode: TransactionMode | None = None
    #: PyRAM's isolation level asked for (``"serializable"``, ...); None: the default
    isolation: str | None = None
    read_only: bool = False


@attrs.frozen(kw_only=True)
class Commit(Statement):
    """``COMMIT`` or ``END [TRANSACTION]``."""


@attrs.frozen(kw_only=True)
class Rollback(Statement):
    """``ROLLBACK [TRANSACTION] [TO [SAVEPOINT] name]``."""

    savepoint: str | None = None


@attrs.frozen(kw_only=True)
class Savepoint(Statement):
    """``SAVEPOINT name``."""

    name: str


@attrs.frozen(kw_only=True)
class Release(Statement):
    """``RELEASE [SAVEPOINT] name``."""

    name: str


@attrs.frozen(kw_only=True)
class Call(Statement):
    """``CALL name(args)``: run a procedure of the database."""

    name: str
    args: tuple[SqlExpr, ...] = ()


@attrs.frozen(kw_only=True)
class Reindex(Statement):
    """``REINDEX [name]`` (indexes are always current in PyRAM: it only checks the name)."""

    name: str | None = None


@attrs.frozen(kw_only=True)
class Pragma(Statement):
    """``PRAGMA [schema.]name [= value | (value)]``; ``value`` is the argument's text (a name,
    a string or a number as written) and ``assign`` tells ``= value`` from ``(value)``."""

    name: str
    schema: str | None = None
    value: str | None = None
    assign: bool = False


@attrs.frozen(kw_only=True)
class Explain(Statement):
    """``EXPLAIN [QUERY PLAN | ANALYZE] statement``."""

    statement: Statement
    query_plan: bool = False
    analyze: bool = False
