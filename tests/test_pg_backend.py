"""pyram.pg: DDL with every constraint, bound parameters only, compile-time errors, EXPLAIN,
transactions and savepoints, SerializationFailure, on_change after commit, async.

Runs against the session's PostgreSQL 15 server (tests/pg_server.py); never skips.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from models import AllTypes, Color, Level, Order, Review, Ticket, User

import pyram
import pyram.pg
from pyram import Col, column, func


def _reset(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture
def pgdb(postgres: Any) -> Iterator[pyram.pg.PgDatabase]:
    """An empty PostgreSQL database with the User/Order/Review/Ticket/AllTypes tables."""
    _reset(postgres.dsn)
    db = pyram.pg.connect(postgres.dsn, pool_size=4)
    db.create(User, Order, Review, Ticket, AllTypes)
    try:
        yield db
    finally:
        db.close()
        _reset(postgres.dsn)  # leave the shared server's public schema empty


def _column_types(dsn: str, table: str) -> dict[str, str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
            (table,),
        ).fetchall()
    return {name: kind for name, kind in rows}


def test_types_map_as_documented(pgdb: pyram.pg.PgDatabase, postgres: Any) -> None:
    types = _column_types(postgres.dsn, "all_types")
    assert types == {
        "id": "bigint", "i": "bigint", "f": "double precision", "s": "text", "b": "boolean",
        "raw": "bytea", "dec": "numeric", "day": "date",
        "ts": "timestamp without time zone", "tstz": "timestamp with time zone",
        "t": "time without time zone", "u": "uuid", "color": "text", "level": "bigint",
        "doc": "jsonb", "took": "interval",
    }  # fmt: skip


def test_every_type_round_trips(pgdb: pyram.pg.PgDatabase) -> None:
    row = AllTypes(
        id=1, i=-(2**63), f=1.5, s="é'\"", b=True, raw=b"\x00\xff", dec=decimal.Decimal("1.25"),
        day=dt.date(2024, 2, 29), ts=dt.datetime(2024, 1, 2, 3, 4, 5, 6),
        tstz=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        t=dt.time(23, 59, 1), u=uuid.UUID(int=7), color=Color.GREEN, level=Level.HIGH,
        doc={"a": [1, None, "x"], "b": {"c": True}},
    )  # fmt: skip
    pgdb.insert(row)
    pgdb.insert(AllTypes(id=2))
    assert pgdb.get(AllTypes, 1) == row
    assert pgdb.get(AllTypes, 2) == AllTypes(id=2)
    assert pgdb.all(AllTypes.select().where(AllTypes.color == Color.GREEN)) == [row]
    assert pgdb.scalars(pyram.select(AllTypes.level).order_by(AllTypes.id)) == [Level.HIGH, None]


def test_constraints_are_enforced_by_postgres(pgdb: pyram.pg.PgDatabase) -> None:
    pgdb.insert(User(id=1, name="ann", age=30, email="a@x"))
    with pytest.raises(pyram.IntegrityError) as unique:
        pgdb.insert(User(id=2, name="bob", age=3, email="a@x"))
    assert unique.value.constraint == "unique" and unique.value.table == "user"
    with pytest.raises(pyram.IntegrityError):
        pgdb.insert(User(id=1, name="dup", age=3))  # primary key
    with pytest.raises(pyram.IntegrityError) as fk:
        pgdb.insert(Order(id=1, user_id=99))
    assert fk.value.constraint == "foreign key"
    with pytest.raises(pyram.IntegrityError):
        pgdb.insert(User(id=3, name="neg", age=-1))  # the model's Python CHECK
    with pytest.raises(pyram.DataError):
        pgdb.insert(User(id=3, name="x", age="3"))  # type: ignore[arg-type]
    assert pgdb.count(User) == 1
    pgdb.insert_many([Order(id=1, user_id=1), Order(id=2, user_id=1)])
    pgdb.insert(Ticket(id=1, assignee=1))
    pgdb.insert(Review(id=1, user_id=1))
    with pytest.raises(pyram.IntegrityError):  # RESTRICT from review
        pgdb.delete(User, 1)
    pgdb.delete(Review, 1)
    assert pgdb.delete(User, 1) is True
    assert pgdb.count(Order) == 0  # ON DELETE CASCADE
    assert pgdb.get(Ticket, 1) == Ticket(id=1, assignee=None)  # ON DELETE SET NULL


def test_upsert_update_delete_by_object(pgdb: pyram.pg.PgDatabase) -> None:
    assert pgdb.upsert(User(id=1, name="ann", age=30)) == "insert"
    assert pgdb.upsert(User(id=1, name="ann", age=31)) == "update"
    assert pgdb.update(User(id=1, name="ANN", age=32)) is True
    assert pgdb.update(User(id=9, name="nobody", age=1)) is False
    assert pgdb.get(User, 1) == User(id=1, name="ANN", age=32)
    assert pgdb.delete(User(id=1, name="ANN", age=32)) is True
    assert pgdb.get(User, 1) is None


def test_values_are_bound_never_interpolated(pgdb: pyram.pg.PgDatabase) -> None:
    evil = 'x\'); DROP TABLE "user"; --'
    q = pyram.select(User.id).where((User.name == evil) | User.name.like("%" + evil))
    compiled = pgdb.compile(q)
    assert evil not in compiled.sql and "DROP" not in compiled.sql
    assert evil in compiled.values.values()
    assert pgdb.all(q) == []
    pgdb.insert(User(id=1, name=evil, age=1))
    assert pgdb.all(q) == [(1,)]


def test_what_postgres_cannot_express_fails_at_compile_time(pgdb: pyram.pg.PgDatabase) -> None:
    with pytest.raises(pyram.NotSupportedError, match="GLOB"):
        pgdb.compile(pyram.select(User.id).where(User.name.glob("a*")))

    with pytest.raises(pyram.NotSupportedError, match="instr"):
        pgdb.compile(pyram.select(pyram.func.call("instr", User.name, "a")))

    @pyram.udf
    def double(x: int) -> int:
        return 2 * x

    with pytest.raises(pyram.ProgrammingError, match="double"):  # Python functions stay home
        pgdb.all(pyram.select(double(User.age)))


def test_explain_is_postgres_plan(pgdb: pyram.pg.PgDatabase) -> None:
    q = User.select().where(User.id.eq(pyram.param("id", int)))
    text = pgdb.explain(q, id=1)
    assert "Index Scan" in text and "user_pkey" in text
    analyzed = pgdb.explain(q, id=1, analyze=True)
    assert "actual time" in analyzed
    with pytest.raises(pyram.NotSupportedError):
        pgdb.explain(q, id=1, format="dot")


def test_transactions_and_savepoints(pgdb: pyram.pg.PgDatabase) -> None:
    with pgdb.transaction():
        pgdb.insert(User(id=1, name="a", age=1))
        with pytest.raises(ValueError), pgdb.transaction() as inner:
            assert inner.nested
            pgdb.insert(User(id=2, name="b", age=1))
            raise ValueError("undo the savepoint only")
        with pytest.raises(pyram.IntegrityError):
            pgdb.insert(User(id=1, name="dup", age=1))  # fails alone; the transaction goes on
        pgdb.insert(User(id=3, name="c", age=1))
    assert pgdb.scalars(pyram.select(User.id).order_by(User.id)) == [1, 3]
    with pytest.raises(RuntimeError), pgdb.transaction("read_committed"):
        pgdb.insert(User(id=4, name="d", age=1))
        raise RuntimeError
    assert pgdb.get(User, 4) is None
    tx = pgdb.begin("snapshot", read_only=True)
    with pytest.raises(pyram.DatabaseError):
        pgdb.insert(User(id=5, name="e", age=1))
    tx.rollback()
    assert not pgdb.in_transaction
    with pytest.raises(pyram.ProgrammingError):
        pgdb.transaction("chaos")  # type: ignore[arg-type]


def test_serialization_failure_on_40001(pgdb: pyram.pg.PgDatabase, postgres: Any) -> None:
    other = pyram.pg.connect(postgres.dsn, pool_size=1)
    try:
        first = pgdb.begin("serializable")
        second = other.begin("serializable")
        assert pgdb.count(User) == 0 and other.count(User) == 0
        pgdb.insert(User(id=1, name="a", age=1))
        other.insert(User(id=2, name="b", age=1))
        first.commit()
        with pytest.raises(pyram.SerializationFailure, match="40001"):
            second.commit()
        assert second.state == "rolled back"
    finally:
        other.close()
    assert pgdb.scalars(pyram.select(User.id)) == [1]


def test_on_change_after_commit_only(pgdb: pyram.pg.PgDatabase) -> None:
    seen: list[pyram.Change] = []
    arrived = threading.Event()

    def record(change: pyram.Change) -> None:
        seen.append(change)
        if len(seen) == 3:
            arrived.set()

    stop = pgdb.on_change(User, record)
    with pytest.raises(RuntimeError), pgdb.transaction():
        pgdb.insert(User(id=9, name="never", age=1))
        raise RuntimeError
    with pgdb.transaction():
        pgdb.insert(User(id=1, name="a", age=1))
    pgdb.execute(pyram.update(User).set(User.age, User.age + 1))
    pgdb.delete(User, 1)
    assert arrived.wait(10)
    assert [c.kind for c in seen] == ["insert", "update", "delete"]
    assert seen[0].new == User(id=1, name="a", age=1) and seen[0].old is None
    assert seen[1].old == User(id=1, name="a", age=1)
    assert seen[1].new == User(id=1, name="a", age=2)
    assert seen[2].old == User(id=1, name="a", age=2) and seen[2].new is None
    stop()


@pyram.table
class Note(pyram.Table):
    id: Col[int] = column(primary_key=True)
    text: Col[str]
    stars: Col[int | None] = None


def test_async_api(postgres: Any) -> None:
    _reset(postgres.dsn)

    async def main() -> None:
        db = await pyram.pg.connect_async(postgres.dsn)
        try:
            await db.create(Note)
            await db.insert_many([Note(1, "a", 3), Note(2, "b", None)])
            assert await db.get(Note, 2) == Note(2, "b", None)
            q = pyram.select(Note.id).where(Note.stars.is_null())
            assert await db.all(q) == [(2,)]
            async with db.transaction():
                await db.insert(Note(3, "c", 1))
                with pytest.raises(pyram.IntegrityError):
                    await db.insert(Note(3, "dup", 1))
            with pytest.raises(RuntimeError):
                async with db.transaction():
                    await db.insert(Note(4, "d", 1))
                    raise RuntimeError
            assert await db.scalar(pyram.select(pyram.func.count()).select_from(Note)) == 3
            changed = await db.execute(pyram.update(Note).set(Note.stars, 5))
            assert changed == 3
            assert await db.upsert(Note(1, "z", 0)) == "update"
            assert await db.one(Note.select().where(Note.id == 1)) == Note(1, "z", 0)
            assert await db.update(Note(2, "b2", 1)) is True
            assert await db.count(Note) == 3
            assert await db.scalars(pyram.select(Note.text).order_by(Note.id)) == ["z", "b2", "c"]
            assert await db.one_or_none(Note.select().where(Note.id == 9)) is None
            assert "Scan" in await db.explain(Note.select().where(Note.id == 1))
            assert await db.delete(Note, 3) is True
        finally:
            await db.close()

    asyncio.run(main())


def test_async_on_change_iter_and_delete_by_object(postgres: Any) -> None:
    """The synchronous database's ``on_change``, ``iter`` and ``delete(obj)``, async."""
    _reset(postgres.dsn)

    async def main() -> None:
        db = await pyram.pg.connect_async(postgres.dsn)
        seen: list[tuple[str, Any, Any]] = []
        done = asyncio.Event()
        loop_thread = threading.get_ident()

        async def record(change: pyram.Change) -> None:  # a coroutine: run as a task
            assert threading.get_ident() == loop_thread  # on the loop that subscribed
            seen.append((change.kind, change.old, change.new))
            if len(seen) == 3:
                done.set()

        try:
            await db.create(Note)
            stop = await db.on_change(Note, record)
            with pytest.raises(RuntimeError):
                async with db.transaction():
                    await db.insert(Note(9, "never"))
                    raise RuntimeError
            await db.insert_many([Note(1, "a", 3), Note(2, "b", None)])
            rows = [n async for n in db.iter(Note.select().order_by(Note.id.desc()))]
            assert rows == [Note(2, "b", None), Note(1, "a", 3)]
            assert [r async for r in db.iter(pyram.select(Note.id).where(Note.id > 5))] == []
            assert await db.delete(Note(1, "changed text: only the key counts")) is True
            assert await db.delete(Note(1, "a", 3)) is False
            assert await db.count(Note) == 1
            with pytest.raises(pyram.ProgrammingError, match="takes no key"):
                await db.delete(Note(2, "b"), 2)  # type: ignore[call-overload]
            with pytest.raises(pyram.ProgrammingError, match="needs the primary key"):
                await db.delete(Note)  # type: ignore[call-overload]
            await asyncio.wait_for(done.wait(), 10)
            assert seen == [
                ("insert", None, Note(1, "a", 3)),
                ("insert", None, Note(2, "b", None)),
                ("delete", Note(1, "a", 3), None),
            ]
            stop()
            await db.insert(Note(5, "after stop"))
            await asyncio.sleep(0.3)
            assert len(seen) == 3
        finally:
            await db.close()

    asyncio.run(main())


