"""Change events: delivered after commit, only for committed work, in commit order; vetoes."""

from __future__ import annotations

import threading

import pytest
from models import Order, User

import pyram
from pyram.txn import Change


@pytest.fixture
def db() -> pyram.Database:
    database = pyram.Database()
    database.create(User, Order)
    return database


def test_changes_arrive_after_commit_with_old_and_new_rows(db: pyram.Database) -> None:
    seen: list[Change] = []
    db.on_change(User, seen.append)
    with db.transaction():
        db.insert(User(id=1, name="ann", age=30))
        db.sql("UPDATE user SET age = 31 WHERE id = 1")
        assert seen == []  # nothing before the commit
    assert [(c.kind, c.table, c.old, c.new) for c in seen] == [
        ("insert", "user", None, User(id=1, name="ann", age=30)),
        ("update", "user", User(id=1, name="ann", age=30), User(id=1, name="ann", age=31)),
    ]
    db.delete(User, 1)  # outside a transaction: delivered when the statement ends
    assert seen[-1] == Change("delete", "user", User(id=1, name="ann", age=31), None)


def test_rolled_back_work_delivers_nothing(db: pyram.Database) -> None:
    seen: list[Change] = []
    commits: list[list[Change]] = []
    db.on_change(User, seen.append)
    db.on_commit(commits.append)
    with pytest.raises(KeyError), db.transaction():
        db.insert(User(id=1, name="ann", age=30))
        raise KeyError
    with db.transaction():
        db.insert(User(id=2, name="bob", age=40))
        with pytest.raises(KeyError), db.transaction():
            db.insert(User(id=3, name="cy", age=1))
            raise KeyError
    db.sql("BEGIN")
    db.sql("INSERT INTO user (id, name, age) VALUES (4, 'dee', 2)")
    db.sql("ROLLBACK")
    assert [c.new.id for c in seen] == [2]
    assert len(commits) == 1 and commits[0] == seen


def test_cascades_and_sql_tables_are_reported(db: pyram.Database) -> None:
    seen: list[Change] = []
    db.on_change(Order, seen.append)
    db.sql("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    notes: list[Change] = []
    db.on_change("note", notes.append)
    db.insert(User(id=1, name="ann", age=30))
    db.insert(Order(id=7, user_id=1, total=2.0))
    db.delete(User, 1)  # ON DELETE CASCADE removes the order
    assert [c.kind for c in seen] == ["insert", "delete"]
    db.sql("INSERT INTO note (body) VALUES ('hi')")
    assert notes == [Change("insert", "note", None, {"id": 1, "body": "hi"})]


def test_before_change_vetoes_and_the_transaction_rolls_back(db: pyram.Database) -> None:
    delivered: list[Change] = []
    db.on_change(User, delivered.append)

    def no_minors(change: Change) -> None:
        if change.new is not None and change.new.age < 18:
            raise ValueError("minor")

    unsubscribe = db.before_change(User, no_minors)
    with pytest.raises(ValueError, match="minor"), db.transaction():
        db.insert(User(id=1, name="ann", age=30))
        db.insert(User(id=2, name="kid", age=5))
    assert db.count(User) == 0 and delivered == []
    unsubscribe()
    db.insert(User(id=2, name="kid", age=5))
    assert db.count(User) == 1 and len(delivered) == 1


def test_a_failing_subscriber_does_not_stop_others(
    db: pyram.Database, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Change] = []

    def broken(change: Change) -> None:
        raise RuntimeError("boom")

    db.on_change(User, broken)
    db.on_change(User, seen.append)
    db.insert(User(id=1, name="ann", age=30))
    assert len(seen) == 1 and db.count(User) == 1
    assert "boom" in caplog.text


def test_commit_order_across_threads(db: pyram.Database) -> None:
    commits: list[list[Change]] = []
    db.on_commit(commits.append)

    def worker(base: int) -> None:
        for i in range(25):
            with db.transaction():
                key = base + i
                db.insert(User(id=key, name=f"u{key}", age=1))
                db.sql("UPDATE user SET age = age + 1 WHERE id = ?", [key])

    threads = [threading.Thread(target=worker, args=(t * 100,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(commits) == 100
    # each commit's events are its own transaction's, insert then update, never interleaved
    for changes in commits:
        assert [c.kind for c in changes] == ["insert", "update"]
        assert changes[0].new.id == changes[1].new.id
    assert db.count(User) == 100
