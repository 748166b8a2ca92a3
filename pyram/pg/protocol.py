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
from dataclasses import dataclass, field

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
@dataclass(frozen=True, slots=True)
class XLogData:
    """A WAL payload frame: ``end`` is the server's WAL end when it was sent."""

    start: int
    end: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Keepalive:
    """The server's heartbeat: its WAL end, and whether it wants a status update now."""

    end: int
    reply: bool


def parse_frame(data: bytes) -> XLogData | Keepalive:
    """Split one CopyData message of the replication stream.

    Raises:
        ProgrammingError: an unknown frame (a protocol this client does not speak).
    """
    kind = data[:1]
    if kind == b"w":
        start, end, _clock = struct.unpack_from("!QQQ", data, 1)
        return XLogData(start, end, data[25:])
    if kind == b"k":
        end, _clock, reply = struct.unpack_from("!QQB", data, 1)
        return Keepalive(end, bool(reply))
    raise ProgrammingError(f"unknown replication frame {kind!r}")


def status_update(applied: int, reply: bool = False) -> bytes:
    """A standby status update: received, flushed and applied all reported as ``applied``,
    so PostgreSQL may recycle the WAL before it (and resends what follows on reconnect)."""
    micros = int((time.time() - _PG_EPOCH) * 1_000_000)
    return b"r" + struct.pack("!QQQQB", applied, applied, applied, micros, int(reply))


# ---------------------------------------------------------------------- pgoutput messages
@dataclass(frozen=True, slots=True)
class Begin:
    """A transaction starts; ``final_lsn`` is its commit record's LSN (its identity)."""

    final_lsn: int
    commit_time: float
    xid: int


@dataclass(frozen=True, slots=True)
class Commit:
    """The transaction committed; ``end_lsn`` is where the next one may start."""

    commit_lsn: int
    end_lsn: int
    commit_time: float


@dataclass(frozen=True, slots=True)
class RelationColumn:
    """A published column: name, type OID, and whether it is part of the replica identity."""

    name: str
    type_oid: int
    key: bool


@dataclass(frozen=True, slots=True)
class Relation:
    """The shape of a table, sent before its first change and again after it changes."""

    oid: int
    schema: str
    name: str
    columns: tuple[RelationColumn, ...]


@dataclass(frozen=True, slots=True)
class Insert:
    """A new row."""

    oid: int
    new: Tuple


@dataclass(frozen=True, slots=True)
class Update:
    """A changed row; ``old`` holds the old key (or whole old row) when the key changed."""

    oid: int
    old: Tuple | None
    new: Tuple


@dataclass(frozen=True, slots=True)
class Delete:
    """A deleted row, identified by its key columns (others are None)."""

    oid: int
    old: Tuple


@dataclass(frozen=True, slots=True)
class Truncate:
    """The tables emptied together."""

    oids: tuple[int, ...]


@dataclass(slots=True)
class _Reader:
    data: bytes
    pos: int = field(default=0)

    def byte(self) -> bytes:
        self.pos += 1
        return self.data[self.pos - 1 : self.pos]

    def unpack(self, fmt: str) -> tuple[int, ...]:
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def string(self) -> str:
        end = self.data.index(b"\0", self.pos)
        text = self.data[self.pos : end].decode()
        self.pos = end + 1
        return text

    def tuple(self) -> Tuple:
        (count,) = self.unpack("!H")
        values: Tuple = []
        for _ in range(count):
            kind = self.byte()
            if kind == b"t":
                (size,) = self.unpack("!i")
                values.append(self.data[self.pos : self.pos + size])
                self.pos += size
            elif kind == b"n":
                values.append(None)
            elif kind == b"u":
                values.append(UNCHANGED)
            else:
                raise ProgrammingError(f"unknown pgoutput tuple value kind {kind!r}")
        return values


Message = Begin | Commit | Relation | Insert | Update | Delete | Truncate | None


def parse_message(payload: bytes) -> Message:
    """Decode one pgoutput message; None for those the mirror ignores (Origin, Type,
    logical decoding messages)."""
    reader = _Reader(payload, 1)
    kind = payload[:1]
    if kind == b"B":
        final_lsn, micros, xid = reader.unpack("!QqI")
        return Begin(final_lsn, pg_time(micros), xid)
    if kind == b"C":
        _flags, commit_lsn, end_lsn, micros = reader.unpack("!BQQq")
        return Commit(commit_lsn, end_lsn, pg_time(micros))
    if kind == b"R":
        return _relation(reader)
    if kind == b"I":
        (oid,) = reader.unpack("!I")
        reader.byte()  # 'N'
        return Insert(oid, reader.tuple())
    if kind == b"U":
        (oid,) = reader.unpack("!I")
        marker = reader.byte()
        old = None
        if marker in (b"K", b"O"):
            old = reader.tuple()
            reader.byte()  # 'N'
        return Update(oid, old, reader.tuple())
    if kind == b"D":
        (oid,) = reader.unpack("!I")
        reader.byte()  # 'K' or 'O'
        return Delete(oid, reader.tuple())
    if kind == b"T":
        count, _options = reader.unpack("!IB")
        return Truncate(reader.unpack(f"!{count}I"))
    return None


def _relation(reader: _Reader) -> Relation:
    (oid,) = reader.unpack("!I")
    schema = reader.string()
    name = reader.string()
    reader.byte()  # replica identity setting
    (count,) = reader.unpack("!H")
    columns = []
    for _ in range(count):
        (flags,) = reader.unpack("!B")
        column = reader.string()
        type_oid, _typmod = reader.unpack("!Ii")
        columns.append(RelationColumn(column, type_oid, bool(flags & 1)))
    return Relation(oid, schema, name, tuple(columns))
