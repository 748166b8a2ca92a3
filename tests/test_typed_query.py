"""``db.typed(query, signature)``: parameters typed by a signature, bound through it at run time."""

from __future__ import annotations

import pytest

import pyram
from pyram import Col


@pyram.table
class Person(pyram.Table):
    id: Col[int] = pyram.column(primary_key=True)
    name: Col[str]
    age: Col[int]


def ages(low: int, high: int = 200) -> None: ...


@pytest.fixture
def db() -> pyram.Database:
    db = pyram.Database()
    db.create(Person)
    db.insert_many([Person(1, "ada", 36), Person(2, "bob", 17), Person(3, "cy", 52)])
    return db


def test_typed_query_runs_with_keyword_positional_and_default_arguments(db: pyram.Database) -> None:
    q = Person.select().where(Person.age.between(pyram.param("low"), pyram.param("high")))
    between = db.typed(q.order_by(Person.id), ages)
    assert [p.name for p in between(low=18, high=40)] == ["ada"]
    assert [p.name for p in between(18)] == ["ada", "cy"]  # high's default
    assert between.first(50) == Person(3, "cy", 52)
    assert between.first(60) is None
    assert between.one(10, 20).name == "bob"


def test_typed_query_refuses_names_outside_its_signature(db: pyram.Database) -> None:
    between = db.typed(Person.select().where(Person.age > pyram.param("low")), ages)
    with pytest.raises(pyram.ProgrammingError, match="typed query parameters"):
        between(minimum=3)  # type: ignore[call-arg]
    assert db.count(Person) == 3
