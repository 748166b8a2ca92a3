"""Stateful property test of transactions: random writes, DDL and transaction control.

A plain-Python model keeps the expected rows and, for SQLite's transaction semantics, a copy of
them at the start of the transaction and at each savepoint. After every step the store must hold
exactly the model's rows and tables, every index must agree with a full scan, and the store's
transaction state (open or not, savepoint names) must match the model's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import assert_indexes_agree, table_state
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from models import Order, Ticket, User

import pyram
from pyram import Col, column
from pyram.errors import IntegrityError, OperationalError


@pyram.table
class Memo(pyram.Table):
    id: Col[int] = column(primary_key=True)
    body: Col[str] = column(index=True)


ids = st.integers(min_value=0, max_value=6)
ages = st.integers(min_value=-1, max_value=30)
emails = st.none() | st.sampled_from(["a@x", "b@x", "c@x"])
user_rows = st.tuples(ids, st.sampled_from(["ann", "bob"]), ages, emails)
names = st.sampled_from(["a", "A", "b"])

UserRow = tuple[str, int, str | None]
Model = tuple[dict[int, UserRow], dict[int, tuple[int, float]], dict[int, int | None], Any]


class TransactionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.db = pyram.Database()
        self.db.create(User, Order, Ticket)
        self.store = self.db._store
        self.users: dict[int, UserRow] = {}
        self.orders: dict[int, tuple[int, float]] = {}
        self.tickets: dict[int, int | None] = {}
        self.memos: dict[int, str] | None = None  # None: table Memo does not exist
        self.in_txn = False
        self.implicit = False
        self.start: Model | None = None
        self.savepoints: list[tuple[str, Model]] = []

    @initialize()
    def seed(self) -> None:
        """Rows referencing each other, so deletes cascade and set NULL from the start."""
        self.db.insert_many(User(id=i, name="ann", age=i) for i in range(4))
        self.db.insert_many(Order(id=i, user_id=i % 4, total=1.0) for i in range(5))
        self.db.insert_many(Ticket(id=i, assignee=i % 4) for i in range(4))
        self.users = {i: ("ann", i, None) for i in range(4)}
        self.orders = {i: (i % 4, 1.0) for i in range(5)}
        self.tickets = {i: i % 4 for i in range(4)}

    # --------------------------------------------------------------- model helpers
    def _snapshot(self) -> Model:
        memos = None if self.memos is None else dict(self.memos)
        return dict(self.users), dict(self.orders), dict(self.tickets), memos

    def _restore(self, model: Model) -> None:
        users, orders, tickets, memos = model
        self.users, self.orders, self.tickets = dict(users), dict(orders), dict(tickets)
        self.memos = None if memos is None else dict(memos)

    def _expect(self, ok: bool, action: Callable[[], Any], error: type = IntegrityError) -> None:
        if ok:
            action()
            return
        try:
            action()
        except error:
            return
        raise AssertionError("an invalid operation was accepted")

    def _user_ok(self, uid: int, age: int, email: str | None, replacing: bool) -> bool:
        if age < 0:
            return False
        return email is None or all(
            e != email for k, (_, _, e) in self.users.items() if not (replacing and k == uid)
        )

    # --------------------------------------------------------------- writes
    @rule(row=user_rows)
    def insert_user(self, row: tuple[int, str, int, str | None]) -> None:
        uid, name, age, email = row
        ok = uid not in self.users and self._user_ok(uid, age, email, False)
        self._expect(ok, lambda: self.db.insert(User(id=uid, name=name, age=age, email=email)))
        if ok:
            self.users[uid] = (name, age, email)

    @rule(batch=st.lists(user_rows, min_size=1, max_size=5))
    def insert_users(self, batch: list[tuple[int, str, int, str | None]]) -> None:
        trial = dict(self.users)
        ok = True
        for uid, name, age, email in batch:
            taken = {e for (_, _, e) in trial.values() if e is not None}
            if uid in trial or age < 0 or (email is not None and email in taken):
                ok = False
                break
            trial[uid] = (name, age, email)
        rows = [User(id=i, name=n, age=a, email=e) for i, n, a, e in batch]
        self._expect(ok, lambda: self.db.insert_many(rows))
        if ok:
            self.users = trial

    @rule(row=user_rows)
    def update_user(self, row: tuple[int, str, int, str | None]) -> None:
        uid, name, age, email = row
        exists = uid in self.users
        ok = not exists or self._user_ok(uid, age, email, True)
        self._expect(ok, lambda: self.db.update(User(id=uid, name=name, age=age, email=email)))
        if ok and exists:
            self.users[uid] = (name, age, email)

    @rule(low=ids, email=emails)
    def set_emails(self, low: int, email: str | None) -> None:
        """UPDATE user SET email = ? WHERE id >= ?: update_many, unique checked at the end."""
        hit = [k for k in self.users if k >= low]
        others = {e for k, (_, _, e) in self.users.items() if k < low and e is not None}
        ok = email is None or not hit or (len(hit) == 1 and email not in others)
        statement = pyram.update(User).set(User.email, email).where(User.id >= low)
        self._expect(ok, lambda: self.db.execute(statement, {}))
        if ok:
            for k in hit:
                name, age, _ = self.users[k]
                self.users[k] = (name, age, email)

    @rule(uid=ids)
    def delete_user(self, uid: int) -> None:
        """Cascades to orders, sets tickets' assignee to NULL."""
        assert self.db.delete(User, uid) is (uid in self.users)
        self.users.pop(uid, None)
        self.orders = {k: v for k, v in self.orders.items() if v[0] != uid}
        self.tickets = {k: (None if a == uid else a) for k, a in self.tickets.items()}

    @rule(oid=ids, uid=ids, total=st.floats(min_value=0, max_value=10, allow_nan=False))
    def insert_order(self, oid: int, uid: int, total: float) -> None:
        ok = oid not in self.orders and uid in self.users
        self._expect(ok, lambda: self.db.insert(Order(id=oid, user_id=uid, total=total)))
        if ok:
            self.orders[oid] = (uid, total)

    @rule(tid=ids, assignee=st.none() | ids)
    def upsert_ticket(self, tid: int, assignee: int | None) -> None:
        ok = assignee is None or assignee in self.users
        self._expect(ok, lambda: self.db.upsert(Ticket(id=tid, assignee=assignee)))
        if ok:
            self.tickets[tid] = assignee

    @rule(uid=ids)
    def delete_orders_of(self, uid: int) -> None:
        self.db.execute(pyram.delete(Order).where(Order.user_id == uid), {})
        self.orders = {k: v for k, v in self.orders.items() if v[0] != uid}

    # --------------------------------------------------------------- DDL
    @rule()
    def create_memo(self) -> None:
        exists = self.memos is not None
        self._expect(not exists, lambda: self.db.create(Memo), pyram.ProgrammingError)
        if not exists:
            self.memos = {}

    @rule()
    def drop_memo(self) -> None:
        exists = self.memos is not None
        self._expect(exists, lambda: self.db.drop(Memo), pyram.ProgrammingError)
        self.memos = None

    @precondition(lambda self: self.memos is not None)
    @rule(mid=ids, body=st.sampled_from(["x", "y"]))
    def insert_memo(self, mid: int, body: str) -> None:
        assert self.memos is not None
        ok = mid not in self.memos
        self._expect(ok, lambda: self.db.insert(Memo(id=mid, body=body)))
        if ok:
            self.memos[mid] = body

    # --------------------------------------------------------------- transaction control
    @rule()
    def begin(self) -> None:
        self._expect(not self.in_txn, self.store.begin, OperationalError)
        if not self.in_txn:
            self.in_txn, self.implicit, self.start = True, False, self._snapshot()
            self.savepoints = []

    @rule(name=names)
    def savepoint(self, name: str) -> None:
        self.store.savepoint(name)
        if not self.in_txn:
            self.in_txn, self.implicit, self.start = True, True, self._snapshot()
            self.savepoints = []
        self.savepoints.append((name, self._snapshot()))

    def _find(self, name: str) -> int | None:
        for i in range(len(self.savepoints) - 1, -1, -1):
            if self.savepoints[i][0].lower() == name.lower():
                return i
        return None

    @rule(name=names)
    def release(self, name: str) -> None:
        i = self._find(name)
        self._expect(i is not None, lambda: self.store.release(name), OperationalError)
        if i is not None:
            del self.savepoints[i:]
            if self.implicit and i == 0:
                self.in_txn = False

    @rule(name=names)
    def rollback_to(self, name: str) -> None:
        i = self._find(name)
        self._expect(i is not None, lambda: self.store.rollback_to(name), OperationalError)
        if i is not None:
            del self.savepoints[i + 1 :]
            self._restore(self.savepoints[i][1])

    @rule()
    def commit(self) -> None:
        self._expect(self.in_txn, self.store.commit, OperationalError)
        self.in_txn = False
        self.savepoints = []

    @rule()
    def rollback(self) -> None:
        self._expect(self.in_txn, self.store.rollback, OperationalError)
        if self.in_txn:
            assert self.start is not None
            self._restore(self.start)
        self.in_txn = False
        self.savepoints = []

    # --------------------------------------------------------------- invariants
    @invariant()
    def store_equals_model(self) -> None:
        expected: dict[str, list[tuple[Any, ...]]] = {
            "user": [(k, *v) for k, v in self.users.items()],
            "orders": [(k, *v) for k, v in self.orders.items()],
            "ticket": list(self.tickets.items()),
        }
        if self.memos is not None:
            expected["memo"] = list(self.memos.items())
        expected = {name: sorted(rows, key=repr) for name, rows in expected.items()}
        assert table_state(self.db) == expected
        assert [s.name for s in self.store.catalog] == list(expected)  # creation order

    @invariant()
    def indexes_agree(self) -> None:
        assert_indexes_agree(self.db)

    @invariant()
    def transaction_state_matches(self) -> None:
        assert self.store.in_transaction is self.in_txn
        assert self.store.savepoints == [name for name, _ in self.savepoints]

    def teardown(self) -> None:
        if self.store.in_transaction:
            self.store.rollback()


TestTransactionMachine = TransactionMachine.TestCase
