"""Stateful property test: interleaved transactions against a model of committed work.

Three sessions (each a thread: a transaction belongs to its thread) begin, read, insert,
update, delete, commit and roll back in an order hypothesis chooses, at any isolation level.
A small model replays the rules of docs/transactions.md: what each session's snapshot holds,
when a write must wait for another writer (the tests use a zero lock timeout, so it fails at
once with "database is locked"), when first-committer-wins or serializable validation must
raise SerializationFailure. After every step the database must equal the model's committed
state, every read must equal the model's view for that session, and every index must agree
with a scan.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import attrs
from conftest import assert_indexes_agree
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import pyram

LEVELS = ("read_committed", "snapshot", "serializable")
KEYS = st.integers(0, 3)
KINDS = st.sampled_from(("insert", "update", "delete"))
VALUES = st.integers(-5, 5)
SESSIONS = st.sampled_from(("a", "b", "c"))


class Worker:
    """A thread running the calls handed to it, one at a time, returning each outcome."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[Callable[[], Any] | None] = queue.Queue()
        self.outbox: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (call := self.inbox.get()) is not None:
            try:
                self.outbox.put((call(), None))
            except pyram.Error as exc:
                self.outbox.put((None, exc))

    def call(self, fn: Callable[[], Any]) -> tuple[Any, BaseException | None]:
        self.inbox.put(fn)
        return self.outbox.get(timeout=30)

    def stop(self) -> None:
        self.inbox.put(None)
        self.thread.join(10)


@attrs.define
class SessionModel:
    """What the model knows of one open transaction."""

    level: str
    snap: dict[int, int]
    snap_ts: int
    own: dict[int, int | None] = attrs.field(factory=dict)  # key -> value, None: deleted
    writer: bool = False
    read: bool = False


