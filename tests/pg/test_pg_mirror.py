"""The PostgreSQL mirror against a real PostgreSQL 15: types, changes, events, read-only
tables, filters and column lists, schema changes, and the operations API."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest
from pg_fixtures import PgDatabase, pgdb_fixture  # noqa: F401 (the pgdb fixture)

import pyram
import pyram.pg as pg
from pyram.errors import NotSupportedError, ProgrammingError

ALL_TYPES = """
CREATE TABLE all_types (
    id bigint PRIMARY KEY, i2 smallint, i4 integer NOT NULL, i8 bigint, f4 real,
    f8 double precision, num numeric(12, 3), b boolean, t text, vc varchar(20),
    ch char(4), ba bytea, d date, tm time, ts timestamp, tz timestamptz, u uuid,
    j json, jb jsonb, mood mood
)"""

ROW_SQL = (
    "INSERT INTO all_types VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
    " %s, %s, %s, %s::json, %s::jsonb, %s)"
)


def _type_rows() -> list[tuple[Any, ...]]:
    tz = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=dt.UTC)
    return [
        (1, -32768, 0, 2**62, 0.1, -2.25e300, Decimal("123456789.125"), True, "héllo\t\n\\",
         "x" * 20, "ab", b"\x00\xff\\x", dt.date(1, 1, 1), dt.time(23, 59, 59, 999999),
         dt.datetime(9999, 12, 31, 1, 2, 3), tz, uuid.UUID(int=7), '{"a": [1, null]}',
         '[1, {"b": "c"}]', "happy"),
        (2, None, -1, None, None, None, None, None, None, None, None, None, None, None,
         None, None, None, None, None, None),
    ]


def _pg_rows(pgdb: PgDatabase, table: str) -> list[tuple[Any, ...]]:
    return pgdb.rows(f"SELECT * FROM {table} ORDER BY 1")


def _py_rows(db: pyram.Database, table: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in db.sql(f"SELECT * FROM {table} ORDER BY 1").all()]


def test_every_mapped_type_round_trips_through_snapshot_and_stream(pgdb: PgDatabase) -> None:
    pgdb.run("CREATE TYPE mood AS ENUM ('sad', 'happy');" + ALL_TYPES)
    first, second = _type_rows()
    pgdb.run(ROW_SQL, first)  # arrives with the snapshot (binary COPY)
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["public.all_types"], slot=pgdb.slot)
    try:
        pgdb.run(ROW_SQL, second)  # arrives through pgoutput (text)
        pgdb.run(ROW_SQL, (3, *first[1:]))
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        expected = _pg_rows(pgdb, "all_types")
        assert _py_rows(db, "all_types") == expected
        assert _py_rows(db, "all_types")[2][1:] == _py_rows(db, "all_types")[0][1:]
        types = {c.name: c.dtype.name for c in db.schema("all_types").columns}
        assert types["num"] == "DECIMAL" and types["tz"] == "TIMESTAMPTZ"
        assert types["jb"] == "JSON" and types["mood"] == "TEXT" and types["ba"] == "BLOB"
        assert not db.schema("all_types").column("i4").nullable
    finally:
        mirror.stop()


def test_unmapped_type_is_a_clear_error_unless_left_out(pgdb: PgDatabase) -> None:
    pgdb.run("CREATE TABLE geo (id int PRIMARY KEY, p point, name text)")
    db = pyram.Database()
    with pytest.raises(NotSupportedError, match=r"geo\.p: PostgreSQL type point"):
        pg.mirror(db, pgdb.dsn, ["geo"], slot=pgdb.slot)
    mirror = pg.mirror(db, pgdb.dsn, [pg.Source("geo", columns=("id", "name"))], slot=pgdb.slot)
    mirror.stop()
    assert db.schema("geo").column_names == ("id", "name")


def test_setup_errors_name_the_problem(pgdb: PgDatabase) -> None:
    pgdb.run("CREATE TABLE nokey (a int); CREATE TABLE k (id int PRIMARY KEY, a int)")
    db = pyram.Database()
    with pytest.raises(ProgrammingError, match="nokey has no primary key"):
        pg.mirror(db, pgdb.dsn, ["nokey"], slot=pgdb.slot)
    with pytest.raises(ProgrammingError, match=r"no table public\.missing"):
        pg.mirror(db, pgdb.dsn, ["missing"], slot=pgdb.slot)
    with pytest.raises(ProgrammingError, match="must include its primary key"):
        pg.mirror(db, pgdb.dsn, [pg.Source("k", columns=("a",))], slot=pgdb.slot)
    with pytest.raises(ProgrammingError, match="slot name"):
        pg.mirror(db, pgdb.dsn, ["k"], slot="Bad-Name")
    with pytest.raises(ProgrammingError, match="not a PostgreSQL LSN"):
        pg.protocol.parse_lsn("12345")


def test_changes_apply_in_commit_order_with_events_and_read_only_tables(
    pgdb: PgDatabase,
) -> None:
    pgdb.run(
        "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, score int);"
        "INSERT INTO users VALUES (1, 'ann', 10), (2, 'bob', NULL)"
    )
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["users"], slot=pgdb.slot)
    changes: list[Any] = []
    db.on_change("users", changes.append)
    try:
        assert _py_rows(db, "users") == [(1, "ann", 10), (2, "bob", None)]
        pgdb.run(
            "INSERT INTO users VALUES (3, 'cy', 3); UPDATE users SET id = 10, score = 11"
            " WHERE id = 1; DELETE FROM users WHERE id = 2; UPDATE users SET name = 'cyd'"
            " WHERE id = 3"
        )
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        assert _py_rows(db, "users") == _pg_rows(pgdb, "users")
        assert [(c.kind, c.old and c.old["id"], c.new and c.new["id"]) for c in changes] == [
            ("insert", None, 3), ("update", 1, 10), ("delete", 2, None), ("update", 3, 3),
        ]
        with pytest.raises(pg.ReadOnlyTableError, match="users is mirrored"):
            db.sql("UPDATE users SET score = 0")
        with pytest.raises(pg.ReadOnlyTableError):
            db.insert_columns("users", {"id": [99], "name": ["x"]})
        assert _py_rows(db, "users") == _pg_rows(pgdb, "users")  # the writes changed nothing
        db.sql("CREATE TABLE local (id INTEGER PRIMARY KEY)")
        db.sql("INSERT INTO local VALUES (1)")  # other tables stay ordinary
        pgdb.run("TRUNCATE users")
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        assert _py_rows(db, "users") == []
        stats = pg.mirror_stats(db)[pgdb.slot]
        assert stats["status"] == "streaming" and stats["transactions"] == 2
        assert stats["lag_bytes"] == 0 or mirror.lag().bytes >= 0
    finally:
        mirror.stop()
    assert mirror.status == "stopped"
    db.sql("DELETE FROM users")  # a stopped mirror's tables are ordinary again
    assert pgdb.rows(
        "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()"
    )[0][0] == 0


@pyram.table(name="orders")
class Order(pyram.Table):
    id: pyram.Col[int] = pyram.column(primary_key=True)
    status: pyram.Col[str]
    total: pyram.Col[Decimal]


def test_model_class_row_filter_and_column_list(pgdb: PgDatabase) -> None:
    pgdb.run(
        "CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL, total numeric,"
        " secret text); INSERT INTO orders VALUES (1, 'open', 5, 's'), (2, 'done', 7, 's')"
    )
    db = pyram.Database()
    source = pg.Source("orders", model=Order, where="id % 2 = 1")
    mirror = pg.mirror(db, pgdb.dsn, [source], slot=pgdb.slot)
    try:
        assert db.get(Order, 1) == Order(id=1, status="open", total=Decimal(5))
        assert db.get(Order, 2) is None
        pgdb.run("INSERT INTO orders VALUES (3, 'open', 1, 'x'), (4, 'open', 1, 'x')")
        pgdb.run("UPDATE orders SET status = 'done', secret = 'y' WHERE id = 3")
        pgdb.run("UPDATE orders SET id = 5 WHERE id = 4")  # into the filter: an insert
        pgdb.run("UPDATE orders SET id = 6 WHERE id = 1")  # out of it: a delete
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        expected = pgdb.rows("SELECT id, status, total FROM orders WHERE id % 2 = 1 ORDER BY 1")
        assert [(o.id, o.status, o.total) for o in db.all(Order.select())] == expected
        assert db.schema("orders").column_names == ("id", "status", "total")
    finally:
        mirror.stop()


def test_added_column_is_followed_and_a_dropped_one_stops_the_mirror(
    pgdb: PgDatabase,
) -> None:
    pgdb.run("CREATE TABLE items (id int PRIMARY KEY, name text)")
    pgdb.run("INSERT INTO items VALUES (1, 'a')")
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["items"], slot=pgdb.slot)
    try:
        pgdb.run("ALTER TABLE items ADD COLUMN price numeric")
        pgdb.run("INSERT INTO items VALUES (2, 'b', 2.5); UPDATE items SET price = 1 WHERE id = 1")
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        assert _py_rows(db, "items") == _pg_rows(pgdb, "items")
        pgdb.run("ALTER TABLE items DROP COLUMN name; INSERT INTO items VALUES (3, 3)")
        with pytest.raises(pg.MirrorError, match=r"columns \['name'\] of public.items"):
            mirror.wait_for(pgdb.lsn(), timeout=60)
        assert mirror.status == "failed"
        assert _py_rows(db, "items") == [(1, "a", Decimal(1)), (2, "b", Decimal("2.5"))]
    finally:
        mirror.stop()


def test_pause_resume_lag_and_kept_slot(pgdb: PgDatabase) -> None:
    pgdb.run("CREATE TABLE kv (k int PRIMARY KEY, v int)")
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["kv"], slot=pgdb.slot, keep_slot=True)
    try:
        mirror.pause()
        assert mirror.status == "paused"
        pgdb.run("INSERT INTO kv SELECT g, g FROM generate_series(1, 100) g")
        lsn = pgdb.lsn()
        assert not mirror.wait_for(lsn, timeout=0.3)
        assert db.sql("SELECT count(*) FROM kv").scalar() == 0
        mirror.resume()
        assert mirror.wait_for(lsn, timeout=60)
        assert db.sql("SELECT count(*) FROM kv").scalar() == 100
        assert pg.protocol.parse_lsn(mirror.position) >= pg.protocol.parse_lsn(lsn)
        assert mirror.lag() == pg.Lag(0, 0.0) or mirror.lag().seconds < 1
    finally:
        mirror.stop()
    deadline = time.monotonic() + 10  # the server lets go of the slot asynchronously
    query = "SELECT slot_name, active FROM pg_replication_slots WHERE database = current_database()"
    while pgdb.rows(query) != [(pgdb.slot, False)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pgdb.rows(query) == [(pgdb.slot, False)]


def test_wait_for_covers_writes_to_tables_not_mirrored(pgdb: PgDatabase) -> None:
    pgdb.run("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE other (id int PRIMARY KEY)")
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["a"], slot=pgdb.slot)
    try:
        pgdb.run("INSERT INTO other VALUES (1)")
        assert mirror.wait_for(pgdb.lsn(), timeout=60)  # keepalives carry the position on
    finally:
        mirror.stop()


def test_retained_wal_warning_while_paused(pgdb: PgDatabase, monkeypatch: Any) -> None:
    import pyram.pg.live as live

    monkeypatch.setattr(live, "WAL_CHECK_INTERVAL", 0.05)
    pgdb.run("CREATE TABLE w (id int PRIMARY KEY, pad text)")
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["w"], slot=pgdb.slot, max_retained_wal=100_000)
    try:
        mirror.pause()
        with pytest.warns(pg.MirrorWarning, match="retains .* bytes of WAL"):
            pgdb.run("INSERT INTO w SELECT g, repeat('x', 500) FROM generate_series(1, 2000) g")
            deadline = time.monotonic() + 10
            while mirror.stats()["retained_wal_bytes"] <= 100_000 and time.monotonic() < deadline:
                time.sleep(0.05)
        mirror.resume()
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        assert db.sql("SELECT count(*) FROM w").scalar() == 2000
    finally:
        mirror.stop()


def test_unreachable_server_is_retried(pgdb: PgDatabase) -> None:
    pgdb.run("CREATE TABLE r (id int PRIMARY KEY)")
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["r"], slot=pgdb.slot, max_backoff=0.2)
    try:
        # the stream is up once an applied transaction has gone through it (a loaded machine
        # may take a while; terminating before that would test nothing)
        pgdb.run("INSERT INTO r VALUES (0)")
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        # terminate the walsender: the mirror reconnects with backoff and carries on
        pgdb.run(
            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
            " WHERE slot_name = %s",
            (pgdb.slot,),
        )
        pgdb.run("INSERT INTO r VALUES (1)")
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        assert db.sql("SELECT id FROM r ORDER BY id").all() == [(0,), (1,)]
        assert mirror.stats()["reconnects"] >= 1
    finally:
        mirror.stop()


def test_added_column_with_a_default_fills_the_older_rows(pgdb: PgDatabase) -> None:
    pgdb.run("CREATE TABLE c (id int PRIMARY KEY); INSERT INTO c VALUES (1), (2)")
    db = pyram.Database()
    mirror = pg.mirror(db, pgdb.dsn, ["c"], slot=pgdb.slot)
    try:
        pgdb.run("ALTER TABLE c ADD COLUMN n int NOT NULL DEFAULT 7; INSERT INTO c VALUES (3, 8)")
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        assert _py_rows(db, "c") == _pg_rows(pgdb, "c") == [(1, 7), (2, 7), (3, 8)]
        pgdb.run("ALTER TABLE c ADD COLUMN r float DEFAULT random(); INSERT INTO c VALUES (4, 1)")
        with pytest.raises(pg.MirrorError, match=r"c\.r was added with a default computed"):
            mirror.wait_for(pgdb.lsn(), timeout=60)
    finally:
        mirror.stop()


class WrongOrder(pyram.Table):
    id: pyram.Col[int] = pyram.column(primary_key=True)
    status: pyram.Col[int]


def test_schema_wildcard_and_model_type_mismatch(pgdb: PgDatabase) -> None:
    pgdb.run(
        "CREATE TABLE p1 (id int PRIMARY KEY); CREATE TABLE p2 (id text PRIMARY KEY);"
        "INSERT INTO p1 VALUES (1); INSERT INTO p2 VALUES ('x');"
        "CREATE TABLE orders (id int PRIMARY KEY, status text)"
    )
    db = pyram.Database()
    wrong = pyram.table(name="orders")(WrongOrder)
    with pytest.raises(ProgrammingError, match=r"orders\.status is TEXT .* but INTEGER"):
        pg.mirror(pyram.Database(), pgdb.dsn, [wrong], slot=pgdb.slot)
    pgdb.run("DROP TABLE orders")
    mirror = pg.mirror(db, pgdb.dsn, "public.*", slot=pgdb.slot)
    try:
        assert sorted(mirror.stats()["tables"]) == ["p1", "p2"]
        assert db.sql("SELECT * FROM p1").all() == [(1,)]
        assert db.sql("SELECT * FROM p2").all() == [("x",)]
    finally:
        mirror.stop()
