"""db.export / Database.load / db.import_ through every format."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from models import AllTypes, Color, Level, Order, User
from strategies import all_types_rows

import pyram
from pyram import column
from pyram.errors import (
    CorruptFileError,
    IntegrityError,
    PersistenceError,
    ProgrammingError,
    SchemaMismatchError,
)
from pyram.persist.schema_codec import describe_table

FORMATS = ["snapshot", "json", "csv", "pickle"]


def _rows(db: pyram.Database, table: str) -> list[str]:
    """Live rows in stored form as reprs (type, exponent, sign of zero, tzinfo, fold)."""
    data = db._store.data(table)
    return [repr(data.row(rid)) for rid in data.live_rids()]


def _round_trip(db: pyram.Database, path: Path, fmt: str, **kw: Any) -> pyram.Database:
    db.export(path, fmt)  # type: ignore[arg-type]
    return pyram.Database.load(path, allow_pickle=True, **kw)


EDGE = [
    AllTypes(id=1),
    AllTypes(
        id=2,
        i=-(2**63),  # the smallest INTEGER
        f=-0.0,
        s="",
        b=False,
        raw=b"",
        dec=Decimal("-0.00"),
        day=dt.date(1, 1, 1),
        ts=dt.datetime(9999, 12, 31, 23, 59, 59, 999999, fold=1),
        tstz=dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        t=dt.time(12, 0, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        u=uuid.UUID(int=2**128 - 1),
        color=Color.GREEN,
        level=Level.LOW,
        doc=[1, {"é": None, "deep": [[[]]]}],
    ),
    AllTypes(
        id=3,
        i=2**63 - 1,  # the largest INTEGER
        f=float("inf"),
        s='\\N \\ "q" ,\n\r\t\x00 \ud83d \U0001f600 \u2028 ',
        b=True,
        raw=bytes(range(256)),
        dec=Decimal("123456789012345678901234567890.123456789"),
        ts=dt.datetime(2000, 2, 29, 0, 0),
        tstz=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        t=dt.time(0, 0, 0, 1),
        u=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        doc={},
    ),
    AllTypes(id=4, f=float("-inf"), s="\\", dec=Decimal("1E+2")),
    AllTypes(id=5, f=5e-324, s="\\N", doc={"x": 1.5, "n": 10**30}),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_type_round_trips(tmp_path: Path, fmt: str) -> None:
    db = pyram.Database()
    db.create(AllTypes)
    db.insert_many(EDGE)
    back = _round_trip(db, tmp_path / "db", fmt, models=[AllTypes])
    assert _rows(back, "all_types") == _rows(db, "all_types")
    assert back.all(AllTypes.select()) == db.all(AllTypes.select())
    plain = pyram.Database.load(tmp_path / "db", allow_pickle=True)
    assert _rows(plain, "all_types") == _rows(db, "all_types")


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(all_types_rows, max_size=6))
def test_generated_values_round_trip(tmp_path: Path, fmt: str, rows: list[dict[str, Any]]) -> None:
    db = pyram.Database()
    db.create(AllTypes)
    db.insert_many([AllTypes(id=i, **row) for i, row in enumerate(rows)])
    back = _round_trip(db, tmp_path / f"g.{fmt}", fmt, models=[AllTypes])
    assert _rows(back, "all_types") == _rows(db, "all_types")


def _schema_db() -> pyram.Database:
    db = pyram.Database()
    db.create(User, Order)
    db.insert(User(id=1, name="ada", age=36, email="a@x"))
    db.insert(Order(id=1, user_id=1, total=2.5))
    db.sql(
        """
        CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,
                        made TIMESTAMP DEFAULT CURRENT_TIMESTAMP, n INTEGER DEFAULT 7,
                        CHECK (length(code) <= 3));
        CREATE TABLE c (a INTEGER, b TEXT, pid INTEGER REFERENCES p(id) ON DELETE SET NULL,
                        PRIMARY KEY (a, b));
        CREATE UNIQUE INDEX c_b ON c (b);
        INSERT INTO p (id, code) VALUES (1, 'x');
        INSERT INTO c VALUES (1, 'k', 1);
        CREATE VIEW pc AS SELECT p.code, c.b FROM p JOIN c ON c.pid = p.id;
        CREATE TRIGGER audit AFTER DELETE ON p BEGIN INSERT INTO c VALUES (99, 'gone', NULL); END;
        """
    )
    return db


@pytest.mark.parametrize("fmt", FORMATS)
def test_schema_views_and_triggers_survive(tmp_path: Path, fmt: str) -> None:
    db = _schema_db()
    back = _round_trip(db, tmp_path / "s", fmt, models=[User, Order])
    for name in db.table_names():
        assert describe_table(back.schema(name)) == describe_table(db.schema(name))
        assert _rows(back, name) == _rows(db, name)
    assert back.schema(User).row_class is User
    assert back.view_names() == ["pc"]
    assert back.sql("SELECT * FROM pc").all() == [("x", "k")]
    with pytest.raises(IntegrityError, match="CHECK"):
        back.sql("INSERT INTO p (id, code) VALUES (2, 'long')")
    with pytest.raises(IntegrityError, match="UNIQUE"):
        back.sql("INSERT INTO c VALUES (2, 'k', NULL)")
    with pytest.raises(IntegrityError, match="CHECK"):
        back.insert(User(id=2, name="neg", age=-1))
    back.sql("INSERT INTO p (id, code) VALUES (2, 'y')")
    assert back.sql("SELECT n FROM p WHERE id = 2").scalar() == 7
    back.sql("DELETE FROM p WHERE id = 1")  # SET NULL, and the trigger fires
    assert back.sql("SELECT a, pid FROM c ORDER BY a").all() == [(1, None), (99, None)]
    back.delete(User, 1)  # ON DELETE CASCADE
    assert back.count(Order) == 0


def test_without_models_tables_are_plain(tmp_path: Path) -> None:
    db = _schema_db()
    back = _round_trip(db, tmp_path / "plain", "snapshot")
    assert back.schema("user").row_class is None
    assert back.schema("user").checks == ()  # a Python predicate cannot travel
    back.sql("INSERT INTO user VALUES (2, 'neg', -1, NULL)")


def test_a_model_that_differs_is_named(tmp_path: Path) -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER)")
    db.export(tmp_path / "u.json", "json")
    with pytest.raises(SchemaMismatchError, match=r"u\.json: table user: columns"):
        pyram.Database.load(tmp_path / "u.json", models=[User])


def test_progress_and_table_choice(tmp_path: Path) -> None:
    db = _schema_db()
    seen: list[tuple[int, int]] = []
    db.export(
        tmp_path / "part", "json", tables=["user", "orders"], progress=lambda *a: seen.append(a)
    )
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    back = pyram.Database.load(tmp_path / "part", progress=lambda *a: seen.append(a))
    assert back.table_names() == ["user", "orders"] and back.view_names() == []
    with pytest.raises(ProgrammingError, match="references user: export it too"):
        db.export(tmp_path / "bad", tables=["orders"])
    with pytest.raises(ProgrammingError, match="unknown format"):
        db.export(tmp_path / "bad", "xml")  # type: ignore[arg-type]
    assert not (tmp_path / "bad").exists()


def test_pickle_needs_consent(tmp_path: Path) -> None:
    db = _schema_db()
    db.export(tmp_path / "p.pkl", "pickle")
    with pytest.raises(PersistenceError, match="UNSAFE"):
        pyram.Database.load(tmp_path / "p.pkl")
    with pytest.raises(PersistenceError, match="UNSAFE"):
        db.import_(tmp_path / "p.pkl", "pickle")


# ------------------------------------------------------------------------------- import_
def test_import_adds_rows_to_matching_tables(tmp_path: Path) -> None:
    src = pyram.Database()
    src.create(User)
    src.insert(User(id=2, name="bo", age=5))
    src.export(tmp_path / "more", "csv")
    db = _schema_db()
    db.import_(tmp_path / "more", models=[User])
    assert sorted(u.id for u in db.all(User.select())) == [1, 2]


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_is_all_or_nothing(tmp_path: Path, fmt: str, state: Any) -> None:
    src = pyram.Database()
    src.create(User, Order)
    src.insert(User(id=5, name="new", age=1))
    src.insert(User(id=1, name="clash", age=1))  # the target has id 1 already
    src.sql("CREATE TABLE extra (x INTEGER)")
    src.export(tmp_path / "clash", fmt)  # type: ignore[arg-type]
    db = _schema_db()
    before = state(db)
    with pytest.raises(IntegrityError, match=r"clash.*UNIQUE|clash.*PRIMARY KEY"):
        db.import_(tmp_path / "clash", models=[User, Order], allow_pickle=True)
    assert state(db) == before
    assert db.table_names() == ["user", "orders", "p", "c"]
    assert not db.in_transaction
    db.insert(User(id=5, name="still works", age=1))


def test_import_of_a_different_table_is_refused(tmp_path: Path, state: Any) -> None:
    src = pyram.Database()
    src.sql("CREATE TABLE p (id INTEGER PRIMARY KEY)")
    src.export(tmp_path / "p.snap")
    db = _schema_db()
    before = state(db)
    with pytest.raises(SchemaMismatchError, match="table p"):
        db.import_(tmp_path / "p.snap")
    assert state(db) == before


# ------------------------------------------------------------------------------ bad files
def _exported(tmp_path: Path, fmt: str) -> Path:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, d DECIMAL, u UUID)")
    db.sql("INSERT INTO t VALUES (1, 1.5, NULL), (2, NULL, NULL)")
    path = tmp_path / f"t.{fmt}"
    db.export(path, fmt)  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[2,null,null]", '[2,"x",null]', r"line 4: table t: column d: not a DECIMAL"),
        ("[2,null,null]", "[2,null]", r"line 4: table t: a row must be a JSON array of 3"),
        ("[2,null,null]", "[2,null,null", r"line 4: table t: malformed JSON"),
        ("[2,null,null]", '["2",null,null]', r"line 4: table t: column id: expected an int"),
        ("[2,null,null]", "[2,NaN,null]", r"line 4: table t: malformed JSON"),
        ("[2,null,null]\n", "", r"line 4: table t: file ends where row 2 of 2"),
        ('"rows":2}', '"rows":3}', r"line 2: table t: expected the line starting table t"),
        ('"pyram-jsonl"', '"other"', r"line 1: not a PyRAM JSON Lines export"),
        ('"version":1', '"version":2', r"line 1: version 2 is not supported"),
    ],
)
def test_bad_json_lines_are_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _exported(tmp_path, "json")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(CorruptFileError, match=message) as info:
        pyram.Database.load(path)
    assert info.value.path == str(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("2,\\N,\\N", "2,1.5.5,\\N", r"t.csv: line 3: column d: not a DECIMAL"),
        ("2,\\N,\\N", "2,\\N", r"t.csv: line 3: 2 fields, expected 3"),
        ("2,\\N,\\N", "2,\\N,not-a-uuid", r"t.csv: line 3: column u: not a canonical UUID"),
        ("id,d,u", "id,u,d", r"t.csv: line 1: the header row must name the columns"),
        ("2,\\N,\\N\r\n", "", r"t.csv: 1 rows, the schema says 2"),
        ("2,\\N,\\N\r\n", '2,\\N,\\N\r\n3,"\\N,\\N\r\n', "malformed CSV|more than 2 rows"),
    ],
)
def test_bad_csv_is_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = _exported(tmp_path, "csv")
    table = path / "t.csv"
    text = table.read_bytes().decode()
    assert old in text
    table.write_bytes(text.replace(old, new, 1).encode())
    with pytest.raises(CorruptFileError, match=message):
        pyram.Database.load(path)


def test_bad_csv_schema_and_missing_files(tmp_path: Path) -> None:
    path = _exported(tmp_path, "csv")
    (path / "t.csv").unlink()
    with pytest.raises(CorruptFileError, match=r"t\.csv: missing"):
        pyram.Database.load(path)
    (path / "schema.json").write_text("{not json")
    with pytest.raises(CorruptFileError, match=r"schema\.json: malformed JSON"):
        pyram.Database.load(path)


def test_a_value_against_the_schema_is_refused(tmp_path: Path, state: Any) -> None:
    path = _exported(tmp_path, "json")
    # a NULL primary key passes the file's syntax but not the schema
    path.write_text(path.read_text().replace("[2,null,null]", "[null,null,null]"))
    db = _schema_db()
    before = state(db)
    with pytest.raises(IntegrityError, match=r"t\.json: NOT NULL constraint failed: t\.id"):
        db.import_(path)
    assert state(db) == before and "t" not in db.table_names()


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_files_are_refused(tmp_path: Path, fmt: str) -> None:
    path = _exported(tmp_path, fmt)
    target = path / "t.csv" if fmt == "csv" else path
    raw = target.read_bytes()
    for cut in sorted({1, len(raw) // 3, len(raw) // 2, len(raw) - 3}):
        target.write_bytes(raw[:cut])
        with pytest.raises(CorruptFileError):
            pyram.Database.load(path, allow_pickle=True)


def test_missing_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(PersistenceError, match="No such file"):
        pyram.Database.load(tmp_path / "nope")
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04junk")
    with pytest.raises(CorruptFileError, match="not a PyRAM database file"):
        pyram.Database.load(tmp_path / "x.zip")


def test_export_replaces_atomically(tmp_path: Path) -> None:
    db = _schema_db()
    path = tmp_path / "db.snap"
    db.export(path)
    first = path.read_bytes()

    def boom(done: int, total: int) -> None:
        if done:
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        db.export(path, progress=boom)
    assert path.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["db.snap"]
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "keep.txt").write_text("mine")
    with pytest.raises(PersistenceError, match="not overwriting"):
        db.export(tmp_path / "dir", "csv")
    db.export(tmp_path / "out", "csv")
    db.export(tmp_path / "out", "csv")  # an earlier export is replaced
    assert pyram.Database.load(tmp_path / "out").table_names() == db.table_names()


@pyram.table
class Doc(pyram.Table):
    id: pyram.Col[int] = column(primary_key=True)
    body: pyram.Col[pyram.JSON] = column(default={"empty": True})


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_tables_defaults_and_row_ids(tmp_path: Path, fmt: str) -> None:
    db = pyram.Database()
    db.create(Doc)
    db.sql("CREATE TABLE r (id INTEGER PRIMARY KEY, x TEXT); CREATE TABLE empty (a INTEGER)")
    db.sql("INSERT INTO r (x) VALUES ('a'), ('b')")
    back = _round_trip(db, tmp_path / "e", fmt)
    assert back.sql("SELECT count(*) FROM empty").scalar() == 0
    back.sql("INSERT INTO r (x) VALUES ('c')")  # the INTEGER PRIMARY KEY continues
    assert back.sql("SELECT id FROM r WHERE x = 'c'").scalar() == 3
    back.sql("INSERT INTO doc (id) VALUES (1)")  # a JSON default, without the model
    assert back.sql("SELECT body FROM doc").scalar() == {"empty": True}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"name":"t","columns"', '"name":"../t","columns"'),
        ('"type":"DECIMAL"', '"type":"MONEY"'),
        ('"primary_key":["id"]', '"primary_key":["nope"]'),
        ('"kind":"sorted"', '"kind":"bitmap"'),
    ],
)
def test_damaged_schemas_are_refused(tmp_path: Path, old: str, new: str) -> None:
    path = _exported(tmp_path, "json")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(CorruptFileError, match=r"t\.json: .*(schema|description)"):
        pyram.Database.load(path)


def _writer_holding_the_lock(db: pyram.Database) -> tuple[threading.Thread, threading.Event]:
    """Another thread inserts 1 in a transaction and waits (holding the write lock) until
    the returned event is set, then inserts 2 and commits."""
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    writing, release = threading.Event(), threading.Event()

    def writer() -> None:
        with db.transaction():
            db.sql("INSERT INTO t VALUES (1)")
            writing.set()
            release.wait(10)
            db.sql("INSERT INTO t VALUES (2)")

    other = threading.Thread(target=writer)
    other.start()
    writing.wait(10)
    return other, release


def test_export_waits_for_a_writing_transaction(tmp_path: Path) -> None:
    """An export is one committed state: it waits for another thread's open writes."""
    db = pyram.Database()
    other, release = _writer_holding_the_lock(db)
    exporter = threading.Thread(target=db.export, args=(tmp_path / "t.snap",))
    exporter.start()
    exporter.join(0.2)
    assert exporter.is_alive()  # blocked behind the open transaction
    release.set()
    other.join(10)
    exporter.join(10)
    assert pyram.Database.load(tmp_path / "t.snap").sql("SELECT id FROM t").all() == [(1,), (2,)]


def test_export_behind_a_writer_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wait is bounded: a transaction left open elsewhere cannot hang the exporter."""
    import pyram.storage.store_txn as store_txn

    monkeypatch.setattr(store_txn, "LOCK_TIMEOUT", 0.05)
    db = pyram.Database()
    other, release = _writer_holding_the_lock(db)
    with pytest.raises(pyram.OperationalError, match="locked"):
        db.export(tmp_path / "t.snap")
    release.set()
    other.join(10)
    assert not (tmp_path / "t.snap").exists()