def test_docs_page_examples_run(postgres: Any) -> None:
    """docs/postgres-backend.md's examples, run in order against the test server."""
    import sys
    import types
    from pathlib import Path

    from test_docs import python_blocks

    _reset(postgres.dsn)
    path = Path(__file__).resolve().parent.parent / "docs" / "postgres-backend.md"
    blocks = python_blocks(path.read_text(encoding="utf-8"))
    module = types.ModuleType("docs_postgres_backend")
    module.__dict__["DSN"] = postgres.dsn
    sys.modules[module.__name__] = module
    try:
        for first_line, code in blocks:
            source = "\n" * (first_line - 1) + code
            exec(compile(source, str(path), "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]


def test_on_change_every_type_and_oversized_rows(pgdb: pyram.pg.PgDatabase) -> None:
    seen: list[pyram.Change] = []
    arrived = threading.Event()

    def record(change: pyram.Change) -> None:
        seen.append(change)
        if len(seen) == 2:
            arrived.set()

    pgdb.on_change(AllTypes, record)
    row = AllTypes(
        id=1, i=7, f=2.0, s="x", b=False, raw=b"\x01", dec=decimal.Decimal("0.10000000000000001"),
        day=dt.date(2024, 1, 1), ts=dt.datetime(2024, 1, 1, 1, 1, 1, 5),
        tstz=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), t=dt.time(1, 2, 3),
        u=uuid.UUID(int=1), color=Color.RED, level=Level.LOW, doc={"k": [1.5, 2]},
    )  # fmt: skip
    pgdb.insert(row)
    pgdb.insert(AllTypes(id=2, s="y" * 10_000))  # past NOTIFY's 8000 bytes: the key only
    assert arrived.wait(10)
    assert seen[0].new == row
    assert seen[1].kind == "insert" and seen[1].new == {"id": 2}


def test_every_dsl_construct_agrees_with_memory(pgdb: pyram.pg.PgDatabase) -> None:
    """The constructs the generated tests do not build, each compared with the in-memory answer."""
    memory = pyram.Database()
    memory.create(User, Order, Review, Ticket, AllTypes)
    users = [User(id=i, name=n, age=a) for i, (n, a) in enumerate([("ann", 30), ("bob", 7)])]
    orders = [Order(id=1, user_id=0, total=2.5), Order(id=2, user_id=0, total=7.0)]
    for db in (memory, pgdb):
        db.insert_many(users)
        db.insert_many(orders)
    other = pyram.alias(User, "other")
    queries: list[Any] = [
        pyram.select(User.id, other.id).cross_join(other),
        pyram.select(User.id, Order.id).full_join(Order, on=Order.user_id == User.id),
        pyram.select(User.name).where(User.name.not_like("A%")),
        pyram.select(User.name).except_all(pyram.select(User.name).where(User.age > 10)),
        pyram.select(User.name).intersect_all(pyram.select(User.name)),
        pyram.select(pyram.cast(User.age, float), User.name.concat("!"), -User.age),
        pyram.select(User.id).where(User.age.not_in(pyram.select(Order.user_id))),
        pyram.select(User.id, pyram.select(func.sum(Order.total)).where(
            Order.user_id == User.id).scalar_subquery()),
        pyram.select(User.id).where(~pyram.exists(pyram.select(Order.id).where(
            Order.user_id == User.id))),
        pyram.select(func.count(Order.user_id, distinct=True), func.group_concat(User.name)),
        pyram.select(func.max(User.age, 10), func.min(User.age, 10), func.abs(-User.age)),
        pyram.select(func.round(Order.total * 1.25, 1), func.nullif(User.age, 7)).select_from(
            User).join(Order, on=Order.user_id == User.id),
        pyram.select(func.substr(User.name, 2, 2), func.replace(User.name, "a", "o"),
                     func.trim(User.name), func.lower(User.name)),
    ]  # fmt: skip
    for q in queries:
        assert sorted(pgdb.all(q), key=repr) == sorted(memory.all(q), key=repr), pgdb.compile(q).sql
    copy = pyram.insert(Review).from_select(pyram.select(Order.id, Order.user_id))
    assert pgdb.execute(copy) == memory.execute(copy) == 2
    assert pgdb.all(Review.select()) == memory.all(Review.select())


def test_on_conflict_compiles_to_bound_statements(pgdb: pyram.pg.PgDatabase) -> None:
    """The conflict actions' SQL (values bound, never text), a replace without a key column
    refused at compile time, and a replace undone with its transaction."""
    pgdb.insert_many([User(id=1, name="ann", age=30, email="a@x"), User(id=2, name="bob", age=4)])
    source = pyram.select(User.id + 10, User.name, User.age, User.email).where(User.age > 20)
    replace = pyram.insert(User).from_select(source).on_conflict("replace")
    sql = pgdb.compile(replace).sql
    assert 'DELETE FROM "user"' in sql and "20" not in sql and "a@x" not in sql
    update = (
        pyram.insert(User)
        .from_select(source)
        .on_conflict("update", User.email)
        .set(User.name, pyram.excluded(User.name).concat("!"))
    )
    sql = pgdb.compile(update).sql
    assert 'ON CONFLICT ("email") DO UPDATE SET "name" = ' in sql and "!" not in sql
    partial = pyram.insert(User).from_select(
        pyram.select(User.id + 10, User.name, User.age), User.id, User.name, User.age
    )
    with pytest.raises(pyram.NotSupportedError, match="'email'"):
        pgdb.compile(partial.on_conflict("replace"))
    with pytest.raises(RuntimeError), pgdb.transaction():
        assert pgdb.execute(replace) == 1  # id 11's email a@x: id 1 goes
        assert pgdb.get(User, 1) is None
        raise RuntimeError
    assert pgdb.get(User, 1) == User(id=1, name="ann", age=30, email="a@x")
    assert pgdb.execute(update) == 1
    assert pgdb.get(User, 1) == User(id=1, name="ann!", age=30, email="a@x")
    assert pgdb.execute(partial.on_conflict("ignore")) == 2  # other actions compile


def test_async_on_conflict(postgres: Any) -> None:
    _reset(postgres.dsn)

    async def main() -> None:
        db = await pyram.pg.connect_async(postgres.dsn)
        try:
            await db.create(Note)
            await db.insert_many([Note(1, "a", 3), Note(2, "b", None)])
            copy = pyram.insert(Note).from_select(pyram.select(Note.id, Note.text, Note.id))
            assert await db.execute(copy.on_conflict("replace")) == 2
            assert await db.execute(copy.on_conflict("ignore")) == 0
            stars = copy.on_conflict("update", Note.id).set(Note.stars, Note.stars * 10)
            assert await db.execute(stars) == 2
            assert await db.scalars(pyram.select(Note.stars).order_by(Note.id)) == [10, 20]
        finally:
            await db.close()

    asyncio.run(main())


def test_a_connection_that_did_not_create_the_tables_knows_their_foreign_keys(
    pgdb: pyram.pg.PgDatabase, postgres: Any
) -> None:
    pgdb.insert_many([User(id=1, name="ada", age=36), User(id=2, name="bob", age=41)])
    pgdb.insert(Order(id=10, user_id=1, total=5.0))
    other = pyram.pg.connect(postgres.dsn, pool_size=1)  # another process, the same tables
    try:
        # Order is used first: its parent User is learned from the foreign key's model
        joined = pyram.select(Order.id, User.name).join(User)
        assert other.all(joined) == [(10, "ada")]
        assert other.all(pyram.select(User.name, Order.id).join(Order)) == [("ada", 10)]
        # a key named only by a string needs its table known already: then it links too
        assert other.all(pyram.select(Review.id).join(User)) == []
    finally:
        other.close()
