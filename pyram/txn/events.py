"""Change events: :class:`Change` objects delivered to subscribers after commit.

:class:`ChangeHub` is the store's :class:`~pyram.storage.watch.ChangeWatcher`. While a
transaction runs it collects a :class:`Change` per row written (tagged with the undo-log
position, so a ``ROLLBACK TO`` drops exactly the changes it undoes); when the work commits it
delivers them, in order, to the table's ``on_change`` subscribers and then, as one list, to the
``on_commit`` subscribers. Rolled-back work delivers nothing.

``before_change`` subscribers run inside the write, after the constraint checks and before any
value changes: raising vetoes the write, which then fails with that exception and changes
nothing (inside ``with db.transaction():`` the exception rolls the transaction back). Changes
are recorded once written.

Delivery policy:

- Events are delivered by the committing thread before the write lock is released, so
  subscribers see commits one at a time, in commit order. Subscribers should be quick (hand
  heavy work to a queue); they may read the database.
- A subscriber that raises after commit does not undo anything (the work is committed) and does
  not stop the others: the exception is logged on the ``pyram.events`` logger and delivery goes
  on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Literal

import attrs

from pyram.catalog import TableSchema
from pyram.storage import ChangeKind, TableData

__all__ = ["Change", "ChangeHub", "ChangeSubscriber", "CommitSubscriber", "EventKind"]

log = logging.getLogger("pyram.events")


@attrs.frozen
class Change:
    """One row written by committed work.

    Attributes:
        kind: ``"insert"``, ``"update"`` or ``"delete"``; ``"expire"`` or ``"evict"`` for a
            row a cache table removed itself (see docs/cache.md).
        table: the table's name.
        old: the row before (None for an insert): a model instance for a table declared as a
            class, a dict of column values for a table created in SQL.
        new: the row after (None for a delete), in the same form.
    """

    kind: EventKind
    table: str
    old: Any
    new: Any


#: what a :class:`Change` reports: the store's kinds plus a cache table's own removals
EventKind = Literal["insert", "update", "delete", "expire", "evict"]

ChangeSubscriber = Callable[[Change], object]
CommitSubscriber = Callable[[list[Change]], object]


def _row_maker(schema: TableSchema) -> Callable[[Sequence[Any]], Any]:
    """Stored values -> the row form subscribers get."""
    if schema.row_class is not None:
        build = schema.row_class.__pyram_build__  # type: ignore[attr-defined]
        return lambda values: build(*values)
    names = schema.column_names
    decoders = [c.dtype.decoder() for c in schema.columns]

    def as_dict(values: Sequence[Any]) -> dict[str, Any]:
        return {
            name: v if d is None or v is None else d(v)
            for name, v, d in zip(names, values, decoders, strict=True)
        }

    return as_dict


class ChangeHub:
    """Subscribers and the changes of the work in progress (see the module docstring)."""

    def __init__(self) -> None:
        self._on_change: dict[str, list[ChangeSubscriber]] = {}
        self._before: dict[str, list[ChangeSubscriber]] = {}
        self._on_commit: list[CommitSubscriber] = []
        self._pending: list[tuple[int, Change]] = []
        self._lock = threading.Lock()
        #: (lower-case table, kind): its deletes are reported as that kind meanwhile (a cache
        #: table expiring or evicting rows sets it around its own delete)
        self.delete_as: tuple[str, EventKind] | None = None

    # ------------------------------------------------------------------ subscribing
    def on_change(self, table: str, fn: ChangeSubscriber) -> Callable[[], None]:
        """Call ``fn(change)`` for each committed change of ``table``; returns an unsubscriber."""
        return self._add(self._on_change, table, fn)

    def before_change(self, table: str, fn: ChangeSubscriber) -> Callable[[], None]:
        """Call ``fn(change)`` before each write to ``table``; raising vetoes the write."""
        return self._add(self._before, table, fn)

    def on_commit(self, fn: CommitSubscriber) -> Callable[[], None]:
        """Call ``fn(changes)`` once per commit that changed rows; returns an unsubscriber."""
        with self._lock:
            self._on_commit.append(fn)
        return lambda: self._remove(self._on_commit, fn)

    def _add(
        self, table_map: dict[str, list[ChangeSubscriber]], table: str, fn: ChangeSubscriber
    ) -> Callable[[], None]:
        with self._lock:
            subscribers = table_map.setdefault(table.lower(), [])
            subscribers.append(fn)
        return lambda: self._remove(subscribers, fn)

    def _remove(self, subscribers: list[Any], fn: Any) -> None:
        with self._lock:
            if fn in subscribers:
                subscribers.remove(fn)

    # ------------------------------------------------------------------ ChangeWatcher
    def watches(self, table: str) -> bool:
        """True when someone listens to ``table`` (or to every commit)."""
        return bool(self._on_commit or self._on_change.get(table) or self._before.get(table))

    def before_write(
        self,
        kind: ChangeKind,
        data: TableData,
        old: Sequence[Sequence[Any] | None],
        new: Sequence[Sequence[Any] | None],
        position: int,
    ) -> None:
        """Nothing to do before the constraint checks."""

    def before_apply(
        self,
        kind: ChangeKind,
        data: TableData,
        old: Sequence[Sequence[Any] | None],
        new: Sequence[Sequence[Any] | None],
        position: int,
    ) -> None:
        """Run the veto hooks (raising vetoes the write: nothing is changed)."""
        hooks = self._before.get(data.schema.name.lower())
        if not hooks:
            return
        changes = _changes(self._relabel(kind, data), data, old, new)
        for fn in list(hooks):
            for change in changes:
                fn(change)  # raising vetoes the write: nothing is changed

    def after_write(
        self,
        kind: ChangeKind,
        data: TableData,
        old: Sequence[Sequence[Any] | None],
        new: Sequence[Sequence[Any] | None],
        position: int,
    ) -> None:
        """Keep the changes made until commit (none when no one would receive them: a
        table watched only by ``before_change`` hooks, such as a mirror's read-only guard)."""
        if not (self._on_commit or self._on_change.get(data.schema.name.lower())):
            return
        changes = _changes(self._relabel(kind, data), data, old, new)
        self._pending.extend((position, change) for change in changes)

    def _relabel(self, kind: ChangeKind, data: TableData) -> EventKind:
        """``kind``, or ``"expire"``/``"evict"`` for the deletes a cache table makes itself
        (only its own rows: rows an ON DELETE action reaches stay ``"delete"``)."""
        relabel = self.delete_as
        if kind == "delete" and relabel is not None and relabel[0] == data.schema.name.lower():
            return relabel[1]
        return kind

    def committed(self) -> None:
        """Deliver the pending changes (called with the store's write lock held)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        changes = [change for _, change in pending]
        for change in changes:
            for fn in list(self._on_change.get(change.table.lower(), ())):
                _call(fn, change)
        for commit_fn in list(self._on_commit):
            _call(commit_fn, changes)

    def discarded(self, position: int) -> None:
        """Forget changes made at undo-log positions ``>= position``."""
        self._pending = [(p, c) for p, c in self._pending if p < position]


def _changes(
    kind: EventKind,
    data: TableData,
    old: Sequence[Sequence[Any] | None],
    new: Sequence[Sequence[Any] | None],
) -> list[Change]:
    """A :class:`Change` per row reported by the store."""
    schema = data.schema
    make = _row_maker(schema)
    return [
        Change(
            kind,
            schema.name,
            None if before is None else make(before),
            None if after is None else make(after),
        )
        for before, after in zip(old, new, strict=True)
    ]


def _call(fn: Callable[[Any], object], argument: Any) -> None:
    try:
        fn(argument)
    except Exception:  # a subscriber's failure must not stop the others (see module doc)
        log.exception("change subscriber %r raised; delivery continues", fn)
