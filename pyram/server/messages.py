"""PostgreSQL protocol v3 messages: reading frontend message bodies, building backend messages.

A frontend message is a type byte, an Int32 length (counting itself) and a body; the startup
packet has no type byte. :class:`Reader` takes a body apart field by field and raises
:class:`ProtocolViolation` on anything malformed (a truncated field, a missing terminator),
so a hostile or broken client gets an ErrorResponse, never an exception deeper in the server.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Final, NamedTuple

from pyram.errors import OperationalError

__all__ = [
    "BIND_COMPLETE",
    "CLOSE_COMPLETE",
    "NO_DATA",
    "PARSE_COMPLETE",
    "PORTAL_SUSPENDED",
    "PROTOCOL_V3",
    "Bind",
    "ProtocolViolation",
    "Reader",
    "authentication",
    "backend_key_data",
    "command_complete",
    "data_row",
    "error_response",
    "message",
    "parameter_description",
    "parameter_status",
    "ready_for_query",
    "row_description",
]

PROTOCOL_V3: Final = 196608
SSL_REQUEST: Final = 80877103
GSSENC_REQUEST: Final = 80877104
CANCEL_REQUEST: Final = 80877102

_I = struct.Struct("!i")
_H = struct.Struct("!h")


class ProtocolViolation(OperationalError):
    """A frontend message broke the protocol (SQLSTATE 08P01); the connection is closed."""


class Reader:
    """Takes the fields of one message body apart, in order."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolViolation("message too short for its fields")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def int32(self) -> int:
        """An Int32."""
        return int(_I.unpack(self._take(4))[0])

    def int16(self) -> int:
        """An Int16."""
        return int(_H.unpack(self._take(2))[0])

    def byte(self) -> bytes:
        """One Byte1."""
        return self._take(1)

    def bytes_(self, n: int) -> bytes:
        """``n`` raw bytes."""
        return self._take(n)

    def cstring(self) -> str:
        """A NUL-terminated UTF-8 string."""
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            raise ProtocolViolation("string without its terminating zero byte")
        raw = self.data[self.pos : end]
        self.pos = end + 1
        try:
            return raw.decode()
        except UnicodeDecodeError:
            raise ProtocolViolation("invalid UTF-8 in a string field") from None

    def rest(self) -> bytes:
        """Every byte not read yet."""
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk

    def int16_list(self) -> list[int]:
        """An Int16 count then that many Int16s."""
        return [self.int16() for _ in range(self._count())]

    def int32_list(self) -> list[int]:
        """An Int16 count then that many Int32s."""
        return [self.int32() for _ in range(self._count())]

    def _count(self) -> int:
        count = self.int16()
        if count < 0:
            raise ProtocolViolation("negative count")
        return count

    def bind(self) -> Bind:
        """A Bind message's fields, taken apart in one pass (Bind comes with every Execute
        of a prepared statement: the per-field methods would cost more than the lookup)."""
        data, pos = self.data, self.pos
        try:
            portal, pos = _cstring_at(data, pos)
            statement, pos = _cstring_at(data, pos)
            (count,) = _H.unpack_from(data, pos)
            param_formats = list(struct.unpack_from(f"!{count}h", data, pos + 2))
            pos += 2 + 2 * count
            (count,) = _H.unpack_from(data, pos)
            pos += 2
            values: list[bytes | None] = []
            for _ in range(count):
                (size,) = _I.unpack_from(data, pos)
                pos += 4
                if size < 0:
                    values.append(None)
                    continue
                end = pos + size
                if end > len(data):
                    raise ProtocolViolation("message too short for its fields")
                values.append(data[pos:end])
                pos = end
            (count,) = _H.unpack_from(data, pos)
            formats = list(struct.unpack_from(f"!{count}h", data, pos + 2))
            pos += 2 + 2 * count
        except struct.error:  # a count or length past the end, or a negative count
            raise ProtocolViolation("message too short for its fields") from None
        self.pos = pos
        return Bind(portal, statement, param_formats, values, formats)


