"""Reading a table as a :class:`~pyram.storage.mvcc.ReadView` sees it.

The engine's scans call these instead of reading the column lists bare. Each takes the table's
latch for one batch (or one probe), so it never sees a write half done, and corrects the rows
that have versions the view does not see (see :mod:`pyram.storage.mvcc`). A table without
versions (no concurrent writer, or none since the oldest open snapshot) is read as stored: the
correction costs one truth test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from pyram.storage.indexes import key_is_null
from pyram.storage.mvcc import ReadView, changed_rows, scan_fixes
from pyram.storage.table_data import AnyIndex, TableData

__all__ = ["count_in_view", "find_row", "gather_in_view", "order_in_view", "scan_slice"]


def scan_slice(
    data: TableData, positions: Sequence[int], start: int, stop: int, view: ReadView | None
) -> tuple[list[Any], int, bytearray | None]:
    """Rows ``start..stop`` of the columns at ``positions``: (column slices, row count, the
    selection of rows that exist in ``view``, or None when all do). The count is smaller
    than asked when the table shrank meanwhile (a rolled-back insert)."""
    with data.latch:
        alive = data.alive
        stop = min(stop, len(alive))
        columns = [data.columns[p][start:stop] for p in positions]
        selection: bytearray | None = None
        if data.live_count < len(alive):
            selection = alive[start:stop]
        if view is None or not data.versioned:
            return columns, max(stop - start, 0), selection
        hide, images = scan_fixes(data, view, start, stop)
        if not hide and not images:
            return columns, max(stop - start, 0), selection
        if selection is None:
            selection = alive[start:stop]
    for rid, image in images.items():
        i = rid - start
        selection[i] = 1
        for column, p in zip(columns, positions, strict=True):
            column[i] = image[p]
    for a, b in hide:
        selection[a - start : b - start] = bytes(b - a)
    return columns, stop - start, selection


def gather_in_view(
    data: TableData, positions: Sequence[int], rids: Sequence[int], view: ReadView | None
) -> list[list[Any]]:
    """The columns at ``positions`` for rows ``rids`` (rows that exist in ``view``), with the
    values ``view`` sees."""
    with data.latch:
        columns = data.columns
        if len(rids) > 1:
            get = itemgetter(*rids)
            out = [list(get(columns[p])) for p in positions]
        elif rids:
            out = [[columns[p][rids[0]]] for p in positions]
        else:
            return [[] for _ in positions]
        if view is None or not data.versioned:
            return out
        changed = changed_rows(data, view)
    if changed:
        for i, rid in enumerate(rids):
            image = changed.get(rid)
            if image is not None:
                for column, p in zip(out, positions, strict=True):
                    column[i] = image[p]
    return out


def order_in_view(
    data: TableData,
    index: AnyIndex,
    rids: list[int],
    view: ReadView,
    matches: Callable[[Any], bool],
    *,
    by_key: bool,
    reverse: bool = False,
    nulls_first: bool | None = None,
) -> list[int]:
    """Correct row ids found through ``index`` (the newest state) to what ``view`` sees.

    Rows changed since the view's snapshot leave when their visible key no longer
    ``matches`` (or they do not exist in the view) and join when it does. With ``by_key`` the
    result is ordered like the index ((key, rid), ``reverse`` flips it, NULL keys first
    ascending as in :meth:`SortedIndex.ordered`), else in rid order. Caller holds the latch.
    """
    changed = changed_rows(data, view)
    if not changed:
        return rids
    positions = data.key_positions(index.name)
    key_of = _key_getter(positions)
    kept = [rid for rid in rids if rid not in changed]
    kept.extend(
        rid for rid, image in changed.items() if image is not None and matches(key_of(image))
    )
    if not by_key:
        kept.sort()
        return kept
    keys: dict[int, Any] = {}
    for rid in kept:
        image = changed.get(rid)
        keys[rid] = data.key_of(positions, rid) if image is None else key_of(image)
    composite = index.composite
    nulls = sorted((r for r in kept if key_is_null(keys[r], composite)), reverse=reverse)
    body = sorted(
        (r for r in kept if not key_is_null(keys[r], composite)),
        key=lambda r: (keys[r], r),
        reverse=reverse,
    )
    first = (not reverse) if nulls_first is None else nulls_first
    return nulls + body if first else body + nulls


def _key_getter(positions: tuple[int, ...]) -> Callable[[tuple[Any, ...]], Any]:
    if len(positions) == 1:
        return itemgetter(positions[0])
    get = itemgetter(*positions)
    return lambda row: tuple(get(row))


def find_row(
    data: TableData, index: AnyIndex, dense: int | None, key: Any, view: ReadView | None
) -> tuple[int, tuple[Any, ...]] | None:
    """(rid, stored row) of the row holding ``key`` in a unique ``index`` as ``view`` sees
    it, or None."""
    with data.latch:
        rid = data.find_key(index, dense, key)
        if view is None or not data.versioned:
            return None if rid is None else (rid, data.row(rid))
        changed = changed_rows(data, view)
        if rid is not None and rid not in changed:
            return rid, data.row(rid)
        key_of = _key_getter(data.key_positions(index.name))
        for other, image in changed.items():
            if image is not None and key_of(image) == key:
                return other, image
        return None


def count_in_view(data: TableData, view: ReadView | None) -> int:
    """Number of rows that exist in ``view``."""
    with data.latch:
        count = data.live_count
        if view is None or not data.versioned:
            return count
        alive = data.alive
        for rid, image in changed_rows(data, view).items():
            now = rid < len(alive) and alive[rid] == 1
            count += (image is not None) - now
        return count
