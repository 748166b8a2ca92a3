"""PostgreSQL's logical replication wire formats: LSNs, the streaming frames, ``pgoutput``.

psycopg 3 has no replication API (psycopg issue 71), so the mirror speaks the sub-protocol
itself over libpq's COPY BOTH mode. Two layers of framing arrive in each CopyData message:

- the streaming protocol: ``w`` XLogData (start, end, server clock, payload) and ``k`` primary
  keepalive (server WAL end, clock, reply requested); the client answers with ``r`` standby
  status updates carrying the LSN it has durably applied;
- inside XLogData, one ``pgoutput`` message (protocol version 1): Begin, Commit, Relation,
  Type, Insert, Update, Delete, Truncate, Origin. Values come as text, decoded later with the
  same psycopg loaders the initial COPY uses.

Only parsing and building bytes lives here: no sockets, no PyRAM.
"""

from __future__ import annotations

import struct
import time
from typing import NamedTuple

from pyram.errors import ProgrammingError

__all__ = [
    "UNCHANGED",
    "Begin",
    "Commit",
    "Delete",
    "Insert",
    "Keepalive",
    "Relation",
    "RelationColumn",
    "Truncate",
    "Tuple",
    "Update",
    "XLogData",
    "format_lsn",
    "parse_frame",
    "parse_lsn",
    "parse_message",
    "status_update",
]

# PostgreSQL timestamps count microseconds from 2000-01-01 UTC.
_PG_EPOCH = 946_684_800.0

#: A column value an UPDATE did not send (an unchanged TOASTed value): keep the old one.
UNCHANGED = object()

#: One row as pgoutput sends it: text bytes, None for NULL, or :data:`UNCHANGED`.
Tuple = list[object]


def parse_lsn(text: str) -> int:
    """The LSN ``"16/B374D848"`` (as ``pg_current_wal_lsn()::text`` prints it) as an int.

    Raises:
        ProgrammingError: not an LSN.
    """
    high, sep, low = text.strip().partition("/")
    try:
        if not sep:
            raise ValueError(text)
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        raise ProgrammingError(
            f"not a PostgreSQL LSN: {text!r} (expected e.g. '0/16B3748')"
        ) from None


def format_lsn(lsn: int) -> str:
    """The int LSN as PostgreSQL prints it: ``"16/B374D848"``."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def pg_time(micros: int) -> float:
    """A PostgreSQL timestamp (microseconds since 2000) as Unix seconds."""
    return _PG_EPOCH + micros / 1_000_000


# ---------------------------------------------------------------------- streaming frames
# Messages are NamedTuples and parsing works on offsets with precompiled structs: a mirror
# catching up parses several messages per applied row, and a frozen dataclass's __init__ (one
# object.__setattr__ per field) or a reader object per message cost as much as applying it.
_XLOG = struct.Struct("!QQQ")
_KEEPALIVE = struct.Struct("!QQB")
_STATUS = struct.Struct("!QQQQB")
_BEGIN = struct.Struct("!QqI")
_COMMIT = struct.Struct("!BQQq")
_OID = struct.Struct("!I")
_OID_KIND = struct.Struct("!Ic")  # a change's relation OID and the tuple marker after it
_COUNT = struct.Struct("!H")
_SIZE = struct.Struct("!i")
_TRUNCATE = struct.Struct("!IB")
_COLUMN = struct.Struct("!Ii")


class XLogData(NamedTuple):
    """A WAL payload frame: ``end`` is the server's WAL end when it was sent."""

    start: int
    end: int
    payload: bytes


class Keepalive(NamedTuple):
    """The server's heartbeat: its WAL end, and whether it wants a status update now."""

    end: int
    reply: bool


def parse_frame(data: bytes) -> XLogData | Keepalive:
    """Split one CopyData message of the replication stream.

    Raises:
        ProgrammingError: an unknown frame (a protocol this client does not speak).
    """
    kind = data[0]
    if kind == 0x77:  # 'w'
        start, end, _clock = _XLOG.unpack_from(data, 1)
        return XLogData(start, end, data[25:])
    if kind == 0x6B:  # 'k'
        end, _clock, reply = _KEEPALIVE.unpack_from(data, 1)
        return Keepalive(end, bool(reply))
    raise ProgrammingError(f"unknown replication frame {data[:1]!r}")


def status_update(applied: int, reply: bool = False) -> bytes:
    """A standby status update: received, flushed and applied all reported as ``applied``,
    so PostgreSQL may recycle the WAL before it (and resends what follows on reconnect)."""
    micros = int((time.time() - _PG_EPOCH) * 1_000_000)
    return b"r" + _STATUS.pack(applied, applied, applied, micros, int(reply))


