"""``pyram.nullable``: the typed form for columns of an outer join's missing side (issue 17).

The typing itself is pinned in ``typings/joins_ok.py``/``joins_bad.py``; here, that the wrapped
column runs like the column everywhere a query takes one, and that bad input is refused.
"""

from __future__ import annotations

import pytest

import pyram
from pyram import Col, func


@pyram.table
class Buyer(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]


@pyram.table
class Purchase(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    buyer_id: Col[int] = pyram.column(references=lambda: Buyer.id)
    total: Col[float]


@pytest.fixture
def db() -> pyram.Database:
    db = pyram.Database()
    db.create(Buyer, Purchase)
    db.insert_many([Buyer(id=1, name="ada"), Buyer(id=2, name="bob")])
    db.insert_many([Purchase(id=10, buyer_id=1, total=5.0), Purchase(id=11, buyer_id=1, total=7.5)])
    return db


def test_nullable_column_is_the_column(db: pyram.Database) -> None:
    assert pyram.nullable(Purchase.total) is Purchase.total
    q = pyram.select(Buyer.name, pyram.nullable(Purchase.total)).left_join(Purchase)
    assert sorted(db.all(q.order_by(Buyer.id, Purchase.id))) == [
        ("ada", 5.0), ("ada", 7.5), ("bob", None)
    ]  # fmt: skip


def test_nullable_in_where_group_by_order_by_and_aggregates(db: pyram.Database) -> None:
    total = pyram.nullable(Purchase.total)
    q = (
        pyram.select(Buyer.name, func.count(total), func.sum(total))
        .left_join(Purchase)
        .where(total.is_null() | (total > 6.0))
        .group_by(Buyer.name)
        .order_by(Buyer.name)
    )
    assert db.all(q) == [("ada", 1, 7.5), ("bob", 0, None)]


def test_nullable_on_a_right_join_keeps_the_from_side_optional(db: pyram.Database) -> None:
    q = pyram.select(pyram.nullable(Purchase.id), Buyer.name).right_join(
        Buyer, on=Purchase.buyer_id.eq(Buyer.id)
    )
    assert sorted(db.all(q), key=lambda r: (r[0] is None, r)) == [
        (10, "ada"), (11, "ada"), (None, "bob")
    ]  # fmt: skip


@pytest.mark.parametrize("bad", [42, "total", None, Purchase(id=1, buyer_id=1, total=1.0)])
def test_nullable_refuses_what_is_not_an_expression(bad: object) -> None:
    with pytest.raises(pyram.ProgrammingError, match="nullable\\(\\) takes a column"):
        pyram.nullable(bad)  # type: ignore[call-overload]


def test_whole_model_on_the_missing_side_is_refused() -> None:
    # a plain model there would be a model object of NULLs: never built
    with pytest.raises(pyram.ProgrammingError, match="select its columns instead"):
        Purchase.select().right_join(Buyer, on=Purchase.buyer_id.eq(Buyer.id))
    with pytest.raises(pyram.ProgrammingError, match="select its columns instead"):
        pyram.select(Buyer, Purchase).left_join(Purchase)
    # nullable(Model) on the kept side of a right join is still a model that may be missing
    with pytest.raises(pyram.ProgrammingError, match="select its columns instead"):
        pyram.select(Buyer, pyram.nullable(Purchase)).right_join(Purchase)


def test_nullable_model_is_none_where_the_join_found_no_row(db: pyram.Database) -> None:
    q = pyram.select(Buyer, pyram.nullable(Purchase)).left_join(Purchase)
    rows = db.all(q.order_by(Buyer.id, Purchase.id))
    ada, bob = Buyer(id=1, name="ada"), Buyer(id=2, name="bob")
    assert rows == [
        (ada, Purchase(id=10, buyer_id=1, total=5.0)),
        (ada, Purchase(id=11, buyer_id=1, total=7.5)),
        (bob, None),
    ]
    right = pyram.select(pyram.nullable(Purchase), Buyer.name).right_join(
        Buyer, on=Purchase.buyer_id.eq(Buyer.id)
    )
    assert (None, "bob") in db.all(right)
    alone = db.all(pyram.select(pyram.nullable(Purchase)).where(Purchase.id.eq(10)))
    assert alone == [(Purchase(id=10, buyer_id=1, total=5.0),)]


def test_nullable_model_with_an_alias_and_the_plan_cache(db: pyram.Database) -> None:
    other = pyram.alias(Buyer, "other")
    q = pyram.select(Buyer.name, pyram.nullable(other)).left_join(
        other, on=other.id.eq(Buyer.id + 1)
    )
    assert db.all(q.order_by(Buyer.id)) == [("ada", Buyer(id=2, name="bob")), ("bob", None)]
    again = pyram.select(Buyer.name, pyram.nullable(other)).left_join(
        other, on=other.id.eq(Buyer.id + 1)
    )
    assert again.cache_key() == q.cache_key()
    assert pyram.select(Buyer.name, pyram.nullable(Purchase)).cache_key() != again.cache_key()


def test_nullable_model_is_a_select_item_only(db: pyram.Database) -> None:
    with pytest.raises(pyram.ProgrammingError, match="cannot use nullable\\(Purchase\\)"):
        db.all(pyram.select(Buyer.name).where(pyram.nullable(Purchase).is_null()))
    with pytest.raises(pyram.ProgrammingError, match="takes a @pyram\\.table class"):
        pyram.nullable(int)  # type: ignore[type-var]
