"""Transactions at the storage layer: the undo log, savepoints, deferred compaction, locking.

Every rollback must leave the store exactly as it was: column lists (dead slots included, packed
REAL arrays still packed), the alive bitmap, live counts, the catalogue, and indexes that agree
with a full scan.
"""

from __future__ import annotations

import threading
from array import array
from typing import Any

import pytest
from conftest import assert_indexes_agree, table_state
from models import Order, Review, Ticket, User

import pyram
from pyram import Col, column
from pyram.catalog import IndexSpec
from pyram.engine.batch import BATCH_SIZE
from pyram.errors import IntegrityError, OperationalError, ProgrammingError
from pyram.storage import Store
from pyram.storage.index_ddl import create_index, drop_index
from pyram.storage.table_data import COMPACT_MIN_DEAD


@pyram.table
class Note(pyram.Table):
    id: Col[int] = column(primary_key=True)
    text: Col[str] = column(index=True)


@pyram.table
class Reading(pyram.Table):
    id: Col[int] = column(primary_key=True)
    value: Col[float] = column(index=True)  # NOT NULL REAL: a packed array('d')
    label: Col[str | None] = column(default=None, index="hash")


Snapshot = dict[str, tuple[list[list[Any]], bytes, int, int]]


def exact(db: pyram.Database) -> Snapshot:
    """Every table's raw storage: columns with dead slots, the alive bitmap, counts."""
    out = {}
    for name in db.table_names():
        data = db._store.data(name)
        out[name] = (
            [list(col) for col in data.columns],
            bytes(data.alive),
            data.live_count,
            data.slot_count,
        )
    return out


def assert_restored(db: pyram.Database, before: Snapshot) -> None:
    assert exact(db) == before
    assert_indexes_agree(db)


def users(ids: range, age: int = 30) -> list[User]:
    return [User(id=i, name=f"u{i % 3}", age=age + i % 5, email=f"e{i}") for i in ids]


@pytest.fixture
def full(db: pyram.Database) -> pyram.Database:
    """Users 0..19 with orders (cascade), tickets (set null) and a few deleted rows."""
    db.insert_many(users(range(20)))
    db.insert_many(Order(id=i, user_id=i % 10, total=i * 1.5) for i in range(30))
    db.insert_many(Ticket(id=i, assignee=i % 4) for i in range(8))
    db.delete(User, 19)
    db.delete(Order, 29)
    return db


# --------------------------------------------------------------------------- each kind of change
def test_insert_rolled_back(full: pyram.Database) -> None:
    before = exact(full)
    store = full._store
    store.begin()
    full.insert(User(id=100, name="x", age=1))
    full.insert(Order(id=100, user_id=100))
    assert full.get(User, 100) is not None
    store.rollback()
    assert_restored(full, before)
    assert full.get(User, 100) is None and not store.in_transaction


@pytest.mark.parametrize("count", [2, 3000])  # few rows: per-row index removal; many: rebuild
def test_bulk_insert_rolled_back(full: pyram.Database, count: int) -> None:
    before = exact(full)
    data = full._store.data("user")
    memos = [None if m is None else dict(m) for m in data._memos]
    epoch = data.epoch
    full._store.begin()
    full.insert_many(users(range(1000, 1000 + count)))
    full.insert_many(users(range(5000, 5000 + count)))
    full._store.rollback()
    assert_restored(full, before)
    assert [None if m is None else dict(m) for m in data._memos] == memos  # memos shrink back
    assert data.epoch == epoch  # never-committed rows vanish: a running scan just ends sooner


def test_update_and_update_many_rolled_back(full: pyram.Database) -> None:
    before = exact(full)
    full._store.begin()
    full.update(User(id=3, name="changed", age=99, email="new@x"))
    full.update(User(id=3, name="twice", age=98, email=None))
    changed = full.execute(pyram.update(User).set(User.age, User.age + 1).where(User.age < 33), {})
    assert changed > 0
    # two rows swap unique keys in one statement
    full._store.update_many("user", [0, 1], [3], [["e1", "e0"]])
    full._store.rollback()
    assert_restored(full, before)


