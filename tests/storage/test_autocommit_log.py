"""The autocommitted statement's commit and undo log (Store.autocommit, the cache's write).

A commit with no reader about stamps the commit and dates the table, nothing more; the undo
log of a statement that published nothing is reopened for the next one. Each test checks
what a reader or a later writer would see if either went wrong: versions kept or lost, a
stale entry published, a stamp already committed, a rollback that left rows behind.
"""

from __future__ import annotations

import pytest

import pyram
from pyram import Col, column
from pyram.storage import Store, count_in_view


@pyram.table
class Item(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]


def _store() -> tuple[pyram.Database, Store]:
    db = pyram.Database()
    db.create(Item)
    return db, db._store


def test_a_commit_without_readers_stamps_dates_and_keeps_nothing() -> None:
    db, store = _store()
    data = store.data("item")
    first = store.snapshots.last_commit
    with store.autocommit() as log:
        store.insert_row("item", [1, "a"])
    assert store.snapshots.last_commit == first + 1
    assert log.stamp.commit_ts == first + 1 and log.sealed and not log.publishing
    assert data.commit_ts == first + 1  # what first-committer-wins compares against
    assert not data.versioned and not store.snapshots._retained
    assert db.get(Item, 1) == Item(1, "a")


def test_the_log_of_a_statement_that_published_nothing_serves_the_next() -> None:
    db, store = _store()
    with store.autocommit() as first:
        store.insert_row("item", [1, "a"])
    with store.autocommit() as second:
        # reopened: empty, its stamp not committed, open to records again
        assert second is first
        assert len(second) == 0 and second.stamp.commit_ts is None and not second.sealed
        store.insert_row("item", [2, "b"])
    assert second.stamp.commit_ts == store.snapshots.last_commit
    assert [db.get(Item, k) for k in (1, 2)] == [Item(1, "a"), Item(2, "b")]


def test_a_statement_a_reader_saw_gets_a_fresh_log_and_the_reader_its_snapshot() -> None:
    _db, store = _store()
    data = store.data("item")
    with store.autocommit():
        store.insert_row("item", [1, "a"])
    with store.autocommit() as seen:
        store.insert_row("item", [2, "b"])
        view = store.snapshots.open_view()  # a reader arrives: the writer publishes
    assert seen.publishing
    with store.autocommit() as after:
        assert after is not seen  # its versions refer to its stamp: never reused
        store.insert_row("item", [3, "c"])
    with store.autocommit() as again:
        store.insert_row("item", [4, "d"])
    assert count_in_view(data, view) == 1  # only what was committed when it opened
    store.snapshots.close_view(view)
    assert not data.versioned  # the versions kept for it went with it
    assert again is not seen and count_in_view(data, None) == 4


def test_a_rolled_back_statement_leaves_the_table_as_it_was_and_the_log_reusable() -> None:
    db, store = _store()
    with store.autocommit() as first:
        store.insert_row("item", [1, "a"])
    with pytest.raises(RuntimeError), store.autocommit():
        store.insert_row("item", [2, "b"])
        raise RuntimeError("undo it")
    assert db.get(Item, 2) is None and db.count(Item) == 1
    with store.autocommit() as log:
        assert log is first and len(log) == 0
        store.insert_row("item", [2, "c"])
    assert db.get(Item, 2) == Item(2, "c")


def test_a_late_publish_of_a_committed_log_publishes_nothing() -> None:
    # a reader that took the writer's log just before the commit publishes it late: the
    # log is sealed, so no committed row becomes a version of an uncommitted stamp
    _db, store = _store()
    data = store.data("item")
    with store.autocommit() as log:
        store.insert_row("item", [1, "a"])
    log.publish()
    assert not log.publishing and not data.versioned
    with store.autocommit() as reused:
        assert reused is log
        store.insert_row("item", [2, "b"])
    assert count_in_view(data, None) == 2 and not data.versioned
