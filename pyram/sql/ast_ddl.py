"""SQL front end, step 2 (DDL part): syntax nodes for CREATE TABLE/INDEX/VIEW/TRIGGER, DROP and
ALTER TABLE.

Same conventions as :mod:`pyram.sql.ast`: frozen, slotted attrs classes with keyword-only fields
and an ``offset`` locating the statement's or constraint's first keyword; names unresolved.
"""

from __future__ import annotations

import enum

import attrs

from pyram.sql.ast import (
    ConflictAction,
    IndexedColumn,
    Node,
    Select,
    SqlExpr,
    Statement,
    TypeName,
)

__all__ = [
    "AlterAction",
    "AlterTable",
    "CheckConstraint",
    "CollateConstraint",
    "ColumnConstraint",
    "ColumnDef",
    "CreateIndex",
    "CreateTable",
    "CreateTrigger",
    "CreateView",
    "DefaultConstraint",
    "Drop",
    "ForeignKeyAction",
    "ForeignKeyClause",
    "ForeignKeyConstraint",
    "NotNullConstraint",
    "NullConstraint",
    "ObjectKind",
    "PrimaryKeyConstraint",
    "TableCheck",
    "TableConstraint",
    "TableForeignKey",
    "TablePrimaryKey",
    "TableUnique",
    "TriggerEvent",
    "TriggerTiming",
    "UniqueConstraint",
]


class ForeignKeyAction(enum.Enum):
    """``ON DELETE``/``ON UPDATE`` actions."""

    CASCADE = "CASCADE"
    SET_NULL = "SET NULL"
    SET_DEFAULT = "SET DEFAULT"
    RESTRICT = "RESTRICT"
    NO_ACTION = "NO ACTION"


@attrs.frozen(kw_only=True)
class ForeignKeyClause(Node):
    """``REFERENCES table [(columns)] [ON DELETE a] [ON UPDATE a] [DEFERRABLE ...]``."""

    table: str
    columns: tuple[str, ...] = ()
    on_delete: ForeignKeyAction | None = None
    on_update: ForeignKeyAction | None = None
    deferrable: bool = False


@attrs.frozen(kw_only=True)
class ColumnConstraint(Node):
    """Base of column constraints; ``name`` comes from ``CONSTRAINT name``."""

    name: str | None = None


@attrs.frozen(kw_only=True)
class PrimaryKeyConstraint(ColumnConstraint):
    """``PRIMARY KEY [ASC|DESC] [conflict] [AUTOINCREMENT]``."""

    descending: bool | None = None
    autoincrement: bool = False
    on_conflict: ConflictAction | None = None


@attrs.frozen(kw_only=True)
class NotNullConstraint(ColumnConstraint):
    """``NOT NULL [conflict]``."""

    on_conflict: ConflictAction | None = None


@attrs.frozen(kw_only=True)
class NullConstraint(ColumnConstraint):
    """``NULL`` (explicitly nullable)."""


@attrs.frozen(kw_only=True)
class UniqueConstraint(ColumnConstraint):
    """``UNIQUE [conflict]``."""

    on_conflict: ConflictAction | None = None


@attrs.frozen(kw_only=True)
class CheckConstraint(ColumnConstraint):
    """``CHECK (expr)``; ``text`` is the SQL text of ``expr`` as written."""

    expr: SqlExpr
    text: str = ""


@attrs.frozen(kw_only=True)
class DefaultConstraint(ColumnConstraint):
    """``DEFAULT literal | signed-number | (expr)``."""

    expr: SqlExpr


@attrs.frozen(kw_only=True)
class CollateConstraint(ColumnConstraint):
    """``COLLATE name``."""

    collation: str


@attrs.frozen(kw_only=True)
class ForeignKeyConstraint(ColumnConstraint):
    """``REFERENCES ...`` on a column."""

    references: ForeignKeyClause


@attrs.frozen(kw_only=True)
class ColumnDef(Node):
    """``name [type] [constraints...]``."""

    name: str
    type: TypeName | None = None
    constraints: tuple[ColumnConstraint, ...] = ()


@attrs.frozen(kw_only=True)
class TableConstraint(Node):
    """Base of table constraints; ``name`` comes from ``CONSTRAINT name``."""

    name: str | None = None


@attrs.frozen(kw_only=True)
class TablePrimaryKey(TableConstraint):
    """``PRIMARY KEY (columns) [conflict]``."""

    columns: tuple[IndexedColumn, ...]
    on_conflict: ConflictAction | None = None


@attrs.frozen(kw_only=True)
class TableUnique(TableConstraint):
    """``UNIQUE (columns) [conflict]``."""

    columns: tuple[IndexedColumn, ...]
    on_conflict: ConflictAction | None = None


