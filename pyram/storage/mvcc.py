"""Multi-version concurrency: row versions beside the columnar tables, and read views.

The design is HyPer's (Neumann et al., "Fast Serializable MVCC for Main-Memory Database
Systems", SIGMOD 2015): the newest version of every row lives in place in the column lists,
where scans read it at full speed, and each change first saves the row's *before-image* in a
version chain beside the table. A reader holds a :class:`ReadView` (a commit timestamp and its
own transaction's :class:`Stamp`); where a row has changes the view does not see, the reader
walks the chain back to the image as of its snapshot. Rows whose chains are empty are read as
they are, so a table nobody writes concurrently costs a reader one truth test per batch.

Per table (attributes of :class:`~pyram.storage.table_data.TableData`):

- ``versions``: block number (``rid >> BLOCK_SHIFT``) -> rid -> chain, oldest first, of
  ``(stamp, before-image)``; a scan of one batch looks at its block only;
- ``inserted``: ``(stamp, start, stop)`` row-id ranges appended by a transaction: invisible to
  a view that does not see the stamp;
- ``latch``: a short physical lock taken by every mutation of the table's lists and indexes and
  by readers while they copy one batch or probe an index, so a reader never sees a list
  half-changed. It is held for one operation, never for a transaction;
- ``commit_ts``: the timestamp of the newest commit that wrote the table (conflict checks and
  serializable validation compare it with a snapshot).

Writers serialise on the store's write lock (one writer at a time, as in SQLite's WAL mode):
a transaction takes it at its first write. A snapshot-level transaction that writes a row some
other transaction changed after its snapshot fails with ``SerializationFailure``
(first-committer-wins); see :mod:`pyram.storage.store` for serializable validation.

Versions are pushed by the undo log just before a change (after its checks passed) and popped
by it on rollback; once committed they are kept only while some open snapshot is older than
their commit (:meth:`~pyram.storage.store.Store` garbage-collects them in commit order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pyram.errors import SerializationFailure

if TYPE_CHECKING:
    from pyram.storage.table_data import TableData

__all__ = [
    "BLOCK_SHIFT",
    "CURRENT",
    "ReadView",
    "Stamp",
    "VersionRecord",
    "changed_rows",
    "check_conflicts",
    "check_unique_conflicts",
    "image_of",
    "push_insert",
    "push_rows",
    "scan_fixes",
]

#: Version chains are grouped in blocks of ``2 ** BLOCK_SHIFT`` row ids: the engine's batch
#: size, so a scan batch finds its chains with one dict probe.
BLOCK_SHIFT = 14

#: :func:`image_of` result for a row the view sees as it is stored now.
CURRENT: Any = object()


class Stamp:
    """The identity of one writing transaction (or autocommitted statement).

    ``commit_ts`` is None until it commits; then the commit timestamp. Versions and inserted
    ranges refer to the stamp, so committing stamps them all with one assignment.
    """

    __slots__ = ("commit_ts",)

    def __init__(self) -> None:
        self.commit_ts: int | None = None


class ReadView:
    """What one reader sees: every commit up to ``ts`` plus its own transaction's changes.

    Attributes:
        ts: the snapshot's commit timestamp.
        own: the reader's own transaction stamp (its uncommitted changes are visible), or None.
        reads: tables read, by id, when the transaction is serializable (validated at commit).
    """

    __slots__ = ("own", "reads", "ts")

    def __init__(self, ts: int, own: Stamp | None = None, *, track_reads: bool = False) -> None:
        self.ts = ts
        self.own = own
        self.reads: dict[int, TableData] | None = {} if track_reads else None

    def sees(self, stamp: Stamp) -> bool:
        """True when changes stamped ``stamp`` are visible in this view."""
        if stamp is self.own:
            return True
        ts = stamp.commit_ts
        return ts is not None and ts <= self.ts

    def saw(self, data: TableData) -> None:
        """Note that ``data`` was read (only a serializable transaction keeps the note)."""
        reads = self.reads
        if reads is not None:
            reads[id(data)] = data

    def __repr__(self) -> str:
        return f"<ReadView ts={self.ts} own={self.own is not None}>"


class VersionRecord:
    """What one push put in the version store: popped on rollback, collected after commit."""

    __slots__ = ("data", "inserted", "rids", "stamp")

    def __init__(
        self,
        data: TableData,
        stamp: Stamp,
        rids: list[int],
        inserted: tuple[Stamp, int, int] | None = None,
    ) -> None:
        self.data = data
        self.stamp = stamp
        self.rids = rids
        self.inserted = inserted

    def remove(self) -> None:
        """Take this record's versions out of the table (rollback or garbage collection)."""
        data = self.data
        with data.latch:
            if self.inserted is not None:
                ranges = data.inserted
                for i, entry in enumerate(ranges):
                    if entry is self.inserted:
                        del ranges[i]
                        break
            blocks = data.versions
            stamp = self.stamp
            for rid in self.rids:
                block = blocks.get(rid >> BLOCK_SHIFT)
                if block is None:
                    continue
                chain = block.get(rid)
                if chain is None:
                    continue
                for i, (owner, _image) in enumerate(chain):
                    if owner is stamp:
                        del chain[i]
                        break
                if not chain:
                    del block[rid]
                    if not block:
                        del blocks[rid >> BLOCK_SHIFT]


# ---------------------------------------------------------------------------- writers


