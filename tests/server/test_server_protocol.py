"""The server under abuse and at its limits: malformed and out-of-order messages, wrong
authentication, oversized messages, too many clients, timeouts, read-only mode, TLS."""

from __future__ import annotations

import random
import ssl
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import errors as pgerrors

import pyram
import pyram.server
from server.server_helpers import PASSWORD, Served
from server.wire import Raw, error_code, packet, query, startup_packet


def _serve(**options: object) -> Iterator[Served]:
    db = pyram.Database()
    handle = pyram.server.start(db, port=0, log=lambda line: None, **options)
    try:
        yield Served(db, handle, "tester")
    finally:
        handle.stop()


@pytest.fixture
def limited() -> Iterator[Served]:
    yield from _serve(auth="trust", max_connections=2, max_message_size=1024, idle_timeout=0.5)


def _healthy(served: Served) -> None:
    with psycopg.connect(served.dsn, autocommit=True, password=PASSWORD) as con:
        assert con.execute("SELECT 40 + 2").fetchone() == (42,)


def test_simple_query_over_raw_protocol(served: Served) -> None:
    raw = Raw(served.port)
    hello = raw.login()
    kinds = [k for k, _ in hello]
    assert kinds[0] == b"R" and b"K" in kinds and kinds[-1] == b"Z"
    assert (b"S", b"server_version\x0015.0\x00") in hello
    raw.send(query("SELECT 1 AS one; SELECT 'x'"))
    got = raw.until(b"Z")
    assert [k for k, _ in got] == [b"T", b"D", b"C", b"T", b"D", b"C", b"Z"]
    assert got[2][1] == b"SELECT 1\x00"
    raw.send(query(""))
    assert [k for k, _ in raw.until(b"Z")] == [b"I", b"Z"]
    raw.send(packet(b"X"))
    raw.close()


def test_extended_protocol_out_of_order_messages(served: Served) -> None:
    raw = Raw(served.port)
    raw.login()
    # Execute a portal that does not exist: an error, then everything skipped until Sync
    raw.send(packet(b"E", b"nope\x00\x00\x00\x00\x00") + packet(b"B", b"\x00\x00" + b"\x00" * 6))
    raw.send(packet(b"S"))
    got = raw.until(b"Z")
    assert error_code(got) == "34000"
    assert [k for k, _ in got] == [b"E", b"Z"]
    # Bind to a missing statement; Describe with a bad subtype; Close ok
    raw.send(packet(b"B", b"\x00missing\x00" + b"\x00" * 6) + packet(b"S"))
    assert error_code(raw.until(b"Z")) == "26000"
    raw.send(packet(b"D", b"X\x00") + packet(b"S"))
    assert error_code(raw.until(b"Z")) == "08P01"
    # a full Parse/Bind/Execute/Sync with a row limit suspends the portal
    raw.send(packet(b"P", b"\x00SELECT 1 UNION ALL SELECT 2\x00\x00\x00"))
    raw.send(packet(b"B", b"\x00\x00\x00\x00\x00\x00\x00\x00"))
    raw.send(packet(b"E", b"\x00" + struct.pack("!i", 1)) + packet(b"E", b"\x00\x00\x00\x00\x00"))
    raw.send(packet(b"S"))
    kinds = [k for k, _ in raw.until(b"Z")]
    assert kinds == [b"1", b"2", b"D", b"s", b"D", b"C", b"Z"]
    raw.close()
    _healthy(served)


def _run_unnamed(sql: str) -> bytes:
    """Parse, Bind and Execute of ``sql`` (no parameters) as the unnamed statement."""
    parse = packet(b"P", b"\x00" + sql.encode() + b"\x00\x00\x00")
    bind = packet(b"B", b"\x00\x00" + b"\x00" * 6)
    return parse + bind + packet(b"E", b"\x00\x00\x00\x00\x00")