def test_delete_with_cascade_and_set_null_rolled_back(full: pyram.Database) -> None:
    before = exact(full)
    full._store.begin()
    assert full.execute(pyram.delete(User).where(User.id < 6), {}) == 6
    assert full.count(Order) < 29
    assert all(t.assignee is None or t.assignee >= 6 for t in full.all(Ticket.select()))
    full._store.rollback()
    assert_restored(full, before)
    assert full.get(Ticket, 1) == Ticket(id=1, assignee=1)


def test_deleted_values_come_back_as_the_same_objects(full: pyram.Database) -> None:
    data = full._store.data("user")
    rid = data.indexes["user_pkey"].get(7)
    assert rid is not None
    stored = data.row(rid)
    full._store.begin()
    full.delete(User, 7)
    assert data.row(rid) == (0, None, None, None)  # released (the packed key: 0)
    full._store.rollback()
    assert all(a is b for a, b in zip(data.row(rid), stored, strict=True))


def test_packed_real_columns_restored_as_stored() -> None:
    db = pyram.Database()
    db.create(Reading)
    db.insert_many(Reading(id=i, value=i / 4, label=f"l{i % 3}") for i in range(400))
    db.delete(Reading, 5)
    before = exact(db)
    store = db._store
    store.begin()
    db.insert_many(Reading(id=i, value=-1.0) for i in range(1000, 1300))
    db.execute(pyram.update(Reading).set(Reading.value, Reading.value * 2.0), {})
    db.execute(pyram.delete(Reading).where(Reading.id < 100), {})
    store.rollback()
    assert_restored(db, before)
    values = db._store.data("reading").columns[1]
    assert isinstance(values, array) and values.typecode == "d"


def test_create_table_rolled_back(db: pyram.Database) -> None:
    store = db._store
    names, version = db.table_names(), store.catalog_version
    store.begin()
    db.create(Note)
    db.insert(Note(id=1, text="hi"))
    assert db.table_names() == [*names, "note"]
    store.rollback()
    assert db.table_names() == names
    assert "note" not in store.catalog and store.catalog_version > version + 1
    with pytest.raises(ProgrammingError, match="no such table"):
        store.data("note")
    db.create(Note)  # the name is free again
    assert db.count(Note) == 0


def test_drop_table_rolled_back_exactly(full: pyram.Database) -> None:
    store = full._store
    before = exact(full)
    names = full.table_names()
    schemas = {n: store.catalog.get(n) for n in names}
    tables = {n: store.data(n) for n in names}
    store.begin()
    full.drop(Ticket)
    full.drop(Order, Review, User)
    assert full.table_names() == []
    full.create(User)  # a new table of the same name, then thrown away too
    full.insert(User(id=1, name="new", age=1))
    store.rollback()
    assert full.table_names() == names  # creation order kept
    for n in names:
        assert store.catalog.get(n) is schemas[n] and store.data(n) is tables[n]
        assert store.data(n).schema is schemas[n]
    assert_restored(full, before)
    full.delete(User, 1)  # foreign keys work again: cascade and set null
    assert full.get(Ticket, 1) == Ticket(id=1, assignee=None)


def test_a_failed_drop_changes_nothing(full: pyram.Database) -> None:
    store = full._store
    before, names = exact(full), full.table_names()
    store.begin()
    with pytest.raises(pyram.ProgrammingError, match="named twice"):
        store.drop(["ticket", "TICKET"])
    assert full.table_names() == names and store.data("ticket") is not None
    assert len(store.undo_log or ()) == 0
    store.commit()
    with pytest.raises(pyram.ProgrammingError, match="named twice"):  # outside one too
        store.drop(["ticket", "ticket"])
    assert full.table_names() == names
    assert_restored(full, before)


