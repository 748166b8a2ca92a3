"""The connection's input (pyram/server/transport.py): messages cut from one buffer, answered
from the socket's callback when they need no wait, in order, with flow control and limits."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time

import psycopg
import pytest

from pyram.errors import OperationalError
from pyram.server.messages import ProtocolViolation
from pyram.server.sqlstate import ServerError
from pyram.server.transport import PAUSE_AT, MessageInput
from server.server_helpers import PASSWORD, Served
from server.wire import Raw, packet, query, startup_packet


class _Transport:
    """What MessageInput asks of a transport."""

    def __init__(self) -> None:
        self.reading = True

    def is_reading(self) -> bool:
        return self.reading

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


def _input(max_size: int = 1 << 20) -> tuple[MessageInput, _Transport]:
    transport = _Transport()
    return MessageInput(transport, max_size, b""), transport  # type: ignore[arg-type]


def test_messages_are_cut_from_any_split_of_the_bytes() -> None:
    stream = packet(b"Q", b"SELECT 1\x00") + packet(b"S") + packet(b"X", b"")
    for cut in range(len(stream) + 1):
        source, _ = _input()
        got = []
        for part in (stream[:cut], stream[cut:]):
            source.received(part)  # no task waits: nothing is pumped
            while (found := source.next_message()) is not None:
                got.append(found)
        assert got == [(b"Q", b"SELECT 1\x00"), (b"S", b""), (b"X", b"")]


def test_an_oversized_or_invalid_length_is_refused_from_its_header() -> None:
    source, _ = _input(max_size=100)
    source.received(b"Q" + struct.pack("!i", 1000))  # the body never has to arrive
    with pytest.raises(ServerError) as err:
        source.next_message()
    assert err.value.sqlstate == "54000" and err.value.fatal
    source, _ = _input()
    source.received(b"Q" + struct.pack("!i", 3))
    with pytest.raises(ProtocolViolation):
        source.next_message()


def test_the_pump_answers_while_the_task_waits_and_wakes_it_when_it_cannot() -> None:
    async def scenario() -> list[str]:
        source, _ = _input()
        events: list[str] = []

        def pump() -> bool:
            found = source.next_message()
            assert found is not None
            if found[0] == b"B":
                events.append("pumped")
                return True
            source.pos -= 5 + len(found[1])  # left for the task
            return False

        source.pump = pump
        waiting = asyncio.ensure_future(source.wait(None))
        await asyncio.sleep(0)
        source.received(packet(b"B", b"x"))  # answered in the callback: the task sleeps on
        await asyncio.sleep(0)
        assert not waiting.done()
        source.received(packet(b"Q", b"y\x00"))  # needs the task: woken, message left for it
        await waiting
        events.append(repr(source.next_message()))
        return events

    assert asyncio.run(scenario()) == ["pumped", repr((b"Q", b"y\x00"))]


def test_a_pump_error_ends_the_wait_with_it() -> None:
    async def scenario() -> None:
        source, _ = _input()

        def pump() -> bool:
            raise ProtocolViolation("bad message")

        source.pump = pump
        waiting = asyncio.ensure_future(source.wait(None))
        await asyncio.sleep(0)
        source.received(packet(b"B"))
        with pytest.raises(ProtocolViolation):
            await waiting

    asyncio.run(scenario())


def test_reading_pauses_while_the_task_is_busy_and_resumes_when_it_waits() -> None:
    async def scenario() -> None:
        source, transport = _input()
        source.received(b"\x00" * (PAUSE_AT + 1))  # no task waits: it is busy
        assert not transport.reading
        waiting = asyncio.ensure_future(source.wait(None))
        await asyncio.sleep(0)
        assert transport.reading
        source.ended(None)
        await waiting  # bytes are left: not the end yet
        with pytest.raises(asyncio.IncompleteReadError):
            source.pos = len(source.data)
            await source.wait(None)

    asyncio.run(scenario())


def test_activity_in_the_pump_restarts_the_idle_timeout() -> None:
    async def scenario() -> None:
        source, _ = _input()
        source.pump = lambda: source.next_message() is not None
        waiting = asyncio.ensure_future(source.wait(0.3))
        for _ in range(6):  # 0.6 s of activity, every 0.1 s
            await asyncio.sleep(0.1)
            source.received(packet(b"B"))
        assert not waiting.done()
        with pytest.raises(TimeoutError):
            await waiting  # then idle: the timeout ends the wait

    asyncio.run(scenario())


# ------------------------------------------------------------------ through the server
@pytest.fixture
def kv(served: Served) -> Served:
    with psycopg.connect(served.dsn, password=PASSWORD, autocommit=True) as conn:
        conn.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        conn.execute("INSERT INTO kv VALUES (1, 'one'), (2, 'two'), (3, 'three')")
    return served


def test_pipelined_lookups_and_queries_are_answered_in_order(kv: Served) -> None:
    with psycopg.connect(kv.dsn, password=PASSWORD, autocommit=True) as conn:
        for k in (1, 2, 3):  # prepared, and known as a key lookup
            conn.execute("SELECT v FROM kv WHERE k = %s", (k,), prepare=True)
        results = []
        with conn.pipeline():
            cursors = []
            for k in (3, 1, 2, 9):
                cursors.append(conn.execute("SELECT v FROM kv WHERE k = %s", (k,), prepare=True))
                cursors.append(conn.execute("SELECT count(*) FROM kv WHERE k <= %s", (k,)))
        for cur in cursors:
            results.append(cur.fetchall())
    assert results == [[("three",)], [(3,)], [("one",)], [(1,)], [("two",)], [(2,)], [], [(3,)]]


def test_a_batch_mixing_pumped_and_task_messages_in_one_packet(kv: Served) -> None:
    raw = _raw_session(kv)
    parse = packet(b"P", b"s1\x00SELECT v FROM kv WHERE k = $1\x00\x00\x00")
    raw.send(parse + packet(b"S"))
    assert [k for k, _ in raw.until()] == [b"1", b"Z"]

    def lookup(key: bytes) -> bytes:
        bind = b"\x00s1\x00" + struct.pack("!hh", 0, 1) + struct.pack("!i", len(key)) + key
        return (
            packet(b"B", bind + struct.pack("!h", 0))
            + packet(b"E", b"\x00" + struct.pack("!i", 0))
            + packet(b"S")
        )

    # a lookup (run once to learn it is one), then lookup, simple query, lookup in ONE packet
    raw.send(lookup(b"1"))
    raw.until()
    raw.send(lookup(b"2") + query("SELECT 'middle'") + lookup(b"3"))
    rows = []
    for _ in range(3):
        rows += [body for kind, body in raw.until() if kind == b"D"]
    values = [body[6:].decode() for body in rows]
    assert values == ["two", "middle", "three"]


def test_a_client_that_never_reads_does_not_make_the_server_hold_unbounded_answers(
    kv: Served,
) -> None:
    with psycopg.connect(kv.dsn, password=PASSWORD, autocommit=True) as conn:
        conn.execute("CREATE TABLE big (v TEXT)")
        conn.execute("INSERT INTO big VALUES (%s)", ("x" * 10_000,))
    raw = _raw_session(kv)
    raw.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # 27 rows: 270 kB per answer; 10 kB per query (a comment), 2 MB of queries in all
    big = query("SELECT big.v FROM big, kv, kv AS a, kv AS b /* " + "q" * 10_000 + " */")
    raw.sock.setblocking(False)
    sent = 0
    with contextlib.suppress(BlockingIOError):
        for _ in range(200):  # 54 MB of answers if all were made
            raw.sock.send(big)
            sent += 1
    time.sleep(1.0)
    conn = next(iter(kv.handle._server._connections.values()))
    assert conn.input is not None
    # the answers back up in the socket, then the server stops reading the client's queries
    assert conn.writer.transport.get_write_buffer_size() < 2 * 1024 * 1024
    assert len(conn.input.data) - conn.input.pos < PAUSE_AT + 64 * 1024 + len(big)
    assert conn.statements < sent
    raw.sock.close()


def _raw_session(served: Served) -> Raw:
    raw = Raw(served.port)
    raw.send(startup_packet(served.user))
    kinds = [k for k, _ in raw.until()]
    if b"R" in kinds and kinds[-1] != b"Z":  # not trust: this fixture always is
        raise OperationalError("the test server asked for a password")
    return raw
