"""A PostgreSQL wire-protocol (v3) server: many processes share one PyRAM database.

``python -m pyram serve app.pyram --port 5433`` or :func:`serve` in Python; every
PostgreSQL client (psql, psycopg, asyncpg, SQLAlchemy) connects unchanged. Each connection is
a session with its own transaction. See docs/server.md.
"""

from pyram.server.auth import Verifier, load_users, make_verifier
from pyram.server.config import ServerConfig, tls_context
from pyram.server.server import Server, ServerHandle, serve, start

__all__ = [
    "Server",
    "ServerConfig",
    "ServerHandle",
    "Verifier",
    "load_users",
    "make_verifier",
    "serve",
    "start",
    "tls_context",
]
