"""The start of a connection: the startup packet, SSL/GSS negotiation, cancel requests and
authentication, up to the moment the session is ready for its first query.

Nothing a client sends before authentication succeeds reaches the database: the only things
it can cause are a TLS handshake, a cancel of a statement whose secret key it quotes, and an
error followed by the end of the connection.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

import attrs

from pyram.server import messages as m
from pyram.server.auth import MECHANISM, AuthFailed, ScramExchange
from pyram.server.messages import ProtocolViolation, Reader
from pyram.server.sqlstate import ServerError

if TYPE_CHECKING:
    from pyram.server.config import ServerConfig

__all__ = ["CancelTarget", "Startup", "read_startup"]

#: a startup packet longer than this is not a startup packet (PostgreSQL uses 10000 too)
MAX_STARTUP: Final = 10_000


@attrs.frozen
class Startup:
    """A client's startup parameters (``user``, ``database``, ``application_name``, ...)."""

    params: dict[str, str]

    @property
    def user(self) -> str:
        """The user the client logs in as."""
        return self.params.get("user", "")


@attrs.frozen
class CancelTarget:
    """A CancelRequest: the backend it names and the secret it quotes."""

    pid: int
    secret: int


async def _read_packet(reader: asyncio.StreamReader) -> Reader:
    length = int.from_bytes(await reader.readexactly(4), "big", signed=True)
    if length < 8 or length > MAX_STARTUP:
        raise ProtocolViolation(f"invalid length of startup packet: {length}")
    return Reader(await reader.readexactly(length - 4))


async def read_startup(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, config: ServerConfig
) -> tuple[Startup | CancelTarget, asyncio.StreamReader, asyncio.StreamWriter]:
    """Read packets until the StartupMessage (or a CancelRequest), answering SSLRequest
    (``S`` and a TLS handshake when configured, ``N`` otherwise) and GSSENCRequest (``N``).

    Raises:
        ProtocolViolation: a malformed packet, an unsupported protocol version.
    """
    asked: set[int] = set()  # libpq may ask for GSS encryption, then (refused) for SSL
    while True:
        packet = await _read_packet(reader)
        code = packet.int32()
        if code == m.CANCEL_REQUEST:
            return CancelTarget(packet.int32(), packet.int32()), reader, writer
        if code in (m.SSL_REQUEST, m.GSSENC_REQUEST):
            if code in asked or m.SSL_REQUEST in asked:
                raise ProtocolViolation("encryption negotiated twice")
            asked.add(code)
            if code == m.SSL_REQUEST and config.tls is not None:
                writer.write(b"S")
                await writer.drain()
                await writer.start_tls(config.tls)
            else:
                writer.write(b"N")
                await writer.drain()
            continue
        if code != m.PROTOCOL_V3:
            raise ServerError(
                f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: server supports 3.0",
                "0A000",
                fatal=True,
            )
        return Startup(_startup_params(packet)), reader, writer


def _startup_params(packet: Reader) -> dict[str, str]:
    params: dict[str, str] = {}
    while True:
        name = packet.cstring()
        if not name:
            break
        params[name] = packet.cstring()
    if not params.get("user"):
        raise ServerError(
            "no PostgreSQL user name specified in startup packet", "28000", fatal=True
        )
    return params


async def authenticate(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    config: ServerConfig,
    user: str,
) -> None:
    """Run the configured authentication; returns after AuthenticationOk was sent.

    Raises:
        AuthFailed: a wrong password, an unknown user, a broken exchange.
        ProtocolViolation: a message other than the expected SASL response.
    """
    if config.auth == "trust":
        writer.write(m.authentication(0))
        return
    exchange = ScramExchange(user, config.users.get(user))
    writer.write(m.authentication(10, MECHANISM.encode() + b"\x00\x00"))
    await writer.drain()
    initial = await _sasl_message(reader, config)
    mechanism = initial.cstring()
    if mechanism != MECHANISM:
        raise AuthFailed(user, "28000")
    size = initial.int32()
    first = exchange.server_first(initial.bytes_(size) if size >= 0 else b"")
    writer.write(m.authentication(11, first))
    await writer.drain()
    final = exchange.server_final((await _sasl_message(reader, config)).rest())
    writer.write(m.authentication(12, final) + m.authentication(0))


async def _sasl_message(reader: asyncio.StreamReader, config: ServerConfig) -> Reader:
    kind = await reader.readexactly(1)
    length = int.from_bytes(await reader.readexactly(4), "big", signed=True)
    if kind != b"p":
        raise ProtocolViolation(f"expected a password message, got {kind!r}")
    if length < 4 or length > MAX_STARTUP:
        raise ProtocolViolation(f"invalid length of a password message: {length}")
    return Reader(await reader.readexactly(length - 4))
