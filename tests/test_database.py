"""The Database facade: CRUD, value semantics, and every constraint rejecting bad rows unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import assert_indexes_agree
from models import Order, Review, Ticket, User

import pyram
from pyram import Col, column

State = Callable[[pyram.Database], dict[str, list[tuple[Any, ...]]]]


def seed(db: pyram.Database) -> None:
    db.insert_many(User(id=i, name=f"u{i}", age=20 + i, email=f"u{i}@x") for i in range(1, 6))
    db.insert_many(Order(id=i, user_id=1 + i % 5, total=float(i)) for i in range(20))
    db.insert(Review(id=1, user_id=3))  # RESTRICT: user 3 cannot be deleted


def test_insert_get_count(db: pyram.Database) -> None:
    seed(db)
    assert db.count(User) == 5 and db.count(Order) == 20
    assert db.get(User, 3) == User(id=3, name="u3", age=23, email="u3@x")
    assert db.get(User, 99) is None
    assert db.table_names() == ["user", "orders", "review", "ticket"]


def test_rows_handed_out_are_values(db: pyram.Database) -> None:
    seed(db)
    u = db.get(User, 1)
    assert u is not None
    u.age = 99
    assert db.get(User, 1) == User(id=1, name="u1", age=21, email="u1@x")
    original = User(id=10, name="x", age=1)
    db.insert(original)
    original.name = "changed after insert"
    found = db.get(User, 10)
    assert found is not None and found.name == "x"
    assert found is not db.get(User, 10)


def test_update_upsert_delete(db: pyram.Database) -> None:
    seed(db)
    u = db.get(User, 2)
    assert u is not None
    u.age, u.email = 50, None
    assert db.update(u) is True
    assert db.get(User, 2) == u
    assert db.update(User(id=77, name="ghost", age=1)) is False
    assert db.upsert(User(id=2, name="again", age=3)) == "update"
    assert db.upsert(User(id=6, name="new", age=3)) == "insert"
    got = db.get(User, 2)
    assert got is not None and got.name == "again"
    assert db.delete(User(id=6, name="?", age=0)) is True
    assert db.delete(User(id=6, name="?", age=0)) is False
    assert db.get(User, 6) is None
    assert_indexes_agree(db)


def test_get_validates_key_type(db: pyram.Database) -> None:
    with pytest.raises(pyram.DataError):
        db.get(User, "1")
    assert db.get(User, None) is None


def test_composite_primary_key() -> None:
    @pyram.table(primary_key=("a", "b"))
    class Pair(pyram.Table):
        a: Col[int]
        b: Col[str]
        v: Col[float] = 0.0

    db = pyram.Database()
    db.create(Pair)
    db.insert_many([Pair(1, "x"), Pair(1, "y"), Pair(2, "x")])
    assert db.get(Pair, (1, "y")) == Pair(1, "y")
    assert db.get(Pair, (3, "y")) is None
    with pytest.raises(pyram.IntegrityError, match=r"PRIMARY KEY constraint failed: pair\.a"):
        db.insert(Pair(1, "x", 5.0))
    with pytest.raises(pyram.ProgrammingError, match="composite primary key"):
        db.get(Pair, 1)


# ----------------------------------------------------------------- constraint rejections
REJECTIONS: list[tuple[str, Callable[[pyram.Database], object], type[Exception], str]] = [
    (
        "pk dup",
        lambda db: db.insert(User(id=1, name="d", age=1)),
        pyram.IntegrityError,
        "PRIMARY KEY",
    ),
    (
        "unique dup",
        lambda db: db.insert(User(id=9, name="d", age=1, email="u1@x")),
        pyram.IntegrityError,
        "UNIQUE constraint failed: user.email",
    ),
    (
        "check",
        lambda db: db.insert(User(id=9, name="d", age=-1)),
        pyram.IntegrityError,
        "CHECK constraint failed: user_age_check",
    ),
    (
        "fk missing parent",
        lambda db: db.insert(Order(id=100, user_id=42)),
        pyram.IntegrityError,
        "FOREIGN KEY",
    ),
    (
        "batch with one bad row",
        lambda db: db.insert_many([User(id=10, name="ok", age=1), User(id=11, name="bad", age=-5)]),
        pyram.IntegrityError,
        "CHECK",
    ),
    (
        "batch duplicate within itself",
        lambda db: db.insert_many([User(id=10, name="a", age=1), User(id=10, name="b", age=1)]),
        pyram.IntegrityError,
        "PRIMARY KEY",
    ),
    (
        "batch duplicate unique within itself",
        lambda db: db.insert_many(
            [User(id=10, name="a", age=1, email="e"), User(id=11, name="b", age=1, email="e")]
        ),
        pyram.IntegrityError,
        "UNIQUE",
    ),
    (
        "batch fk",
        lambda db: db.insert_many([Order(id=100, user_id=1), Order(id=101, user_id=9)]),
        pyram.IntegrityError,
        "FOREIGN KEY",
    ),
    (
        "update to dup unique",
        lambda db: db.update(User(id=2, name="x", age=1, email="u1@x")),
        pyram.IntegrityError,
        "UNIQUE",
    ),
    (
        "update failing check",
        lambda db: db.update(User(id=2, name="x", age=1000 - 2000)),
        pyram.IntegrityError,
        "CHECK",
    ),
    (
        "update fk to missing",
        lambda db: db.update(Order(id=1, user_id=999)),
        pyram.IntegrityError,
        "FOREIGN KEY",
    ),
    (
        "delete restricted parent",
        lambda db: db.delete(User(id=3, name="", age=0)),
        pyram.IntegrityError,
        "still referenced",
    ),
    (
        "mixed classes",
        lambda db: db.insert_many([User(id=50, name="a", age=1), Order(id=50, user_id=1)]),
        pyram.ProgrammingError,
        "single table class",
    ),
    (
        "not null",
        lambda db: db.insert(_null_name()),
        pyram.IntegrityError,
        r"NOT NULL constraint failed: user\.name",
    ),
    (
        "not null in batch",
        lambda db: db.insert_many([User(id=63, name="a", age=1), _null_name()]),
        pyram.IntegrityError,
        "NOT NULL",
    ),
    (
        "wrong type bypassing constructor",
        lambda db: db.insert_many([User(id=60, name="a", age=1), _bypassed()]),
        pyram.DataError,
        "user.age",
    ),
]


def _null_name() -> User:
    u = User(id=62, name="b", age=1)
    object.__setattr__(u, "name", None)  # the constructor would refuse; the database must too
    return u


def _bypassed() -> User:
    u = User(id=61, name="b", age=1)
    object.__setattr__(u, "age", 1.5)
    return u


@pytest.mark.parametrize(
    ("case", "action", "error", "message"), REJECTIONS, ids=[r[0] for r in REJECTIONS]
)
def test_constraint_rejects_and_changes_nothing(
    db: pyram.Database,
    state: State,
    case: str,
    action: Callable[[pyram.Database], object],
    error: type[Exception],
    message: str,
) -> None:
    seed(db)
    before = state(db)
    with pytest.raises(error, match=message):
        action(db)
    assert state(db) == before
    assert_indexes_agree(db)


def test_integrity_error_carries_context(db: pyram.Database) -> None:
    seed(db)
    with pytest.raises(pyram.IntegrityError) as info:
        db.insert(User(id=9, name="d", age=1, email="u1@x"))
    err = info.value
    assert (err.table, err.columns, err.value, err.constraint) == (
        "user",
        ("email",),
        "u1@x",
        "unique",
    )
    assert isinstance(err, pyram.DatabaseError) and isinstance(err, pyram.Error)


def test_nulls_do_not_conflict_in_unique(db: pyram.Database) -> None:
    db.insert_many([User(id=i, name="n", age=1) for i in range(3)])  # email NULL x3
    assert db.count(User) == 3


def test_on_delete_cascade_and_set_null(db: pyram.Database) -> None:
    seed(db)
    db.insert_many([Ticket(id=1, assignee=1), Ticket(id=2, assignee=2), Ticket(id=3)])
    u1 = db.get(User, 1)
    assert u1 is not None
    db.delete(u1)
    assert db.count(Order) == 16  # user 1's four orders cascaded
    assert all(db.get(Order, i) is None for i in (0, 5, 10, 15))
    t1 = db.get(Ticket, 1)
    assert t1 is not None and t1.assignee is None
    t2 = db.get(Ticket, 2)
    assert t2 is not None and t2.assignee == 2
    assert_indexes_agree(db)


def test_referenced_key_cannot_change_while_referenced(db: pyram.Database, state: State) -> None:
    seed(db)
    # user 1 has orders; changing its primary key would orphan them
    from pyram.storage.store import Store

    store: Store = db._store
    data = store.data("user")
    rid = data.indexes["user_pkey"].get(1)
    assert rid is not None
    before = state(db)
    with pytest.raises(pyram.IntegrityError, match="referenced key cannot change"):
        store.update("user", rid, [100, "u1", 21, "u1@x"])
    assert state(db) == before


def test_self_reference_and_cascade_cycle() -> None:
    @pyram.table
    class Node(pyram.Table):
        id: Col[int] = column(primary_key=True)
        parent: Col[int | None] = column(default=None, references="node.id", on_delete="cascade")

    db = pyram.Database()
    db.create(Node)
    # parent and child in one batch, child before parent
    db.insert_many([Node(2, 1), Node(1, None), Node(3, 2), Node(4, 1)])
    with pytest.raises(pyram.IntegrityError):
        db.insert(Node(5, 42))
    db.insert(Node(6, 6))  # a row may reference itself
    root = db.get(Node, 1)
    assert root is not None
    db.delete(root)
    assert db.count(Node) == 1 and db.get(Node, 6) is not None
    assert_indexes_agree(db)


def test_restrict_allows_deleting_the_whole_referencing_set() -> None:
    @pyram.table
    class Emp(pyram.Table):
        id: Col[int] = column(primary_key=True)
        boss: Col[int | None] = column(default=None, references="emp")

    db = pyram.Database()
    db.create(Emp)
    db.insert_many([Emp(1), Emp(2, 1)])
    with pytest.raises(pyram.IntegrityError):
        db.delete(Emp(1))
    db.delete(Emp(2, 1))
    db.delete(Emp(1))
    assert db.count(Emp) == 0


def test_schema_errors(db: pyram.Database) -> None:
    with pytest.raises(pyram.ProgrammingError, match="already exists"):
        db.create(User)
    with pytest.raises(pyram.ProgrammingError, match="references it"):
        db.drop(User)
    db.drop(Order, Review, Ticket, User)
    assert db.table_names() == []
    with pytest.raises(pyram.ProgrammingError, match="no such table"):
        db.insert(User(id=1, name="a", age=1))
    with pytest.raises(pyram.ProgrammingError, match="unknown table"):
        db.create(Order)  # its parent table is missing
    assert db.table_names() == []


def test_foreign_key_type_mismatch_is_rejected() -> None:
    @pyram.table
    class Parent(pyram.Table):
        id: Col[str] = column(primary_key=True)

    @pyram.table
    class Child(pyram.Table):
        id: Col[int] = column(primary_key=True)
        parent: Col[int] = column(references="parent.id")

    db = pyram.Database()
    with pytest.raises(pyram.ProgrammingError, match=r"is INTEGER but parent\.id is TEXT"):
        db.create(Parent, Child)
    assert db.table_names() == []


def test_class_must_match_created_table(db: pyram.Database) -> None:
    @pyram.table(name="user")
    class Impostor(pyram.Table):
        id: Col[int] = column(primary_key=True)

    with pytest.raises(pyram.ProgrammingError, match="not created from"):
        db.insert(Impostor(id=1))


def test_many_deletes_compact_storage(db: pyram.Database) -> None:
    db.insert_many(User(id=i, name="n", age=i % 90, email=f"e{i}") for i in range(5000))
    data = db._store.data("user")
    for i in range(0, 4000):
        db.delete(User(id=i, name="", age=0))
    assert data.slot_count < 5000  # compacted: dead slots were reclaimed
    assert db.count(User) == 1000
    assert db.get(User, 4500) == User(id=4500, name="n", age=4500 % 90, email="e4500")
    assert_indexes_agree(db)


def test_delete_by_key(db: pyram.Database) -> None:
    seed(db)
    assert db.delete(Order, 3) is True
    assert db.delete(Order, 3) is False
    assert db.get(Order, 3) is None
    with pytest.raises(pyram.DataError):
        db.delete(Order, "3")
    with pytest.raises(pyram.ProgrammingError, match="needs the primary key"):
        db.delete(Order)  # type: ignore[call-overload]


def test_set_null_respects_child_checks(state: State) -> None:
    @pyram.table
    class Owner(pyram.Table):
        id: Col[int] = column(primary_key=True)

    @pyram.table(checks=[lambda row: row["owner"] is not None or row["orphan_ok"]])
    class Pet(pyram.Table):
        id: Col[int] = column(primary_key=True)
        owner: Col[int | None] = column(default=None, references="owner", on_delete="set null")
        orphan_ok: Col[bool] = False

    db = pyram.Database()
    db.create(Owner, Pet)
    db.insert_many([Owner(1), Owner(2)])
    db.insert_many([Pet(1, 1, True), Pet(2, 2, False)])
    assert db.delete(Owner, 1)
    pet1 = db.get(Pet, 1)
    assert pet1 is not None and pet1.owner is None
    before = state(db)
    with pytest.raises(pyram.IntegrityError, match="CHECK"):
        db.delete(Owner, 2)  # pet 2 may not become an orphan
    assert state(db) == before


def test_update_writes_representation_changes() -> None:
    import datetime as dt
    from decimal import Decimal

    @pyram.table
    class Price(pyram.Table):
        id: Col[int] = column(primary_key=True)
        amount: Col[Decimal]
        at: Col[pyram.AwareDatetime]

    db = pyram.Database()
    db.create(Price)
    utc = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    db.insert(Price(1, Decimal("1.0"), utc))
    later = utc.astimezone(dt.timezone(dt.timedelta(hours=2)))  # same instant, other zone
    db.update(Price(1, Decimal("1.00"), later))
    got = db.get(Price, 1)
    assert got is not None
    assert str(got.amount) == "1.00" and got.at.utcoffset() == dt.timedelta(hours=2)


def test_unique_hash_column_has_one_index() -> None:
    @pyram.table
    class Tag(pyram.Table):
        id: Col[int] = column(primary_key=True)
        name: Col[str] = column(unique=True, index="hash")
        label: Col[str] = column(unique=True, index=True)

    kinds = [(ix.columns, ix.kind) for ix in pyram.schema_of(Tag).indexes]
    assert kinds.count((("name",), "hash")) == 1
    assert (("label",), "sorted") in kinds  # a sorted index still adds ranges and order


def test_foreign_key_columns_may_be_lists() -> None:
    fk = pyram.ForeignKey(columns=["a", "b"], ref_columns=["x", "y"])  # type: ignore[arg-type]
    assert fk.columns == ("a", "b") and fk.ref_columns == ("x", "y")


def test_composite_foreign_key(state: State) -> None:
    @pyram.table(primary_key=("region", "code"))
    class Office(pyram.Table):
        region: Col[str]
        code: Col[int]

    @pyram.table(
        foreign_keys=[
            pyram.ForeignKey(("region", "office"), target=lambda: (Office.region, Office.code))
        ]
    )
    class Desk(pyram.Table):
        id: Col[int] = column(primary_key=True)
        region: Col[str | None] = None
        office: Col[int | None] = None

    db = pyram.Database()
    db.create(Desk, Office)  # forward reference inside one create()
    db.insert_many([Office("eu", 1), Office("us", 1)])
    db.insert_many([Desk(1, "eu", 1), Desk(2, "us", 1), Desk(3, None, 7)])  # NULL part: no check
    before = state(db)
    with pytest.raises(pyram.IntegrityError, match=r"desk\.region, desk\.office"):
        db.insert(Desk(4, "eu", 2))
    with pytest.raises(pyram.IntegrityError, match="still referenced"):
        db.delete(Office, ("eu", 1))
    assert state(db) == before
    assert db.schema(Desk).foreign_keys[0].ref_columns == ("region", "code")