@attrs.frozen(kw_only=True)
class TableCheck(TableConstraint):
    """``CHECK (expr)``; ``text`` is the SQL text of ``expr`` as written."""

    expr: SqlExpr
    text: str = ""


@attrs.frozen(kw_only=True)
class TableForeignKey(TableConstraint):
    """``FOREIGN KEY (columns) REFERENCES ...``."""

    columns: tuple[str, ...]
    references: ForeignKeyClause


@attrs.frozen(kw_only=True)
class CreateTable(Statement):
    """``CREATE [TEMP] TABLE [IF NOT EXISTS] name (defs) [WITHOUT ROWID] [WITH (options)]
    | AS select``; ``options`` are a cache table's ``name = value`` pairs (docs/cache.md)."""

    name: str
    columns: tuple[ColumnDef, ...] = ()
    constraints: tuple[TableConstraint, ...] = ()
    schema: str | None = None
    if_not_exists: bool = False
    temporary: bool = False
    without_rowid: bool = False
    strict: bool = False
    as_select: Select | None = None
    options: tuple[tuple[str, int | float | str], ...] = ()


@attrs.frozen(kw_only=True)
class CreateIndex(Statement):
    """``CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (columns) [WHERE ...]``."""

    name: str
    table: str
    columns: tuple[IndexedColumn, ...]
    schema: str | None = None
    unique: bool = False
    if_not_exists: bool = False
    where: SqlExpr | None = None


@attrs.frozen(kw_only=True)
class CreateView(Statement):
    """``CREATE [TEMP] VIEW [IF NOT EXISTS] name [(columns)] AS select``."""

    name: str
    select: Select
    columns: tuple[str, ...] = ()
    schema: str | None = None
    if_not_exists: bool = False
    temporary: bool = False


class TriggerTiming(enum.Enum):
    """When a trigger's body runs relative to the row's change."""

    BEFORE = "BEFORE"
    AFTER = "AFTER"
    INSTEAD_OF = "INSTEAD OF"


class TriggerEvent(enum.Enum):
    """The write that fires a trigger."""

    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


@attrs.frozen(kw_only=True)
class CreateTrigger(Statement):
    """``CREATE [TEMP] TRIGGER [IF NOT EXISTS] name [BEFORE|AFTER|INSTEAD OF]
    INSERT|DELETE|UPDATE [OF columns] ON table [FOR EACH ROW] [WHEN expr]
    BEGIN statement; ... END``.

    The body statements are INSERT, UPDATE, DELETE or SELECT; ``RAISE(...)`` inside the trigger
    is a :class:`~pyram.sql.ast.FunctionCall` named ``RAISE`` whose first argument is a column
    reference spelling the action (``ABORT``, ``FAIL``, ``ROLLBACK`` or ``IGNORE``).
    """

    name: str
    table: str
    event: TriggerEvent
    body: tuple[Statement, ...]
    timing: TriggerTiming = TriggerTiming.BEFORE
    columns: tuple[str, ...] = ()
    when: SqlExpr | None = None
    schema: str | None = None
    if_not_exists: bool = False
    temporary: bool = False
    #: offsets of the table name and of each ``UPDATE OF`` column, for positioned errors
    table_offset: int = 0
    column_offsets: tuple[int, ...] = ()
    timing_offset: int = 0


class ObjectKind(enum.Enum):
    """What a DROP removes."""

    TABLE = "TABLE"
    INDEX = "INDEX"
    VIEW = "VIEW"
    TRIGGER = "TRIGGER"


@attrs.frozen(kw_only=True)
class Drop(Statement):
    """``DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] name``."""

    kind: ObjectKind
    name: str
    schema: str | None = None
    if_exists: bool = False


class AlterAction(enum.Enum):
    """What an ALTER TABLE does."""

    ADD_COLUMN = "ADD COLUMN"
    DROP_COLUMN = "DROP COLUMN"
    RENAME_COLUMN = "RENAME COLUMN"
    RENAME_TABLE = "RENAME TO"


@attrs.frozen(kw_only=True)
class AlterTable(Statement):
    """``ALTER TABLE [schema.]name ADD [COLUMN] column-def | DROP [COLUMN] column |
    RENAME [COLUMN] column TO new | RENAME TO new``.

    ``column`` is the added column's definition (ADD); ``name`` the dropped or renamed column
    (DROP, RENAME COLUMN); ``new_name`` the new column or table name (RENAME);
    ``name_offset`` locates ``name`` (or the column definition) for positioned errors.
    """

    table: str
    action: AlterAction
    schema: str | None = None
    column: ColumnDef | None = None
    name: str = ""
    new_name: str = ""
    name_offset: int = 0
