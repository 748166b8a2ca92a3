"""Durable databases: reopen round trips, DDL, model classes, the lock, closing, checkpoints."""

from __future__ import annotations

import datetime as dt
import decimal
import os
import shutil
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from models import AllTypes, Color, Level, Order, Ticket, User

import pyram
from pyram import Col, column
from pyram.persist.wal import HEADER


def _path(tmp_path: Path) -> str:
    return str(tmp_path / "app.pyram")


def _crash(db: pyram.Database) -> None:
    """Drop the database as a killed process would: no checkpoint, no final fsync."""
    assert db._durable is not None
    db._durable.abandon()


ALL_TYPES_ROWS = [
    AllTypes(id=1),  # every nullable column NULL
    AllTypes(
        id=2,
        i=-(2**62),
        f=-0.5,
        s="héllo ✓ \U0001f600",
        b=True,
        raw=b"\x00\xff\x10",
        dec=decimal.Decimal("-12345.678900"),
        day=dt.date(1999, 12, 31),
        ts=dt.datetime(2024, 2, 29, 23, 59, 59, 999999),
        tstz=dt.datetime(2024, 3, 31, 2, 30, tzinfo=ZoneInfo("Europe/Paris")),
        t=dt.time(12, 30, 1, 5),
        u=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        color=Color.GREEN,
        level=Level.HIGH,
        doc={"a": [1, 2.5, None, "x"], "b": {"c": True}},
    ),
    AllTypes(
        id=3,
        i=0,
        f=1e300,
        s="",
        b=False,
        raw=b"",
        dec=decimal.Decimal("0"),
        tstz=dt.datetime(2020, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
        doc=[],
    ),
]


@pytest.mark.parametrize("how", ["log", "checkpoint"])
def test_every_column_type_round_trips(tmp_path: Path, how: str) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.create(AllTypes)
    for row in ALL_TYPES_ROWS:
        db.insert(row)
    if how == "log":
        _crash(db)  # reopening replays the log
    else:
        db.close()  # reopening reads the checkpoint
    again = pyram.Database(path)
    again.create(AllTypes)
    got = again.all(AllTypes.select().order_by(AllTypes.id))
    assert got == ALL_TYPES_ROWS
    assert got[1].tstz.tzinfo == ZoneInfo("Europe/Paris")
    assert got[1].color is Color.GREEN and got[1].level is Level.HIGH
    again.close()


def test_sql_schema_views_triggers_and_indexes_come_back(tmp_path: Path) -> None:
    path = _path(tmp_path)
    with pyram.Database(path) as db:
        db.sql(
            "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT 'x', c REAL);"
            "CREATE TABLE log (a INTEGER, note TEXT);"
            "CREATE INDEX t_b ON t (b);"
            "CREATE VIEW big AS SELECT a, b FROM t WHERE c > 1;"
            "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN "
            "  INSERT INTO log VALUES (new.a, 'added; ok'); END;"
        )
        db.sql("INSERT INTO t (a, c) VALUES (1, 0.5), (2, 2.5)")
    with pyram.Database(path) as db:
        assert db.table_names() == ["t", "log"]
        assert db.view_names() == ["big"]
        assert db.sql("SELECT * FROM big").all() == [(2, "x")]
        assert db.sql("SELECT * FROM log ORDER BY a").all() == [(1, "added; ok"), (2, "added; ok")]
        assert [i.name for i in db.schema("t").indexes if i.name == "t_b"] == ["t_b"]
        db.sql("INSERT INTO t (a, c) VALUES (3, 9.0)")  # the trigger still fires
        assert db.sql("SELECT count(*) FROM log").scalar() == 3
        db.sql("DROP VIEW big")
        db.sql("DROP TRIGGER t_ins")
        db.sql("DROP TABLE log")
    with pyram.Database(path) as db:
        assert db.table_names() == ["t"]
        assert db.view_names() == []


def test_ddl_in_a_transaction_is_durable_only_when_committed(tmp_path: Path) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.sql("BEGIN; CREATE TABLE kept (x INTEGER); INSERT INTO kept VALUES (1); COMMIT")
    db.sql("BEGIN; CREATE TABLE gone (x INTEGER); INSERT INTO gone VALUES (1); ROLLBACK")
    _crash(db)
    db = pyram.Database(path)
    assert db.table_names() == ["kept"]
    assert db.sql("SELECT x FROM kept").all() == [(1,)]
    db.close()


def test_rolled_back_work_and_savepoints_are_not_logged(tmp_path: Path) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.create(User)
    with db.transaction():
        db.insert(User(id=1, name="a", age=1))
        with pytest.raises(ZeroDivisionError), db.transaction():
            db.insert(User(id=2, name="b", age=2))
            raise ZeroDivisionError
        db.insert(User(id=3, name="c", age=3))
    with pytest.raises(ZeroDivisionError), db.transaction():
        db.insert(User(id=4, name="d", age=4))
        raise ZeroDivisionError
    with pytest.raises(pyram.IntegrityError):
        db.sql("INSERT INTO user (id, name, age) VALUES (5, 'e', 5), (1, 'dup', 1)")
    _crash(db)
    db = pyram.Database(path)
    db.create(User)
    assert [u.id for u in db.all(User.select().order_by(User.id))] == [1, 3]
    db.close()


def test_updates_deletes_cascades_and_keyless_tables_replay(tmp_path: Path) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.create(User, Order, Ticket)
    db.sql("CREATE TABLE bag (v INTEGER, w TEXT)")  # no primary key: rows found by value
    for i in range(1, 6):
        db.insert(User(id=i, name=f"u{i}", age=i))
        db.insert(Order(id=i, user_id=i))
        db.insert(Ticket(id=i, assignee=i))
    db.sql("INSERT INTO bag VALUES (1, 'a'), (1, 'a'), (2, 'b')")
    db.insert(User(id=9, name="lonely", age=9))
    db.sql("UPDATE user SET id = id + 10 WHERE id = 9")  # a key change
    db.sql("UPDATE user SET age = age * 2")
    db.delete(User, 2)  # cascades to orders, sets the ticket's assignee NULL
    db.sql("UPDATE bag SET w = 'z' WHERE v = 1")
    db.sql("DELETE FROM bag WHERE v = 2")
    db.sql("INSERT INTO bag VALUES (1, 'z')")
    before = {t: sorted(db.sql(f"SELECT * FROM {t}").all(), key=repr) for t in db.table_names()}
    _crash(db)
    db = pyram.Database(path)
    after = {t: sorted(db.sql(f"SELECT * FROM {t}").all(), key=repr) for t in db.table_names()}
    assert after == before
    assert (2, None) in after["ticket"]
    db.close()


def test_unique_key_swap_in_one_update_replays(tmp_path: Path) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.sql("CREATE TABLE s (id INTEGER PRIMARY KEY, k INTEGER UNIQUE)")
    db.sql("INSERT INTO s VALUES (1, 1), (2, 2)")
    db.sql("UPDATE s SET k = 3 - k")
    _crash(db)
    db = pyram.Database(path)
    assert db.sql("SELECT * FROM s ORDER BY id").all() == [(1, 2), (2, 1)]
    db.close()


# ---------------------------------------------------------------------- model classes
def test_model_class_reattaches_with_its_checks(tmp_path: Path) -> None:
    path = _path(tmp_path)
    with pyram.Database(path) as db:
        db.create(User, Order)
        db.insert(User(id=1, name="ada", age=36))
        db.insert(Order(id=7, user_id=1, total=2.5))
    with pyram.Database(path) as db:
        assert db.table_names() == ["user", "orders"]  # back as plain tables
        db.create(User, Order)
        assert db.get(User, 1) == User(id=1, name="ada", age=36)
        assert db.all(Order.select()) == [Order(id=7, user_id=1, total=2.5)]
        with pytest.raises(pyram.IntegrityError):
            db.insert(User(id=2, name="neg", age=-1))  # the Python CHECK is back
        with pytest.raises(pyram.ProgrammingError, match="already exists"):
            db.create(User)
        db.delete(User, 1)  # the cascade still works
        assert db.count(Order) == 0


def test_model_class_that_does_not_match_is_refused(tmp_path: Path) -> None:
    path = _path(tmp_path)
    with pyram.Database(path) as db:
        db.create(User)
        db.insert(User(id=1, name="ada", age=36))

    @pyram.table(name="user")
    class Other(pyram.Table):
        id: Col[int] = column(primary_key=True)
        name: Col[int]

    @pyram.table(name="user")
    class Stricter(pyram.Table):
        id: Col[int] = column(primary_key=True)
        name: Col[str]
        age: Col[int] = column(check=lambda age: age > 100)
        email: Col[str | None] = column(unique=True, default=None)

    with pyram.Database(path) as db:
        with pytest.raises(pyram.SchemaMismatchError, match=r"app\.pyram does not match.*columns"):
            db.create(Other)
        with pytest.raises(pyram.SchemaMismatchError, match="a stored row fails the class"):
            db.create(Stricter)
        assert db.schema("user").row_class is None  # unchanged
        db.create(User)
        assert db.get(User, 1) is not None


# ---------------------------------------------------------------------- files and locks
def test_second_opener_gets_a_clear_lock_error(tmp_path: Path) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    with pytest.raises(pyram.PersistenceError, match=r"app\.pyram is locked"):
        pyram.Database(path)
    db.close()
    pyram.Database(path).close()  # free again once closed


def test_bad_durability_leaves_no_lock(tmp_path: Path) -> None:
    path = _path(tmp_path)
    with pytest.raises(pyram.ProgrammingError, match="unknown durability"):
        pyram.Database(path, durability="sometimes")  # type: ignore[arg-type]
    pyram.Database(path).close()


def test_close_checkpoints_and_empties_the_log(tmp_path: Path) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.create(User)
    db.insert(User(id=1, name="a", age=1))
    assert os.path.getsize(path + "-wal") > len(HEADER)
    db.close()
    db.close()  # twice is fine
    assert os.path.getsize(path + "-wal") == len(HEADER)
    assert db.get(User, 1) is not None  # reads still work
    with pytest.raises(pyram.OperationalError, match="closed"):
        db.insert(User(id=2, name="b", age=2))


def test_close_refuses_an_open_transaction(tmp_path: Path) -> None:
    db = pyram.Database(_path(tmp_path))
    tx = db.begin()
    with pytest.raises(pyram.OperationalError, match="transaction is open"):
        db.close()
    tx.rollback()
    db.close()


def test_in_memory_database_is_unchanged(tmp_path: Path) -> None:
    with pyram.Database() as db:
        assert db.path is None
        db.create(User)
        db.insert(User(id=1, name="a", age=1))
        db.checkpoint()  # a no-op
    assert list(tmp_path.iterdir()) == []


def test_log_size_triggers_checkpoints(tmp_path: Path) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path, checkpoint_size=2000)
    db.create(User)
    for i in range(200):
        db.insert(User(id=i, name=f"user {i}", age=i))
        assert os.path.getsize(path + "-wal") < 2000 + 200
    _crash(db)
    db = pyram.Database(path)
    db.create(User)
    assert db.count(User) == 200
    db.close()


