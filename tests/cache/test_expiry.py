"""Expiry of cache tables with a fake clock: an expired row is invisible to every read path."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

import pyram
from pyram import Col, column


@pyram.table(ttl=dt.timedelta(seconds=10))
class Session(pyram.Table):
    id: Col[int] = column(primary_key=True)
    user: Col[str] = column(index=True)


@pyram.table
class Person(pyram.Table):
    name: Col[str] = column(primary_key=True)
    city: Col[str]


@pyram.table(ttl=10, expire_after="access")
class Token(pyram.Table):
    id: Col[int] = column(primary_key=True)


@pyram.table
class Invite(pyram.Table):
    code: Col[str] = column(primary_key=True)
    expires_at: Col[dt.datetime | None] = column(expires=True, default=None)


class FakeClock:
    """A clock tests move by hand: ``clock()`` is the time, ``clock.advance(s)`` moves it, so
    nothing sleeps."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_db(clock: Any) -> pyram.Database:
    db = pyram.Database(clock=clock)
    db.create(Session, Person, Token, Invite)
    db.insert_many([Person(name="ann", city="Oslo"), Person(name="bob", city="Rome")])
    db.insert(Session(id=1, user="ann"))
    clock.advance(5)
    db.insert(Session(id=2, user="bob"))
    return db


def test_every_read_path_hides_an_expired_row(clock: Any, tmp_path: Path) -> None:
    db = make_db(clock)
    clock.advance(5)  # session 1 is 10 s old: expired; session 2 is 5 s old
    assert db.get(Session, 1) is None
    assert db.get(Session, 2) == Session(id=2, user="bob")
    assert [s.id for s in db.all(Session.select())] == [2]
    assert db.all(Session.select().where(Session.user == "ann")) == []  # index lookup
    assert db.sql("SELECT id FROM session WHERE id = 1").all() == []  # point lookup
    assert db.sql("SELECT count(*) FROM session").scalar() == 1
    assert db.count(Session) == 1
    joined = db.sql(
        "SELECT p.city FROM person p JOIN session s ON s.user = p.name ORDER BY 1"
    ).all()
    assert joined == [("Rome",)]
    db.export(tmp_path / "out.jsonl", "json")
    text = (tmp_path / "out.jsonl").read_text()
    assert '"ann"' in text  # the person row is exported, the expired session is not
    loaded = pyram.Database.load(tmp_path / "out.jsonl", models=[Session, Person, Token, Invite])
    assert [s.id for s in loaded.all(Session.select())] == [2]


def test_the_row_is_gone_exactly_at_its_deadline(clock: Any) -> None:
    db = make_db(clock)
    clock.advance(4.999)
    assert db.get(Session, 1) is not None
    clock.advance(0.001)
    assert db.get(Session, 1) is None
    assert db.stats()["session"].expirations == 1


def test_a_write_restarts_the_clock(clock: Any) -> None:
    db = make_db(clock)
    clock.advance(4)
    db.update(Session(id=1, user="ann2"))
    clock.advance(9)
    assert db.get(Session, 1) == Session(id=1, user="ann2")
    clock.advance(1)
    assert db.get(Session, 1) is None


def test_expire_after_access_counts_point_reads(clock: Any) -> None:
    db = make_db(clock)
    db.insert(Token(id=7))
    for _ in range(5):
        clock.advance(8)
        assert db.get(Token, 7) == Token(id=7)  # each read restarts the ten seconds
    clock.advance(10)
    assert db.get(Token, 7) is None