# ---------------------------------------------------------------------- pgoutput messages
class Begin(NamedTuple):
    """A transaction starts; ``final_lsn`` is its commit record's LSN (its identity)."""

    final_lsn: int
    commit_time: float
    xid: int


class Commit(NamedTuple):
    """The transaction committed; ``end_lsn`` is where the next one may start."""

    commit_lsn: int
    end_lsn: int
    commit_time: float


class RelationColumn(NamedTuple):
    """A published column: name, type OID, and whether it is part of the replica identity."""

    name: str
    type_oid: int
    key: bool


class Relation(NamedTuple):
    """The shape of a table, sent before its first change and again after it changes."""

    oid: int
    schema: str
    name: str
    columns: tuple[RelationColumn, ...]


class Insert(NamedTuple):
    """A new row."""

    oid: int
    new: Tuple


class Update(NamedTuple):
    """A changed row; ``old`` holds the old key (or whole old row) when the key changed."""

    oid: int
    old: Tuple | None
    new: Tuple


class Delete(NamedTuple):
    """A deleted row, identified by its key columns (others are None)."""

    oid: int
    old: Tuple


class Truncate(NamedTuple):
    """The tables emptied together."""

    oids: tuple[int, ...]


def _tuple(data: bytes, pos: int) -> tuple[Tuple, int]:
    """A TupleData at ``pos``: its values and the position after it."""
    (count,) = _COUNT.unpack_from(data, pos)
    pos += 2
    values: Tuple = []
    append = values.append
    size_at = _SIZE.unpack_from
    for _ in range(count):
        kind = data[pos]
        if kind == 0x74:  # 't': text value
            (size,) = size_at(data, pos + 1)
            pos += 5 + size
            append(data[pos - size : pos])
            continue
        pos += 1
        if kind == 0x6E:  # 'n': NULL
            append(None)
        elif kind == 0x75:  # 'u': unchanged TOASTed value
            append(UNCHANGED)
        else:
            raise ProgrammingError(f"unknown pgoutput tuple value kind {chr(kind)!r}")
    return values, pos


Message = Begin | Commit | Relation | Insert | Update | Delete | Truncate | None


def parse_message(payload: bytes) -> Message:
    """Decode one pgoutput message; None for those the mirror ignores (Origin, Type,
    logical decoding messages)."""
    kind = payload[0]
    if kind == 0x55:  # 'U'
        oid, marker = _OID_KIND.unpack_from(payload, 1)
        old = None
        if marker in (b"K", b"O"):  # the old key (or row) first, then 'N' and the new row
            old, pos = _tuple(payload, 6)
            return Update(oid, old, _tuple(payload, pos + 1)[0])
        return Update(oid, old, _tuple(payload, 6)[0])
    if kind == 0x49:  # 'I' (then 'N')
        return Insert(_OID.unpack_from(payload, 1)[0], _tuple(payload, 6)[0])
    if kind == 0x44:  # 'D' (then 'K' or 'O')
        return Delete(_OID.unpack_from(payload, 1)[0], _tuple(payload, 6)[0])
    if kind == 0x42:  # 'B'
        final_lsn, micros, xid = _BEGIN.unpack_from(payload, 1)
        return Begin(final_lsn, pg_time(micros), xid)
    if kind == 0x43:  # 'C'
        _flags, commit_lsn, end_lsn, micros = _COMMIT.unpack_from(payload, 1)
        return Commit(commit_lsn, end_lsn, pg_time(micros))
    if kind == 0x52:  # 'R'
        return _relation(payload)
    if kind == 0x54:  # 'T'
        count, _options = _TRUNCATE.unpack_from(payload, 1)
        return Truncate(struct.unpack_from(f"!{count}I", payload, 6))
    return None


def _string(data: bytes, pos: int) -> tuple[str, int]:
    end = data.index(b"\0", pos)
    return data[pos:end].decode(), end + 1


def _relation(data: bytes) -> Relation:
    (oid,) = _OID.unpack_from(data, 1)
    schema, pos = _string(data, 5)
    name, pos = _string(data, pos)
    (count,) = _COUNT.unpack_from(data, pos + 1)  # after the replica identity setting
    pos += 3
    columns = []
    for _ in range(count):
        flags = data[pos]
        column, pos = _string(data, pos + 1)
        type_oid, _typmod = _COLUMN.unpack_from(data, pos)
        pos += 8
        columns.append(RelationColumn(column, type_oid, bool(flags & 1)))
    return Relation(oid, schema, name, tuple(columns))