def test_crash_after_checkpoint_rename_before_log_cut(tmp_path: Path) -> None:
    """The checkpoint is in place but the log still holds what it contains: replay skips it."""
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.create(User)
    for i in range(5):
        db.insert(User(id=i, name="x", age=i))
    old_log = Path(path + "-wal").read_bytes()
    db.checkpoint()
    db.insert(User(id=99, name="after", age=1))
    new_records = Path(path + "-wal").read_bytes()[len(HEADER) :]
    _crash(db)
    Path(path + "-wal").write_bytes(old_log + new_records)  # the cut never happened
    db = pyram.Database(path)
    db.create(User)
    assert sorted(u.id for u in db.all(User.select())) == [0, 1, 2, 3, 4, 99]
    db.close()


def test_crash_before_checkpoint_rename_keeps_the_old_one(tmp_path: Path) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.create(User)
    db.insert(User(id=1, name="x", age=1))
    _crash(db)
    Path(path + ".tmp").write_bytes(b"half a checkpoint")  # died while writing the next
    db = pyram.Database(path)
    db.create(User)
    assert db.count(User) == 1
    assert not os.path.exists(path + ".tmp")
    db.close()


def test_copied_files_reopen_elsewhere(tmp_path: Path) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.create(User)
    db.insert(User(id=1, name="x", age=1))
    _crash(db)
    other = tmp_path / "copy"
    other.mkdir()
    for suffix in ("", "-wal"):
        shutil.copy(path + suffix, str(other / "app.pyram") + suffix)
    db = pyram.Database(other / "app.pyram")
    db.create(User)
    assert db.count(User) == 1
    db.close()


