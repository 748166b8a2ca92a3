"""The versions of one row in a table's kept history (``db.history(Model, key)``).

A row is found by its primary key, so over time it may live in several row ids (deleted and
inserted again) and one row id may hold several keys (the key updated). The row ids that ever
held the key within the kept history are the one holding it now and those whose before-images
in the kept commits hold it; the row's state changes only at the kept commits that touched one
of them. Each such commit is read with the ordinary version-chain rules (a
:class:`~pyram.storage.mvcc.ReadView` at its stamp), so this reads what ``as_of`` reads.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, Generic, TypeVar

import attrs

from pyram.storage.history import touches
from pyram.storage.mvcc import BLOCK_SHIFT, CURRENT, ReadView, image_of, late_inserts
from pyram.storage.snapshots import Snapshots
from pyram.storage.table_data import AnyIndex, TableData
from pyram.storage.undo import record_images

__all__ = ["RowVersion", "row_versions"]

R = TypeVar("R")


@attrs.frozen
class RowVersion(Generic[R]):
    """One version of a row: what it held from commit ``commit`` (at ``time``, seconds since
    the epoch, when known) until the next version's commit; ``row`` is None when the row did
    not exist then (deleted, or not yet inserted)."""

    commit: int
    time: float | None
    row: R | None


def row_versions(
    snapshots: Snapshots, data: TableData, index: AnyIndex, dense: int | None, key: Any
) -> list[RowVersion[tuple[Any, ...]]]:
    """The versions of the row with unique ``key`` (a stored key of ``index``), oldest first:
    its state at the oldest kept point, then one per kept commit that changed it."""
    view, commits = snapshots.open_history(data)
    try:
        view.saw(data)
        key_of = _key_getter(data.key_positions(index.name))
        with data.latch:
            current = data.find_key(index, dense, key)
        rids = {current} if current is not None else set()
        for _ts, records in commits:
            for record in records:
                rids.update(rid for rid, image in record_images(record) if key_of(image) == key)
        points = [view.ts] + [ts for ts, records in commits if touches(records, rids)]
        out: list[RowVersion[tuple[Any, ...]]] = []
        for ts in points:
            row = _row_at(data, sorted(rids), key, key_of, ReadView(ts))
            if not out or out[-1].row != row:
                out.append(RowVersion(ts, snapshots.time_of(ts), row))
        if out and out[0].row is None:
            del out[0]  # the row did not exist yet when the history starts
        return out
    finally:
        snapshots.close_view(view)


def _row_at(
    data: TableData,
    rids: list[int],
    key: Any,
    key_of: Callable[[tuple[Any, ...]], Any],
    view: ReadView,
) -> tuple[Any, ...] | None:
    """The row of ``rids`` holding ``key`` as ``view`` sees the table, or None."""
    with data.latch:
        hidden = late_inserts(data, view)
        for rid in rids:
            block = data.versions.get(rid >> BLOCK_SHIFT)
            chain = None if block is None else block.get(rid)
            image = CURRENT if not chain else image_of(chain, view)
            if any(a <= rid < b for _stamp, a, b in hidden):
                continue
            if image is CURRENT:
                if rid >= len(data.alive) or not data.alive[rid]:
                    continue
                image = data.row(rid)
            if key_of(image) == key:
                return tuple(image)
    return None


def _key_getter(positions: tuple[int, ...]) -> Callable[[tuple[Any, ...]], Any]:
    if len(positions) == 1:
        return itemgetter(positions[0])
    get = itemgetter(*positions)
    return lambda row: tuple(get(row))
