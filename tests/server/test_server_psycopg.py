"""psycopg 3 (sync and async) against the server: DDL, DML, parameters of every type in text
and binary formats, transactions, SQLSTATEs, COPY, cancel and statement timeouts."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors as pgerrors
from psycopg.types.json import Json

from server.server_helpers import PASSWORD, Served

ROW: tuple[Any, ...] = (
    1,
    "héllo\tworld",
    2.5,
    b"\x00\xffbytes",
    True,
    dt.date(2024, 2, 29),
    dt.datetime(2024, 2, 29, 13, 14, 15, 123456),
    dt.datetime(2024, 2, 29, 13, 14, 15, tzinfo=dt.UTC),
    dt.time(23, 59, 58, 5),
    Decimal("-12345.6789"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    {"k": [1, 2, None]},
)
CREATE = (
    "CREATE TABLE every (id INTEGER PRIMARY KEY, t TEXT, r REAL, b BLOB, flag BOOLEAN, d DATE,"
    " ts TIMESTAMP, tz TIMESTAMPTZ, tm TIME, n DECIMAL, u UUID, j JSON)"
)
LONG_QUERY = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) "
    "SELECT count(*) FROM c"
)


def _insert_row(cur: psycopg.Cursor[Any]) -> None:
    values = (*ROW[:-1], Json(ROW[-1]))
    cur.execute("INSERT INTO every VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", values)


@pytest.mark.parametrize("binary", [False, True])
def test_parameters_and_results_of_every_type(served: Served, binary: bool) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as con:
        con.execute(CREATE)
        cur = con.cursor(binary=binary)
        _insert_row(cur)
        got = cur.execute("SELECT * FROM every WHERE id = %s", (1,)).fetchone()
        assert got == ROW
        oids = [d.type_code for d in cur.description or ()]
        assert oids == [20, 25, 701, 17, 16, 1082, 1114, 1184, 1083, 1700, 2950, 3802]
        nulls = cur.execute("SELECT NULL, CAST(%s AS TEXT) IS NULL", (None,)).fetchone()
        assert nulls == (None, True) or nulls == (None, 1)
    # the row really is in the database, typed
    assert served.db.sql("SELECT t, n FROM every").raw_rows == [(ROW[1], ROW[9])]


def test_ddl_dml_and_command_tags(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as con:
        cur = con.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        assert cur.statusmessage == "CREATE TABLE"
        cur = con.execute("INSERT INTO item VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        assert (cur.statusmessage, cur.rowcount) == ("INSERT 0 3", 3)
        cur = con.execute("UPDATE item SET name = upper(name) WHERE id > %s", (1,))
        assert (cur.statusmessage, cur.rowcount) == ("UPDATE 2", 2)
        cur = con.execute("DELETE FROM item WHERE id = 3")
        assert cur.statusmessage == "DELETE 1"
        cur = con.execute("SELECT name FROM item ORDER BY id")
        assert cur.statusmessage == "SELECT 2"
        assert cur.fetchall() == [("a",), ("B",)]
        assert [d.name for d in cur.description or ()] == ["name"]
        cur.executemany("INSERT INTO item VALUES (%s, %s)", [(10, "x"), (11, "y")])
        assert con.execute("SELECT count(*) FROM item").fetchone() == (4,)
        con.execute("CREATE INDEX item_name ON item (name)")
        con.execute("DROP TABLE item")
        with pytest.raises(pgerrors.UndefinedTable):
            con.execute("SELECT * FROM item")


def test_multi_statement_query_is_one_transaction(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        with pytest.raises(pgerrors.UniqueViolation):
            con.execute("INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)", prepare=False)
        assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
        con.execute("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)", prepare=False)
        assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_transactions_savepoints_and_failed_blocks(served: Served) -> None:
    with psycopg.connect(served.dsn) as con:  # psycopg begins a transaction itself
        con.execute("CREATE TABLE acct (id INTEGER PRIMARY KEY, n INTEGER)")
        con.commit()
        con.execute("INSERT INTO acct VALUES (1, 10)")
        assert con.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        with con.transaction():  # a savepoint inside the open transaction
            con.execute("INSERT INTO acct VALUES (2, 20)")
        with pytest.raises(pgerrors.UniqueViolation), con.transaction():
            con.execute("INSERT INTO acct VALUES (3, 30)")
            con.execute("INSERT INTO acct VALUES (1, 0)")  # rolls back to the savepoint
        con.commit()
        assert con.execute("SELECT id FROM acct ORDER BY id").fetchall() == [(1,), (2,)]
        con.rollback()
        # an error fails the block: everything but ROLLBACK is refused with 25P02
        with pytest.raises(pgerrors.UniqueViolation):
            con.execute("INSERT INTO acct VALUES (1, 0)")
        assert con.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        with pytest.raises(pgerrors.InFailedSqlTransaction):
            con.execute("SELECT 1")
        con.rollback()
        assert con.execute("SELECT count(*) FROM acct").fetchone() == (2,)
        con.rollback()
    assert served.db.sql("SELECT sum(n) FROM acct").raw_rows == [(30,)]


def test_isolation_levels_and_set_show(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as con:
        assert con.execute("SHOW transaction_isolation").fetchone() == ("read committed",)
        con.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        assert con.execute("SHOW transaction_isolation").fetchone() == ("serializable",)
        con.execute("COMMIT")
        con.execute("SET application_name = 'billing'")
        assert con.execute("SHOW application_name").fetchone() == ("billing",)
        con.execute("SET TIME ZONE 'UTC'")
        with pytest.raises(pgerrors.UndefinedObject):
            con.execute("SHOW no_such_setting")
        con.execute("BEGIN")
        con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        assert con.execute("SHOW transaction_isolation").fetchone() == ("repeatable read",)
        con.execute("ROLLBACK")


def test_sqlstates(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as con:
        con.execute("CREATE TABLE p (id INTEGER PRIMARY KEY)")
        con.execute(
            "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id),"
            " v INTEGER NOT NULL CHECK (v > 0))"
        )
        con.execute("INSERT INTO p VALUES (1)")
        cases: list[tuple[str, type[Exception]]] = [
            ("INSERT INTO p VALUES (1)", pgerrors.UniqueViolation),
            ("INSERT INTO c VALUES (1, 1, NULL)", pgerrors.NotNullViolation),
            ("INSERT INTO c VALUES (1, 9, 1)", pgerrors.ForeignKeyViolation),
            ("INSERT INTO c VALUES (1, 1, -1)", pgerrors.CheckViolation),
            ("SELEC 1", pgerrors.SyntaxError),
            ("SELECT * FROM nope", pgerrors.UndefinedTable),
            ("SELECT nope FROM p", pgerrors.UndefinedColumn),
        ]
        for sql, error in cases:
            with pytest.raises(error) as info:
                con.execute(sql)
            assert info.value.diag.message_primary
        with pytest.raises(pgerrors.UniqueViolation) as info:
            con.execute("INSERT INTO p VALUES (%s)", (1,))
        assert info.value.diag.table_name == "p"
        assert con.execute("SELECT count(*) FROM c").fetchone() == (0,)


def test_serialization_failure_is_40001(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE k (id INTEGER PRIMARY KEY, v INTEGER)")
        setup.execute("INSERT INTO k VALUES (1, 0)")
    a = psycopg.connect(served.dsn)
    b = psycopg.connect(served.dsn, autocommit=True)
    try:
        a.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        assert a.execute("SELECT v FROM k WHERE id = 1").fetchone() == (0,)
        b.execute("UPDATE k SET v = 5 WHERE id = 1")  # commits after a's snapshot
        with pytest.raises(pgerrors.SerializationFailure):
            a.execute("UPDATE k SET v = v + 1 WHERE id = 1")
            a.commit()
        a.rollback()
    finally:
        a.close()
        b.close()
    assert served.db.sql("SELECT v FROM k").raw_rows == [(5,)]


def test_copy_in_and_out_text_and_csv(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as con:
        con.execute("CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT, score REAL, d DATE)")
        cur = con.cursor()
        with cur.copy("COPY c FROM STDIN") as copy:
            copy.write_row((1, "tab\there", 1.5, dt.date(2024, 1, 1)))
            copy.write_row((2, None, None, None))
        assert cur.statusmessage == "COPY 2"
        with cur.copy("COPY c (id, name) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write('id,name\n3,"comma, and ""quote"""\n4,""\n5,\n')
        rows = con.execute("SELECT id, name FROM c ORDER BY id").fetchall()
        assert rows == [(1, "tab\there"), (2, None), (3, 'comma, and "quote"'), (4, ""), (5, None)]
        with cur.copy("COPY c TO STDOUT") as copy:
            text = b"".join(bytes(chunk) for chunk in copy).decode()
        assert text.splitlines()[0] == "1\ttab\\there\t1.5\t2024-01-01"
        assert text.splitlines()[1] == "2\t\\N\t\\N\t\\N"
        with cur.copy("COPY (SELECT id, name FROM c WHERE id > 2 ORDER BY id) TO STDOUT CSV") as cp:
            csv_text = b"".join(bytes(chunk) for chunk in cp).decode()
        assert csv_text == '3,"comma, and ""quote"""\n4,""\n5,\n'
        # a bad field fails the whole COPY: nothing is inserted
        with pytest.raises(psycopg.DataError), cur.copy("COPY c (id, score) FROM STDIN") as copy:
            copy.write("6\t1.0\n7\tnot-a-number\n")
        assert con.execute("SELECT count(*) FROM c").fetchone() == (5,)