def test_a_scan_running_across_a_rollback_ends_instead_of_misreading() -> None:
    db = pyram.Database()
    db.create(Note)
    db._store.begin()
    db.insert_many(Note(id=i, text="t") for i in range(BATCH_SIZE * 2))
    rows = db.iter(Note.select())
    next(rows)
    db._store.rollback()  # the rows it is reading are gone
    assert len(list(rows)) == BATCH_SIZE - 1  # the rest of the batch in hand, then the end


def test_changes_to_a_table_before_its_drop_are_undone_too(full: pyram.Database) -> None:
    before = exact(full)
    store = full._store
    store.begin()
    full.insert(Ticket(id=50, assignee=None))
    full.delete(Ticket, 2)
    full.drop(Ticket)
    store.rollback()
    assert_restored(full, before)


def test_index_ddl_rolled_back(full: pyram.Database) -> None:
    store = full._store
    before, schema = exact(full), store.catalog.get("user")
    indexes = dict(store.data("user").indexes)
    store.begin()
    full.insert(User(id=100, name="x", age=1))
    create_index(store, "user", IndexSpec("user_name_idx", ("name",), "hash"))
    full.insert(User(id=101, name="y", age=1))
    drop_index(store, "user", "user_age_idx")
    full.delete(User, 5)
    store.rollback()
    assert store.catalog.get("user") is schema and store.data("user").schema is schema
    assert store.data("user").indexes == indexes
    assert_restored(full, before)


# --------------------------------------------------------------------------- commit and failures
def test_commit_keeps_changes(full: pyram.Database) -> None:
    store = full._store
    store.begin()
    full.insert(User(id=200, name="kept", age=5))
    full.delete(User, 0)
    full.create(Note)
    store.commit()
    assert not store.in_transaction and store.undo_log is None
    assert full.get(User, 200) is not None and full.get(User, 0) is None
    assert "note" in full.table_names()
    with pytest.raises(OperationalError, match="cannot rollback - no transaction is active"):
        store.rollback()
    assert_indexes_agree(full)


def test_failed_statement_inside_a_transaction_keeps_earlier_changes(
    full: pyram.Database,
) -> None:
    store = full._store
    before = exact(full)
    store.begin()
    full.insert(User(id=300, name="a", age=1, email="fresh"))
    full.insert(Review(id=1, user_id=300))
    middle = exact(full)
    log_size = len(store.undo_log or ())
    with pytest.raises(IntegrityError):
        full.insert_many([User(id=301, name="b", age=1), User(id=300, name="dup", age=1)])
    with pytest.raises(IntegrityError):
        full.insert(User(id=302, name="c", age=-1))  # CHECK
    with pytest.raises(IntegrityError):
        full._store.update_many("user", [0, 1], [3], [["same", "same"]])  # UNIQUE
    with pytest.raises(IntegrityError):
        full.insert(Review(id=2, user_id=999))  # FOREIGN KEY
    full.insert(Order(id=300, user_id=300))
    with pytest.raises(IntegrityError):
        full.delete(User, 300)  # RESTRICT via the review: the cascade to orders is not applied
    with pytest.raises(ProgrammingError):
        full.create(User)  # already exists
    full.delete(Order, 300)
    # the failures recorded nothing: an insert and a delete, one undo entry each (the entry's
    # before-images are the rows' versions too)
    assert len(store.undo_log or ()) == log_size + 2
    assert full.get(User, 300) is not None and full.get(Order, 300) is None
    assert exact(full)["user"] == middle["user"]  # ...and changed nothing
    assert full.get(User, 300) is not None
    store.rollback()
    assert_restored(full, before)


def _replace_then_fail(db: pyram.Database) -> None:
    """What INSERT OR REPLACE does: delete the rows in the way, then insert (which fails)."""
    store = db._store
    with store.statement():
        store.delete("user", [store.data("user").indexes["user_pkey"].get(1) or 0])
        db.insert_many([User(id=1, name="new", age=1), User(id=1000, name="bad", age=-1)])


