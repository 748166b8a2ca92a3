"""One-row insert: :meth:`Store.insert <pyram.storage.store.Store.insert>` for a single row.

The commonest write of the record API (``db.insert``, ``db.upsert``, a cache miss stored by
``db.get_or_load``) is one row. The batch path turns it into one-element columns, builds
row tuples for the watcher, CHECK views and key lists per constraint; here each step works on
the row itself. The steps and their order are the batch path's (validate, ``before_write``,
CHECK, UNIQUE/PRIMARY KEY, first-committer-wins, FOREIGN KEY, ``before_apply``, undo record,
append, ``after_write``), so a failing row leaves every table as it was and watchers see the
same calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pyram.errors import ProgrammingError
from pyram.storage.constraints import check_checks, unique_error, unique_index
from pyram.storage.indexes import key_is_null
from pyram.storage.row_values import validate_row
from pyram.storage.table_data import TableData

if TYPE_CHECKING:
    from pyram.storage.store import Store

__all__ = ["drop_rows", "insert_row", "put_row"]


def insert_row(
    store: Store, data: TableData, user_row: Sequence[Any], key_absent_at: int = -1
) -> int:
    """Insert one row of user-facing values into ``data`` (inside a statement of ``store``);
    returns its row id. ``key_absent_at``: the undo log's length when the caller found the
    row's primary key absent (an upsert's probe); while nothing was written since, the
    primary key is not looked up a second time.

    Raises:
        ProgrammingError: a row of the wrong width.
        DataError, IntegrityError: as :meth:`Store.insert <pyram.storage.store.Store.insert>`.
    """
    schema = data.schema
    if len(user_row) != len(schema.columns):
        raise ProgrammingError(
            f"table {schema.name} has {len(schema.columns)} columns, {len(user_row)} were given"
        )
    stored = validate_row(schema, user_row)
    log = store.undo_log
    assert log is not None  # every write runs in a statement
    watcher = store.watcher
    if watcher is not None and not watcher.watches(schema.name.lower()):
        watcher = None
    missing: tuple[None] = (None,)
    rows = (tuple(stored),)
    if watcher is not None:
        watcher.before_write("insert", data, missing, rows, len(log))
    if schema.checks:
        check_checks(schema, [[u if c.dtype.encodes else v] for c, u, v in
                              zip(schema.columns, user_row, stored, strict=True)])
    _check_unique(data, stored, key_absent_at == len(log))
    if data.commit_ts > log.ts:  # others committed to it since our snapshot
        log.check_unique_conflicts(data, rows)
    if schema.foreign_keys:
        columns = [[v] for v in stored]
        for fk in schema.foreign_keys:
            store._check_parents_exist(data, fk, columns)
    position = len(log)
    if watcher is not None:
        watcher.before_apply("insert", data, missing, rows, position)
    log.record_insert(data, 1)
    rid = data.append_row(stored)
    if watcher is not None:
        watcher.after_write("insert", data, missing, rows, position)
    return rid


def _check_unique(data: TableData, stored: list[Any], key_absent: bool) -> None:
    """Reject a row whose PRIMARY KEY or UNIQUE key a live row holds (NULLs never clash;
    ``key_absent``: the primary key is known to be free)."""
    schema = data.schema
    for constraint in schema.uniques:
        columns = constraint.columns
        if key_absent and columns == schema.primary_key:
            continue
        if len(columns) == 1:
            key: Any = stored[schema.position(columns[0])]
        else:
            key = tuple([stored[schema.position(c)] for c in columns])
        if not key_is_null(key, len(columns) > 1) and unique_index(data, columns).contains(key):
            raise unique_error(schema, columns, key)


def put_row(
    store: Store, data: TableData, stored: list[Any], victims: list[int]
) -> tuple[int, list[tuple[Any, ...]]]:
    """A cache table's write as one storage step (inside a statement of ``store``): append
    one row of stored, validated values and delete the live rows ``victims`` that make room
    for it, under one latch and with one undo record for the pair, so a rollback restores
    both exactly. Returns the new row id and the victims' stored rows.

    It tells no watcher and checks no constraint: the caller (:mod:`pyram.cache.put`) takes
    this path only for a table without FOREIGN KEYs either way, CHECKs or UNIQUE keys besides
    its primary key, which it found free under the statement, while no other watcher (change
    events, triggers, a durable log) needs to see the rows. Versions for open snapshots are
    published as for any write (the undo record's images are the victims' versions).
    """
    log = store.undo_log
    assert log is not None  # every write runs in a statement
    if not victims:  # most writes: the table had room (or a batch evicted before)
        log.record_put(data, victims, ())
        return data.put(stored, victims), []
    # the undo record's (and any snapshot's) copy of each victim
    images = data.rows(victims)
    log.record_put(data, victims, images)
    return data.put(stored, victims), images


def drop_rows(store: Store, data: TableData, rids: list[int]) -> list[tuple[Any, ...]]:
    """Delete the live rows ``rids`` of ``data`` (inside a statement of ``store``) as one
    storage step, the cache's expiry on a table :func:`put_row` serves (under the same
    conditions: no constraint to check, no watcher to tell); returns their stored rows. One
    undo record (the rows' images, published as versions for open snapshots like any
    delete's); compaction waits for the commit."""
    log = store.undo_log
    assert log is not None  # every write runs in a statement
    images = data.rows(rids)
    log.record_delete(data, rids, images)
    data.delete(rids, compact=False)
    return images
