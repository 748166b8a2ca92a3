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
- ``changes``: stamp -> the rids it has versions of, in the order the stamps first wrote the
  table, which is commit order (writers take turns). A reader walks it from the newest stamp
  and stops at the first one its snapshot sees, so what it pays is the changes it must read
  around, never the size of a transaction (a writer reading its own changes pays nothing);
- ``inserted``: ``[stamp, start, stop]`` row-id ranges appended by a transaction, one per
  stamp, in the same order: invisible to a view that does not see the stamp;
- ``latch``: a short physical lock taken by every mutation of the table's lists and indexes and
  by readers while they copy one batch or probe an index, so a reader never sees a list
  half-changed. It is held for one operation, never for a transaction;
- ``commit_ts``: the timestamp of the newest commit that wrote the table (conflict checks and
  serializable validation compare it with a snapshot).

Writers serialise on the store's write lock (one writer at a time, as in SQLite's WAL mode):
a transaction takes it at its first write. A snapshot-level transaction that writes a row some
other transaction changed after its snapshot fails with ``SerializationFailure``
(first-committer-wins); see :mod:`pyram.storage.store` for serializable validation.

The before-images are the undo log's own (:mod:`pyram.storage.undo`), shared, and they are
pushed here only while some other reader could need them: when a writer starts while a view
is open, or when a view opens during a write (the reader makes the writer publish what it has
so far). Once committed they are kept only while some open snapshot is older than their
commit (:class:`~pyram.storage.snapshots.Snapshots` collects them in commit order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pyram.errors import SerializationFailure

if TYPE_CHECKING:
    from pyram.storage.table_data import TableData

__all__ = [
    "BLOCK_SHIFT",
    "CURRENT",
    "ReadView",
    "Stamp",
    "changed_rows",
    "check_conflicts",
    "check_unique_conflicts",
    "image_of",
    "late_inserts",
    "late_stamps",
    "pop_images",
    "pop_insert",
    "push_images",
    "push_insert",
    "scan_fixes",
]

T = TypeVar("T")

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
        past: for a view of a past commit (time travel), the check that a table keeps
            history back to ``ts`` (raises HistoryError); None for an ordinary snapshot.
    """

    __slots__ = ("own", "past", "reads", "ts")

    def __init__(
        self,
        ts: int,
        own: Stamp | None = None,
        *,
        track_reads: bool = False,
        past: Callable[[TableData, int], None] | None = None,
    ) -> None:
        self.ts = ts
        self.own = own
        self.reads: dict[int, TableData] | None = {} if track_reads else None
        self.past = past

    def sees(self, stamp: Stamp) -> bool:
        """True when changes stamped ``stamp`` are visible in this view."""
        if stamp is self.own:
            return True
        ts = stamp.commit_ts
        return ts is not None and ts <= self.ts

    def saw(self, data: TableData) -> None:
        """Note that ``data`` is read (only a serializable transaction keeps the note); a
        view of the past first checks that the table keeps history back to it."""
        reads = self.reads
        if reads is not None:
            reads[id(data)] = data
        past = self.past
        if past is not None:
            past(data, self.ts)

    def __repr__(self) -> str:
        return f"<ReadView ts={self.ts} own={self.own is not None}>"


def late_stamps(data: TableData, view: ReadView) -> list[Stamp]:
    """The stamps with versions in ``data`` that ``view`` does not see, newest first.

    ``data.changes`` holds stamps in the order their writers first wrote the table. Writers
    take turns (the write lock), so that is commit order, with at most the newest stamp
    uncommitted: walking back from the newest, the first stamp committed at or before the
    view's snapshot ends the walk, as every older one committed earlier still. The cost is the
    number of late stamps, never the number of changes a transaction made.
    """
    return _late(((stamp, stamp) for stamp in reversed(data.changes)), view)


def late_inserts(data: TableData, view: ReadView) -> list[list[Any]]:
    """``data.inserted`` entries ``[stamp, start, stop]`` that ``view`` does not see (the same
    commit-order walk as :func:`late_stamps`)."""
    return _late(((entry[0], entry) for entry in reversed(data.inserted)), view)


def _late(newest_first: Iterable[tuple[Stamp, T]], view: ReadView) -> list[T]:
    """The items whose stamps ``view`` does not see, from (stamp, item) pairs newest first,
    stopping at the first stamp committed at or before the view's snapshot."""
    out: list[T] = []
    own = view.own
    ts = view.ts
    for stamp, item in newest_first:
        if stamp is own:
            continue
        committed = stamp.commit_ts
        if committed is not None and committed <= ts:
            break
        out.append(item)
    return out


# ---------------------------------------------------------------------------- writers


def check_conflicts(data: TableData, rids: Iterable[int], stamp: Stamp, ts: int) -> None:
    """First-committer-wins: a row changed or inserted by a commit after ``ts`` may not be
    written by the transaction ``stamp`` whose snapshot is ``ts``."""
    if data.commit_ts <= ts:
        return  # nobody committed to this table since the snapshot: the common case
    view = ReadView(ts, stamp)
    late = late_stamps(data, view)
    ranges = [(entry[1], entry[2]) for entry in late_inserts(data, view)]
    if not late and not ranges:
        return
    blocks = data.versions
    for rid in rids:
        if late:
            block = blocks.get(rid >> BLOCK_SHIFT)
            chain = None if block is None else block.get(rid)
            if chain and chain[-1][0] in late:
                raise _conflict(data)
        for start, stop in ranges:
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
    late = late_stamps(data, ReadView(ts, stamp))
    if not late:
        return
    images: list[tuple[Any, ...]] = []
    blocks = data.versions
    for rid in {rid for s in late for rid in data.changes[s]}:
        for owner, image in blocks[rid >> BLOCK_SHIFT][rid]:
            if owner in late:  # the oldest late image: the row as the snapshot holds it
                images.append(image)
                break
    for positions in uniques:
        taken = {tuple(image[p] for p in positions) for image in images}
        for row in rows:
            key = tuple(row[p] for p in positions)
            if None not in key and key in taken:
                raise _conflict(data)


def _conflict(data: TableData) -> SerializationFailure:
    return SerializationFailure(
        f"could not serialize access: a row of {data.schema.name} was changed by a "
        "transaction that committed after this one's snapshot; retry the transaction"
    )


def push_images(
    data: TableData, stamp: Stamp, rids: Sequence[int], images: Sequence[tuple[Any, ...]]
) -> list[int]:
    """Publish the before-images of rows ``rids`` changed by ``stamp`` (the undo log's own
    image objects, shared, not copied): returns the rids that got a version (a row the stamp
    already changed keeps its oldest own image, the one other readers need)."""
    pushed: list[int] = []
    with data.latch:
        blocks = data.versions
        mine = data.changes.get(stamp)
        if mine is None:
            mine = data.changes[stamp] = set()
        for rid, image in zip(rids, images, strict=True):
            block = blocks.get(rid >> BLOCK_SHIFT)
            if block is None:
                block = blocks[rid >> BLOCK_SHIFT] = {}
            chain = block.get(rid)
            if chain is None:
                chain = block[rid] = []
            elif chain[-1][0] is stamp:
                continue
            chain.append((stamp, image))
            mine.add(rid)
            pushed.append(rid)
        if not mine:
            del data.changes[stamp]
    return pushed


def pop_images(data: TableData, stamp: Stamp, rids: Iterable[int]) -> None:
    """Take ``stamp``'s versions of rows ``rids`` out (rollback or garbage collection)."""
    with data.latch:
        blocks = data.versions
        mine = data.changes.get(stamp)
        for rid in rids:
            block = blocks.get(rid >> BLOCK_SHIFT)
            chain = None if block is None else block.get(rid)
            if block is None or chain is None:
                continue
            for i in range(len(chain) - 1, -1, -1):
                if chain[i][0] is stamp:
                    del chain[i]
                    break
            if not chain:
                del block[rid]
                if not block:
                    del blocks[rid >> BLOCK_SHIFT]
            if mine is not None:
                mine.discard(rid)
        if mine is not None and not mine:
            del data.changes[stamp]


def push_insert(data: TableData, stamp: Stamp, start: int, stop: int) -> None:
    """Hide rows ``start..stop`` appended by ``stamp`` from others: one entry per stamp and
    table, grown as the stamp appends (its rows are contiguous: only the writer appends, and
    undoing an append truncates the table)."""
    with data.latch:
        ranges = data.inserted
        if ranges and ranges[-1][0] is stamp:
            entry = ranges[-1]
            entry[1] = min(entry[1], start)
            entry[2] = max(entry[2], stop)
        else:
            ranges.append([stamp, start, stop])


def pop_insert(data: TableData, stamp: Stamp, start: int | None = None) -> None:
    """Shrink ``stamp``'s inserted range to end at ``start`` (an append undone), or drop it
    (``start`` None: garbage collection)."""
    with data.latch:
        ranges = data.inserted
        for i in range(len(ranges) - 1, -1, -1):
            entry = ranges[i]
            if entry[0] is stamp:
                if start is None or start <= entry[1]:
                    del ranges[i]
                else:
                    entry[2] = min(entry[2], start)
                return


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


def scan_fixes(
    data: TableData, view: ReadView, start: int, stop: int
) -> tuple[list[tuple[int, int]], dict[int, tuple[Any, ...]]]:
    """Corrections for reading rows ``start..stop`` in ``view`` (caller holds the latch):
    ranges of rows to hide, and rid -> image for rows to show as they were."""
    hide = [
        (max(a, start), min(b, stop))
        for _stamp, a, b in late_inserts(data, view)
        if a < stop and b > start
    ]
    images: dict[int, tuple[Any, ...]] = {}
    blocks = data.versions
    if blocks and late_stamps(data, view):
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
    rid -> its image, or None for a row the view must not see. The work is proportional to
    the changes ``view`` does not see (none for a transaction reading its own writes)."""
    out: dict[int, tuple[Any, ...] | None] = {}
    blocks = data.versions
    for stamp in late_stamps(data, view):
        for rid in data.changes[stamp]:
            if rid not in out:
                image = image_of(blocks[rid >> BLOCK_SHIFT][rid], view)
                if image is not CURRENT:
                    out[rid] = image
    for _stamp, a, b in late_inserts(data, view):
        for rid in range(a, b):
            out[rid] = None
    return out
