"""``db.migrate(Model)``: every safe change applied (in memory and in a durable file, surviving a
reopen), every unsafe one refused and named, nothing changed by a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import pyram
from pyram import Col, column


@pyram.table(name="person")
class PersonV1(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    age: Col[int]
    email: Col[str | None] = column(default=None, unique=True)
    city: Col[str | None] = column(default=None, index=True)


@pyram.table(name="person")
class PersonV2(pyram.Table):
    """Safe changes: age widened, city dropped (with its index), nickname and score added,
    an index on name, name relaxed to nullable."""

    id: Col[int] = column(primary_key=True)
    name: Col[str | None] = column(index=True)
    age: Col[float]
    email: Col[str | None] = column(default=None, unique=True)
    nickname: Col[str | None] = None
    score: Col[int] = 5


ROWS = [PersonV1(1, "ann", 30, "a@x", "Oslo"), PersonV1(2, "bob", 41, None, None)]


@pytest.fixture(params=["memory", "durable"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    yield None if request.param == "memory" else str(tmp_path / "people.pyram")


def _open(path: str | None) -> pyram.Database:
    return pyram.Database(path)


def _reopen(db: pyram.Database, path: str | None) -> pyram.Database:
    """The same database, from its file again when it has one (a plain table then)."""
    if path is None:
        return db
    db.close()
    return pyram.Database(path)


def test_safe_changes_are_applied_and_survive_a_reopen(place: str | None) -> None:
    db = _open(place)
    db.create(PersonV1)
    db.insert_many(ROWS)
    changes = db.migrate(PersonV2)
    assert changes == [
        "column name is now nullable",
        "widened column age from INTEGER to REAL",
        "added column nickname TEXT",
        "added column score INTEGER",
        "dropped column city",
        "added index person_name_idx",
        "attached class PersonV2",
    ]
    expected = [
        PersonV2(1, "ann", 30.0, "a@x", None, 5),
        PersonV2(2, "bob", 41.0, None, None, 5),
    ]
    assert db.all(PersonV2.select().order_by(PersonV2.id)) == expected
    db.insert(PersonV2(3, None, 2.5, "c@x", "cc"))
    with pytest.raises(pyram.IntegrityError):
        db.insert(PersonV2(4, "d", 1.0, "c@x"))  # the unique constraint on email stays
    db = _reopen(db, place)
    assert db.migrate(PersonV2) == ([] if place is None else ["attached class PersonV2"])
    assert db.get(PersonV2, 3) == PersonV2(3, None, 2.5, "c@x", "cc")
    assert db.count(PersonV2) == 3
    names = [i.name for i in db.schema(PersonV2).indexes]
    assert "person_name_idx" in names and "person_city_idx" not in names
    assert "IndexScan" in db.explain(PersonV2.select().where(PersonV2.name == "ann"))
    db.close()


def test_an_index_the_model_no_longer_declares_is_dropped(place: str | None) -> None:
    @pyram.table(name="person")
    class Unindexed(pyram.Table):
        id: Col[int] = column(primary_key=True)
        name: Col[str]
        age: Col[int]
        email: Col[str | None] = column(default=None, unique=True)
        city: Col[str | None] = None

    db = _open(place)
    db.create(PersonV1)
    db.insert_many(ROWS)
    assert db.migrate(Unindexed) == ["dropped index person_city_idx", "attached class Unindexed"]
    db = _reopen(db, place)
    assert [i.name for i in db.schema("person").indexes] == ["person_pkey", "person_email_key"]
    db.close()


def test_migrate_creates_a_missing_table_and_is_idempotent(place: str | None) -> None:
    db = _open(place)
    assert db.migrate(PersonV1) == ["created table person"]
    assert db.migrate(PersonV1) == []
    db.insert_many(ROWS)
    db = _reopen(db, place)
    db.migrate(PersonV1)
    assert db.count(PersonV1) == 2
    db.close()


def test_not_null_column_without_default_is_added_to_an_empty_table() -> None:
    @pyram.table(name="person", kw_only=True)
    class Strict(pyram.Table):
        id: Col[int] = column(primary_key=True)
        name: Col[str]
        age: Col[int]
        email: Col[str | None] = column(default=None, unique=True)
        city: Col[str | None] = column(default=None, index=True)
        born: Col[int]

    db = pyram.Database()
    db.create(PersonV1)
    assert "added column born INTEGER" in db.migrate(Strict)
    db.insert(Strict(id=1, name="a", age=2, born=1990))


def _refusal(db: pyram.Database, model: type[pyram.Table]) -> tuple[str, ...]:
    with pytest.raises(pyram.SchemaMismatchError) as info:
        db.migrate(model)
    assert info.value.table == pyram.schema_of(model).name
    return info.value.differences


def test_unsafe_changes_are_refused_each_named(place: str | None) -> None:
    @pyram.table(name="person", kw_only=True)
    class Bad(pyram.Table):
        id: Col[str] = column(primary_key=True)  # INTEGER -> TEXT
        name: Col[int]  # TEXT -> INTEGER
        age: Col[int]
        email: Col[str]  # nullable -> NOT NULL, and no longer unique
        born: Col[int]  # NOT NULL, no default, rows exist
        city: Col[str | None] = column(default=None, unique=True)  # a new unique constraint

    db = _open(place)
    db.create(PersonV1)
    db.insert_many(ROWS)
    differences = _refusal(db, Bad)
    assert differences == (
        "column 'id' is INTEGER in the table, TEXT in the model (only INTEGER -> REAL widens)",
        "column 'name' is TEXT in the table, INTEGER in the model (only INTEGER -> REAL widens)",
        "column 'email' is nullable in the table, NOT NULL in the model",
        "column 'born' is new and NOT NULL without a default: the table's 2 row(s) would have "
        "no value",
        "unique constraint ['city'] is new in the model",
        "unique constraint ['email'] is not in the model",
    )
    # nothing changed
    assert db.schema("person").column_names == ("id", "name", "age", "email", "city")
    assert db.all(PersonV1.select().order_by(PersonV1.id)) == ROWS
    db.close()


def test_keys_and_references_cannot_be_dropped_or_changed() -> None:
    @pyram.table(name="person")
    class NoKeyNoEmail(pyram.Table):
        key: Col[int] = column(primary_key=True)
        name: Col[str]
        age: Col[int]
        city: Col[str | None] = column(default=None, index=True)

    db = pyram.Database()
    db.create(PersonV1)
    db.insert_many(ROWS)
    assert _refusal(db, NoKeyNoEmail) == (
        "column 'key' is new and part of the primary key",
        "column 'id' was dropped from the model, but it is the primary key",
        "column 'email' was dropped from the model, but it is unique",
        "primary key is ['id'] in the table, ['key'] in the model",
    )


@pyram.table(name="pet")
class Pet(pyram.Table):
    id: Col[int] = column(primary_key=True)
    owner: Col[int] = column(references=lambda: PersonV1.id)


def test_foreign_keys_are_kept() -> None:
    @pyram.table(name="pet")
    class PetNoOwner(pyram.Table):
        id: Col[int] = column(primary_key=True)

    @pyram.table(name="pet")
    class PetOwnerPlain(pyram.Table):
        id: Col[int] = column(primary_key=True)
        owner: Col[int]

    db = pyram.Database()
    db.create(PersonV1, Pet)
    assert _refusal(db, PetNoOwner) == (
        "column 'owner' was dropped from the model, but it is a foreign key",
    )
    assert _refusal(db, PetOwnerPlain) == ("foreign key ['owner'] -> person['id'] is gone",)


def test_a_referenced_column_keeps_its_type() -> None:
    @pyram.table(name="person")
    class FloatKey(pyram.Table):
        id: Col[float] = column(primary_key=True)
        name: Col[str]
        age: Col[int]
        email: Col[str | None] = column(default=None, unique=True)
        city: Col[str | None] = column(default=None, index=True)

    db = pyram.Database()
    db.create(PersonV1, Pet)
    assert _refusal(db, FloatKey) == (
        "column 'id' is referenced by table pet: its type cannot change",
    )


def test_widening_refuses_integers_a_float_cannot_hold() -> None:
    @pyram.table(name="person")
    class Wide(pyram.Table):
        id: Col[int] = column(primary_key=True)
        name: Col[str]
        age: Col[float]
        email: Col[str | None] = column(default=None, unique=True)
        city: Col[str | None] = column(default=None, index=True)

    db = pyram.Database()
    db.create(PersonV1)
    db.insert(PersonV1(1, "big", 2**53 + 1))
    assert _refusal(db, Wide) == (f"column 'age': INTEGER {2**53 + 1} is not exactly a REAL",)


def test_model_checks_are_verified_on_the_stored_rows() -> None:
    @pyram.table(name="person", checks=[lambda row: row["age"] < 40])
    class Young(pyram.Table):
        id: Col[int] = column(primary_key=True)
        name: Col[str]
        age: Col[int]
        email: Col[str | None] = column(default=None, unique=True)
        city: Col[str | None] = column(default=None, index=True)

    db = pyram.Database()
    db.create(PersonV1)
    db.insert_many(ROWS)
    differences = _refusal(db, Young)
    assert len(differences) == 1 and "a stored row does not fit the model" in differences[0]
    db.sql("DELETE FROM person WHERE age >= 40")
    assert db.migrate(Young) == ["added check person_check1", "attached class Young"]
    with pytest.raises(pyram.IntegrityError):
        db.insert(Young(5, "old", 90))


def test_a_view_reading_a_dropped_column_stops_the_migration() -> None:
    db = pyram.Database()
    db.create(PersonV1)
    db.sql("CREATE VIEW towns AS SELECT city FROM person")
    with pytest.raises(pyram.ProgrammingError, match="error in view towns after migrate"):
        db.migrate(PersonV2)
    assert db.schema("person").column_names == ("id", "name", "age", "email", "city")
    db.sql("DROP VIEW towns")
    db.sql("CREATE VIEW grown AS SELECT name, age * 2 AS twice FROM person")
    db.insert_many(ROWS)
    db.migrate(PersonV2)
    assert db.sql("SELECT twice FROM grown ORDER BY twice").all() == [(60.0,), (82.0,)]


def test_migrate_rolls_back_with_a_transaction() -> None:
    db = pyram.Database()
    db.create(PersonV1)
    db.insert_many(ROWS)
    with pytest.raises(RuntimeError), db.transaction():
        db.migrate(PersonV2)
        assert db.get(PersonV2, 1) is not None
        raise RuntimeError("undo it")
    assert db.schema("person").column_names == ("id", "name", "age", "email", "city")
    assert db.all(PersonV1.select().order_by(PersonV1.id)) == ROWS
