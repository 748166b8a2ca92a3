"""The snapshot format at the store level: round trips, schema, corruption, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import io
import struct
import uuid
import zlib
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from models import AllTypes, Color, Level, User
from strategies import all_types_rows

import pyram
from pyram.errors import CorruptFileError, IntegrityError, OperationalError, SchemaMismatchError
from pyram.persist import SnapshotContents, TableImage, load_contents, read_snapshot
from pyram.persist import snapshot as snap
from pyram.persist.schema_codec import describe_table
from pyram.storage import Store


def _snapshot(db: pyram.Database, **kw: Any) -> bytes:
    buf = io.BytesIO()
    snap.write_snapshot(db._store, buf, **kw)
    return buf.getvalue()


def _load(raw: bytes, db: pyram.Database, models: tuple[type, ...] = ()) -> Store:
    store = Store()
    contents = read_snapshot(io.BytesIO(raw), path="test.snap")
    load_contents(
        contents,
        store,
        path="test.snap",
        models=[pyram.schema_of(m) for m in models],
        compile_check=db._sql.compile_check_text,
    )
    return store


def _rows(store: Store, table: str) -> list[str]:
    """Live rows in stored form, as reprs: type, exponent, sign of zero and tzinfo count."""
    data = store.data(table)
    return [repr(data.row(rid)) for rid in data.live_rids()]


EDGE_ROWS = [
    AllTypes(id=1),  # every column NULL
    AllTypes(
        id=2,
        i=-(2**63),  # the smallest INTEGER (SQLite integers are 64-bit)
        f=-0.0,
        s="",
        b=False,
        raw=b"",
        dec=Decimal("-0.000"),
        day=dt.date(1, 1, 1),
        ts=dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
        tstz=dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        t=dt.time(23, 59, 59, 1, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
        u=uuid.UUID(int=0),
        color=Color.GREEN,
        level=Level.HIGH,
        doc={"k": [1, 2.5, None, "\u00e9\U0001f600", {"n": True}]},
    ),
    AllTypes(
        id=3,
        i=2**63 - 1,
        f=float("inf"),
        s='line\nbreak, "quote" \\N \ud800 \x00 \u2028',
        b=True,
        raw=bytes(range(256)),
        dec=Decimal("1E+30"),
        ts=dt.datetime(2000, 1, 1),
        tstz=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        t=dt.time(0, 0),
        u=uuid.uuid4(),
        doc=[],
    ),
    AllTypes(id=4, f=float("-inf")),
]


def _all_types_db(rows: list[AllTypes]) -> pyram.Database:
    db = pyram.Database()
    db.create(AllTypes)
    db.insert_many(rows)
    return db


def test_every_type_round_trips_with_its_model() -> None:
    db = _all_types_db(EDGE_ROWS)
    store = _load(_snapshot(db), db, (AllTypes,))
    assert _rows(store, "all_types") == _rows(db._store, "all_types")
    assert store.catalog.get("all_types").row_class is AllTypes
    tstz = store.data("all_types").columns[9][1]
    assert tstz.tzinfo == zoneinfo.ZoneInfo("Europe/Paris") and tstz.fold == 1


def test_without_the_model_an_enum_column_holds_its_values() -> None:
    db = _all_types_db(EDGE_ROWS)
    store = _load(_snapshot(db), db)
    schema = store.catalog.get("all_types")
    assert schema.row_class is None
    assert schema.column("color").dtype is pyram.types.TEXT
    assert schema.column("level").dtype is pyram.types.INTEGER
    assert _rows(store, "all_types") == _rows(db._store, "all_types")


@given(st.lists(all_types_rows, max_size=8))
def test_generated_rows_round_trip(rows: list[dict[str, Any]]) -> None:
    db = _all_types_db([AllTypes(id=i, **row) for i, row in enumerate(rows)])
    store = _load(_snapshot(db), db, (AllTypes,))
    assert _rows(store, "all_types") == _rows(db._store, "all_types")


def _constrained_db() -> pyram.Database:
    db = pyram.Database()
    db.sql(
        """
        CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,
                             made DATE DEFAULT CURRENT_DATE, score REAL DEFAULT 1.5
                             CHECK (score >= 0));
        CREATE TABLE child (a INTEGER, b TEXT, pid INTEGER REFERENCES parent(id)
                            ON DELETE CASCADE, PRIMARY KEY (a, b), UNIQUE (b, pid),
                            CHECK (a < 1000));
        CREATE INDEX child_pid ON child (pid);
        INSERT INTO parent (id, code) VALUES (1, 'x'), (2, 'y');
        INSERT INTO child VALUES (1, 'p', 1), (2, 'q', 2), (3, 'r', NULL);
        """
    )
    return db


def test_sql_schema_survives() -> None:
    db = _constrained_db()
    db.create(User)
    db.insert(User(id=1, name="ada", age=3))
    store = _load(_snapshot(db), db, (User,))
    for name in ("parent", "child", "user"):
        assert describe_table(store.catalog.get(name)) == describe_table(db.schema(name))
        assert _rows(store, name) == _rows(db._store, name)
    parent = store.catalog.get("parent")
    assert parent.column("made").default_factory is pyram.catalog.SQL_TIME_DEFAULTS["CURRENT_DATE"]
    assert parent.checks[0].sql == "score >= 0"
    # the constraints are live, not just described
    with pytest.raises(IntegrityError, match="CHECK"):
        store.insert("parent", [[3], ["z"], [None], [-1.0]])
    with pytest.raises(IntegrityError, match="UNIQUE"):
        store.insert("parent", [[3], ["x"], [None], [1.0]])
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        store.insert("child", [[9], ["s"], [77]])
    with pytest.raises(IntegrityError, match="CHECK"):
        store.insert("child", [[5000], ["s"], [1]])
    with pytest.raises(IntegrityError, match="CHECK"):
        store.insert("user", [[2], ["bob"], [-1], [None]])  # the model's Python check


def test_many_chunks_and_deleted_rows() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT, r REAL NOT NULL)")
    n = snap.CHUNK_ROWS * 2 + 17
    rows = [(i, f"v{i}" if i % 3 else None, i * 0.5) for i in range(n)]
    db._store.insert("big", [list(c) for c in zip(*rows, strict=True)])
    db.sql("DELETE FROM big WHERE id % 7 = 0")
    seen: list[tuple[int, int]] = []
    raw = _snapshot(db, progress=lambda done, total: seen.append((done, total)))
    live = db._store.data("big").live_count
    assert seen[0] == (0, live) and seen[-1] == (live, live)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    store = _load(raw, db)
    assert _rows(store, "big") == _rows(db._store, "big")


def test_definitions_travel_as_sql_text() -> None:
    db = _constrained_db()
    definitions = [snap.Definition("view", "v", "CREATE VIEW v AS SELECT 1")]
    raw = _snapshot(db, definitions=definitions)
    assert read_snapshot(io.BytesIO(raw)).definitions == tuple(definitions)


# ------------------------------------------------------------------------------ bad files
def _small_snapshot() -> tuple[pyram.Database, bytes]:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, d DECIMAL)")
    db.sql("INSERT INTO t VALUES (1, 'a', 1.5), (2, NULL, NULL), (3, 'ccc', 2)")
    return db, _snapshot(db)


def test_every_flipped_byte_is_refused() -> None:
    db, raw = _small_snapshot()
    for position in range(len(raw)):
        for mask in (0x01, 0x80):
            damaged = bytearray(raw)
            damaged[position] ^= mask
            with pytest.raises(CorruptFileError, match=r"test\.snap") as info:
                _load(bytes(damaged), db)
            assert info.value.path == "test.snap"


def test_every_truncation_is_refused() -> None:
    db, raw = _small_snapshot()
    for length in range(len(raw)):
        with pytest.raises(CorruptFileError, match=r"test\.snap"):
            _load(raw[:length], db)
    with pytest.raises(CorruptFileError, match="after the end"):
        _load(raw + b"\x00", db)


def test_wrong_magic_and_version_are_named() -> None:
    db, raw = _small_snapshot()
    with pytest.raises(CorruptFileError, match="not a PyRAM snapshot"):
        _load(b"PK\x03\x04" + raw[4:], db)
    head = struct.pack("<8sHH", snap.MAGIC, 99, 0)
    future = head + struct.pack("<I", zlib.crc32(head)) + raw[16:]
    with pytest.raises(CorruptFileError, match=r"version 99 .* not supported"):
        _load(future, db)


def test_a_stored_model_that_differs_is_named() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER)")
    raw = _snapshot(db)
    with pytest.raises(SchemaMismatchError, match=r"test.snap: table user: .*columns") as info:
        _load(raw, db, (User,))
    assert info.value.table == "user"


def test_load_is_all_or_nothing() -> None:
    db = _constrained_db()
    contents = read_snapshot(io.BytesIO(_snapshot(db)))
    child = contents.tables[1]
    bad = TableImage(child.description, [[1, 1], ["p", "p"], [1, 1]])  # duplicate key
    store = Store()
    with pytest.raises(IntegrityError, match=r"^f\.snap: PRIMARY KEY") as info:
        load_contents(
            SnapshotContents((contents.tables[0], bad)),
            store,
            path="f.snap",
            compile_check=db._sql.compile_check_text,
        )
    assert info.value.table == "child"
    assert len(store.catalog) == 0 and not store.in_transaction


def test_not_inside_a_transaction() -> None:
    db, _ = _small_snapshot()
    with db.transaction(), pytest.raises(OperationalError, match="transaction"):
        _snapshot(db)


def test_flips_across_every_section_kind_are_refused() -> None:
    """A denser file (every type, NULL maps, varint integers): a sample of byte flips."""
    db = _all_types_db(EDGE_ROWS)
    raw = _snapshot(db)
    for position in range(0, len(raw), 3):
        damaged = bytearray(raw)
        damaged[position] ^= 0x10
        with pytest.raises(CorruptFileError):
            _load(bytes(damaged), db, (AllTypes,))