class Transactions(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.db = pyram.Database()
        self.db.sql("CREATE TABLE kv (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
        self.db.sql("CREATE INDEX kv_v ON kv (v)")
        self.workers = {name: Worker() for name in ("a", "b", "c", "auto")}
        self.tx: dict[str, pyram.Transaction] = {}
        self.sessions: dict[str, SessionModel] = {}
        self.committed: dict[int, int] = {}
        self.key_ts: dict[int, int] = {}  # commit time of each key's newest change
        self.table_ts = 0  # commit time of the newest change to the table
        self.clock = 0
        # rows to start with, so that snapshots hold rows others can change under them
        self.db.sql("INSERT INTO kv VALUES (0, 0), (1, 1), (2, 2)")
        self.committed = {0: 0, 1: 1, 2: 2}

    def teardown(self) -> None:
        for name, tx in list(self.tx.items()):
            self.workers[name].call(tx.rollback)
        for worker in self.workers.values():
            worker.stop()

    # ------------------------------------------------------------------ model helpers
    def view(self, name: str) -> dict[int, int]:
        session = self.sessions[name]
        base = dict(self.committed if session.level == "read_committed" else session.snap)
        for key, value in session.own.items():
            if value is None:
                base.pop(key, None)
            else:
                base[key] = value
        return base

    def newest(self, name: str) -> dict[int, int]:
        """The newest state as the writer ``name`` sees it: committed work plus its own."""
        base = dict(self.committed)
        for key, value in self.sessions[name].own.items():
            if value is None:
                base.pop(key, None)
            else:
                base[key] = value
        return base

    def expect_writer(self, name: str) -> str | None:
        """Make ``name`` the writer as the store would; the error expected instead, if any."""
        session = self.sessions[name]
        if session.writer:
            return None
        if any(s.writer for n, s in self.sessions.items() if n != name):
            return "OperationalError"
        if session.level == "read_committed" or not session.read:
            session.snap, session.snap_ts = dict(self.committed), self.clock
        elif session.level == "serializable" and self.table_ts > session.snap_ts:
            return "SerializationFailure"
        session.writer = True
        return None

    def conflicts(self, name: str, key: int) -> bool:
        session = self.sessions[name]
        return session.level != "read_committed" and self.key_ts.get(key, 0) > session.snap_ts

    def run(self, name: str, fn: Callable[[], Any]) -> tuple[Any, str | None]:
        value, error = self.workers[name].call(fn)
        return value, None if error is None else type(error).__name__

    # ------------------------------------------------------------------ rules
    @rule(name=SESSIONS, level=st.sampled_from(LEVELS))
    def begin(self, name: str, level: str) -> None:
        if name in self.tx:
            return
        tx, error = self.run(name, lambda: self.db.begin(level, timeout=0))  # type: ignore[arg-type]
        assert error is None
        self.tx[name] = tx
        self.sessions[name] = SessionModel(level, dict(self.committed), self.clock)

    @precondition(lambda self: bool(self.tx))
    @rule(data=st.data())
    def read(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.tx)))
        expected = self.view(name)
        key = data.draw(KEYS)
        db = self.db

        def reads() -> tuple[Any, ...]:
            scan = dict(db.sql("SELECT k, v FROM kv").all())
            ranged = db.sql("SELECT k, v FROM kv WHERE v >= -3 ORDER BY v, k").all()
            point = db.sql("SELECT v FROM kv WHERE k = ?", [key]).scalar()
            return scan, ranged, point, db.sql("SELECT count(*) FROM kv").scalar()

        (scan, ranged, point, count), error = self.run(name, reads)
        assert error is None
        assert scan == expected
        in_range = [(k, v) for k, v in expected.items() if v >= -3]
        assert ranged == sorted(in_range, key=lambda kv: (kv[1], kv[0]))
        assert point == expected.get(key)
        assert count == len(expected)
        self.sessions[name].read = True

    @precondition(lambda self: bool(self.tx))
    @rule(data=st.data(), key=KEYS, value=VALUES, kind=KINDS)
    def write(self, data: st.DataObject, key: int, value: int, kind: str) -> None:
        name = data.draw(st.sampled_from(sorted(self.tx)))
        session = self.sessions[name]
        sql = {
            "insert": ("INSERT INTO kv VALUES (?, ?)", [key, value]),
            "update": ("UPDATE kv SET v = ? WHERE k = ?", [value, key]),
            "delete": ("DELETE FROM kv WHERE k = ?", [key]),
        }[kind]
        expected_error = self.expect_writer(name)
        result, error = self.run(name, lambda: self.db.sql(*sql).rowcount)
        if expected_error is not None:
            assert error == expected_error
            return
        newest = self.newest(name)
        if kind == "insert":
            if key in newest:
                assert error == "IntegrityError"
                return
            if key in self.view(name) and self.conflicts(name, key):
                # its snapshot still holds the key, deleted by a later commit: a conflict
                assert error == "SerializationFailure"
                return
            assert error is None and result == 1
            session.own[key] = value
            return
        session.read = True  # the statement scanned the table
        visible = self.view(name)
        if key not in visible:
            assert error is None and result == 0
            return
        if self.conflicts(name, key):
            assert error == "SerializationFailure"
            return
        assert error is None and result == 1
        if kind == "delete":
            session.own[key] = None
        elif newest.get(key) != value:
            session.own[key] = value

    @precondition(lambda self: not any(s.writer for s in self.sessions.values()))
    @rule(key=KEYS, value=VALUES, kind=KINDS)
    def autocommit(self, key: int, value: int, kind: str) -> None:
        """A statement outside any transaction: committed at once, under others' snapshots."""
        sql = {
            "insert": ("INSERT INTO kv VALUES (?, ?)", [key, value]),
            "update": ("UPDATE kv SET v = ? WHERE k = ?", [value, key]),
            "delete": ("DELETE FROM kv WHERE k = ?", [key]),
        }[kind]
        result, error = self.run("auto", lambda: self.db.sql(*sql).rowcount)
        present = key in self.committed
        if kind == "insert" and present:
            assert error == "IntegrityError"
            return
        assert error is None
        assert result == (1 if present or kind == "insert" else 0)
        if not result or (kind == "update" and self.committed[key] == value):
            return
        self.clock += 1
        self.key_ts[key] = self.table_ts = self.clock
        if kind == "delete":
            del self.committed[key]
        else:
            self.committed[key] = value

    @precondition(lambda self: bool(self.tx))
    @rule(data=st.data())
    def commit(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.tx)))
        session = self.sessions.pop(name)
        tx = self.tx.pop(name)
        _, error = self.run(name, tx.commit)
        if not session.writer:
            assert error is None
            return
        if session.level == "serializable" and session.read and self.table_ts > session.snap_ts:
            assert error == "SerializationFailure"
            return
        assert error is None
        self.clock += 1
        for key, value in session.own.items():
            self.key_ts[key] = self.clock  # each key it wrote carries this commit's version
            if value is None:
                self.committed.pop(key, None)
            else:
                self.committed[key] = value
        if session.own:
            self.table_ts = self.clock

    @precondition(lambda self: bool(self.tx))
    @rule(data=st.data())
    def rollback(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.tx)))
        del self.sessions[name]
        _, error = self.run(name, self.tx.pop(name).rollback)
        assert error is None

    @invariant()
    def committed_state_matches(self) -> None:
        assert dict(self.db.sql("SELECT k, v FROM kv").all()) == self.committed
        assert_indexes_agree(self.db)


TestTransactions = Transactions.TestCase