def test_extended_messages_up_to_sync_are_one_implicit_transaction(served: Served) -> None:
    """PostgreSQL's rule: outside BEGIN, the statements before a Sync commit together at the
    Sync, or none of them does (an error rolls back the earlier ones)."""
    bystander = psycopg.connect(served.dsn, autocommit=True)
    bystander.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")

    def count() -> object:
        row = bystander.execute("SELECT count(*) FROM t").fetchone()
        return None if row is None else row[0]

    raw = Raw(served.port)
    raw.login()
    inserts = [_run_unnamed(f"INSERT INTO t VALUES ({i})") for i in (1, 2)]
    raw.send(b"".join(inserts) + packet(b"H"))
    assert [k for k, _ in raw.until(b"C")][-1] == b"C"
    assert [k for k, _ in raw.until(b"C")][-1] == b"C"
    assert count() == 0  # not committed before the Sync
    raw.send(packet(b"S"))
    assert raw.until(b"Z")[-1] == (b"Z", b"I")
    assert count() == 2
    # a failing statement rolls back the one before it; the one after it is skipped
    failing = [_run_unnamed(f"INSERT INTO t VALUES ({i})") for i in (3, 1, 4)]
    raw.send(b"".join(failing) + packet(b"S"))
    got = raw.until(b"Z")
    assert error_code(got) == "23505"
    assert got[-1] == (b"Z", b"I")
    assert count() == 2
    # BEGIN inside the run makes it an explicit block that stays open after the Sync
    raw.send(_run_unnamed("INSERT INTO t VALUES (5)") + _run_unnamed("BEGIN") + packet(b"S"))
    assert raw.until(b"Z")[-1] == (b"Z", b"T")
    assert count() == 2
    raw.send(_run_unnamed("COMMIT") + packet(b"S"))
    assert raw.until(b"Z")[-1] == (b"Z", b"I")
    assert count() == 3
    # an error outside a statement (Bind to a missing statement) also rolls the run back
    missing = packet(b"B", b"\x00missing\x00" + b"\x00" * 6)
    raw.send(_run_unnamed("INSERT INTO t VALUES (6)") + missing + packet(b"S"))
    got = raw.until(b"Z")
    assert error_code(got) == "26000"
    assert got[-1] == (b"Z", b"I")
    assert count() == 3
    raw.close()
    bystander.close()


def test_fuzzed_messages_never_crash_the_server(served: Served) -> None:
    rng = random.Random(1234)
    bystander = psycopg.connect(served.dsn, autocommit=True)
    bystander.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    bystander.execute("INSERT INTO t VALUES (1)")
    kinds = b"QPBDESHCXdcfp?\x00\xff"
    try:
        for round_ in range(150):
            raw = Raw(served.port, timeout=5)
            try:
                if round_ % 3 == 0:  # garbage instead of a startup packet
                    raw.send(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))))
                else:
                    raw.login()
                    for _ in range(rng.randrange(1, 6)):
                        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 60)))
                        kind = bytes([rng.choice(kinds)])
                        length = len(body) + 4
                        if rng.random() < 0.2:
                            length = rng.choice([0, 3, -5, 2**31 - 1, length + 10])
                        raw.send(kind + struct.pack("!i", length) + body)
                raw.sock.shutdown(1)  # no more input: the server must answer or close
                while raw.until(b"Z")[-1][0] != b"":
                    pass
            except (ConnectionError, TimeoutError, OSError):
                pass
            finally:
                raw.close()
        assert bystander.execute("SELECT count(*) FROM t").fetchone() == (1,)
    finally:
        bystander.close()
    _healthy(served)


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (packet(b"Q", b"SELECT 1"), "08P01"),  # no terminating zero
        (b"Q" + struct.pack("!i", 2), "08P01"),  # a length below 4
        (packet(b"?"), "08P01"),  # unknown message type
        (packet(b"p", b"x\x00"), "08P01"),  # a password message after authentication
        (packet(b"B", b"\x00\x00\x00\x01\x00"), "08P01"),  # truncated Bind
        (packet(b"P", b"\x00SELECT 1\x00\x00\x01"), "08P01"),  # truncated parameter types
    ],
)
def test_malformed_message_gets_an_error(served: Served, message: bytes, code: str) -> None:
    raw = Raw(served.port)
    raw.login()
    raw.send(message + packet(b"S"))
    assert error_code(raw.until(b"Z")) == code
    raw.close()
    _healthy(served)


