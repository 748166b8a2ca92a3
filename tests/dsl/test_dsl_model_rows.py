"""``pyram.select(User, Order)``: tuples of models (and values), on both backends; and
``db.all(q, into=Row)``: rows as a user's class (issue 17)."""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

import attrs
import pytest
from backends import backend_fixture  # noqa: F401  (the ``backend`` fixture)

import pyram
from pyram import Col, ProgrammingError, column


class Tier(enum.Enum):
    FREE = "free"
    GOLD = "gold"


@pyram.table
class Buyer(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    tier: Col[Tier] = column(default=Tier.FREE)
    boss_id: Col[int | None] = column(default=None)


@pyram.table
class Purchase(pyram.Table):
    id: Col[int] = column(primary_key=True)
    buyer_id: Col[int] = column(references=lambda: Buyer.id)
    note: Col[str | None] = column(default=None)


BUYERS = [
    Buyer(id=1, name="ada", tier=Tier.GOLD),
    Buyer(id=2, name="bob", boss_id=1),
    Buyer(id=3, name="cy", boss_id=1),
]
PURCHASES = [Purchase(id=10, buyer_id=1, note="pens"), Purchase(id=11, buyer_id=2)]


class Memory:
    """In memory only (the tests that need no second backend)."""

    def fresh(self, *models: type[pyram.Table]) -> pyram.Database:
        db = pyram.Database()
        db.create(*models)
        return db


def filled(backend: Any) -> Any:
    db = backend.fresh(Buyer, Purchase)
    db.insert_many(BUYERS)
    db.insert_many(PURCHASES)
    return db


def test_select_of_two_models(backend: Any) -> None:
    db = filled(backend)
    rows = db.all(pyram.select(Buyer, Purchase).join(Purchase).order_by(Purchase.id))
    assert rows == [(BUYERS[0], PURCHASES[0]), (BUYERS[1], PURCHASES[1])]
    assert all(type(b) is Buyer and type(p) is Purchase for b, p in rows)
    assert rows[0][0].tier is Tier.GOLD  # decoded as the model decodes it


def test_models_mixed_with_columns(backend: Any) -> None:
    db = filled(backend)
    q = pyram.select(Purchase.id, Buyer, Buyer.tier).join(Buyer).order_by(Purchase.id)
    assert db.all(q) == [(10, BUYERS[0], Tier.GOLD), (11, BUYERS[1], Tier.FREE)]
    first = db.first(pyram.select(Buyer, Purchase.note).join(Purchase).order_by(Purchase.id))
    assert first == (BUYERS[0], "pens")
    assert (
        db.scalar(pyram.select(Buyer, Purchase).join(Purchase).order_by(Purchase.id)) == (BUYERS[0])
    )


def test_select_of_a_model_and_its_alias(backend: Any) -> None:
    db = filled(backend)
    boss = pyram.alias(Buyer, "boss")
    q = pyram.select(Buyer, boss).join(boss, on=Buyer.boss_id == boss.id).order_by(Buyer.id)
    assert db.all(q) == [(BUYERS[1], BUYERS[0]), (BUYERS[2], BUYERS[0])]


def test_outer_join_with_a_model_on_the_missing_side_is_refused() -> None:
    with pytest.raises(ProgrammingError, match="may be missing"):
        pyram.select(Buyer, Purchase).left_join(Purchase)
    with pytest.raises(ProgrammingError, match="may be missing"):
        pyram.select(Purchase, Buyer.name).right_join(Buyer)
    # a model on the kept side of a left join is fine: the other side's columns may be None
    pyram.select(Buyer, Purchase.note).left_join(Purchase)


def test_select_of_models_refuses_non_tables() -> None:
    with pytest.raises(ProgrammingError, match=r"@pyram\.table classes"):
        pyram.select(Buyer, int)  # type: ignore[type-var]
    with pytest.raises(ProgrammingError, match="not 3"):
        pyram.select(Buyer, 3)  # type: ignore[call-overload]


def test_model_rows_share_the_plan_cache_by_shape() -> None:
    db = filled(Memory())
    a = pyram.select(Buyer, Purchase).join(Purchase)
    b = pyram.select(Buyer, Purchase).join(Purchase)
    c = pyram.select(Purchase, Buyer).join(Buyer)
    assert a.cache_key() == b.cache_key() != c.cache_key()
    assert db.all(c.order_by(Purchase.id))[0] == (PURCHASES[0], BUYERS[0])


class NameTier(NamedTuple):
    name: str
    tier: Tier


@attrs.frozen
class Line:
    buyer: str
    note: str | None


def test_all_into_a_named_tuple_and_an_attrs_class(backend: Any) -> None:
    db = filled(backend)
    names = db.all(pyram.select(Buyer.name, Buyer.tier).order_by(Buyer.id), into=NameTier)
    assert names == [NameTier("ada", Tier.GOLD), NameTier("bob", Tier.FREE), ("cy", Tier.FREE)]
    assert names[0].tier is Tier.GOLD
    lines = db.all(
        pyram.select(Buyer.name, Purchase.note).join(Purchase).order_by(Purchase.id), into=Line
    )
    assert lines == [Line("ada", "pens"), Line("bob", None)]


def test_all_into_checks_the_row_width_at_run_time(backend: Any) -> None:
    db = filled(backend)
    with pytest.raises(ProgrammingError, match="into=NameTier"):
        db.all(pyram.select(Buyer.name), into=NameTier)
    with pytest.raises(ProgrammingError, match="into=NameTier"):
        db.all(Buyer.select(), into=NameTier)


def test_all_into_keeps_parameters() -> None:
    db = filled(Memory())
    q = pyram.select(Buyer.name, Buyer.tier).where(Buyer.id >= pyram.param("low", int))
    assert db.all(q, into=NameTier, low=3) == [NameTier("cy", Tier.FREE)]
    assert db.all(q, {"low": 2}, into=NameTier)[0].name == "bob"


def test_get_by_key_column(backend: Any) -> None:
    db = filled(backend)
    assert db.get(Buyer.id, 2) == BUYERS[1]
    assert db.get(Purchase.id, 99) is None
    with pytest.raises(ProgrammingError, match="not the primary key"):
        db.get(Buyer.name, "ada")
