"""The hook through which the store reports changes: :class:`ChangeWatcher`.

The store knows nothing of subscribers or delivery (that is ``pyram.txn.events``); it calls its
watcher, when one is set, at three kinds of moment:

- ``before_write`` with the rows a write is about to change, after every constraint check and
  before any value moves, so a watcher that raises vetoes the write and nothing changes;
- ``committed`` when changes become permanent: a transaction commits, an implicit statement
  block ends well, or a write outside any transaction returns;
- ``discarded`` when a rollback undoes changes (down to an undo-log position).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

from pyram.storage.table_data import TableData

__all__ = ["ChangeKind", "ChangeWatcher"]

ChangeKind = Literal["insert", "update", "delete"]


class ChangeWatcher(Protocol):
    """Receives the store's changes (see the module docstring)."""

    def watches(self, table: str) -> bool:
        """True when changes to ``table`` (lower-case name) are wanted at all."""
        ...

    def before_write(
        self,
        kind: ChangeKind,
        data: TableData,
        old: Sequence[Sequence[Any] | None],
        new: Sequence[Sequence[Any] | None],
        position: int,
    ) -> None:
        """Rows (stored values, one sequence per row; None where a side does not exist) are
        about to change; ``position`` is the undo-log length before the change."""
        ...

    def committed(self) -> None:
        """Everything reported since the last commit point is now permanent."""
        ...

    def discarded(self, position: int) -> None:
        """Changes reported at undo-log positions ``>= position`` were rolled back."""
        ...