def test_statement_block_is_all_or_nothing_outside_a_transaction(full: pyram.Database) -> None:
    before = exact(full)
    with pytest.raises(IntegrityError):
        _replace_then_fail(full)  # the delete cascaded to orders and set tickets to NULL
    assert_restored(full, before)
    assert not full._store.in_transaction and full._store.undo_log is None
    with full._store.statement():
        assert not full._store.in_transaction
        full.delete(User, 1)
        full.insert(User(id=1, name="new", age=1))
    assert full.get(User, 1) == User(id=1, name="new", age=1)
    assert full._store.undo_log is None


def test_statement_block_inside_a_transaction(full: pyram.Database) -> None:
    store = full._store
    store.begin()
    full.insert(User(id=1001, name="kept", age=1))
    middle = exact(full)
    with pytest.raises(IntegrityError):
        _replace_then_fail(full)
    assert exact(full) == middle and store.in_transaction
    with pytest.raises(OperationalError, match="within a transaction"):
        store.begin()
    store.commit()
    assert full.get(User, 1001) is not None


def test_no_transaction_starts_inside_a_statement(full: pyram.Database) -> None:
    store = full._store
    with store.statement():
        with pytest.raises(OperationalError, match="within a statement"):
            store.begin()
        with pytest.raises(OperationalError, match="within a statement"):
            store.savepoint("s")
        with pytest.raises(OperationalError, match="no transaction is active"):
            store.commit()
    assert not store.in_transaction


def test_statement_block_defers_compaction_to_its_end() -> None:
    db = pyram.Database()
    db.create(Note)
    n = COMPACT_MIN_DEAD * 3
    db.insert_many(Note(id=i, text="t") for i in range(n))
    data = db._store.data("note")
    with db._store.statement():
        db.execute(pyram.delete(Note).where(Note.id >= 10), {})
        assert data.slot_count == n
    assert data.slot_count == 10
    assert_indexes_agree(db)


# --------------------------------------------------------------------------- savepoints
def test_nested_savepoints(full: pyram.Database) -> None:
    store = full._store
    before = exact(full)
    store.begin()
    full.insert(User(id=400, name="a", age=1))
    store.savepoint("one")
    at_one = exact(full)
    full.insert(User(id=401, name="b", age=1))
    store.savepoint("two")
    at_two = exact(full)
    full.delete(User, 400)
    store.savepoint("three")
    full.update(User(id=401, name="bb", age=2))
    assert store.savepoints == ["one", "two", "three"]
    store.rollback_to("TWO")  # case-insensitive; "two" stays open, "three" is gone
    assert store.savepoints == ["one", "two"]
    assert full.get(User, 400) is not None and full.get(User, 401) == User(401, "b", 1)
    assert exact(full) == at_two
    full.delete(User, 401)
    store.release("two")  # keeps its change, inside "one"
    assert store.savepoints == ["one"] and full.get(User, 401) is None
    store.rollback_to("one")
    assert store.in_transaction
    assert full.get(User, 400) is not None and full.get(User, 401) is None
    store.savepoint("one")  # names may repeat: the newest wins
    full.insert(User(id=402, name="c", age=1))
    store.release("one")
    assert store.savepoints == ["one"] and full.get(User, 402) is not None
    store.rollback_to("one")
    assert exact(full) == at_one
    store.rollback()  # the outer transaction undoes everything, released savepoints included
    assert_restored(full, before)
    assert store.savepoints == []