class Bind(NamedTuple):
    """The fields of a Bind message."""

    portal: str
    statement: str
    param_formats: list[int]
    values: list[bytes | None]  #: parameter values as sent (None: NULL)
    formats: list[int]  #: result column format codes


def _cstring_at(data: bytes, pos: int) -> tuple[str, int]:
    end = data.find(b"\x00", pos)
    if end < 0:
        raise ProtocolViolation("string without its terminating zero byte")
    try:
        return data[pos:end].decode(), end + 1
    except UnicodeDecodeError:
        raise ProtocolViolation("invalid UTF-8 in a string field") from None


def message(kind: bytes, body: bytes = b"") -> bytes:
    """One backend message: type byte, length, body."""
    return kind + _I.pack(len(body) + 4) + body


def _cstr(text: str) -> bytes:
    return text.encode() + b"\x00"


def authentication(code: int, payload: bytes = b"") -> bytes:
    """AuthenticationOk (0), SASL (10), SASLContinue (11), SASLFinal (12)."""
    return message(b"R", _I.pack(code) + payload)


def parameter_status(name: str, value: str) -> bytes:
    """ParameterStatus: a setting the client tracks (server_version, TimeZone, ...)."""
    return message(b"S", _cstr(name) + _cstr(value))


def backend_key_data(pid: int, secret: int) -> bytes:
    """BackendKeyData: what a CancelRequest must quote."""
    return message(b"K", _I.pack(pid) + _I.pack(secret))


def ready_for_query(status: bytes) -> bytes:
    """ReadyForQuery with the transaction status: I idle, T in a transaction, E failed."""
    found = _READY.get(status)
    return message(b"Z", status) if found is None else found


_READY: Final = {s: message(b"Z", s) for s in (b"I", b"T", b"E")}
#: the messages without a body that every prepared statement's run sends (made once)
PARSE_COMPLETE: Final = message(b"1")
BIND_COMPLETE: Final = message(b"2")
CLOSE_COMPLETE: Final = message(b"3")
PORTAL_SUSPENDED: Final = message(b"s")
NO_DATA: Final = message(b"n")


def command_complete(tag: str) -> bytes:
    """CommandComplete with its tag (``SELECT 3``, ``INSERT 0 1``, ...)."""
    return message(b"C", _cstr(tag))


def row_description(fields: Sequence[tuple[str, int, int, int]]) -> bytes:
    """RowDescription of (name, type oid, type size, format code) fields."""
    parts = [_H.pack(len(fields))]
    for name, oid, size, fmt in fields:
        parts.append(_cstr(name) + struct.pack("!ihihih", 0, 0, oid, size, -1, fmt))
    return message(b"T", b"".join(parts))


def parameter_description(oids: Sequence[int]) -> bytes:
    """ParameterDescription: the type of each parameter of a prepared statement."""
    return message(b"t", _H.pack(len(oids)) + b"".join(_I.pack(o) for o in oids))


def data_row(fields: Iterable[bytes | None]) -> bytes:
    """DataRow of already-encoded fields (None for NULL)."""
    parts = []
    for field in fields:
        if field is None:
            parts.append(b"\xff\xff\xff\xff")
        else:
            parts.append(_I.pack(len(field)) + field)
    return message(b"D", _H.pack(len(parts)) + b"".join(parts))


def error_response(
    severity: str,
    code: str,
    text: str,
    extra: Sequence[tuple[bytes, str]] = (),
    notice: bool = False,
) -> bytes:
    """ErrorResponse (or NoticeResponse) with severity, SQLSTATE, message and more fields."""
    fields = [(b"S", severity), (b"V", severity), (b"C", code), (b"M", text), *extra]
    body = b"".join(k + _cstr(v.replace("\x00", "")) for k, v in fields) + b"\x00"
    return message(b"N" if notice else b"E", body)