def test_cancel_stops_a_running_statement(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as con:
        timer = threading.Timer(0.5, con.cancel_safe)
        timer.start()
        started = time.monotonic()
        with pytest.raises(pgerrors.QueryCanceled):
            con.execute(LONG_QUERY)
        assert time.monotonic() - started < 10
        assert con.execute("SELECT 1").fetchone() == (1,)  # the session goes on


def test_statement_timeout(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True) as con:
        con.execute("SET statement_timeout = '300ms'")
        with pytest.raises(pgerrors.QueryCanceled, match="statement timeout"):
            con.execute(LONG_QUERY)
        con.execute("SET statement_timeout = 0")
        assert con.execute("SELECT 2").fetchone() == (2,)


def test_scram_authentication(served_scram: Served) -> None:
    with psycopg.connect(served_scram.dsn, password=PASSWORD) as con:
        assert con.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(served_scram.dsn, password="wrong")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(served_scram.dsn.replace("user=tester", "user=nobody"), password=PASSWORD)


def test_async_psycopg_many_sessions(served: Served) -> None:
    async def main() -> list[Any]:
        async with await psycopg.AsyncConnection.connect(served.dsn, autocommit=True) as con:
            await con.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, who TEXT)")

        async def worker(n: int) -> None:
            async with await psycopg.AsyncConnection.connect(served.dsn) as con:
                async with con.transaction():
                    await con.execute("INSERT INTO a VALUES (%s, %s)", (n, f"w{n}"))
                cur = await con.execute("SELECT who FROM a WHERE id = %s", (n,))
                assert await cur.fetchone() == (f"w{n}",)

        await asyncio.gather(*(worker(n) for n in range(8)))
        async with await psycopg.AsyncConnection.connect(served.dsn) as con:
            cur = await con.execute("SELECT id FROM a ORDER BY id")
            return await cur.fetchall()

    assert asyncio.run(main()) == [(n,) for n in range(8)]


def test_server_side_cursor_fetches_in_slices(served: Served) -> None:
    with psycopg.connect(served.dsn) as con:
        con.execute("CREATE TABLE big (id INTEGER PRIMARY KEY)")
        con.execute(
            "INSERT INTO big WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s"
            " WHERE x < 250) SELECT x FROM s"
        )
        con.commit()
        with con.cursor(name="scan") as cur:
            cur.itersize = 100
            cur.execute("SELECT id FROM big ORDER BY id")
            assert [r[0] for r in cur] == list(range(1, 251))
