"""The result API SQLAlchemy users expect: SqlResult methods, pyram.Row, one() errors, the
Database's one_or_none/scalars, and the DB-API row_factory (issue 19)."""

from __future__ import annotations

import gc

import pytest
from models import User

import pyram


@pytest.fixture
def db() -> pyram.Database:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)")
    db.sql("INSERT INTO t (name, score) VALUES ('a', 1.5), ('b', NULL), ('c', 3.0)")
    return db


def test_rows_are_tuples_with_names(db: pyram.Database) -> None:
    rows = db.sql("SELECT id, name FROM t ORDER BY id").all()
    assert rows == [(1, "a"), (2, "b"), (3, "c")]  # still tuples
    first = rows[0]
    assert isinstance(first, pyram.Row) and isinstance(first, tuple)
    assert (first.id, first.name, first["name"], first[1], first[-1]) == (1, "a", "a", "a", "a")
    assert first.keys() == ["id", "name"] and first._asdict() == {"id": 1, "name": "a"}
    ident, name = first
    assert (ident, name) == (1, "a")
    with pytest.raises(AttributeError, match="nope"):
        _ = first.nope
    with pytest.raises(IndexError):
        _ = first["nope"]


def test_one_first_and_scalars(db: pyram.Database) -> None:
    result = db.sql("SELECT name FROM t ORDER BY id")
    assert result.first() == ("a",) and result.scalar() == "a"
    assert result.scalars().all() == ["a", "b", "c"]
    assert result.scalars().first() == "a"
    assert db.sql("SELECT id, name FROM t").scalars("name") == ["a", "b", "c"]
    assert db.sql("SELECT name FROM t WHERE id = 2").one().name == "b"
    assert db.sql("SELECT name FROM t WHERE id = 9").one_or_none() is None
    assert db.sql("SELECT count(*) FROM t").scalar_one() == 3
    with pytest.raises(pyram.NoResultFound):
        db.sql("SELECT name FROM t WHERE id = 9").one()
    with pytest.raises(pyram.MultipleResultsFound):
        result.one()
    with pytest.raises(pyram.MultipleResultsFound):
        result.one_or_none()
    # old code catching ProgrammingError still works
    with pytest.raises(pyram.ProgrammingError):
        result.one()


def test_mappings_keys_columns_partitions(db: pyram.Database) -> None:
    result = db.sql("SELECT id, name FROM t ORDER BY id")
    assert result.mappings().all()[0] == {"id": 1, "name": "a"}
    assert result.mappings().first() == {"id": 1, "name": "a"}
    assert result.mappings()[2] == {"id": 3, "name": "c"}  # still a list
    assert result.keys() == ["id", "name"] and result.columns == ("id", "name")
    assert result.columns("name").all() == [("a",), ("b",), ("c",)]
    assert [len(p) for p in result.partitions(2)] == [2, 1]
    assert [r.name for r in result] == ["a", "b", "c"]


def test_database_one_or_none_and_scalars() -> None:
    db = pyram.Database()
    db.create(User)
    db.insert_many([User(id=1, name="a", age=3), User(id=2, name="b", age=4)])
    assert db.scalars(pyram.select(User.name).order_by(User.id)) == ["a", "b"]
    assert db.one_or_none(User.select().where(User.id == 9)) is None
    assert db.one_or_none(User.select().where(User.id == 1)) == User(id=1, name="a", age=3)
    with pytest.raises(pyram.MultipleResultsFound):
        db.one_or_none(User.select())
    with pytest.raises(pyram.NoResultFound):
        db.one(User.select().where(User.id == 9))


def test_dbapi_row_factory() -> None:
    con = pyram.connect()
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO t (name) VALUES ('a')")
    assert type(con.execute("SELECT id, name FROM t").fetchone()) is tuple
    con.row_factory = pyram.Row
    row = con.execute("SELECT id, name FROM t").fetchone()
    assert row == (1, "a") and row.name == "a" and row["id"] == 1
    con.row_factory = lambda cursor, values: dict(
        zip([d[0] for d in cursor.description], values, strict=True)
    )
    assert con.execute("SELECT id, name FROM t").fetchall() == [{"id": 1, "name": "a"}]
    with pytest.raises(AttributeError):
        con.rowfactory = pyram.Row  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        con.cursor().row_factroy = None  # type: ignore[attr-defined]


@pytest.mark.parametrize("collector_on", [True, False])
def test_a_large_result_builds_rows_in_one_batch(collector_on: bool) -> None:
    """Past 5,000 rows the cycle collector is paused while rows are built, and left as it
    was; the rows are the same either way, through the result and the DB-API."""
    con = pyram.connect()
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"n{i}") for i in range(6000)])
    was = gc.isenabled()
    (gc.enable if collector_on else gc.disable)()
    try:
        rows = con.database.sql("SELECT id, name FROM t ORDER BY id").all()
        assert gc.isenabled() is collector_on
        assert len(rows) == 6000 and rows[5999] == (5999, "n5999") and rows[5999].name == "n5999"
        assert type(rows[0]) is type(rows[5999])  # one class per result shape
        con.row_factory = pyram.Row
        fetched = con.execute("SELECT id, name FROM t ORDER BY id").fetchall()
        assert gc.isenabled() is collector_on
        assert fetched == rows and fetched[10].id == 10 and fetched[10]["name"] == "n10"
        assert isinstance(fetched[0], pyram.Row)
    finally:
        (gc.enable if was else gc.disable)()


def test_a_result_kept_as_columns_reads_the_same_every_way() -> None:
    """A query's result is kept as columns until rows are asked for (Rows are built from them
    directly); over many batches and with decoded values (JSON), every accessor agrees."""
    db = pyram.Database()
    db.sql("CREATE TABLE j (id int4 PRIMARY KEY, doc json)", dialect="postgres")
    db.sql("CREATE TABLE s (id INTEGER PRIMARY KEY, name TEXT)")
    with db.transaction():
        for i in range(40_000):
            db.sql("INSERT INTO s VALUES (?, ?)", [i, f"n{i}"])
    db.sql("INSERT INTO j VALUES ($1, $2::JSON)", [1, '{"a": [1]}'], dialect="postgres")
    query = "SELECT id, name FROM s WHERE id % 3 = 0 ORDER BY id DESC"
    expected = [(i, f"n{i}") for i in range(39_999, -1, -1) if i % 3 == 0]
    rows = db.sql(query).all()
    assert rows == expected and rows[0].name == "n39999" and isinstance(rows[0], pyram.Row)
    assert db.sql(query).raw_rows == expected and len(db.sql(query)) == len(expected)
    result = db.sql(query)
    assert result.all() == expected and result.raw_rows == expected  # all() keeps the columns
    assert result.scalars("name")[:2] == ["n39999", "n39996"] and result.first() == expected[0]
    assert db.sql("SELECT id FROM s WHERE id < 0").all() == []
    assert db.sql("SELECT doc FROM j").one().doc == {"a": [1]}
    few = db.sql("SELECT id, name FROM s WHERE id < 3 ORDER BY id")  # read without raw_rows
    assert few.scalar() == 0 and len(few) == 3 and few.scalars(1) == ["n0", "n1", "n2"]
    assert few.first() == (0, "n0") and repr(few) == "<SqlResult 3 rows: id, name>"
    assert db.sql("SELECT id FROM s WHERE id < 0").scalar() is None
