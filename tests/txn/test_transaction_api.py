"""The transaction API: with-blocks, nesting as savepoints, begin/commit/rollback, read-only."""

from __future__ import annotations

import threading

import pytest
from models import Order, User

import pyram


@pytest.fixture
def db() -> pyram.Database:
    database = pyram.Database()
    database.create(User, Order)
    database.insert(User(id=1, name="ann", age=30))
    return database


def names(db: pyram.Database) -> list[str]:
    return [u.name for u in db.all(User.select().order_by(User.id))]


def test_block_commits_on_success_and_rolls_back_on_error(db: pyram.Database) -> None:
    with db.transaction() as tx:
        db.insert(User(id=2, name="bob", age=40))
        assert db.in_transaction and tx.state == "active"
    assert tx.state == "committed" and names(db) == ["ann", "bob"]
    with pytest.raises(ZeroDivisionError), db.transaction() as tx2:
        db.insert(User(id=3, name="cy", age=1))
        db.sql("DELETE FROM user WHERE id = 1")
        _ = 1 / 0
    assert tx2.state == "rolled back" and names(db) == ["ann", "bob"]
    assert not db.in_transaction


def test_nested_blocks_are_savepoints(db: pyram.Database) -> None:
    with db.transaction():
        db.insert(User(id=2, name="bob", age=40))
        with pytest.raises(ValueError), db.transaction() as inner:
            db.insert(User(id=3, name="cy", age=1))
            assert inner.nested
            raise ValueError
        with db.transaction():
            db.insert(User(id=4, name="dee", age=2))
        assert names(db) == ["ann", "bob", "dee"]
    assert names(db) == ["ann", "bob", "dee"]


def test_begin_commit_rollback_objects(db: pyram.Database) -> None:
    tx = db.begin()
    db.insert(User(id=2, name="bob", age=40))
    tx.rollback()
    assert names(db) == ["ann"]
    with pytest.raises(pyram.ProgrammingError, match="rolled back"):
        tx.commit()
    tx = db.begin(isolation="snapshot")
    db.insert(User(id=2, name="bob", age=40))
    tx.commit()
    assert names(db) == ["ann", "bob"] and repr(tx) == "<transaction snapshot committed>"


def test_rollback_undoes_ddl_and_the_facade_forgets_stale_handles(db: pyram.Database) -> None:
    assert db.get(User, 1) is not None
    with pytest.raises(RuntimeError), db.transaction():
        db.drop(Order, User)
        db.create(User)
        assert db.get(User, 1) is None
        raise RuntimeError
    assert db.get(User, 1) == User(id=1, name="ann", age=30)
    assert db.table_names() == ["user", "orders"]


def test_read_only_transactions_refuse_writes(db: pyram.Database) -> None:
    with db.transaction(read_only=True):
        assert names(db) == ["ann"]
        for write in (
            lambda: db.insert(User(id=2, name="x", age=1)),
            lambda: db.sql("UPDATE user SET age = 1"),
            lambda: db.sql("CREATE TABLE t (a INTEGER)"),
        ):
            with pytest.raises(pyram.OperationalError, match="read-only"):
                write()
        with pytest.raises(pyram.ProgrammingError, match="read-only"):
            db.transaction()
    db.insert(User(id=2, name="bob", age=40))  # writable again afterwards


def test_bad_arguments(db: pyram.Database) -> None:
    with pytest.raises(pyram.ProgrammingError, match="unknown isolation level"):
        db.transaction("chaos")  # type: ignore[arg-type]
    with db.transaction(), pytest.raises(pyram.ProgrammingError, match="enclosing level"):
        db.transaction("read_committed")


def test_another_writer_waits_then_times_out(db: pyram.Database) -> None:
    outcome: list[str] = []
    with db.transaction():
        db.insert(User(id=2, name="bob", age=40))

        def other() -> None:
            try:
                with db.transaction(timeout=0.2):  # beginning and reading never wait
                    outcome.append(str(db.count(User)))
                    db.insert(User(id=3, name="eve", age=30))  # writing waits for the lock
            except pyram.OperationalError as exc:
                outcome.append(str(exc))

        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
    assert outcome == ["1", "database is locked"]  # it saw only committed rows, then timed out
    assert issubclass(pyram.SerializationFailure, pyram.OperationalError)
