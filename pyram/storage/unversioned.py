"""Reading a table as stored, without a snapshot, when that is what every snapshot sees.

The point-read fast paths (``Database.get``, a cached one-row query by key) skip opening a
read view when nothing can make the stored values differ from what a snapshot shows: no
transaction is open in the calling thread, no writer holds changes readers cannot yet tell
apart (its undo log is unpublished, see ``Store.undo_log``), and the table has no row versions
(:attr:`TableData.versioned`). The check and the read run under the table's latch, so no write
lands in between. Anything else returns :data:`NEEDS_VIEW` and the caller reads through
``Store.reading()`` (see :mod:`pyram.storage.visible`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Final, Literal, TypeVar

from pyram.storage.store import Store
from pyram.storage.table_data import TableData

__all__ = ["NEEDS_VIEW", "NeedsView", "read_unversioned"]

A = TypeVar("A")
R = TypeVar("R")


class NeedsView(enum.Enum):
    """The one value of :data:`NEEDS_VIEW` (an enum, so type checkers narrow on ``is``)."""

    NEEDS_VIEW = 0


#: Returned by :func:`read_unversioned` when the table must be read through a view.
NEEDS_VIEW: Final = NeedsView.NEEDS_VIEW


def read_unversioned(
    store: Store, data: TableData, read: Callable[[A], R], arg: A
) -> R | Literal[NeedsView.NEEDS_VIEW]:
    """``read(arg)`` on ``data`` as stored, under its latch, when every snapshot would see
    exactly that; otherwise :data:`NEEDS_VIEW` without calling ``read``."""
    local = store._local
    if local.txn is not None or local.past is not None:  # a transaction, or reading the past
        return NEEDS_VIEW
    with data.latch:
        log = store.undo_log
        # TableData.versioned, inlined: this is the hottest read path
        if (log is None or log.published) and not (data.changes or data.inserted):
            return read(arg)
    return NEEDS_VIEW