def test_savepoint_outside_a_transaction_starts_one_and_release_commits(
    full: pyram.Database,
) -> None:
    store = full._store
    store.savepoint("outer")
    assert store.in_transaction
    full.insert(User(id=500, name="a", age=1))
    store.rollback_to("outer")  # the transaction stays open
    assert store.in_transaction and full.get(User, 500) is None
    full.insert(User(id=501, name="b", age=1))
    store.savepoint("inner")
    store.release("inner")
    assert store.in_transaction
    store.release("outer")  # the outermost savepoint of a SAVEPOINT-started transaction
    assert not store.in_transaction and full.get(User, 501) is not None


def test_release_after_begin_does_not_commit(full: pyram.Database) -> None:
    store = full._store
    before = exact(full)
    store.begin()
    store.savepoint("a")
    full.insert(User(id=600, name="a", age=1))
    store.release("a")
    assert store.in_transaction
    store.rollback()
    assert_restored(full, before)


def test_rollback_to_undoes_ddl(full: pyram.Database) -> None:
    store = full._store
    store.begin()
    store.savepoint("s")
    full.create(Note)
    full.insert(Note(id=1, text="x"))
    full.drop(Ticket)
    store.rollback_to("s")
    assert "note" not in store.catalog and "ticket" in store.catalog
    store.commit()
    assert full.get(Ticket, 3) == Ticket(id=3, assignee=3)


def test_error_messages() -> None:
    store = Store()
    with pytest.raises(OperationalError, match="cannot commit - no transaction is active"):
        store.commit()
    with pytest.raises(OperationalError, match="cannot rollback - no transaction is active"):
        store.rollback()
    with pytest.raises(OperationalError, match="no such savepoint: x"):
        store.release("x")
    with pytest.raises(OperationalError, match="no such savepoint: x"):
        store.rollback_to("x")
    store.begin()
    with pytest.raises(OperationalError, match="cannot start a transaction within a transaction"):
        store.begin()
    with pytest.raises(OperationalError, match="no such savepoint: y"):
        store.release("y")
    with pytest.raises(ProgrammingError, match="bad savepoint name"):
        store.savepoint("")
    assert store.in_transaction
    store.commit()
    # the failed begin gave back its extra hold on the lock; commit released begin's
    assert _locked_elsewhere(store) is False


# --------------------------------------------------------------------------- compaction
def test_compaction_waits_for_commit() -> None:
    db = pyram.Database()
    db.create(Note)
    n = COMPACT_MIN_DEAD * 3
    db.insert_many(Note(id=i, text=f"t{i % 7}") for i in range(n))
    data = db._store.data("note")
    before = exact(db)
    db._store.begin()
    db.execute(pyram.delete(Note).where(Note.id >= 100), {})
    assert data.slot_count == n and data.live_count == 100  # not compacted: rids stay put
    db._store.rollback()
    assert_restored(db, before)
    epoch = data.epoch
    db._store.begin()
    db.execute(pyram.delete(Note).where(Note.id >= 100), {})
    assert data.slot_count == n and data.epoch == epoch
    db._store.commit()
    assert data.slot_count == 100 and data.epoch > epoch  # compacted at commit
    assert_indexes_agree(db)
    assert [note.id for note in db.all(Note.select().order_by(Note.id))] == list(range(100))


def test_commit_does_not_compact_a_dropped_table() -> None:
    db = pyram.Database()
    db.create(Note)
    n = COMPACT_MIN_DEAD * 3
    db.insert_many(Note(id=i, text="t") for i in range(n))
    data = db._store.data("note")
    db._store.begin()
    db.execute(pyram.delete(Note).where(Note.id >= 10), {})
    db.drop(Note)
    db._store.commit()
    assert data.slot_count == n  # nobody can read it any more: left alone


# --------------------------------------------------------------------------- threads
def _locked_elsewhere(store: Store, timeout: float = 0.05) -> bool:
    """True when another thread cannot take the store's lock within ``timeout``."""
    result: list[bool] = []

    def probe() -> None:
        got = store.write_lock.acquire(timeout=timeout)
        if got:
            store.write_lock.release()
        result.append(not got)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return result[0]