def test_no_unauthenticated_statement(served_scram: Served) -> None:
    for attack in (
        query("CREATE TABLE pwned (x INTEGER)"),
        packet(b"p", b"SCRAM-SHA-256\x00" + struct.pack("!i", 5) + b"n,,r="),
        packet(b"P", b"\x00CREATE TABLE pwned (x INTEGER)\x00\x00\x00") + packet(b"S"),
    ):
        raw = Raw(served_scram.port)
        raw.send(startup_packet("tester"))
        kind, body = raw.message()
        assert kind == b"R" and body[:4] == struct.pack("!i", 10)  # SASL is asked for
        raw.send(attack + query("CREATE TABLE pwned (x INTEGER)"))
        got = raw.until(b"Z")
        assert got[-1][0] == b""  # the server closed the connection
        assert error_code(got) in ("08P01", "28000", "28P01")
        raw.close()
    assert "pwned" not in served_scram.db.table_names()
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(served_scram.dsn, password="guess")
    _healthy(served_scram)


def test_startup_phase_requests(served: Served) -> None:
    raw = Raw(served.port)  # libpq's order: GSS encryption, then SSL, both refused
    raw.send(struct.pack("!ii", 8, 80877104))
    assert raw.read_exact(1) == b"N"
    raw.send(struct.pack("!ii", 8, 80877103))
    assert raw.read_exact(1) == b"N"
    assert [k for k, _ in raw.login()][-1] == b"Z"  # then a plain session
    raw.close()
    raw = Raw(served.port)
    raw.send(struct.pack("!ii", 8, 80877103))  # SSLRequest without TLS configured
    assert raw.read_exact(1) == b"N"
    raw.send(struct.pack("!ii", 8, 80877103))  # asked twice: a protocol violation
    assert error_code(raw.until(b"Z")) == "08P01"
    raw.close()
    raw = Raw(served.port)
    raw.send(startup_packet("tester", code=2 << 16))  # protocol 2.0
    assert error_code(raw.until(b"Z")) == "0A000"
    raw.close()
    raw = Raw(served.port)
    raw.send(struct.pack("!ii", 100_000, 196608))  # absurd startup length
    assert error_code(raw.until(b"Z")) == "08P01"
    raw.close()
    raw = Raw(served.port)
    body = struct.pack("!i", 196608) + b"database\x00app\x00\x00"  # no user
    raw.send(struct.pack("!i", len(body) + 4) + body)
    assert error_code(raw.until(b"Z")) == "28000"
    raw.close()
    raw = Raw(served.port)  # a cancel with a wrong secret cancels nothing, and is closed
    raw.send(struct.pack("!iiii", 16, 80877102, 1000, 1))
    assert raw.until(b"Z")[-1][0] == b""
    raw.close()
    _healthy(served)


def test_max_connections_message_size_and_idle_timeout(limited: Served) -> None:
    first = psycopg.connect(limited.dsn, autocommit=True)
    second = psycopg.connect(limited.dsn, autocommit=True)
    with pytest.raises(psycopg.OperationalError, match="too many clients") as info:
        psycopg.connect(limited.dsn)
    assert "53300" in str(info.value) or info.value.sqlstate in (None, "53300")
    with pytest.raises(psycopg.OperationalError):
        first.execute("SELECT '" + "x" * 2000 + "'")  # longer than max_message_size
    first.close()
    time.sleep(0.8)  # past the idle timeout: the second session was ended
    with pytest.raises(psycopg.OperationalError):
        second.execute("SELECT 1")
    second.close()
    with psycopg.connect(limited.dsn, autocommit=True) as con:  # a slot is free again
        assert con.execute("SELECT 1").fetchone() == (1,)


