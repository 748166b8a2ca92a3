"""Reflected arithmetic (``literal op column``) builds the SQL operator with the operands in the
written order, and mixed numeric kinds promote as in SQLite (issue 17 typed both orders)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pyram
from pyram import Col


@pyram.table
class Line(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    qty: Col[int]
    price: Col[Decimal]
    spare: Col[int | None] = pyram.column(default=None)


def test_reflected_operators_keep_operand_order_and_match_sqlite() -> None:
    db = pyram.Database()
    db.create(Line)
    db.insert(Line(id=1, qty=3, price=Decimal("2.50")))
    got = db.one(
        pyram.select(10 - Line.qty, 1.5 * Line.qty, 7 % Line.qty, 9 / Line.qty, 2 + Line.qty)
    )
    oracle = sqlite3.connect(":memory:")
    assert got == oracle.execute("SELECT 10 - 3, 1.5 * 3, 7 % 3, 9 / 3, 2 + 3").fetchone()
    assert type(got[1]) is float


def test_int_with_decimal_gives_decimal_in_both_orders_and_null_propagates() -> None:
    db = pyram.Database()
    db.create(Line)
    db.insert(Line(id=1, qty=3, price=Decimal("2.50")))
    row = db.one(
        pyram.select(Line.qty * Line.price, Line.price * Line.qty, 2 * Line.price, 1 - Line.spare)
    )
    assert row == (Decimal("7.50"), Decimal("7.50"), Decimal("5.00"), None)


@pyram.table
class Shop(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    line_id: Col[int | None] = pyram.column(default=None)


def test_whole_model_select_on_the_nullable_side_of_an_outer_join_is_refused() -> None:
    db = pyram.Database()
    db.create(Line, Shop)
    db.insert(Line(id=1, qty=3, price=Decimal("2.50")))
    db.insert(Shop(id=7))
    on = Shop.line_id.eq(Line.id)
    for join in (Line.select().right_join, Line.select().full_join):
        try:
            join(Shop, on=on)
        except pyram.ProgrammingError as exc:
            assert "select its columns instead" in str(exc)
        else:
            raise AssertionError("a whole-model select on the nullable side was accepted")
    # the model on the kept side is fine, and the columns of the missing side come back None
    assert db.all(Shop.select().left_join(Line, on=on)) == [Shop(id=7)]
    assert db.all(pyram.select(Line.id, Shop.id).right_join(Shop, on=on)) == [(None, 7)]
