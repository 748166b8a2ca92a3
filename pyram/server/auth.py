"""SCRAM-SHA-256 password authentication (RFC 5802 and RFC 7677), as PostgreSQL does it.

The server keeps no passwords, only SCRAM verifiers in PostgreSQL's format
``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` (base64), made by
:func:`make_verifier` from a password or read from a users file (one ``name:verifier`` per
line; ``#`` starts a comment). An unknown user goes through the same exchange with a made-up
verifier, so a client cannot tell unknown users from wrong passwords.

The exchange itself is pure computation (:class:`ScramExchange`); the connection moves its
messages. Channel binding is not offered (clients use ``n,,``/``y,,``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Final

from pyram.server.sqlstate import ServerError

__all__ = ["AuthFailed", "ScramExchange", "Verifier", "load_users", "make_verifier"]

MECHANISM: Final = "SCRAM-SHA-256"
DEFAULT_ITERATIONS: Final = 4096


class AuthFailed(ServerError):
    """Authentication failed (SQLSTATE 28P01 wrong password, 28000 malformed exchange)."""

    def __init__(self, user: str, code: str = "28P01") -> None:
        super().__init__(f'password authentication failed for user "{user}"', code, fatal=True)


class Verifier:
    """A parsed SCRAM-SHA-256 verifier."""

    __slots__ = ("iterations", "salt", "server_key", "stored_key")

    def __init__(self, iterations: int, salt: bytes, stored_key: bytes, server_key: bytes) -> None:
        self.iterations = iterations
        self.salt = salt
        self.stored_key = stored_key
        self.server_key = server_key

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Read PostgreSQL's verifier text.

        Raises:
            ValueError: not a SCRAM-SHA-256 verifier.
        """
        mechanism, params, keys = text.strip().split("$")
        if mechanism != MECHANISM:
            raise ValueError(f"not a {MECHANISM} verifier")
        iterations, salt = params.split(":")
        stored, server = keys.split(":")
        b64 = base64.b64decode
        return cls(int(iterations), b64(salt), b64(stored), b64(server))

    def __str__(self) -> str:
        b64 = base64.b64encode
        return (
            f"{MECHANISM}${self.iterations}:{b64(self.salt).decode()}$"
            f"{b64(self.stored_key).decode()}:{b64(self.server_key).decode()}"
        )


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def make_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = DEFAULT_ITERATIONS
) -> Verifier:
    """The SCRAM-SHA-256 verifier of a password (a random 16-byte salt by default)."""
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = _hmac(salted, b"Client Key")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = _hmac(salted, b"Server Key")
    return Verifier(iterations, salt, stored_key, server_key)


def load_users(path: str | os.PathLike[str]) -> dict[str, Verifier]:
    """Read a users file: ``name:SCRAM-SHA-256$...`` per line.

    Raises:
        ValueError: a line is not a user and a verifier (the message names the line).
    """
    users: dict[str, Verifier] = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, verifier = line.partition(":")
        try:
            if not sep or not name:
                raise ValueError("expected name:verifier")
            users[name.strip()] = Verifier.parse(verifier)
        except ValueError as exc:
            raise ValueError(f"{path}, line {number}: {exc}") from None
    return users


class ScramExchange:
    """The server's side of one SCRAM-SHA-256 exchange."""

    def __init__(self, user: str, verifier: Verifier | None) -> None:
        self.user = user
        self._known = verifier is not None
        # an unknown user gets a made-up verifier, so it fails the way a wrong password does
        self._verifier = verifier or make_verifier(secrets.token_hex(16), iterations=1)
        self._client_first_bare = ""
        self._server_first = ""
        self._nonce = ""

    def server_first(self, client_first: bytes) -> bytes:
        """The server-first-message answering the client-first-message.

        Raises:
            AuthFailed: a malformed message or a channel binding the server does not offer.
        """
        text = self._decode(client_first)
        header, _, bare = text.partition(",,") if text[:2] in ("n,", "y,") else ("", "", "")
        if not bare or header not in ("n", "y"):
            raise AuthFailed(self.user, "28000")
        fields = _fields(bare)
        client_nonce = fields.get("r", "")
        if not client_nonce:
            raise AuthFailed(self.user, "28000")
        self._client_first_bare = bare
        self._nonce = client_nonce + base64.b64encode(os.urandom(18)).decode()
        salt = base64.b64encode(self._verifier.salt).decode()
        self._server_first = f"r={self._nonce},s={salt},i={self._verifier.iterations}"
        return self._server_first.encode()

    def server_final(self, client_final: bytes) -> bytes:
        """Check the client's proof; the server-final-message proving the server.

        Raises:
            AuthFailed: a wrong password, unknown user, or a malformed message.
        """
        text = self._decode(client_final)
        without_proof, _, proof_field = text.rpartition(",p=")
        fields = _fields(without_proof)
        if fields.get("r") != self._nonce or fields.get("c") not in ("biws", "eSws"):
            raise AuthFailed(self.user, "28000")
        try:
            proof = base64.b64decode(proof_field, validate=True)
        except ValueError:
            raise AuthFailed(self.user, "28000") from None
        auth_message = f"{self._client_first_bare},{self._server_first},{without_proof}".encode()
        signature = _hmac(self._verifier.stored_key, auth_message)
        if len(proof) != len(signature):
            raise AuthFailed(self.user)
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
        valid = hmac.compare_digest(hashlib.sha256(client_key).digest(), self._verifier.stored_key)
        if not (valid and self._known):
            raise AuthFailed(self.user)
        server_signature = _hmac(self._verifier.server_key, auth_message)
        return b"v=" + base64.b64encode(server_signature)

    def _decode(self, data: bytes) -> str:
        try:
            return data.decode()
        except UnicodeDecodeError:
            raise AuthFailed(self.user, "28000") from None


def _fields(text: str) -> dict[str, str]:
    """``a=1,b=2`` -> {"a": "1", "b": "2"} (values may contain ``=``)."""
    out: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if sep and len(key) == 1:
            out.setdefault(key, value)
    return out
