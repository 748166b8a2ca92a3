"""SQL triggers, run through the store's change mechanism.

:class:`TriggerSet` holds the triggers of one database and is a
:class:`~pyram.storage.watch.ChangeWatcher`: the store reports each write to a watched table
before its constraint checks (BEFORE triggers run there, so the checks see what they wrote) and
after the change (AFTER triggers). The write and everything its triggers write form one
statement (:meth:`~pyram.storage.store.Store.statement`): a trigger that fails, or a
``RAISE(ABORT, ...)``, undoes all of it, inside a transaction or not. Writes through the Python
API (``db.insert``, ``db.update``, ``db.delete``) fire triggers exactly as SQL does.

How a trigger runs. Its WHEN condition and body statements are bound with the firing row's
``NEW``/``OLD`` columns as outer columns (:mod:`pyram.sql.binder.trigger`) and prepared once;
per row, each runs with ``{column id: stored value}`` as the execution context's outer values,
the way a correlated subquery runs per outer row. Prepared bodies are kept until the schema
changes, then bound and prepared again (a body whose table has been dropped fails when it fires,
as in SQLite).

Semantics, with the differences from SQLite:

- Row triggers only (``FOR EACH ROW`` is optional); ``INSTEAD OF`` is refused.
- PyRAM writes set-at-a-time: the BEFORE triggers fire for every row, then the statement's
  rows are checked and written together, then the AFTER triggers fire for every row. SQLite
  interleaves per row (before, write, after, next row). Per row, triggers fire newest first,
  as SQLite does.
- An UPDATE fires for the rows whose values change (SQLite: every row the UPDATE matches); an
  ``UPDATE OF`` trigger fires when one of its columns changes value (SQLite: when one of them
  is assigned).
- A trigger never fires while it runs (SQLite's default ``recursive_triggers = off``); triggers
  do cascade to other triggers. Rows deleted or set NULL by ON DELETE actions fire their
  table's triggers, and so do the rows INSERT OR REPLACE deletes.
- Trigger bodies are checked when the trigger is created (SQLite checks them when they fire).
- Triggers are part of the schema: dropping the table drops them; CREATE and DROP TRIGGER are
  transactional, as other DDL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import attrs

from pyram.api.session import Prepared, prepare_plan
from pyram.engine import ExecContext, execute, outer_function
from pyram.errors import ProgrammingError
from pyram.sql import SqlBindError
from pyram.sql import ast_ddl as ddl
from pyram.sql.binder import BoundTrigger, CreateTriggerCommand, SqlCatalog, bind_trigger
from pyram.storage import ChangeKind, Rows, Store, TableData, UndoEntry

__all__ = ["Trigger", "TriggerSet"]

Timing = Literal["before", "after"]


@attrs.frozen
class _Body:
    """A trigger's prepared WHEN condition and statements, for one schema version."""

    new: tuple[int, ...]  # column ids NEW.<column> means, in column order
    old: tuple[int, ...]
    when: Callable[[Store, dict[int, Any]], Any] | None
    steps: tuple[Prepared, ...]

    def run(self, store: Store, before: Sequence[Any] | None, after: Sequence[Any] | None) -> None:
        """Run for one row (stored values; None where the event has no such row)."""
        outer: dict[int, Any] = {}
        if after is not None:
            outer.update(zip(self.new, after, strict=True))
        if before is not None:
            outer.update(zip(self.old, before, strict=True))
        if self.when is not None and not self.when(store, outer):
            return
        for prepared in self.steps:
            _execute(prepared, store, outer)


def _execute(prepared: Prepared, store: Store, outer: dict[int, Any]) -> None:
    ctx = ExecContext(store, None, outer)
    if prepared.point_update is not None:
        prepared.point_update.run(ctx)
    elif prepared.point is None:  # a point lookup only reads: nothing to run
        for _ in execute(prepared.operator, ctx):
            pass


