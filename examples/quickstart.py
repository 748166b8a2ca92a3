"""PyRAM quickstart: declare typed tables, write rows, read them back, see constraints work."""

from __future__ import annotations

import datetime as dt
import enum

import pyram
from pyram import Col, column


class Plan(enum.Enum):
    FREE = "free"
    PRO = "pro"


@pyram.table(name="users")
class User(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    age: Col[int] = column(index=True, check=lambda age: age >= 0)
    email: Col[str | None] = column(unique=True, default=None)
    plan: Col[Plan] = column(default=Plan.FREE)


@pyram.table
class Order(pyram.Table):
    id: Col[int] = column(primary_key=True)
    user_id: Col[int] = column(references=lambda: User.id, on_delete="cascade")
    total: Col[float]
    placed: Col[dt.date]


def main() -> None:
    db = pyram.Database()
    db.create(User, Order)

    db.insert(User(id=1, name="Ada", age=36, email="ada@example.com", plan=Plan.PRO))
    db.insert_many(User(id=i, name=f"user{i}", age=20 + i % 50) for i in range(2, 1001))
    db.insert_many(
        Order(id=i, user_id=1 + i % 1000, total=9.5 * (i % 7), placed=dt.date(2026, 1, 1))
        for i in range(5000)
    )
    print("users:", db.count(User), "orders:", db.count(Order))

    ada = db.get(User, 1)
    assert ada is not None
    print("found:", ada)

    ada.age = 37  # a row is a value: the database changes only when written back
    print("before update:", db.get(User, 1))
    db.update(ada)
    print("after update: ", db.get(User, 1))

    for bad in (
        lambda: db.insert(User(id=1, name="Dup", age=1)),
        lambda: db.insert(User(id=5000, name="Neg", age=-1)),
        lambda: db.insert(Order(id=99999, user_id=424242, total=1.0, placed=dt.date.today())),
    ):
        try:
            bad()
        except pyram.IntegrityError as exc:
            print("rejected:", exc)

    try:
        User(id=7, name="Typo", age="forty")  # type: ignore[arg-type]
    except pyram.DataError as exc:
        print("rejected:", exc)

    db.delete(ada)  # ON DELETE CASCADE removes Ada's orders too
    print("after delete: users:", db.count(User), "orders:", db.count(Order))


if __name__ == "__main__":
    main()
