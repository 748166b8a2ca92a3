"""Applying a bound ALTER TABLE: the new schema, the rows, and the views and triggers that follow.

The binder (:mod:`pyram.sql.binder.alter`) has checked what the statement decides alone. Here
the command becomes a new :class:`~pyram.catalog.TableSchema` (:mod:`pyram.catalog.alter`) and
column sources for :func:`pyram.storage.alter.alter_table`, which rebuilds the table. Then the
views and triggers are brought along: their stored text is rewritten for a rename
(:mod:`pyram.sql.rename`) and every view and every trigger on the table is bound again against
the new schema, so a DROP COLUMN that a view or trigger still reads fails, as in SQLite, with
``error in view v after drop column: no such column: c``. Everything runs in one write
statement: a failure anywhere leaves the database as it was, and inside a transaction a
rollback undoes the whole ALTER (table, views and triggers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import attrs

from pyram.api.triggers import TriggerSet
from pyram.catalog import (
    CheckConstraint,
    TableSchema,
    add_column,
    drop_column,
    rename_column,
    rename_references,
    rename_table,
    resolve_target,
)
from pyram.errors import ProgrammingError
from pyram.sql import SqlError, parse, rename_column_refs, rename_table_refs
from pyram.sql import ast_ddl as ddl
from pyram.sql.binder import (
    AlterTableCommand,
    Binder,
    CreateTriggerCommand,
    SqlCatalog,
    ViewDef,
    bind_trigger,
    sql_names,
)
from pyram.sql.parser import statement_text
from pyram.storage import ColumnSource, Store, UndoEntry, alter_table

__all__ = ["AlterSession", "apply_alter", "rebind_dependents", "wrap_renamed_check"]


class AlterSession(SqlCatalog, Protocol):
    """What an ALTER TABLE needs of the SQL session (:class:`pyram.api.statements.SqlSession`,
    which imports this module: a protocol keeps the import one way)."""

    triggers: TriggerSet

    def views(self) -> dict[str, ViewDef]:
        """The views by lower-cased name (a copy)."""
        ...

    def set_views(self, views: dict[str, ViewDef]) -> None:
        """Put views in place."""
        ...

    def compile_check_text(self, schema: TableSchema, name: str, text: str) -> CheckConstraint:
        """A CHECK constraint of ``schema`` compiled from its SQL text."""
        ...


_WHAT = {
    ddl.AlterAction.ADD_COLUMN: "add column",
    ddl.AlterAction.DROP_COLUMN: "drop column",
    ddl.AlterAction.RENAME_COLUMN: "rename",
    ddl.AlterAction.RENAME_TABLE: "rename",
}


class _ViewsRestore(UndoEntry):
    """Undo of the views an ALTER rewrote."""

    __slots__ = ("session", "views")

    def __init__(self, session: AlterSession, views: dict[str, ViewDef]) -> None:
        self.session = session
        self.views = views

    def undo(self, store: Store) -> None:
        self.session.set_views(self.views)
        store.catalog_version += 1


def apply_alter(store: Store, session: AlterSession, command: AlterTableCommand) -> None:
    """Apply a bound ALTER TABLE (inside the caller's write statement).

    Raises:
        ProgrammingError: a view or trigger no longer binds after the change.
        DataError, IntegrityError: an existing row breaks the added column's constraints.
    """
    schema = store.catalog.get(command.table)
    new, sources, others = _plan(store, session, schema, command)
    # a model class no longer matches the table: it is detached (Database.migrate attaches
    # a class of the new shape)
    new = attrs.evolve(new, row_class=None)
    alter_table(store, schema.name, new, sources, others)
    rewrite = _text_rewriter(store, schema, command)
    _rebind_views(store, session, rewrite, _WHAT[command.action])
    _rebind_triggers(session, schema.name, rewrite, _WHAT[command.action])


def rebind_dependents(store: Store, session: AlterSession, table: str, what: str) -> None:
    """Bind every view and trigger again after ``table`` was rebuilt (``what`` names the
    change in errors); inside the caller's write statement.

    Raises:
        ProgrammingError: a view or trigger no longer binds.
    """
    _rebind_views(store, session, lambda text, _owner: text, what)
    _rebind_triggers(session, table, lambda text, _owner: text, what)


Plan = tuple[TableSchema, list[ColumnSource], list[TableSchema]]


def _plan(
    store: Store, session: AlterSession, schema: TableSchema, command: AlterTableCommand
) -> Plan:
    """The new schema, where each column's values come from, and other tables' new schemas."""
    planner = _PLANNERS[command.action]
    return planner(store, session, schema, command)


def _identity(schema: TableSchema) -> list[ColumnSource]:
    return [ColumnSource(i) for i in range(len(schema.columns))]


def _plan_add(
    store: Store, session: AlterSession, schema: TableSchema, command: AlterTableCommand
) -> Plan:
    column = command.column
    assert column is not None  # the binder sets it for ADD COLUMN
    fk = command.foreign_key
    if fk is not None:
        lookup = {s.name.lower(): s for s in store.catalog}
        lookup[schema.name.lower()] = add_column(schema, column)
        fk = resolve_target(lookup[schema.name.lower()], fk, lookup)
    stored = None
    if column.has_default:
        stored = column.dtype.validate(column.default_value(), nullable=True)
    new = add_column(schema, column, fk, command.checks)
    return _recompiled(session, new), [*_identity(schema), ColumnSource(None, stored)], []


def _plan_drop(
    store: Store, session: AlterSession, schema: TableSchema, command: AlterTableCommand
) -> Plan:
    dropped = schema.position(command.name)
    sources = [s for i, s in enumerate(_identity(schema)) if i != dropped]
    key = command.name.lower()
    new = drop_column(schema, command.name)
    # a SQL CHECK that reads the dropped column reads it alone (the binder refused the rest):
    # it goes with the column
    checks = tuple(c for c in new.checks if c.sql is None or key not in sql_names(c.sql))
    return _recompiled(session, attrs.evolve(new, checks=checks)), sources, []


def _plan_rename_column(
    store: Store, session: AlterSession, schema: TableSchema, command: AlterTableCommand
) -> Plan:
    old, new_name = command.name, command.new_name

    def recompile(plain: TableSchema, check: CheckConstraint) -> CheckConstraint:
        if check.sql is None:
            return wrap_renamed_check(check, old, new_name)
        text = rename_column_refs(check.sql, schema.name, old, new_name, {}, owner=True)
        compiled = session.compile_check_text(plain, check.name, text)
        return attrs.evolve(compiled, column=check.column)

    new = rename_column(schema, old, new_name, recompile)
    others = [
        rename_references(s, schema.name, schema.name, old, new_name)
        for s in _referencing(store, schema)
    ]
    return new, _identity(schema), others


def _plan_rename_table(
    store: Store, session: AlterSession, schema: TableSchema, command: AlterTableCommand
) -> Plan:
    new_table = command.new_name
    renamed = attrs.evolve(rename_table(schema, new_table), checks=())

    def recompile(check: CheckConstraint) -> CheckConstraint:
        if check.sql is None:
            return check
        text = rename_table_refs(check.sql, schema.name, new_table)
        compiled = session.compile_check_text(renamed, check.name, text)
        return attrs.evolve(compiled, column=check.column)

    new = attrs.evolve(renamed, checks=tuple(recompile(c) for c in schema.checks))
    others = [rename_references(s, schema.name, new_table) for s in _referencing(store, schema)]
    return new, _identity(schema), others


_PLANNERS = {
    ddl.AlterAction.ADD_COLUMN: _plan_add,
    ddl.AlterAction.DROP_COLUMN: _plan_drop,
    ddl.AlterAction.RENAME_COLUMN: _plan_rename_column,
    ddl.AlterAction.RENAME_TABLE: _plan_rename_table,
}


def _referencing(store: Store, schema: TableSchema) -> list[TableSchema]:
    """The other tables with a foreign key to ``schema``'s table (they name it)."""
    return [
        child
        for child in dict.fromkeys(c for c, _fk in store.catalog.referencing(schema.name))
        if child.name.lower() != schema.name.lower()
    ]


def _recompiled(session: AlterSession, schema: TableSchema) -> TableSchema:
    """``schema`` with its SQL CHECKs compiled again: a compiled CHECK reads the row by the
    column names it was compiled for."""
    plain = attrs.evolve(schema, checks=())
    checks = tuple(
        c
        if c.sql is None
        else attrs.evolve(session.compile_check_text(plain, c.name, c.sql), column=c.column)
        for c in schema.checks
    )
    return attrs.evolve(schema, checks=checks)


def wrap_renamed_check(check: CheckConstraint, old: str, new: str) -> CheckConstraint:
    """A Python table CHECK after column ``old`` became ``new``: it still receives the row
    under the names it was written for (a column CHECK receives the value alone: unchanged)."""
    if check.column is not None:
        return check
    predicate = check.predicate

    def renamed(row: dict[str, Any]) -> object:
        return predicate({old if key == new else key: value for key, value in row.items()})

    return attrs.evolve(check, predicate=renamed)


def _text_rewriter(
    store: Store, schema: TableSchema, command: AlterTableCommand
) -> Callable[[str, str | None], str]:
    """Rewrites a stored statement's text for the rename (identity for ADD/DROP COLUMN);
    the second argument is the table a trigger is on (None for a view)."""
    if command.action is ddl.AlterAction.RENAME_TABLE:
        return lambda text, _owner: rename_table_refs(text, schema.name, command.new_name)
    if command.action is not ddl.AlterAction.RENAME_COLUMN:
        return lambda text, _owner: text
    others = {
        s.name.lower(): {c.name.lower() for c in s.columns}
        for s in store.catalog
        if s.name.lower() != schema.name.lower()
    }
    key = schema.name.lower()

    def rewrite(text: str, owner: str | None) -> str:
        mine = owner is not None and owner.lower() == key
        return rename_column_refs(
            text, schema.name, command.name, command.new_name, others, owner=mine
        )

    return rewrite


def _failure(kind: str, name: str, what: str, exc: SqlError) -> ProgrammingError:
    return ProgrammingError(f"error in {kind} {name} after {what}: {exc.reason}")


def _rebind_views(
    store: Store, session: AlterSession, rewrite: Callable[[str, str | None], str], what: str
) -> None:
    """Every view, its text rewritten, bound again against the new schema."""
    views = session.views()
    if not views:
        return
    new_views: dict[str, ViewDef] = {}
    for key, view in views.items():
        text = rewrite(statement_text(view.sql, view.offset), None)
        try:
            stmt = parse(text)[0]
            assert isinstance(stmt, ddl.CreateView)  # a view's text is its CREATE VIEW
            bound = Binder(text, session).bind_select(stmt.select)
        except SqlError as exc:
            raise _failure("view", view.name, what, exc) from exc
        if stmt.columns and len(stmt.columns) != len(bound.names):  # SELECT * grew or shrank
            raise ProgrammingError(
                f"error in view {view.name} after {what}: expected {len(stmt.columns)} columns "
                f"for '{view.name}' but got {len(bound.names)}"
            )
        new_views[key] = ViewDef(view.name, stmt.select, stmt.columns or bound.names, text, 0)
    log = store.undo_log
    assert log is not None  # the caller runs this inside a write statement
    log.record(_ViewsRestore(session, views))
    session.set_views(new_views)


def _rebind_triggers(
    session: AlterSession,
    table: str,
    rewrite: Callable[[str, str | None], str],
    what: str,
) -> None:
    """Every trigger bound again (a body may write the altered table); those whose text
    changed or whose table was rebuilt are replaced."""
    commands: list[CreateTriggerCommand] = []
    for trigger in session.triggers.all():
        on_table = trigger.table.lower() == table.lower()
        old_text = statement_text(trigger.sql, trigger.statement.offset)
        text = rewrite(old_text, trigger.table)
        try:
            stmt = parse(text)[0]
            assert isinstance(stmt, ddl.CreateTrigger)  # a trigger's text is its CREATE TRIGGER
            command = bind_trigger(stmt, text, session)
        except SqlError as exc:
            raise _failure("trigger", trigger.name, what, exc) from exc
        if text != old_text or on_table:
            commands.append(command)
    if commands:
        session.triggers.replace(commands)
