"""Inputs the type checkers tie to a model are checked at run time too (issue 17).

``db.get(User.id, key)`` reads by the key column; statement columns must belong to the
statement's model; ``from_select`` target columns must match the query's width. Each wrong input
is a ProgrammingError raised before anything runs, and leaves the database unchanged.
"""

from __future__ import annotations

import pytest

import pyram
from pyram import Col, ProgrammingError, column


@pyram.table
class Shopper(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    age: Col[int] = column(default=0)


@pyram.table
class Basket(pyram.Table):
    id: Col[int] = column(primary_key=True)
    note: Col[str | None] = column(default=None)
    total: Col[float] = column(default=0.0)


@pyram.table(primary_key=("basket", "pos"))
class Line(pyram.Table):
    basket: Col[int]
    pos: Col[int]


@pytest.fixture
def db() -> pyram.Database:
    db = pyram.Database()
    db.create(Shopper, Basket, Line)
    db.insert_many([Shopper(id=1, name="ada", age=36), Shopper(id=2, name="bob", age=41)])
    return db


def test_get_by_key_column(db: pyram.Database) -> None:
    found = db.get(Shopper.id, 2)
    assert found == Shopper(id=2, name="bob", age=41)
    assert db.get(Shopper.id, 9) is None
    assert db.get(Shopper.id, 1) == db.get(Shopper, 1)


def test_get_by_key_column_refuses_other_columns(db: pyram.Database) -> None:
    with pytest.raises(ProgrammingError, match="not the primary key of shopper"):
        db.get(Shopper.name, "ada")
    with pytest.raises(ProgrammingError, match="not the primary key of line"):
        db.get(Line.basket, 1)  # one column of a composite key
    boss = pyram.alias(Shopper, "boss")
    with pytest.raises(ProgrammingError, match="not a column of a model"):
        db.get(boss.id, 1)


def test_get_by_key_column_checks_the_key_type(db: pyram.Database) -> None:
    with pytest.raises(pyram.DataError):
        db.get(Shopper.id, "x")  # type: ignore[misc]


def test_update_set_refuses_another_models_column(db: pyram.Database) -> None:
    with pytest.raises(ProgrammingError, match="is not a column of Shopper"):
        pyram.update(Shopper).set(Basket.note, "x")  # type: ignore[arg-type]
    with pytest.raises(ProgrammingError, match="takes a column"):
        pyram.update(Shopper).set("age", 3)  # type: ignore[arg-type]
    assert db.execute(pyram.update(Shopper).set(Shopper.age, Shopper.age + 1)) == 2
    assert [s.age for s in db.all(Shopper.select().order_by(Shopper.id))] == [37, 42]


def test_from_select_targets_belong_to_the_model(db: pyram.Database) -> None:
    query = pyram.select(Shopper.id, Shopper.name)
    with pytest.raises(ProgrammingError, match="is not a column of Basket"):
        pyram.insert(Basket).from_select(query, Basket.id, Shopper.name)  # type: ignore[arg-type]
    with pytest.raises(ProgrammingError, match="returns 2 columns for 1 targets"):
        pyram.insert(Basket).from_select(query, Basket.id)  # type: ignore[arg-type]
    assert db.count(Basket) == 0


def test_from_select_into_named_columns(db: pyram.Database) -> None:
    copied = pyram.insert(Basket).from_select(
        pyram.select(Shopper.id, Shopper.name), Basket.id, Basket.note
    )
    assert db.execute(copied) == 2
    widened = pyram.insert(Basket).from_select(
        pyram.select(Shopper.id + 10, Shopper.age), Basket.id, Basket.total
    )
    assert db.execute(widened) == 2
    rows = db.all(pyram.select(Basket.id, Basket.note, Basket.total).order_by(Basket.id))
    assert rows == [(1, "ada", 0.0), (2, "bob", 0.0), (11, None, 36.0), (12, None, 41.0)]


def test_from_select_of_whole_rows(db: pyram.Database) -> None:
    db.execute(pyram.insert(Shopper).from_select(Shopper.select().where(Shopper.id < 0)))
    assert db.count(Shopper) == 2


def test_from_select_without_targets_is_checked_at_run_time(db: pyram.Database) -> None:
    # Type checkers cannot tie a query's columns to a model's (issue 17, docs/typing.md):
    # the width and each column's type are checked when the statement runs.
    with pytest.raises(ProgrammingError, match="3 columns but the query returns 1"):
        db.execute(pyram.insert(Basket).from_select(pyram.select(Shopper.name)))
    with pytest.raises(ProgrammingError, match="column id is INTEGER, the value is TEXT"):
        db.execute(
            pyram.insert(Basket).from_select(pyram.select(Shopper.name, Shopper.name, Shopper.age))
        )
    assert db.count(Basket) == 0
    copied = pyram.insert(Basket).from_select(pyram.select(Shopper.id, Shopper.name, Shopper.age))
    assert db.execute(copied) == 2
    assert db.get(Basket.id, 2) == Basket(id=2, note="bob", total=41.0)


@pyram.table
class Flagged(pyram.Table):
    id: Col[int] = column(primary_key=True)
    paid: Col[bool]
    flag: Col[bool | None] = column(default=None)


def test_boolean_columns_combine_like_predicates() -> None:
    db = pyram.Database()
    db.create(Flagged)
    db.insert_many(
        [Flagged(id=1, paid=True), Flagged(id=2, paid=False, flag=True), Flagged(id=3, paid=False)]
    )

    def ids(cond: pyram.Expr[bool]) -> list[int]:
        return db.scalars(pyram.select(Flagged.id).where(cond).order_by(Flagged.id))

    assert ids(~Flagged.paid) == [2, 3]
    assert ids(Flagged.paid | Flagged.flag) == [1, 2]
    assert ids(Flagged.paid & (Flagged.id > 0)) == [1]
    assert ids(~Flagged.flag) == []  # NOT NULL is NULL, NOT TRUE is FALSE
    rows = db.all(pyram.select(Flagged.id, ~Flagged.flag).order_by(Flagged.id))
    assert rows == [(1, None), (2, False), (3, None)]
    with pytest.raises(ProgrammingError, match="must be boolean"):
        db.all(pyram.select(Flagged.id).where(~Flagged.id))  # type: ignore[misc]