def _prepare(bound: BoundTrigger, store: Store) -> _Body:
    return _Body(
        tuple(f.cid for f in bound.new),
        tuple(f.cid for f in bound.old),
        None if bound.when is None else outer_function(bound.when),
        tuple(prepare_plan(step, store) for step in bound.steps),
    )


@attrs.define(eq=False)
class Trigger:
    """One trigger.

    Attributes:
        name: as declared.
        table: the table's declared name.
        timing: ``"before"`` or ``"after"``.
        event: ``"insert"``, ``"update"`` or ``"delete"``.
        columns: positions of the ``UPDATE OF`` columns (empty: any column).
        statement: the CREATE TRIGGER syntax tree (bound again after schema changes).
        sql: the SQL text the tree's offsets refer to.
        data: the table's data when the trigger was created: the trigger lives as long as it.
    """

    name: str
    table: str
    timing: Timing
    event: ChangeKind
    columns: tuple[int, ...]
    statement: ddl.CreateTrigger
    sql: str
    data: TableData
    body: _Body
    #: (store catalogue version, trigger set generation) ``body`` was prepared for
    prepared_for: tuple[int, int]


class _Restore(UndoEntry):
    """Undo of CREATE/DROP TRIGGER (and of triggers dropped with their table)."""

    __slots__ = ("owner", "triggers")

    def __init__(self, owner: TriggerSet, triggers: dict[str, Trigger]) -> None:
        self.owner = owner
        self.triggers = triggers

    def undo(self, store: Store) -> None:
        self.owner._set(self.triggers)
        store.catalog_version += 1  # the schema changed back: callers rewire and re-prepare