def check_conflicts(data: TableData, rids: Iterable[int], stamp: Stamp, ts: int) -> None:
    """First-committer-wins: a row changed or inserted by a commit after ``ts`` may not be
    written by the transaction ``stamp`` whose snapshot is ``ts``."""
    if data.commit_ts <= ts:
        return  # nobody committed to this table since the snapshot: the common case
    blocks = data.versions
    late = [
        (start, stop)
        for owner, start, stop in data.inserted
        if owner is not stamp and (owner.commit_ts or 0) > ts
    ]
    for rid in rids:
        block = blocks.get(rid >> BLOCK_SHIFT)
        chain = None if block is None else block.get(rid)
        if chain:
            owner = chain[-1][0]
            if owner is not stamp and (owner.commit_ts or 0) > ts:
                raise _conflict(data)
        for start, stop in late:
            if start <= rid < stop:
                raise _conflict(data)


def check_unique_conflicts(
    data: TableData, rows: Sequence[Sequence[Any]], stamp: Stamp, ts: int
) -> None:
    """First-committer-wins for unique keys: a row the writer's snapshot holds, deleted or
    re-keyed by a transaction that committed after ``ts``, still owns its keys for the
    writer: writing ``rows`` (full new stored rows) with one of them is a conflict (the
    writer's transaction could not have run after that one)."""
    if data.commit_ts <= ts or not rows:
        return
    uniques = [data.key_positions(name) for name, index in data.indexes.items() if index.unique]
    if not uniques:
        return
    late: list[tuple[Any, ...]] = []
    for block in data.versions.values():
        for chain in block.values():
            for owner, image in chain:
                if owner is not stamp and (owner.commit_ts or 0) > ts:
                    late.append(image)
                    break
    if not late:
        return
    for positions in uniques:
        taken = {tuple(image[p] for p in positions) for image in late}
        for row in rows:
            key = tuple(row[p] for p in positions)
            if None not in key and key in taken:
                raise _conflict(data)


def _conflict(data: TableData) -> SerializationFailure:
    return SerializationFailure(
        f"could not serialize access: a row of {data.schema.name} was changed by a "
        "transaction that committed after this one's snapshot; retry the transaction"
    )


def push_rows(data: TableData, rids: Sequence[int], stamp: Stamp, ts: int) -> VersionRecord:
    """Save the before-images of rows ``rids`` (about to be updated or deleted by ``stamp``,
    whose snapshot is ``ts``).

    Raises:
        SerializationFailure: a row was changed by a transaction that committed after ``ts``.
    """
    pushed: list[int] = []
    with data.latch:
        check_conflicts(data, rids, stamp, ts)
        blocks = data.versions
        columns = data.columns
        for rid in rids:
            block = blocks.get(rid >> BLOCK_SHIFT)
            if block is None:
                block = blocks[rid >> BLOCK_SHIFT] = {}
            chain = block.get(rid)
            if chain is None:
                chain = block[rid] = []
            elif chain[-1][0] is stamp:
                continue  # the oldest own image is the one other readers need
            chain.append((stamp, tuple([col[rid] for col in columns])))
            pushed.append(rid)
    return VersionRecord(data, stamp, pushed)


def push_insert(data: TableData, start: int, stop: int, stamp: Stamp) -> VersionRecord:
    """Rows ``start..stop`` are about to be appended by ``stamp``: hide them from others."""
    entry = (stamp, start, stop)
    with data.latch:
        data.inserted.append(entry)
    return VersionRecord(data, stamp, [], entry)


# ---------------------------------------------------------------------------- readers


def image_of(chain: list[tuple[Stamp, tuple[Any, ...]]], view: ReadView) -> Any:
    """The row as ``view`` sees it: :data:`CURRENT` when every change is visible, else the
    before-image of the oldest change it does not see."""
    image = CURRENT
    for i in range(len(chain) - 1, -1, -1):
        stamp, before = chain[i]
        if view.sees(stamp):
            break
        image = before
    return image


def _hidden(data: TableData, view: ReadView, start: int, stop: int) -> list[tuple[int, int]]:
    """Row-id ranges within ``start..stop`` inserted by transactions ``view`` does not see."""
    return [
        (max(a, start), min(b, stop))
        for stamp, a, b in data.inserted
        if a < stop and b > start and not view.sees(stamp)
    ]


def scan_fixes(
    data: TableData, view: ReadView, start: int, stop: int
) -> tuple[list[tuple[int, int]], dict[int, tuple[Any, ...]]]:
    """Corrections for reading rows ``start..stop`` in ``view`` (caller holds the latch):
    ranges of rows to hide, and rid -> image for rows to show as they were."""
    hide = _hidden(data, view, start, stop) if data.inserted else []
    images: dict[int, tuple[Any, ...]] = {}
    blocks = data.versions
    if blocks:
        for b in range(start >> BLOCK_SHIFT, ((stop - 1) >> BLOCK_SHIFT) + 1):
            block = blocks.get(b)
            if not block:
                continue
            for rid, chain in block.items():
                if start <= rid < stop:
                    image = image_of(chain, view)
                    if image is not CURRENT:
                        images[rid] = image
    return hide, images


def changed_rows(data: TableData, view: ReadView) -> dict[int, tuple[Any, ...] | None]:
    """Every row whose state in ``view`` differs from storage (caller holds the latch):
    rid -> its image, or None for a row the view must not see."""
    out: dict[int, tuple[Any, ...] | None] = {}
    for block in data.versions.values():
        for rid, chain in block.items():
            image = image_of(chain, view)
            if image is not CURRENT:
                out[rid] = image
    for stamp, a, b in data.inserted:
        if not view.sees(stamp):
            for rid in range(a, b):
                out[rid] = None
    return out