# ---------------------------------------------------------------------- durability levels
class _FsyncSpy:
    """Counts os.fsync calls (and wakes a waiter on each)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import threading

        self.calls = 0
        self.event = threading.Event()
        real = os.fsync

        def spy(fd: int) -> None:
            self.calls += 1
            self.event.set()
            real(fd)

        monkeypatch.setattr(os, "fsync", spy)


def _commits_in_log(path: str) -> int:
    from pyram.persist.wal import scan

    return len(scan(Path(path + "-wal").read_bytes(), "log").records)


def test_full_fsyncs_every_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path, durability="full")
    db.create(User)
    spy = _FsyncSpy(monkeypatch)
    for i in range(5):
        db.insert(User(id=i, name="x", age=i))
    assert spy.calls == 5
    db.close()


def test_off_never_fsyncs_a_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path, durability="off")
    db.create(User)
    spy = _FsyncSpy(monkeypatch)
    for i in range(5):
        db.insert(User(id=i, name="x", age=i))
    assert spy.calls == 0
    assert _commits_in_log(path) == 5  # yet written to the operating system: a crash keeps it
    _crash(db)
    db = pyram.Database(path)
    db.create(User)
    assert db.count(User) == 5
    db.close()


def test_normal_writes_before_returning_and_fsyncs_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path, durability="normal")
    db.create(User)
    spy = _FsyncSpy(monkeypatch)
    db.insert(User(id=1, name="x", age=1))
    assert _commits_in_log(path) == 1  # in the file as soon as the commit returns
    assert spy.event.wait(30), "the background flusher never synced"
    db.close()
    db = pyram.Database(path)
    db.create(User)
    assert db.count(User) == 1
    db.close()


@pytest.mark.parametrize("durability", ["full", "normal"])
def test_database_dropped_without_close_frees_the_file(tmp_path: Path, durability: str) -> None:
    import gc

    path = _path(tmp_path)
    db = pyram.Database(path, durability=durability)  # type: ignore[arg-type]
    db.sql("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)")
    del db
    gc.collect()
    with pyram.Database(path) as again:  # the lock was released, the commit kept
        assert again.sql("SELECT a FROM t").all() == [(1,)]


def test_commits_from_many_threads_are_all_logged(tmp_path: Path) -> None:
    import threading

    path = _path(tmp_path)
    db = pyram.Database(path, durability="normal", checkpoint_size=4000)
    db.sql("CREATE TABLE t (thread INTEGER, i INTEGER, PRIMARY KEY (thread, i))")

    def work(thread: int) -> None:
        for i in range(40):
            with db.transaction(timeout=60):
                db.sql("INSERT INTO t VALUES (?, ?)", [thread, i])
                db.sql("INSERT INTO t VALUES (?, ?)", [thread, -1 - i])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _crash(db)
    with pyram.Database(path) as again:
        assert again.sql("SELECT count(*) FROM t").scalar() == 4 * 40 * 2


def test_import_into_a_durable_database_is_durable(tmp_path: Path) -> None:
    source = pyram.Database()
    source.create(User)
    source.insert(User(id=1, name="ada", age=36))
    source.sql("CREATE TABLE n (k INTEGER PRIMARY KEY, v TEXT CHECK (length(v) < 4))")
    source.sql("INSERT INTO n VALUES (1, 'abc')")
    exported = str(tmp_path / "export.snapshot")
    source.export(exported)
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.import_(exported, models=[User])
    _crash(db)
    with pyram.Database(path) as again:
        again.create(User)
        assert again.get(User, 1) == User(id=1, name="ada", age=36)
        with pytest.raises(pyram.IntegrityError):
            again.sql("INSERT INTO n VALUES (2, 'toolong')")  # the SQL CHECK came back too


def _failing_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyram.api.durable

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pyram.api.durable, "write_checkpoint", fail)


def test_failed_periodic_checkpoint_keeps_commits_going(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path, checkpoint_size=500)
    db.create(User)
    _failing_checkpoints(monkeypatch)
    for i in range(30):
        db.insert(User(id=i, name="x" * 20, age=i))  # the log passes 500 bytes: no error
    assert "checkpoint failed" in caplog.text
    _crash(db)
    monkeypatch.undo()
    db = pyram.Database(path)
    db.create(User)
    assert db.count(User) == 30
    db.close()


def test_failed_schema_checkpoint_stops_saving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _path(tmp_path)
    db = pyram.Database(path)
    db.sql("CREATE TABLE a (x INTEGER)")
    db.sql("INSERT INTO a VALUES (1)")
    _failing_checkpoints(monkeypatch)
    with pytest.raises(pyram.PersistenceError, match="checkpoint failed"):
        db.sql("CREATE TABLE b (x INTEGER)")
    with pytest.raises(pyram.PersistenceError, match="can no longer save changes"):
        db.sql("INSERT INTO a VALUES (2)")
    _crash(db)
    monkeypatch.undo()
    with pyram.Database(path) as again:  # back to the last durable state
        assert again.table_names() == ["a"]
        assert again.sql("SELECT x FROM a").all() == [(1,)]


def test_closed_database_refuses_checkpoints_and_ddl(tmp_path: Path) -> None:
    db = pyram.Database(_path(tmp_path))
    db.close()
    with pytest.raises(pyram.PersistenceError, match="closed"):
        db.checkpoint()
    with pytest.raises(pyram.PersistenceError, match="closed"):
        db.sql("CREATE TABLE late (x INTEGER)")


def test_a_failed_log_write_rolls_the_commit_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyram.persist.wal import WalWriter

    path = _path(tmp_path)
    db = pyram.Database(path)
    db.sql("CREATE TABLE a (x INTEGER PRIMARY KEY)")
    db.sql("INSERT INTO a VALUES (1)")

    def full_disk(self: WalWriter, seq: int, payload: bytes) -> None:
        raise pyram.PersistenceError("No space left on device", path=path)

    monkeypatch.setattr(WalWriter, "append", full_disk)
    with pytest.raises(pyram.PersistenceError), db.transaction():
        db.sql("INSERT INTO a VALUES (2)")
    # the log refused it before any reader could see it: memory matches the files
    assert db.sql("SELECT x FROM a").all() == [(1,)]
    with pytest.raises(pyram.PersistenceError):
        db.sql("INSERT INTO a VALUES (3)")  # autocommitted: the same
    assert db.sql("SELECT x FROM a").all() == [(1,)]
    assert not db.in_transaction
    _crash(db)
    monkeypatch.undo()
    with pyram.Database(path) as again:
        assert again.sql("SELECT x FROM a").all() == [(1,)]
