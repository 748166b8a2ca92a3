"""The hook through which the store reports changes: :class:`ChangeWatcher`.

The store knows nothing of subscribers, triggers or delivery (that is ``pyram.txn.events`` and
``pyram.api.triggers``); it calls its watcher, when one is set, at these moments:

- ``before_write`` with the rows a write is about to change: after the values are type-checked
  and before the constraint checks, so what the watcher writes meanwhile (a BEFORE trigger) is
  seen by the checks. Rows that ON DELETE actions reach (cascaded deletes, SET NULL updates)
  are only known once the delete is planned: they are reported after the plan, which is made
  again if the watcher wrote meanwhile;
- ``before_apply`` with the same rows (as they will be written) once every constraint check has
  passed, just before any value moves: a watcher that raises there vetoes the write, and it
  must not write;
- ``after_write`` with the rows a write changed, once the values have moved;
- ``committed`` when changes become permanent: a transaction commits, or a statement block
  (:meth:`~pyram.storage.store.Store.statement`) ends well outside a transaction;
- ``discarded`` when a rollback undoes changes (down to an undo-log position).

A write to a table the watcher :meth:`~ChangeWatcher.watches` runs inside a statement block, so
the write and everything the watcher writes from its hooks are undone together if any of it
fails. With no watcher set the write path pays one attribute check.

:class:`Watchers` fans the calls out to several watchers (change events and triggers at once);
:func:`combine` makes the store's watcher from those that are active.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

from pyram.storage.table_data import TableData

__all__ = ["ChangeKind", "ChangeWatcher", "Rows", "Watchers", "combine"]

ChangeKind = Literal["insert", "update", "delete"]

#: Rows of a write (stored values, one sequence per row; None where a side does not exist).
Rows = Sequence[Sequence[Any] | None]


class ChangeWatcher(Protocol):
    """Receives the store's changes (see the module docstring)."""

    def watches(self, table: str) -> bool:
        """True when changes to ``table`` (lower-case name) are wanted at all."""
        ...

    def before_write(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Rows are about to change; ``position`` is the undo-log length at this moment. The
        watcher may write to the store (its writes run inside the same statement) or raise."""
        ...

    def before_apply(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """The rows passed every check and are about to change: raising vetoes the write."""
        ...

    def after_write(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Rows have changed; ``position`` is the undo-log length just before the change, so a
        rollback to any position ``<= position`` undoes it. The watcher may write or raise."""
        ...

    def committed(self) -> None:
        """Everything reported since the last commit point is now permanent."""
        ...

    def discarded(self, position: int) -> None:
        """Changes reported at undo-log positions ``>= position`` were rolled back."""
        ...


class Watchers:
    """Several watchers as one: each call goes to every watcher, in order (a write or hook
    goes only to the watchers that watch its table)."""

    __slots__ = ("watchers",)

    def __init__(self, watchers: Sequence[ChangeWatcher]) -> None:
        self.watchers = tuple(watchers)

    def watches(self, table: str) -> bool:
        """True when any watcher watches ``table``."""
        return any(w.watches(table) for w in self.watchers)

    def before_write(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Hand the rows to each watcher of the table."""
        table = data.schema.name.lower()
        for watcher in self.watchers:
            if watcher.watches(table):
                watcher.before_write(kind, data, old, new, position)

    def before_apply(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Hand the rows to each watcher of the table."""
        table = data.schema.name.lower()
        for watcher in self.watchers:
            if watcher.watches(table):
                watcher.before_apply(kind, data, old, new, position)

    def after_write(
        self, kind: ChangeKind, data: TableData, old: Rows, new: Rows, position: int
    ) -> None:
        """Hand the rows to each watcher of the table."""
        table = data.schema.name.lower()
        for watcher in self.watchers:
            if watcher.watches(table):
                watcher.after_write(kind, data, old, new, position)

    def committed(self) -> None:
        """Tell every watcher."""
        for watcher in self.watchers:
            watcher.committed()

    def discarded(self, position: int) -> None:
        """Tell every watcher."""
        for watcher in self.watchers:
            watcher.discarded(position)


def combine(watchers: Sequence[ChangeWatcher]) -> ChangeWatcher | None:
    """The store's watcher for ``watchers``: None for none, the watcher itself for one, else a
    :class:`Watchers` fan-out."""
    if not watchers:
        return None
    if len(watchers) == 1:
        return watchers[0]
    return Watchers(watchers)
