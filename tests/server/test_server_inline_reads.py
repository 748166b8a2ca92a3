"""Key lookups run on the event loop; everything that needs the session's thread still goes
there (an open transaction, a write, a scan, another isolation level)."""

from __future__ import annotations

import psycopg

from server.server_helpers import PASSWORD, Served

LOOKUP = "SELECT v FROM kv WHERE k = %s"


def _jobs(served: Served) -> int:
    """Jobs handed to session threads so far, over every connection of the server."""
    server = served.handle._server
    return sum(c.worker._submitted for c in server._connections.values() if c.worker)


def _connect(served: Served) -> psycopg.Connection:
    return psycopg.connect(served.dsn, password=PASSWORD, autocommit=True)


def _setup(served: Served) -> None:
    with _connect(served) as conn:
        conn.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        conn.execute("INSERT INTO kv VALUES (1, 'one'), (2, 'two'), (3, 'three')")


def test_repeated_key_lookups_do_not_visit_the_session_thread(served: Served) -> None:
    _setup(served)
    with _connect(served) as conn:
        assert conn.execute(LOOKUP, (1,), prepare=True).fetchone() == ("one",)
        before = _jobs(served)
        answers = [conn.execute(LOOKUP, (k,), prepare=True).fetchone() for k in (2, 3, 4, 1)]
        assert answers == [("two",), ("three",), None, ("one",)]
        assert _jobs(served) == before  # all four ran on the event loop
        # a scan is not a key lookup: it goes to the session's thread
        conn.execute("SELECT count(*) FROM kv WHERE v > %s", ("a",), prepare=True).fetchone()
        assert _jobs(served) > before


def test_inline_lookups_see_committed_writes_of_other_sessions(served: Served) -> None:
    _setup(served)
    with _connect(served) as reader, _connect(served) as writer:
        for _ in range(3):
            reader.execute(LOOKUP, (1,), prepare=True).fetchone()
        writer.execute("UPDATE kv SET v = 'uno' WHERE k = 1")
        assert reader.execute(LOOKUP, (1,), prepare=True).fetchone() == ("uno",)
        with writer.transaction():
            writer.execute("UPDATE kv SET v = 'eins' WHERE k = 1")
            # not committed yet: the reader still sees the committed value
            assert reader.execute(LOOKUP, (1,), prepare=True).fetchone() == ("uno",)
        assert reader.execute(LOOKUP, (1,), prepare=True).fetchone() == ("eins",)


def test_lookups_inside_a_transaction_run_on_the_session_thread(served: Served) -> None:
    _setup(served)
    with _connect(served) as conn:
        for _ in range(3):
            conn.execute(LOOKUP, (1,), prepare=True).fetchone()
        with conn.transaction():
            conn.execute("UPDATE kv SET v = 'mine' WHERE k = 2")
            before = _jobs(served)
            # the transaction's own write is visible: the lookup ran in the transaction
            assert conn.execute(LOOKUP, (2,), prepare=True).fetchone() == ("mine",)
            assert _jobs(served) > before
        assert conn.execute(LOOKUP, (2,), prepare=True).fetchone() == ("mine",)


def test_repeatable_read_sessions_keep_their_implicit_transaction(served: Served) -> None:
    _setup(served)
    with _connect(served) as conn:
        conn.execute("SET default_transaction_isolation = 'repeatable read'")
        for _ in range(3):
            conn.execute(LOOKUP, (1,), prepare=True).fetchone()
        before = _jobs(served)
        assert conn.execute(LOOKUP, (3,), prepare=True).fetchone() == ("three",)
        assert _jobs(served) > before


def test_a_lookup_that_stops_being_one_goes_back_to_the_thread(served: Served) -> None:
    with _connect(served) as conn:
        conn.execute("CREATE TABLE t (k INTEGER NOT NULL, v TEXT)")
        conn.execute("CREATE UNIQUE INDEX t_k ON t (k)")
        conn.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
        query = "SELECT v FROM t WHERE k = %s"
        for _ in range(3):
            assert conn.execute(query, (1,), prepare=True).fetchone() == ("a",)
        conn.execute("DROP INDEX t_k")
        # the first run after the DDL may still run inline (as a scan, once); then never
        assert conn.execute(query, (2,), prepare=True).fetchone() == ("b",)
        before = _jobs(served)
        assert conn.execute(query, (1,), prepare=True).fetchone() == ("a",)
        assert _jobs(served) > before