def test_read_only_server() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    db.sql("INSERT INTO t VALUES (1)")
    for served in _serve(auth="trust", read_only=True):
        with psycopg.connect(served.dsn, autocommit=True) as con:
            with pytest.raises(pgerrors.ReadOnlySqlTransaction):
                con.execute("CREATE TABLE u (id INTEGER)")
            assert con.execute("SELECT 1").fetchone() == (1,)
    handle = pyram.server.start(db, port=0, auth="trust", read_only=True, log=lambda line: None)
    try:
        dsn = f"host=127.0.0.1 port={handle.port} user=reader"
        with psycopg.connect(dsn, autocommit=True) as con:
            assert con.execute("SELECT id FROM t").fetchall() == [(1,)]
            for sql in ("INSERT INTO t VALUES (2)", "DELETE FROM t", "DROP TABLE t"):
                with pytest.raises(pgerrors.ReadOnlySqlTransaction):
                    con.execute(sql)
            with pytest.raises(pgerrors.ReadOnlySqlTransaction):
                con.execute("WITH x AS (SELECT 1) INSERT INTO t SELECT 5 FROM x")
            with (
                pytest.raises(pgerrors.ReadOnlySqlTransaction),
                con.cursor().copy("COPY t FROM STDIN") as copy,
            ):
                copy.write_row((3,))
    finally:
        handle.stop()
    assert db.sql("SELECT id FROM t").raw_rows == [(1,)]


def test_trust_is_refused_off_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        pyram.server.ServerConfig(host="0.0.0.0", auth="trust")


def test_tls(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = pyram.server.tls_context(str(cert), str(key))
    users = {"tester": pyram.server.make_verifier(PASSWORD)}
    for served in _serve(tls=context, users=users):
        with psycopg.connect(served.dsn, sslmode="require", password=PASSWORD) as con:
            assert con.pgconn.ssl_in_use
            assert con.execute("SELECT 'secret'").fetchone() == ("secret",)
            # prepared key lookups are answered from the TLS transport's callback
            con.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)")
            con.execute("INSERT INTO kv VALUES (1, 'a'), (2, 'b')")
            con.commit()
            con.autocommit = True  # no transaction: the lookups run on the event loop
            jobs = sum(c.worker._submitted for c in served.handle._server._connections.values())
            found = [
                con.execute("SELECT v FROM kv WHERE k = %s", (k,), prepare=True).fetchone()
                for k in (1, 2, 3, 1, 2)
            ]
            assert found == [("a",), ("b",), None, ("a",), ("b",)]
            after = sum(c.worker._submitted for c in served.handle._server._connections.values())
            assert after - jobs <= 2  # the first run (describe) goes to the session's thread
        with psycopg.connect(served.dsn, sslmode="disable", password=PASSWORD) as con:
            assert not con.pgconn.ssl_in_use
        assert isinstance(context, ssl.SSLContext)


def test_idle_in_transaction_timeout_and_notices() -> None:
    servers = _serve(auth="trust", idle_in_transaction_timeout=0.4)
    served = next(servers)
    notices: list[str] = []
    try:
        con = psycopg.connect(served.dsn, autocommit=True)
        con.add_notice_handler(lambda diag: notices.append(diag.sqlstate or ""))
        con.execute("COMMIT")  # no transaction: a warning, not an error
        assert notices == ["25P01"]
        con.execute("BEGIN")
        con.execute("BEGIN")
        assert notices == ["25P01", "25001"]
        time.sleep(0.8)
        with pytest.raises(pgerrors.IdleInTransactionSessionTimeout):
            con.execute("SELECT 1")
        con.close()
        _healthy(served)
    finally:
        servers.close()
