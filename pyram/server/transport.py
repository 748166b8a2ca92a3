"""A connection's input: the socket's bytes, cut into frontend messages without a task switch.

The startup and authentication phase reads through an ordinary :class:`asyncio.StreamReader`
(TLS negotiation replaces the transport underneath it). Once the session is ready, the
connection attaches a :class:`MessageInput` to its :class:`ConnectionProtocol`: from then on the
bytes the socket delivers land in one buffer, and when the connection's task is waiting for
input, the data callback first offers them to a *pump* that answers what needs no wait (a
prepared point lookup: Bind, Describe, Execute, Sync) right there. A StreamReader would instead
resolve a future and schedule the task for the next turn of the event loop: on a point lookup,
that hand-off costs as much as the lookup itself.

Flow control: reading pauses while the task is busy and more than :data:`PAUSE_AT` bytes wait,
and resumes when the task asks for input; a message's declared length is checked against the
size limit as soon as its header is in, so one client cannot make the server hold more than
one maximal message plus a read's worth.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable
from typing import Final

from pyram.server.messages import ProtocolViolation
from pyram.server.sqlstate import ServerError

__all__ = ["ConnectionProtocol", "MessageInput"]

_LENGTH: Final = struct.Struct("!i")
_KINDS: Final = [bytes([i]) for i in range(256)]  #: each message type byte, made once
#: bytes kept unread while the task is busy before the socket stops being read
PAUSE_AT: Final = 128 * 1024


class _Reader(asyncio.StreamReader):
    def take(self) -> bytes:
        """Everything buffered, without waiting (StreamReader has no public way to take what
        it holds when the connection's input moves to a :class:`MessageInput`)."""
        buffer: bytearray = self._buffer  # type: ignore[attr-defined]
        data = bytes(buffer)
        buffer.clear()
        return data


class ConnectionProtocol(asyncio.StreamReaderProtocol):
    """A stream protocol whose input can be handed to a :class:`MessageInput`."""

    def __init__(
        self,
        accept: Callable[
            [asyncio.StreamReader, asyncio.StreamWriter, ConnectionProtocol], Awaitable[None]
        ],
        limit: int,
    ) -> None:
        self.reader = _Reader(limit=limit)
        self.input: MessageInput | None = None
        super().__init__(self.reader, lambda r, w: accept(r, w, self))

    def attach(self, transport: asyncio.Transport, max_message_size: int) -> MessageInput:
        """Send every later byte to a new :class:`MessageInput` (with what the stream holds)."""
        found = MessageInput(transport, max_message_size, self.reader.take())
        self.input = found
        return found

    def data_received(self, data: bytes) -> None:
        if self.input is None:
            super().data_received(data)
        else:
            self.input.received(data)

    def eof_received(self) -> bool:
        if self.input is not None:
            self.input.ended(None)
        return bool(super().eof_received())

    def connection_lost(self, exc: Exception | None) -> None:
        if self.input is not None:
            self.input.ended(exc)
        super().connection_lost(exc)


class MessageInput:
    """Bytes received and not taken yet (from :attr:`pos` on), cut into messages."""

    def __init__(self, transport: asyncio.Transport, max_message_size: int, data: bytes) -> None:
        self.transport = transport
        self.max_message_size = max_message_size
        self.data = bytearray(data)
        self.pos = 0
        #: called when data arrives while the task waits; returns False when the task must go
        #: on (a message that needs a wait), raises to end the connection
        self.pump: Callable[[], bool] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._timeout: asyncio.Timeout | None = None
        self._limit = 0.0
        self._failure: BaseException | None = None
        self._ended = False

    def next_message(self) -> tuple[bytes, bytes] | None:
        """The next complete message (type byte, body), or None.

        Raises:
            ProtocolViolation: an invalid length.
            ServerError: a message over the size limit (fatal: the stream is out of step).
        """
        data, pos = self.data, self.pos
        if len(data) - pos < 5:
            return None
        length = _LENGTH.unpack_from(data, pos + 1)[0]
        if length < 4:
            raise ProtocolViolation(f"invalid message length {length}")
        if length - 4 > self.max_message_size:
            raise ServerError(
                f"message of {length} bytes exceeds the limit of {self.max_message_size} bytes",
                "54000",
                fatal=True,
            )
        end = pos + 1 + length
        if len(data) < end:
            return None
        self.pos = end
        return _KINDS[data[pos]], bytes(data[pos + 5 : end])

    @property
    def between_messages(self) -> bool:
        """True when no part of a message is waiting (the client is idle, for timeouts)."""
        return len(self.data) - self.pos < 5

    async def wait(self, limit: float | None) -> None:
        """Wait until more bytes arrive (at most ``limit`` seconds: TimeoutError).

        Raises:
            asyncio.IncompleteReadError: the peer closed the connection.
            Exception: what the pump raised.
        """
        self._raise_if_over()
        del self.data[: self.pos]
        self.pos = 0
        if not self.transport.is_reading():
            self.transport.resume_reading()
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        try:
            if limit is None:
                await waiter
            else:
                self._limit = limit
                async with asyncio.timeout(limit) as self._timeout:
                    await waiter
        finally:
            self._waiter = self._timeout = None
        self._raise_if_over()

    def _raise_if_over(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        if self._ended and len(self.data) == self.pos:
            raise asyncio.IncompleteReadError(b"", None)

    def received(self, data: bytes) -> None:
        """The protocol's data callback."""
        self.data += data
        waiter = self._waiter
        if waiter is None or waiter.done():
            if len(self.data) - self.pos > PAUSE_AT:  # the task is busy: stop reading
                self.transport.pause_reading()
            return
        pump = self.pump
        try:
            done = pump is not None and pump()
        except Exception as exc:  # ends the connection, on the task (which logs and closes)
            self._failure = exc
            done = False
        if not done:
            waiter.set_result(None)
            return
        if self.pos == len(self.data):
            self.data.clear()
            self.pos = 0
        if self._timeout is not None:  # the client is active: the idle time starts again
            self._timeout.reschedule(asyncio.get_running_loop().time() + self._limit)

    def ended(self, exc: Exception | None) -> None:
        """The peer closed (or the connection broke): wake the task."""
        self._ended = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