def test_per_row_expiry_from_a_column(clock: Any) -> None:
    db = make_db(clock)
    now = dt.datetime.fromtimestamp(clock(), dt.UTC).replace(tzinfo=None)
    db.insert_many(
        [
            Invite(code="soon", expires_at=now + dt.timedelta(seconds=3)),
            Invite(code="later", expires_at=now + dt.timedelta(seconds=30)),
            Invite(code="never"),
        ]
    )
    clock.advance(3)
    assert sorted(i.code for i in db.all(Invite.select())) == ["later", "never"]
    db.update(Invite(code="later", expires_at=now))  # moved into the past: gone at once
    assert sorted(i.code for i in db.all(Invite.select())) == ["never"]
    clock.advance(10**6)
    assert db.get(Invite, "never") == Invite(code="never")


def test_a_snapshot_keeps_its_rows_and_the_next_one_does_not(clock: Any) -> None:
    db = make_db(clock)
    with db.transaction():
        assert db.count(Session) == 2
        clock.advance(20)  # both expire while the transaction is open
        assert db.count(Session) == 2  # its snapshot: removal is a later commit
        assert db.get(Session, 1) is not None
    assert db.count(Session) == 0
    with db.transaction():
        assert db.all(Session.select()) == []


def test_expiry_is_a_change_event(clock: Any) -> None:
    db = make_db(clock)
    seen: list[tuple[str, Any]] = []
    db.on_change(Session, lambda change: seen.append((change.kind, change.old)))
    clock.advance(5)
    assert db.get(Session, 2) is not None
    assert seen == [("expire", Session(id=1, user="ann"))]


def test_sweep_is_capped_per_call(clock: Any) -> None:
    db = pyram.Database(clock=clock)
    db.create(Session)
    db.insert_many([Session(id=i, user=f"u{i}") for i in range(50)])
    clock.advance(11)
    assert db.sweep(max_rows=20) == 20
    assert db.stats()["session"].rows == 30
    assert db.sweep(max_rows=20) == 20
    assert db.sweep(max_rows=20) == 10
    assert db.sweep() == 0


def test_background_sweeper_removes_rows_nobody_reads(clock: Any) -> None:
    db = pyram.Database(clock=clock)
    db.create(Session)
    db.insert_many([Session(id=i, user="u") for i in range(10)])
    clock.advance(11)
    db.start_sweeper(interval=0.01, max_rows=3)
    try:
        for _ in range(500):
            if db.stats()["session"].rows == 0:
                break
            time.sleep(0.01)
    finally:
        db.stop_sweeper()
    assert db.stats()["session"].rows == 0
    assert db.stats()["session"].expirations == 10


def test_sql_tables_take_a_with_clause(clock: Any) -> None:
    db = pyram.Database(clock=clock)
    db.sql(
        "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER, until REAL) "
        "WITH (ttl = 60, expires = 'until', expire_after = 'write')"
    )
    db.sql("INSERT INTO kv VALUES ('a', 1, NULL), ('b', 2, ?)", (clock() + 5,))
    clock.advance(5)
    assert db.sql("SELECT k FROM kv").all() == [("a",)]
    clock.advance(55)
    assert db.sql("SELECT k FROM kv").all() == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("ttl = 0", "ttl must be a positive"),
        ("evict = 'oldest'", "evict must be one of"),
        ("max_rows = 1.5", "max_rows must be a positive integer"),
        ("expires = 'v'", "expires column v must be"),
        ("expire_after = 'read', ttl = 5", "expire_after must be"),
        ("colour = 'red'", "unknown table option"),
    ],
)
def test_bad_options_are_refused_with_a_reason(options: str, message: str) -> None:
    db = pyram.Database()
    with pytest.raises(pyram.ProgrammingError, match=message):
        db.sql(f"CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT) WITH ({options})")
    assert db.table_names() == []


def test_a_model_cache_table_needs_a_primary_key() -> None:
    with pytest.raises(pyram.ProgrammingError, match="needs a primary key"):

        @pyram.table(ttl=5)
        class NoKey(pyram.Table):
            a: Col[int]