def _in_thread(action: Any) -> BaseException | None:
    errors: list[BaseException | None] = [None]

    def run() -> None:
        try:
            action()
        except BaseException as exc:  # handed back to the test
            errors[0] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return errors[0]


def test_each_thread_has_its_own_transaction(full: pyram.Database) -> None:
    store = full._store
    store.begin()
    assert store.transaction_thread == threading.get_ident()
    for action in (store.commit, store.rollback, lambda: store.release("x")):
        error = _in_thread(action)
        assert isinstance(error, OperationalError)  # that thread has none open
    assert store.in_transaction
    assert not _locked_elsewhere(store)  # a transaction takes the write lock at its first write
    full.insert(User(id=710, name="w", age=1))
    assert _locked_elsewhere(store)
    store.commit()
    assert not _locked_elsewhere(store) and store.transaction_thread is None


def test_a_second_writer_times_out_with_database_is_locked(full: pyram.Database) -> None:
    store = full._store
    store.begin()
    full.insert(User(id=720, name="w", age=1))

    def second_writer() -> None:
        store.begin(timeout=0.05)  # beginning never waits
        try:
            full.insert(User(id=721, name="x", age=1))
        finally:
            store.rollback()

    error = _in_thread(second_writer)
    assert isinstance(error, OperationalError) and str(error) == "database is locked"
    error = _in_thread(lambda: (store.savepoint("s", timeout=0.05), full.delete(User, 1)))
    assert isinstance(error, OperationalError) and str(error) == "database is locked"
    store.rollback()


def test_default_lock_timeout_is_the_module_constant(
    full: pyram.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyram.storage.store_txn as txn_module

    assert txn_module.LOCK_TIMEOUT == 5.0
    monkeypatch.setattr(txn_module, "LOCK_TIMEOUT", 0.05)
    full._store.begin()
    full.insert(User(id=730, name="w", age=1))
    error = _in_thread(lambda: full.insert(User(id=731, name="x", age=1)))  # autocommit
    assert isinstance(error, OperationalError) and "locked" in str(error)
    full._store.commit()


def test_readers_do_not_wait_for_the_writer(full: pyram.Database) -> None:
    store = full._store
    store.begin()
    full.insert(User(id=700, name="late", age=1))
    seen: list[User | None] = []
    reader = threading.Thread(target=lambda: seen.append(full.get(User, 700)))
    reader.start()
    reader.join(10)
    assert not reader.is_alive() and seen == [None]  # answered at once, without the row
    store.commit()
    reader = threading.Thread(target=lambda: seen.append(full.get(User, 700)))
    reader.start()
    reader.join(10)
    assert seen[1] is not None and seen[1].name == "late"  # committed: now visible


def test_a_second_writer_waits_for_the_first_to_end(full: pyram.Database) -> None:
    store = full._store
    store.begin()
    full.insert(User(id=799, name="first", age=1))
    began, wrote = threading.Event(), threading.Event()

    def other() -> None:
        store.begin(timeout=10)
        began.set()
        full.insert(User(id=800, name="other", age=1))
        wrote.set()
        store.commit()

    thread = threading.Thread(target=other)
    thread.start()
    assert began.wait(10)  # beginning does not wait...
    assert not wrote.wait(0.1)  # ...its first write does
    store.commit()
    thread.join(10)
    assert wrote.is_set() and full.get(User, 800) is not None


# --------------------------------------------------------------------------- no transaction
def test_nothing_is_recorded_outside_a_transaction(full: pyram.Database) -> None:
    store = full._store
    full.insert(User(id=900, name="a", age=1))
    full.delete(User, 900)
    assert store.undo_log is None and not store.in_transaction and store.savepoints == []


def test_database_state_helper_agrees(full: pyram.Database) -> None:
    state = table_state(full)
    full._store.begin()
    full.execute(pyram.delete(User), {})
    full._store.rollback()
    assert table_state(full) == state
