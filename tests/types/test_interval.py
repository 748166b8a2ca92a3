"""INTERVAL (``datetime.timedelta``): the column type added by the "add a column type" recipe.

Every path a value travels is checked: model columns, SQL literals and CAST, arithmetic with
timestamps and dates, snapshot/JSON/CSV files, the write-ahead log, the shell's .import and
.dump, DB-API type objects and the PostgreSQL wire forms.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pyram
import pyram.dbapi as dbapi
from pyram import Col, column
from pyram.errors import DataError, Error
from pyram.persist.tagged import read_value, write_value
from pyram.persist.values import decode_values, encode_values, from_text, to_text
from pyram.shell import Shell
from pyram.shell.commands import run_dot_command
from pyram.shell.import_csv import import_csv
from pyram.types import INTERVAL, type_from_annotation, type_from_sql_name

DAY = dt.timedelta(days=1)


@pyram.table
class Job(pyram.Table):
    id: Col[int] = column(primary_key=True)
    took: Col[dt.timedelta]
    limit: Col[dt.timedelta | None] = None


def test_annotation_and_sql_name_give_interval() -> None:
    assert type_from_annotation(dt.timedelta) == (INTERVAL, False)
    assert type_from_sql_name("interval") is INTERVAL
    assert Job(1, dt.timedelta(hours=2)).took == dt.timedelta(hours=2)
    with pytest.raises(DataError, match="INTERVAL"):
        Job(1, 7200)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 day 02:00:00", DAY + dt.timedelta(hours=2)),
        ("-1 days -02:00:00", -(DAY + dt.timedelta(hours=2))),
        ("00:00:01.5", dt.timedelta(seconds=1.5)),
        ("90 minutes", dt.timedelta(minutes=90)),
        ("P1DT2H", DAY + dt.timedelta(hours=2)),
        ("PT0.5S", dt.timedelta(milliseconds=500)),
        ("P2W", dt.timedelta(weeks=2)),
        ("-P1D", -DAY),
    ],
)
def test_sql_text_forms(text: str, value: dt.timedelta) -> None:
    assert INTERVAL.from_sql_text(text) == value
    db = pyram.Database()
    assert db.sql(f"SELECT CAST('{text}' AS INTERVAL)").scalar() == value


@pytest.mark.parametrize("text", ["1 month", "2 years", "", "soon", "1 day x", "P"])
def test_bad_interval_text_is_refused(text: str) -> None:
    assert INTERVAL.from_sql_text(text) is None
    db = pyram.Database()
    db.sql("CREATE TABLE t (d INTERVAL)")
    with pytest.raises(Error):
        db.sql(f"INSERT INTO t VALUES ('{text}')")
    with pytest.raises(Error):
        db.sql(f"SELECT CAST('{text}' AS INTERVAL)")
    assert db.sql("SELECT count(*) FROM t").scalar() == 0


def test_sql_storage_comparison_and_arithmetic() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE ev (id INTEGER PRIMARY KEY, at TIMESTAMP, d DATE, dur INTERVAL)")
    db.sql("INSERT INTO ev VALUES (1, '2024-01-01 10:00:00', '2024-01-31', '1 day 02:00:00')")
    db.sql(
        "INSERT INTO ev VALUES (?, ?, ?, ?)",
        (2, dt.datetime(2024, 2, 1), dt.date(2024, 2, 1), dt.timedelta(minutes=90)),
    )
    rows = db.sql(
        "SELECT at + dur, dur + at, at - dur, d + dur, d - dur, dur * 2, 2 * dur, dur / 4,"
        " dur + dur, dur - dur FROM ev WHERE id = 1"
    ).one()
    took = DAY + dt.timedelta(hours=2)
    at = dt.datetime(2024, 1, 1, 10)
    d = dt.date(2024, 1, 31)
    assert tuple(rows) == (
        at + took, at + took, at - took, d + took, d - took,
        took * 2, took * 2, took / 4, took * 2, dt.timedelta(0),
    )  # fmt: skip
    assert db.sql("SELECT id FROM ev WHERE dur > '1 day'").all() == [(1,)]
    assert db.sql("SELECT max(dur), min(dur) FROM ev").one() == (took, dt.timedelta(minutes=90))
    assert db.sql("SELECT id FROM ev ORDER BY dur").all() == [(2,), (1,)]
    later = db.sql("SELECT b.at - a.at FROM ev a, ev b WHERE a.id = 1 AND b.id = 2").scalar()
    assert later == dt.datetime(2024, 2, 1) - at
    assert db.sql("SELECT b.d - a.d FROM ev a, ev b WHERE a.id = 1 AND b.id = 2").scalar() == DAY
    assert db.sql("SELECT dur / 0 FROM ev WHERE id = 1").scalar() is None  # as x / 0 in SQL
    with pytest.raises(Error, match=r"\+"):
        db.sql("SELECT dur + 1 FROM ev")
    with pytest.raises(DataError, match="out of range"):
        db.sql("SELECT at + CAST('P999999999D' AS INTERVAL) FROM ev")


def test_dsl_column_and_arithmetic() -> None:
    db = pyram.Database()
    db.create(Job)
    db.insert(Job(1, dt.timedelta(hours=2)))
    db.insert(Job(2, dt.timedelta(minutes=5), limit=dt.timedelta(minutes=1)))
    assert [j.id for j in db.all(Job.select().where(Job.took > dt.timedelta(hours=1)))] == [1]
    doubled = db.scalar(pyram.select(Job.took * 2).where(Job.id.eq(2)))
    assert doubled == dt.timedelta(minutes=10)


@given(st.lists(st.timedeltas(), max_size=20))
def test_file_codecs_round_trip(values: list[dt.timedelta]) -> None:
    for value in values:
        assert from_text("INTERVAL", to_text("INTERVAL", value)) == value
        assert INTERVAL.from_pg_binary(INTERVAL.pg_binary(value)) == value
        out: list[bytes] = []
        write_value(out, value)
        assert read_value(_Reader(b"".join(out))) == value
    assert decode_values("INTERVAL", encode_values("INTERVAL", values), len(values)) == values


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "little")

    def text(self) -> str:
        return self.take(self.u32()).decode("utf-8")


@pytest.mark.parametrize("fmt", ["snapshot", "json", "csv"])
def test_export_and_load(tmp_path: Path, fmt: str) -> None:
    db = pyram.Database()
    db.create(Job)
    jobs = [Job(1, -DAY - dt.timedelta(seconds=1)), Job(2, dt.timedelta(microseconds=7), DAY)]
    db.insert_many(jobs)
    db.export(tmp_path / "db", fmt)  # type: ignore[arg-type]
    back = pyram.Database.load(tmp_path / "db", models=[Job])
    assert back.all(Job.select().order_by(Job.id)) == jobs


def test_durable_log_replays_intervals(tmp_path: Path) -> None:
    path = tmp_path / "jobs.pyram"
    with pyram.Database(path=path) as db:
        db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, d INTERVAL)")
        db.sql("INSERT INTO t VALUES (1, '36:00:00')")  # a logged commit, not a checkpoint
    with pyram.Database(path=path) as db:
        assert db.sql("SELECT d FROM t").scalar() == dt.timedelta(hours=36)


def test_shell_import_and_dump(tmp_path: Path) -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, d INTERVAL)")
    (tmp_path / "t.csv").write_text("id,d\n1,1 day 02:00:00\n2,PT30M\n3,\n")
    assert import_csv(db, str(tmp_path / "t.csv"), "t") == 3
    assert db.sql("SELECT d FROM t ORDER BY id").all() == [
        (DAY + dt.timedelta(hours=2),), (dt.timedelta(minutes=30),), (None,),
    ]  # fmt: skip
    out = io.StringIO()
    run_dot_command(Shell(db, out, io.StringIO()), ".dump")
    copy = pyram.Database()
    copy.sql(out.getvalue())
    assert (
        copy.sql("SELECT d FROM t ORDER BY id").all() == db.sql("SELECT d FROM t ORDER BY id").all()
    )
    assert "'1 day 02:00:00'" in out.getvalue()


def test_dbapi_reports_datetime() -> None:
    con = dbapi.connect()
    cur = con.cursor()
    cur.execute("CREATE TABLE t (d INTERVAL)")
    cur.execute("INSERT INTO t VALUES (?)", (dt.timedelta(seconds=3),))
    cur.execute("SELECT d FROM t")
    assert cur.fetchall() == [(dt.timedelta(seconds=3),)]
    assert cur.description is not None and cur.description[0][1] == dbapi.DATETIME


def test_postgres_wire_forms() -> None:
    value = DAY + dt.timedelta(hours=2, microseconds=5)
    assert INTERVAL.pg_oid == 1186
    assert INTERVAL.pg_text(value) == "1 day 02:00:00.000005"
    # int64 microseconds of the time part, int32 days, int32 months
    assert INTERVAL.pg_binary(value) == (
        (2 * 3600 * 10**6 + 5).to_bytes(8, "big") + (1).to_bytes(4, "big") + bytes(4)
    )
    assert INTERVAL.from_pg_text("-1 days -02:00:00") == -(DAY + dt.timedelta(hours=2))