class TriggerSet:
    """The triggers of one database; the store's watcher while there are any."""

    def __init__(self, store: Store, catalog: SqlCatalog) -> None:
        self._store = store
        self._catalog = catalog
        self._triggers: dict[str, Trigger] = {}  # by lower-case name, oldest first
        self._by_table: dict[str, list[Trigger]] = {}  # lower-case table -> newest first
        self._running: set[Trigger] = set()
        self._generation = 0

    def __len__(self) -> int:
        return len(self._triggers)

    def names(self) -> list[str]:
        """Names of the triggers, in creation order."""
        return [t.name for t in self._triggers.values()]

    def all(self) -> list[Trigger]:
        """The triggers, in creation order."""
        return list(self._triggers.values())

    def find(self, name: str) -> Trigger | None:
        """The trigger named ``name`` (case-insensitive), or None."""
        return self._triggers.get(name.lower())

    # ------------------------------------------------------------------ DDL
    def create(self, command: CreateTriggerCommand) -> bool:
        """Add a bound trigger; False when it exists and ``IF NOT EXISTS`` was given.

        Raises:
            SqlBindError: a trigger of that name exists.
        """
        stmt = command.statement
        store = self._store
        with store.statement():
            store.check_writable()
            key = stmt.name.lower()
            if key in self._triggers:
                if stmt.if_not_exists:
                    return False
                raise SqlBindError(f"trigger {stmt.name} already exists", command.sql, stmt.offset)
            trigger = Trigger(
                stmt.name,
                command.table,
                "after" if stmt.timing is ddl.TriggerTiming.AFTER else "before",
                "insert"
                if stmt.event is ddl.TriggerEvent.INSERT
                else "update"
                if stmt.event is ddl.TriggerEvent.UPDATE
                else "delete",
                command.columns,
                stmt,
                command.sql,
                store.data(command.table),
                _prepare(command.bound, store),
                self._version(),
            )
            self._change({**self._triggers, key: trigger})
            return True

    def replace(self, commands: Sequence[CreateTriggerCommand]) -> None:
        """Put triggers bound again in place of those of the same names, keeping their order
        (ALTER TABLE: a renamed table or column, a rebuilt table); transactional.

        The caller holds the write lock (it runs inside a write statement).
        """
        store = self._store
        triggers = dict(self._triggers)
        for command in commands:
            stmt = command.statement
            old = triggers[stmt.name.lower()]
            triggers[stmt.name.lower()] = Trigger(
                old.name,
                command.table,
                old.timing,
                old.event,
                command.columns,
                stmt,
                command.sql,
                store.data(command.table),
                _prepare(command.bound, store),
                self._version(),
            )
        self._change(triggers)

    def drop(self, name: str, if_exists: bool = False) -> bool:
        """Remove a trigger; False when there is none and ``if_exists`` is set.

        Raises:
            ProgrammingError: no such trigger.
        """
        store = self._store
        with store.statement():
            store.check_writable()
            key = name.lower()
            if key not in self._triggers:
                if if_exists:
                    return False
                raise ProgrammingError(f"no such trigger: {name}")
            self._change({k: t for k, t in self._triggers.items() if k != key})
            return True

    def schema_changed(self) -> None:
        """Prepared bodies are stale; triggers whose table was dropped go with it."""
        store = self._store
        with store.write_lock:
            self._generation += 1
            alive = {k: t for k, t in self._triggers.items() if self._table_alive(t)}
            if len(alive) != len(self._triggers):
                self._change(alive)

    def _table_alive(self, trigger: Trigger) -> bool:
        if self._store.catalog.find(trigger.table) is None:
            return False
        return self._store.data(trigger.table) is trigger.data

    def _change(self, triggers: dict[str, Trigger]) -> None:
        log = self._store.undo_log  # the write lock is held: an open transaction is ours
        if log is not None:
            log.record(_Restore(self, self._triggers))
        self._set(triggers)

    def _set(self, triggers: dict[str, Trigger]) -> None:
        self._triggers = triggers
        by_table: dict[str, list[Trigger]] = {}
        for trigger in reversed(triggers.values()):
            by_table.setdefault(trigger.table.lower(), []).append(trigger)
        self._by_table = by_table

    def _version(self) -> tuple[int, int]:
        return self._store.catalog_version, self._generation

    def _body(self, trigger: Trigger) -> _Body:
        """The trigger's prepared body, bound and prepared again after a schema change."""
        version = self._version()
        if trigger.prepared_for != version:
            command = bind_trigger(trigger.statement, trigger.sql, self._catalog)
            trigger.body = _prepare(command.bound, self._store)
            trigger.prepared_for = version
        return trigger.body

    # ------------------------------------------------------------------ ChangeWatcher
    def watches(self, table: str) -> bool:
        """True when ``table`` (lower-case) has triggers."""
        return table in self._by_table

    def before_write(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Fire the BEFORE triggers, row by row."""
        self._fire("before", kind, data, old, new)

    def before_apply(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Nothing to do once the checks passed."""

    def after_write(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Fire the AFTER triggers, row by row."""
        self._fire("after", kind, data, old, new)

    def committed(self) -> None:
        """Nothing is kept between statements."""

    def discarded(self, position: int) -> None:
        """Nothing is kept between statements."""

    def _fire(
        self, timing: Timing, kind: ChangeKind, data: TableData, old: Rows, new: Rows
    ) -> None:
        running = self._running
        firing = [
            (trigger, self._body(trigger))
            for trigger in self._by_table.get(data.schema.name.lower(), ())
            if trigger.timing == timing
            and trigger.event == kind
            and trigger.data is data
            and trigger not in running  # a trigger never fires itself
        ]
        if not firing:
            return
        store = self._store
        for before, after in zip(old, new, strict=True):
            for trigger, body in firing:
                if trigger.columns and not _touches(trigger.columns, before, after):
                    continue
                running.add(trigger)
                try:
                    body.run(store, before, after)
                finally:
                    running.discard(trigger)


def _touches(
    columns: tuple[int, ...], before: Sequence[Any] | None, after: Sequence[Any] | None
) -> bool:
    """Whether an updated row changes one of ``columns``: the store's new row shares the old
    row's value object wherever the value stays (so a changed representation counts)."""
    assert before is not None and after is not None
    return any(before[p] is not after[p] for p in columns)
