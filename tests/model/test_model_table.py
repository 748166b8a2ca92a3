"""``@pyram.table``: typed columns, runtime validation, schemas, bad declarations."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import attrs
import pytest
from models import Order, User

import pyram
from pyram import Col, column
from pyram.catalog import IndexSpec
from pyram.dsl import Column


def test_class_access_is_a_column_instance_access_a_value() -> None:
    assert isinstance(User.age, Column)
    assert (User.age.table_name, User.age.name, User.age.dtype.name) == ("user", "age", "INTEGER")
    assert User.email.nullable and not User.age.nullable
    assert User.age.owner is User
    u = User(id=1, name="a", age=3)
    assert u.age == 3 and type(u.age) is int
    assert not hasattr(u, "__dict__")  # slotted: reads are native slot reads
    assert type(User).__dict__["age"].column is User.age


def test_tables_do_not_share_column_descriptors() -> None:
    assert User.id is not Order.id
    assert Order.id.table_name == "orders"
    assert type(User) is not type(Order)


def test_constructor_and_assignment_validate() -> None:
    with pytest.raises(pyram.DataError, match=r"user\.age: expected INTEGER, got 'x'"):
        User(id=1, name="a", age="x")  # type: ignore[arg-type]
    with pytest.raises(pyram.DataError):
        User(id=True, name="a", age=1)
    with pytest.raises(pyram.IntegrityError, match="NOT NULL"):
        User(id=1, name=None, age=1)  # type: ignore[arg-type]
    u = User(id=1, name="a", age=3)
    with pytest.raises(pyram.DataError):
        u.age = "x"  # type: ignore[assignment]
    assert u.age == 3
    u.age = 4
    assert u.age == 4


def test_column_is_read_only_on_the_class() -> None:
    with pytest.raises(AttributeError, match="cannot assign to column"):
        User.age = 5  # type: ignore[assignment,misc]


def test_defaults_and_factories() -> None:
    @pyram.table
    class Note(pyram.Table):
        id: Col[int] = column(primary_key=True)
        tags: Col[pyram.JSON] = column(default_factory=list)
        when: Col[dt.date] = column(default=dt.date(2026, 1, 1))
        title: Col[str] = "untitled"

    a, b = Note(id=1), Note(id=2)
    assert a.tags == [] and a.tags is not b.tags
    assert a.when == dt.date(2026, 1, 1) and a.title == "untitled"
    schema = pyram.schema_of(Note)
    assert schema.column("title").default == "untitled"
    assert schema.column("tags").default_value() == []


def test_default_table_names_and_override() -> None:
    @pyram.table
    class HTTPRequestLog(pyram.Table):
        id: Col[int] = column(primary_key=True)

    @pyram.table(name="people")
    class Person(pyram.Table):
        id: Col[int] = column(primary_key=True)

    assert pyram.schema_of(HTTPRequestLog).name == "http_request_log"
    assert pyram.schema_of(Person).name == "people"
    assert Person.id.table_name == "people"


def test_schema_derives_constraints_and_indexes() -> None:
    schema = pyram.schema_of(User)
    assert schema.primary_key == ("id",)
    assert [(u.name, u.columns) for u in schema.uniques] == [
        ("user_pkey", ("id",)),
        ("user_email_key", ("email",)),
    ]
    kinds = {ix.name: (ix.kind, ix.unique, ix.columns) for ix in schema.indexes}
    assert kinds == {
        "user_pkey": ("sorted", True, ("id",)),
        "user_email_key": ("sorted", True, ("email",)),
        "user_age_idx": ("sorted", False, ("age",)),
    }
    orders = pyram.schema_of(Order)
    assert orders.index_for(("user_id",)) is not None  # foreign keys are indexed
    assert [c.name for c in schema.checks] == ["user_age_check"]


def test_table_level_composite_declarations() -> None:
    @pyram.table(
        primary_key=("region", "code"),
        unique=[("name", "region")],
        indexes=[("region", "name"), IndexSpec("by_code", ("code",), "hash")],
        checks=[lambda row: row["code"] != row["region"]],
    )
    class Office(pyram.Table):
        region: Col[str]
        code: Col[str]
        name: Col[str]

    schema = pyram.schema_of(Office)
    assert schema.primary_key == ("region", "code")
    assert ("name", "region") in [u.columns for u in schema.uniques]
    names = {ix.name: (ix.kind, ix.columns) for ix in schema.indexes}
    assert names["office_region_name_idx"] == ("sorted", ("region", "name"))
    assert names["by_code"] == ("hash", ("code",))
    assert names["office_pkey"] == ("sorted", ("region", "code"))
    assert len(schema.checks) == 1


def test_classvar_and_methods_and_super() -> None:
    @pyram.table
    class Thing(pyram.Table):
        kind: ClassVar[str] = "thing"
        id: Col[int] = column(primary_key=True)

        def describe(self) -> str:
            return f"{self.kind}:{self.id}:{super().__repr__()[:1]}"

    assert pyram.schema_of(Thing).column_names == ("id",)
    assert Thing(id=3).describe() == "thing:3:<"


def test_kw_only() -> None:
    @pyram.table(kw_only=True)
    class K(pyram.Table):
        a: Col[int] = 1
        b: Col[int]

    assert K(b=2).a == 1
    with pytest.raises(TypeError):
        K(1, 2)  # type: ignore[misc]


def test_helpers_asdict_replace() -> None:
    u = User(id=1, name="a", age=3)
    assert pyram.asdict(u) == {"id": 1, "name": "a", "age": 3, "email": None}
    v = pyram.replace(u, age=4)
    assert v.age == 4 and u.age == 3
    with pytest.raises(pyram.ProgrammingError, match="no column"):
        pyram.replace(u, nope=1)
    with pytest.raises(pyram.DataError):
        pyram.replace(u, age="x")
    assert attrs.has(User)


def test_select_is_a_builder_bound_to_the_class() -> None:
    q = User.select().limit(3).offset(1)
    assert q.entity is User
    assert q.cache_key() == User.select().limit(3).offset(1).cache_key()
    assert q.cache_key() != User.select().limit(4).offset(1).cache_key()
    with pytest.raises(pyram.ProgrammingError):
        User.select().limit(-1)
    with pytest.raises(AttributeError, match="immutable"):
        q.entity = None


def test_expressions_refuse_truthiness() -> None:
    with pytest.raises(TypeError, match="no truth value"):
        bool(User.age)


BAD_DECLARATIONS: list[tuple[str, str]] = [
    ("nullable_pk", "cannot be nullable"),
    ("two_column_pks", "composite primary key at table level"),
    ("unknown_unique", "unknown column"),
    ("bad_default", "bad default"),
    ("reserved", "reserved"),
    ("unsupported", r"F\.a: unsupported column type"),
    ("bad_index", "index must be"),
    ("not_a_table", "must subclass pyram.Table"),
]


def _declare(case: str) -> Any:
    if case == "nullable_pk":

        @pyram.table
        class A(pyram.Table):
            id: Col[int | None] = column(primary_key=True)

    elif case == "two_column_pks":

        @pyram.table
        class B(pyram.Table):
            a: Col[int] = column(primary_key=True)
            b: Col[int] = column(primary_key=True)

    elif case == "unknown_unique":

        @pyram.table(unique=[("nope",)])
        class C(pyram.Table):
            a: Col[int]

    elif case == "bad_default":

        @pyram.table
        class D(pyram.Table):
            a: Col[int] = column(default="x")  # type: ignore[call-overload]

    elif case == "reserved":

        @pyram.table
        class E(pyram.Table):
            select: Col[int]  # type: ignore[assignment]

    elif case == "unsupported":

        @pyram.table
        class F(pyram.Table):
            a: Col[complex]

    elif case == "bad_index":

        @pyram.table
        class G(pyram.Table):
            a: Col[int] = column(index="btree")  # type: ignore[call-overload]

    elif case == "not_a_table":

        @pyram.table
        class H:
            a: Col[int]


@pytest.mark.parametrize(("case", "message"), BAD_DECLARATIONS)
def test_bad_declarations_are_programming_errors(case: str, message: str) -> None:
    with pytest.raises(pyram.ProgrammingError, match=message):
        _declare(case)


@pyram.table(name="typed_values")
class _Typed(pyram.Table):
    id: Col[int] = column(primary_key=True)
    count: Col[int] = 0
    ratio: Col[float] = 0.0
    label: Col[str] = ""
    day: Col[dt.date | None] = None


class _Level(int):
    """An int subclass (as IntEnum is): stored as a plain int."""


_CONSTRUCTOR_VALUES: list[tuple[str, Any]] = [
    ("count", 5), ("count", -(2**63)), ("count", 2**63 - 1), ("count", 2**63),
    ("count", _Level(3)), ("count", True), ("count", 1.5), ("count", "5"),
    ("ratio", 0.5), ("ratio", float("nan")), ("ratio", float("inf")), ("ratio", 2),
    ("ratio", "0.5"), ("label", "x"), ("label", 1), ("label", None),
    ("day", dt.date(2024, 1, 2)), ("day", None), ("day", "2024-01-02"),
]


@pytest.mark.parametrize(("field", "value"), _CONSTRUCTOR_VALUES)
def test_the_constructor_keeps_refuses_or_converts_as_the_type_validates(
    field: str, value: Any
) -> None:
    # the constructor's quick test and its validating fallback are one converter: every
    # value must end as the column type's own validation decides (stored form, or refused)
    schema = pyram.schema_of(_Typed)
    col = next(c for c in schema.columns if c.name == field)
    try:
        expected = col.dtype.validate(value, nullable=col.nullable, column=field, table="t")
    except (pyram.DataError, pyram.IntegrityError) as refused:
        with pytest.raises(type(refused)):
            _Typed(id=1, **{field: value})
        obj = _Typed(id=1)
        with pytest.raises(type(refused)):  # assignment runs the same converter
            setattr(obj, field, value)
        return
    made = getattr(_Typed(id=1, **{field: value}), field)
    stored = value if col.dtype.encodes else expected
    assert made == stored and type(made) is type(stored)
