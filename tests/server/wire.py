"""A tiny raw PostgreSQL-protocol client for tests that must send what real clients never do."""

from __future__ import annotations

import socket
import struct


def packet(kind: bytes, body: bytes = b"") -> bytes:
    """A frontend message."""
    return kind + struct.pack("!i", len(body) + 4) + body


def startup_packet(user: str, code: int = 196608) -> bytes:
    """A StartupMessage (or another startup-phase packet by its code)."""
    body = struct.pack("!i", code) + b"user\x00" + user.encode() + b"\x00database\x00app\x00\x00"
    return struct.pack("!i", len(body) + 4) + body


def query(sql: str) -> bytes:
    """A simple Query message."""
    return packet(b"Q", sql.encode() + b"\x00")


class Raw:
    """A socket speaking raw protocol bytes to the server."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError("connection closed")
            data += chunk
        return data

    def message(self) -> tuple[bytes, bytes]:
        """The next backend message (type, body); EOFError when the server closed."""
        head = self.read_exact(5)
        (length,) = struct.unpack("!i", head[1:])
        return head[:1], self.read_exact(length - 4)

    def until(self, kinds: bytes = b"Z") -> list[tuple[bytes, bytes]]:
        """Messages up to and including the first of type in ``kinds`` (or the close)."""
        got = []
        while True:
            try:
                kind, body = self.message()
            except (EOFError, ConnectionError, TimeoutError):
                got.append((b"", b""))
                return got
            got.append((kind, body))
            if kind in kinds and len(kind) == 1:
                return got

    def login(self, user: str = "tester") -> list[tuple[bytes, bytes]]:
        """Startup with trust authentication; the messages up to ReadyForQuery."""
        self.send(startup_packet(user))
        return self.until(b"Z")

    def close(self) -> None:
        self.sock.close()


def error_code(messages: list[tuple[bytes, bytes]]) -> str | None:
    """The SQLSTATE of the first ErrorResponse among ``messages``."""
    for kind, body in messages:
        if kind == b"E":
            for field in body.split(b"\x00"):
                if field[:1] == b"C":
                    return field[1:].decode()
    return None
