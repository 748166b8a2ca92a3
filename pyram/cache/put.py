"""The cache's own write: store one row and evict the rows that make room for it, as one step.

``db.upsert`` of a new key into a full cache table (and a miss stored by ``db.get_or_load``)
is what a cache does most. Through the general write path it is two statements' worth of
work: the checked one-row insert, then the watcher's ``after_write`` finds the table over its
limit and deletes the victims through the checked delete (ON DELETE planning, row copies for
the watchers, a nested statement). :func:`put` does the same change as one storage operation
(:func:`~pyram.storage.put_row`): one statement, one latch, one undo record for the row and
its victims, victims chosen before the row goes in (so it is never one of them) and removed
from the primary-key index in one batch.

It applies only where the shortcut changes nothing anyone can observe (:func:`can_put`, and
the checks at the top of :func:`put`); anything else takes the general path:

- the table has no FOREIGN KEY either way (no parent to check, no ON DELETE action and no
  RESTRICT-held victim), no CHECK and no UNIQUE key but its primary key, no byte limit and
  a policy that evicts (``evict="none"`` refuses through the checked path);
- no other watcher of the store watches the table: no change-event subscriber, trigger or
  durable log needs its rows (they get them through the general path);
- the write is a statement of its own (no open transaction or statement of the thread) and
  no table keeps history.

What stays as it is: the write lock and the statement (a rollback of the statement, say a
failure half-way, undoes row, victims and bookkeeping together); expiry of due rows before
the write; snapshots (a reader open during the write makes the statement publish versions,
the victims' images included, exactly as for any write, so it keeps seeing them); the
eviction counters (counted at commit); the order of eviction (the policy's victims).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from pyram.cache.eviction import pick_victims
from pyram.cache.tracker import TableTracker
from pyram.catalog import Catalog
from pyram.storage import TableData, Watchers, differs, insert_row, put_row, validate_row

if TYPE_CHECKING:
    from pyram.cache.manager import CacheManager

__all__ = ["EVICT_BATCH", "can_put", "put", "unwatched"]

#: a full table evicts 1/EVICT_BATCH of its rows at once (at least one): about 1.5%
EVICT_BATCH = 64


def can_put(tracker: TableTracker, catalog: Catalog) -> bool:
    """True when ``tracker``'s table may take :func:`put` (the table-level conditions in the
    module docstring; the per-write ones are checked by :func:`put`)."""
    schema = tracker.data.schema
    policy = tracker.policy
    return (
        bool(tracker.key_types)
        and schema.row_class is not None
        and not schema.foreign_keys
        and not schema.checks
        and len(schema.uniques) == 1
        and policy.max_bytes is None
        and policy.evict != "none"
        and not catalog.referencing(schema.name)
    )


def put(
    manager: CacheManager, model: type, values: list[Any]
) -> Literal["insert", "update"] | None:
    """Upsert one row of user values (the columns of ``model``'s table, in order) by the
    cache's own path; None, having done nothing, when the general path must do it. The
    record API's hook for ``db.upsert`` (bound to its manager by ``functools.partial``: no
    call layer between)."""
    tracker = manager.by_model.get(model)
    if tracker is None or not tracker.puts:
        return None
    store = manager.store
    local = manager.thread_state
    if (
        local.txn is not None
        or local.depth
        or manager.max_bytes is not None
        or store.snapshots.history is not None
    ):
        return None
    if store.watcher is not manager and not unwatched(manager, tracker.name):
        return None
    key = values[tracker.key_column]
    if type(key) not in tracker.key_types:
        return None
    data = tracker.data
    # a bad value fails before anything changed
    stored = values if data.is_stored_row(values) else validate_row(data.schema, values)
    if store.before_access is not None:
        store.before_access()  # expires due rows first, as any write statement
    statement = store.autocommit()
    # open/close, not ``with``: nothing below opens a statement or a read, except the two
    # rare branches, which mark the thread as in a statement themselves (_nested)
    statement.open()
    try:
        done = _write(manager, tracker, data, key, values, stored)
    except BaseException:
        statement.close(failed=True)
        raise
    statement.close()
    return done


def _write(
    manager: CacheManager, tracker: TableTracker, data: TableData, key: Any,
    values: list[Any], stored: list[Any],
) -> Literal["insert", "update"]:
    """:func:`put`'s statement (the write lock held, the statement's undo log empty)."""
    store = manager.store
    rid = tracker.find(key)
    if rid is not None:  # an update
        if any(map(differs, stored, data.row(rid))):  # the general path's, in this statement
            with _nested(manager):
                if not store.update(data.schema.name, rid, values):
                    manager.rewrote(data.schema.row_class, data, rid)  # type: ignore[arg-type]
        else:  # the same values (a cache refreshed from its source): only the clock and rank
            manager.rewrote(data.schema.row_class, data, rid)  # type: ignore[arg-type]
        return "update"
    position = 0  # the statement's first record: the log starts empty
    victims: list[int] = []
    limit = tracker.policy.max_rows
    count = data.live_count + 1  # with the new row
    if limit is not None and count > limit:
        need = count - limit
        victims = pick_victims(tracker, max(need, count // EVICT_BATCH), set(), manager.rng)
        if len(victims) < need:  # no room to be made here: the checked path decides
            with _nested(manager):
                insert_row(store, data, values, position)
            return "insert"
    rid, images = put_row(store, data, stored, victims)
    undo = manager.undo
    if victims:
        tracker.forget(images, position, undo)
        manager.evicted.append((position, tracker, len(victims)))
    tracker.added(key, stored, manager.clock(), position, undo, rid)
    return "insert"


@contextmanager
def _nested(manager: CacheManager) -> Iterator[None]:
    """Mark the thread as in a statement (``thread_state.depth``) while a branch of
    :func:`_write` runs general write code, which may run nested statements or reads."""
    local = manager.thread_state
    local.depth += 1
    try:
        yield
    finally:
        local.depth -= 1


def unwatched(manager: CacheManager, table: str) -> bool:
    """True when of the store's watchers only ``manager`` watches ``table`` (no change-event
    subscriber, trigger or durable log needs its rows) and no table keeps history: the
    conditions under which the cache changes the table's rows in one storage step."""
    watcher = manager.store.watcher
    if manager.store.snapshots.history is not None:
        return False
    return watcher is manager or (isinstance(watcher, Watchers) and not any(
        other is not manager and other.watches(table) for other in watcher.watchers
    ))
