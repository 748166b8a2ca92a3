"""The pgoutput / streaming-frame parser on messages built byte by byte from PostgreSQL's
protocol documentation (no server needed): every message kind the mirror reads."""

from __future__ import annotations

import struct

import pytest

from pyram.errors import ProgrammingError
from pyram.pg.protocol import (
    UNCHANGED,
    Begin,
    Commit,
    Delete,
    Insert,
    Keepalive,
    Relation,
    RelationColumn,
    Truncate,
    Update,
    XLogData,
    parse_frame,
    parse_message,
    pg_time,
)


def _tuple(*values: object) -> bytes:
    out = struct.pack("!H", len(values))
    for v in values:
        if v is None:
            out += b"n"
        elif v is UNCHANGED:
            out += b"u"
        else:
            assert isinstance(v, bytes)
            out += b"t" + struct.pack("!i", len(v)) + v
    return out


def test_frames() -> None:
    data = b"w" + struct.pack("!QQQ", 10, 20, 30) + b"payload"
    assert parse_frame(data) == XLogData(10, 20, b"payload")
    assert parse_frame(b"k" + struct.pack("!QQB", 99, 0, 1)) == Keepalive(99, True)
    assert parse_frame(b"k" + struct.pack("!QQB", 99, 0, 0)) == Keepalive(99, False)
    with pytest.raises(ProgrammingError, match="unknown replication frame"):
        parse_frame(b"x" + bytes(30))


def test_begin_commit_and_ignored_messages() -> None:
    begin = parse_message(b"B" + struct.pack("!QqI", 0x1_0000_0010, 1_000_000, 77))
    assert begin == Begin(0x1_0000_0010, pg_time(1_000_000), 77)
    commit = parse_message(b"C" + struct.pack("!BQQq", 0, 500, 600, 2_000_000))
    assert commit == Commit(500, 600, pg_time(2_000_000))
    assert parse_message(b"O" + struct.pack("!Q", 1) + b"origin\0") is None
    assert parse_message(b"Y" + bytes(8)) is None


def test_relation() -> None:
    body = struct.pack("!I", 16384) + b"public\0" + b"t\0" + b"d" + struct.pack("!H", 2)
    body += b"\x01" + b"id\0" + struct.pack("!Ii", 23, -1)
    body += b"\x00" + b"name\0" + struct.pack("!Ii", 25, -1)
    assert parse_message(b"R" + body) == Relation(
        16384,
        "public",
        "t",
        (RelationColumn("id", 23, True), RelationColumn("name", 25, False)),
    )


def test_row_changes() -> None:
    oid = struct.pack("!I", 42)
    values = [b"1", None, b"h\xc3\xa9", b""]
    row = _tuple(*values)
    assert parse_message(b"I" + oid + b"N" + row) == Insert(42, values)
    # an update without the old key, then one with it (the key changed), then an unchanged value
    assert parse_message(b"U" + oid + b"N" + row) == Update(42, None, values)
    changed = parse_message(b"U" + oid + b"K" + _tuple(b"1", None) + b"N" + _tuple(b"2", b"x"))
    assert changed == Update(42, [b"1", None], [b"2", b"x"])
    toast = parse_message(b"U" + oid + b"O" + _tuple(b"1", b"a") + b"N" + _tuple(b"1", UNCHANGED))
    assert isinstance(toast, Update) and toast.new[1] is UNCHANGED and toast.old == [b"1", b"a"]
    assert parse_message(b"D" + oid + b"K" + _tuple(b"7", None)) == Delete(42, [b"7", None])
    truncate = b"T" + struct.pack("!IB", 2, 0) + struct.pack("!II", 5, 6)
    assert parse_message(truncate) == Truncate((5, 6))
    with pytest.raises(ProgrammingError, match="tuple value kind"):
        parse_message(b"I" + oid + b"N" + struct.pack("!H", 1) + b"z")
