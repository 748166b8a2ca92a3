"""The server's configuration: address, authentication, TLS and operating limits."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Callable, Mapping
from typing import Literal

import attrs

from pyram.server.auth import Verifier

__all__ = ["ServerConfig", "is_loopback", "tls_context"]

AuthMethod = Literal["scram-sha-256", "trust"]


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (``localhost``, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@attrs.frozen
class ServerConfig:
    """How a server listens, whom it lets in, and the limits it keeps.

    ``auth="trust"`` lets any user in without a password and is refused unless ``host`` is a
    loopback address. Timeouts are in seconds (None: none); ``max_message_size`` bounds one
    frontend message (a longer one ends the connection with 54000).
    """

    host: str = "127.0.0.1"
    port: int = 5433
    auth: AuthMethod = "scram-sha-256"
    users: Mapping[str, Verifier] = attrs.field(factory=dict)
    tls: ssl.SSLContext | None = None
    max_connections: int = 100
    max_message_size: int = 64 * 1024 * 1024
    statement_timeout: float | None = None
    idle_timeout: float | None = None
    idle_in_transaction_timeout: float | None = None
    auth_timeout: float = 60.0
    shutdown_grace: float = 5.0
    read_only: bool = False
    log: Callable[[str], None] | None = None

    def __attrs_post_init__(self) -> None:
        if self.auth == "trust" and not is_loopback(self.host):
            raise ValueError(
                f"--auth trust is only allowed on a loopback address, not on {self.host}"
            )
        if self.auth not in ("trust", "scram-sha-256"):
            raise ValueError(f"unknown authentication method {self.auth!r}")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server TLS context from a certificate chain and its private key (PEM files)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context
