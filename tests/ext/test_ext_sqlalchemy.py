"""The SQLAlchemy dialect: ORM round trips with relationships, every PyRAM type through Core,
transactions and savepoints, reflection of tables made by models and by SQL, durable files."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from pathlib import Path
from typing import Any

import pytest

sa = pytest.importorskip("sqlalchemy")

from models import Order, User  # noqa: E402
from sqlalchemy import (  # noqa: E402
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    Uuid,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import registry  # noqa: E402
from sqlalchemy.orm import (  # noqa: E402
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
)

import pyram  # noqa: E402

# the entry point registers it once the package is installed; tests also run from a checkout
registry.register("pyram", "pyram.ext.sqlalchemy", "PyramDialect")


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="author", cascade="all, delete-orphan")


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    price: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="books")


@pytest.fixture
def engine() -> Any:
    engine = create_engine("pyram://")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_orm_add_query_update_delete_with_relationships(engine: Any) -> None:
    with Session(engine) as session:
        ada = Author(name="ada", books=[Book(title="notes", price=decimal.Decimal("9.50"))])
        session.add_all([ada, Author(name="bob")])
        session.commit()
        assert ada.id == 1
        found = session.scalars(select(Author).where(Author.name == "ada")).one()
        assert [(b.title, b.price) for b in found.books] == [("notes", decimal.Decimal("9.50"))]
        found.books.append(Book(title="more", price=decimal.Decimal("1.25")))
        found.books[0].title = "Notes"
        session.commit()
        rows = session.execute(
            select(Author.name, Book.title).join(Book.author).order_by(Book.id)
        ).all()
        assert rows == [("ada", "Notes"), ("ada", "more")]
        session.delete(found)  # the cascade deletes the books too
        session.commit()
        assert session.scalars(select(Book)).all() == []
        assert session.scalars(select(Author.name)).all() == ["bob"]


def test_transactions_and_savepoints(engine: Any) -> None:
    with Session(engine) as session:
        session.add(Author(name="kept"))
        with session.begin_nested():
            session.add(Author(name="inner"))
        savepoint = session.begin_nested()
        session.add(Author(name="undone"))
        session.flush()
        savepoint.rollback()
        session.commit()
        session.add(Author(name="rolled back"))
        session.flush()
        session.rollback()
        names = session.scalars(select(Author.name).order_by(Author.id)).all()
    assert names == ["kept", "inner"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("INSERT INTO author (name) VALUES ('auto')"))
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM author WHERE name = 'auto'")) == 1


class Mood(enum.Enum):
    HAPPY = "h"
    SAD = "s"


def test_every_type_round_trips_as_python_objects(engine: Any) -> None:
    meta = MetaData()
    table = Table(
        "everything",
        meta,
        Column("id", Integer, primary_key=True),
        Column("data", JSON),
        Column("amount", Numeric(12, 3)),
        Column("key", Uuid),
        Column("key_text", Uuid(as_uuid=False)),
        Column("at", DateTime(timezone=True)),
        Column("naive", DateTime),
        Column("day", Date),
        Column("clock", Time),
        Column("raw", LargeBinary),
        Column("flag", Boolean),
        Column("mood", Enum(Mood)),
        Column("ratio", Float),
    )
    meta.create_all(engine)
    key = uuid.uuid4()
    row = {
        "id": 1,
        "data": {"a": [1, 2, {"b": None}]},
        "amount": decimal.Decimal("12.345"),
        "key": key,
        "key_text": str(key),
        "at": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "naive": dt.datetime(2024, 5, 6, 7, 8, 9),
        "day": dt.date(2024, 5, 6),
        "clock": dt.time(7, 8, 9),
        "raw": b"\x00\xff",
        "flag": True,
        "mood": Mood.SAD,
        "ratio": 0.25,
    }
    with engine.begin() as conn:
        conn.execute(table.insert(), row)
        conn.execute(table.insert(), {"id": 2})  # every column NULL
    with engine.connect() as conn:
        got = conn.execute(select(table).where(table.c.id == 1)).mappings().one()
        assert dict(got) == row
        assert type(got["amount"]) is decimal.Decimal
        assert conn.execute(select(table.c.data).where(table.c.id == 2)).scalar() is None
        # the stored values are PyRAM's typed values, not SQLite's strings
        stored = conn.exec_driver_sql("SELECT at, day, key FROM everything WHERE id = 1").one()
        assert stored == (row["at"], row["day"], key)


def test_strict_types_refuse_wrong_values_and_change_nothing(engine: Any) -> None:
    meta = MetaData()
    table = Table("t", meta, Column("id", Integer, primary_key=True), Column("naive", DateTime))
    meta.create_all(engine)
    aware = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(sa.exc.DataError, match="TIMESTAMP"), engine.begin() as conn:
        conn.execute(table.insert(), [{"id": 1, "naive": dt.datetime(2024, 1, 1)}])
        conn.execute(table.insert(), [{"id": 2, "naive": aware}])
    with engine.connect() as conn:
        assert conn.execute(select(table)).all() == []


def test_inspect_tables_made_by_sql() -> None:
    engine = create_engine("pyram://")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE dept (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, "
            "CONSTRAINT uq_dept_name UNIQUE (name))"
        )
        conn.exec_driver_sql(
            "CREATE TABLE emp (id INTEGER PRIMARY KEY, dept_id INTEGER REFERENCES dept (id), "
            "salary NUMERIC(10, 2) DEFAULT 0, hired TIMESTAMPTZ)"
        )
        conn.exec_driver_sql("CREATE INDEX emp_salary ON emp (salary)")
        conn.exec_driver_sql("CREATE VIEW rich AS SELECT id FROM emp WHERE salary > 100")
    insp = inspect(engine)
    assert insp.get_table_names() == ["dept", "emp"]
    assert insp.get_view_names() == ["rich"]
    columns = {c["name"]: c for c in insp.get_columns("emp")}
    assert isinstance(columns["salary"]["type"], sa.NUMERIC)
    assert (columns["salary"]["type"].precision, columns["salary"]["type"].scale) == (10, 2)
    assert columns["salary"]["default"] == "0"
    assert columns["hired"]["type"].timezone is True
    assert insp.get_pk_constraint("emp")["constrained_columns"] == ["id"]
    (fk,) = insp.get_foreign_keys("emp")
    assert (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"]) == (
        ["dept_id"],
        "dept",
        ["id"],
    )
    assert [(i["name"], i["column_names"]) for i in insp.get_indexes("emp")] == [
        ("emp_salary", ["salary"])
    ]
    assert insp.get_unique_constraints("dept") == [
        {"name": "uq_dept_name", "column_names": ["name"]}
    ]
    # the reflected table works for queries
    emp = Table("emp", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        assert conn.execute(select(emp)).all() == []


def test_inspect_tables_made_by_models() -> None:
    db = pyram.Database()
    db.create(User, Order)
    db.insert(User(id=1, name="ada", age=36))
    engine = create_engine("pyram://", connect_args={"database": db})
    insp = inspect(engine)
    assert insp.get_table_names() == ["orders", "user"]
    assert [c["name"] for c in insp.get_columns("user")] == ["id", "name", "age", "email"]
    (fk,) = insp.get_foreign_keys("orders")
    assert (fk["referred_table"], fk["options"]) == ("user", {"ondelete": "CASCADE"})
    user = Table("user", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        assert conn.execute(select(user.c.name)).scalars().all() == ["ada"]
    engine.dispose()
    assert db.table_names() == ["user", "orders"]  # the caller's database stays open


def test_interval_reflects_and_round_trips_a_timedelta() -> None:
    """INTERVAL reaches SQLAlchemy through its own type (DataType.sqlalchemy_type): a table
    made by SQL reflects it as ``sqlalchemy.Interval``, and a timedelta goes in and comes back
    as itself (SQLite's dialects would store an epoch datetime)."""
    engine = create_engine("pyram://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE job (id INTEGER PRIMARY KEY, took INTERVAL)")
    columns = {c["name"]: c for c in inspect(engine).get_columns("job")}
    assert isinstance(columns["took"]["type"], Interval)
    job = Table("job", MetaData(), autoload_with=engine)
    took = dt.timedelta(days=2, hours=3, microseconds=7)
    with engine.begin() as conn:
        conn.execute(job.insert(), [{"id": 1, "took": took}, {"id": 2, "took": None}])
    with engine.connect() as conn:
        assert conn.execute(select(job.c.took).order_by(job.c.id)).scalars().all() == [took, None]
        longer = select(job.c.id).where(job.c.took > dt.timedelta(days=1))
        assert conn.execute(longer).scalars().all() == [1]
        stored = conn.exec_driver_sql("SELECT took FROM job WHERE id = 1").scalar()
        assert stored == took and type(stored) is dt.timedelta
    # a model column of SQLAlchemy's Interval creates an INTERVAL column
    meta = MetaData()
    Table("span", meta, Column("id", Integer, primary_key=True), Column("d", Interval))
    meta.create_all(engine)
    with engine.connect() as conn:
        declared = conn.exec_driver_sql("PRAGMA table_info(span)").all()
    assert [row[2] for row in declared] == ["INTEGER", "INTERVAL"]
    engine.dispose()


def test_every_type_reflects_through_its_own_sqlalchemy_name() -> None:
    """Each column type names a SQLAlchemy type that exists; reflection of the type's own
    name gives it (no table keyed by type names in the extension)."""
    from pyram.ext.sqlalchemy.types import ischema_names, sqlalchemy_type
    from pyram.types import registered_types

    for dtype in registered_types():
        found = sqlalchemy_type(dtype)
        assert found is not None, dtype.name
        assert issubclass(found, sa.types.TypeEngine), dtype.name
        assert ischema_names[dtype.name] is found


def test_a_collected_connection_leaves_the_threads_transaction_alone() -> None:
    """A driver connection dropped without close() (collected at any point, even during
    another statement) does not roll back the transaction the thread shares."""
    import gc

    dialect = create_engine("pyram://").dialect
    leaked = dialect.connect(None, "full")
    other = dialect.connect(None, "full")
    other.execute("CREATE TABLE t (a INTEGER)")
    other.execute("BEGIN")
    other.execute("INSERT INTO t VALUES (1)")
    del leaked
    gc.collect()
    other.commit()
    assert other.execute("SELECT a FROM t").fetchall() == [(1,)]
    other.close()


def test_entry_point_names_the_dialect() -> None:
    """pyproject's ``sqlalchemy.dialects`` entry point loads this dialect."""
    import importlib
    import tomllib

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["sqlalchemy.dialects"]["pyram"]
    module, _, name = target.partition(":")
    dialect = getattr(importlib.import_module(module), name)
    assert dialect.name == "pyram"
    assert create_engine("pyram://").dialect.__class__ is dialect


def test_durable_file(tmp_path: Path) -> None:
    path = tmp_path / "app.pyram"
    engine = create_engine(f"pyram:///{path}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Author(name="ada"))
        session.commit()
    engine.dispose()  # closes the file
    con = pyram.connect(str(path))  # the file is free again: the engine closed it
    assert con.execute("SELECT name FROM author").fetchall() == [("ada",)]
    con.close()
    with pytest.raises(sa.exc.ArgumentError):
        create_engine("pyram://user@host/x").connect()