def test_durable_replay_keeps_expired_rows_out(clock: Any, tmp_path: Path) -> None:
    path = tmp_path / "cache.pyram"
    db = pyram.Database(path, clock=clock)
    db.create(Session)
    db.insert_many([Session(id=i, user="u") for i in range(3)])
    clock.advance(5)
    db.insert(Session(id=9, user="late"))
    clock.advance(6)  # the first three expire, logged as deletes
    assert db.count(Session) == 1
    db.close()
    again = pyram.Database(path, clock=clock)
    again.create(Session)
    assert [s.id for s in again.all(Session.select())] == [9]
    clock.advance(10)  # rows read back restart their clock at open time
    assert again.get(Session, 9) is None
    again.close()


def test_a_durable_sql_cache_table_keeps_its_options(clock: Any, tmp_path: Path) -> None:
    path = tmp_path / "sql.pyram"
    db = pyram.Database(path, clock=clock)
    db.sql("CREATE TABLE s (k TEXT PRIMARY KEY, v INTEGER) WITH (ttl = 30, max_rows = 5)")
    db.sql("INSERT INTO s VALUES ('a', 1)")
    db.close()
    again = pyram.Database(path, clock=clock)
    assert again.schema("s").cache == db.schema("s").cache
    again.checkpoint()
    again.close()
    third = pyram.Database(path, clock=clock)
    assert third.sql("SELECT * FROM s").all() == [("a", 1)]
    clock.advance(30)
    assert third.sql("SELECT * FROM s").all() == []
    third.close()


def test_a_model_may_change_its_ttl_without_a_migration(clock: Any, tmp_path: Path) -> None:
    path = tmp_path / "model.pyram"
    db = pyram.Database(path, clock=clock)
    db.create(Session)
    db.insert(Session(id=1, user="u"))
    db.close()

    @pyram.table(name="session", ttl=1000)
    class LongSession(pyram.Table):
        id: Col[int] = column(primary_key=True)
        user: Col[str] = column(index=True)

    again = pyram.Database(path, clock=clock)
    again.create(LongSession)
    clock.advance(100)
    assert again.get(LongSession, 1) == LongSession(id=1, user="u")
    again.close()


def test_a_read_never_fails_on_a_writer_holding_the_lock(
    clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from pyram.storage import store_txn

    monkeypatch.setattr(store_txn, "LOCK_TIMEOUT", 0.2)
    db = make_db(clock)
    writing, release = threading.Event(), threading.Event()

    def writer() -> None:
        with db.transaction():
            db.insert(Person(name="cy", city="Bergen"))  # takes the write lock
            writing.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    writing.wait(10)
    clock.advance(5)  # session 1 is due now, but its removal needs the lock
    try:
        assert db.get(Session, 1) == Session(id=1, user="ann")  # read on, no error
    finally:
        release.set()
        thread.join()
    assert db.get(Session, 1) is None  # removed at the next access


def test_alter_and_drop_keep_the_bookkeeping_right(clock: Any) -> None:
    db = pyram.Database(clock=clock)
    db.sql("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER) WITH (ttl = 10, max_rows = 2)")
    db.sql("INSERT INTO kv VALUES ('a', 1), ('b', 2)")
    db.sql("ALTER TABLE kv ADD COLUMN note TEXT")  # the table is rebuilt: rows start over
    assert db.schema("kv").cache is not None
    db.sql("INSERT INTO kv VALUES ('c', 3, NULL)")  # still bounded: one goes
    assert db.sql("SELECT count(*) FROM kv").scalar() == 2
    clock.advance(10)
    assert db.sql("SELECT count(*) FROM kv").scalar() == 0
    db.sql("DROP TABLE kv")
    assert db._store.before_access is None  # no cache table left: reads pay nothing
    db.sql("CREATE TABLE kv (k TEXT PRIMARY KEY)")
    db.sql("INSERT INTO kv VALUES ('a'), ('b'), ('c')")
    clock.advance(100)
    assert db.sql("SELECT count(*) FROM kv").scalar() == 3
