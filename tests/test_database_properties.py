"""Stateful property test: random writes against a plain-Python model of the database.

After every step the database must equal the model, every index must agree with a full scan,
and every constraint must hold. Rejected writes must leave everything unchanged.
"""

from __future__ import annotations

from typing import Any

from conftest import assert_indexes_agree
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from models import Order, User

import pyram

ids = st.integers(min_value=0, max_value=12)
ages = st.integers(min_value=-2, max_value=40)
emails = st.none() | st.sampled_from(["a@x", "b@x", "c@x", "d@x"])
users = st.builds(User, id=ids, name=st.sampled_from(["ann", "bob"]), age=ages, email=emails)


class DatabaseMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.db = pyram.Database()
        self.db.create(User, Order)
        self.users: dict[int, tuple[str, int, str | None]] = {}
        self.orders: dict[int, tuple[int, float]] = {}

    # --------------------------------------------------------------- model rules
    def _user_ok(self, u: User, replacing: int | None = None) -> bool:
        if u.age < 0:
            return False
        if u.email is None:
            return True
        return all(e != u.email for k, (_, _, e) in self.users.items() if k != replacing)

    def _expect(self, ok: bool, action: Any) -> Any:
        if ok:
            return action()
        try:
            action()
        except pyram.IntegrityError:
            return None
        raise AssertionError("a write that violates a constraint was accepted")

    # --------------------------------------------------------------- rules
    @rule(u=users)
    def insert_user(self, u: User) -> None:
        ok = u.id not in self.users and self._user_ok(u)
        self._expect(ok, lambda: self.db.insert(u))
        if ok:
            self.users[u.id] = (u.name, u.age, u.email)

    @rule(batch=st.lists(users, min_size=1, max_size=4))
    def insert_many_users(self, batch: list[User]) -> None:
        trial = dict(self.users)
        ok = True
        for u in batch:
            emails_taken = {e for (_, _, e) in trial.values() if e is not None}
            if u.id in trial or u.age < 0 or (u.email is not None and u.email in emails_taken):
                ok = False
                break
            trial[u.id] = (u.name, u.age, u.email)
        self._expect(ok, lambda: self.db.insert_many(batch))
        if ok:
            self.users = trial

    @rule(u=users)
    def update_user(self, u: User) -> None:
        exists = u.id in self.users
        ok = not exists or self._user_ok(u, replacing=u.id)
        result = self._expect(ok, lambda: self.db.update(u))
        if ok:
            assert result is exists
            if exists:
                self.users[u.id] = (u.name, u.age, u.email)

    @rule(u=users)
    def upsert_user(self, u: User) -> None:
        exists = u.id in self.users
        ok = self._user_ok(u, replacing=u.id if exists else None)
        result = self._expect(ok, lambda: self.db.upsert(u))
        if ok:
            assert result == ("update" if exists else "insert")
            self.users[u.id] = (u.name, u.age, u.email)

    @rule(user_id=ids)
    def delete_user(self, user_id: int) -> None:
        deleted = self.db.delete(User(id=user_id, name="", age=0))
        assert deleted is (user_id in self.users)
        self.users.pop(user_id, None)
        self.orders = {k: v for k, v in self.orders.items() if v[0] != user_id}  # cascade

    @rule(order_id=ids, user_id=ids, total=st.floats(min_value=0, max_value=100))
    def insert_order(self, order_id: int, user_id: int, total: float) -> None:
        ok = order_id not in self.orders and user_id in self.users
        self._expect(ok, lambda: self.db.insert(Order(id=order_id, user_id=user_id, total=total)))
        if ok:
            self.orders[order_id] = (user_id, total)

    @rule(order_id=ids, user_id=ids)
    def move_order(self, order_id: int, user_id: int) -> None:
        exists = order_id in self.orders
        ok = not exists or user_id in self.users
        total = self.orders[order_id][1] if exists else 0.0
        self._expect(ok, lambda: self.db.update(Order(id=order_id, user_id=user_id, total=total)))
        if ok and exists:
            self.orders[order_id] = (user_id, total)

    # --------------------------------------------------------------- invariants
    @invariant()
    def equals_model(self) -> None:
        assert self.db.count(User) == len(self.users)
        assert self.db.count(Order) == len(self.orders)
        for uid, (name, age, email) in self.users.items():
            assert self.db.get(User, uid) == User(id=uid, name=name, age=age, email=email)
        for oid, (user_id, total) in self.orders.items():
            assert self.db.get(Order, oid) == Order(id=oid, user_id=user_id, total=total)

    @invariant()
    def indexes_agree_and_constraints_hold(self) -> None:
        assert_indexes_agree(self.db)
        data = self.db._store.data("user")
        emails_seen = [data.columns[3][r] for r in data.live_rids() if data.columns[3][r]]
        assert len(emails_seen) == len(set(emails_seen))
        assert all(data.columns[2][r] >= 0 for r in data.live_rids())
        age_index = data.indexes["user_age_idx"]
        ordered_ages = [data.columns[2][r] for r in age_index.ordered()]  # type: ignore[union-attr]
        assert ordered_ages == sorted(data.columns[2][r] for r in data.live_rids())
        orders = self.db._store.data("orders")
        user_ids = set(self.users)
        assert all(orders.columns[1][r] in user_ids for r in orders.live_rids())


TestDatabaseMachine = DatabaseMachine.TestCase
