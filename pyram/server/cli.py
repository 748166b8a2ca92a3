"""``python -m pyram serve [FILE] [options]``: serve a database over the PostgreSQL protocol."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pyram.server.auth import Verifier, load_users, make_verifier
from pyram.server.config import ServerConfig, tls_context

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m pyram serve",
        description="Serve a PyRAM database to PostgreSQL clients (psql, psycopg, asyncpg).",
    )
    p.add_argument("file", nargs="?", help="durable database file (default: in memory)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=5433, help="TCP port (0: any free port)")
    p.add_argument(
        "--auth",
        choices=("scram-sha-256", "trust"),
        default="scram-sha-256",
        help="authentication; trust only on a loopback address",
    )
    p.add_argument("--user", action="append", default=[], help="a user (with --password-env)")
    p.add_argument(
        "--password-env",
        action="append",
        default=[],
        help="environment variable holding the password of the matching --user",
    )
    p.add_argument("--users-file", help="file of name:SCRAM-SHA-256$... verifier lines")
    p.add_argument("--tls-cert", help="PEM certificate chain for TLS")
    p.add_argument("--tls-key", help="PEM private key for TLS")
    p.add_argument("--max-connections", type=int, default=100)
    p.add_argument("--max-message-size", type=int, default=64 * 1024 * 1024)
    p.add_argument("--statement-timeout", type=float, help="seconds")
    p.add_argument("--idle-timeout", type=float, help="seconds an idle session may stay")
    p.add_argument("--idle-in-transaction-timeout", type=float, help="seconds")
    p.add_argument("--read-only", action="store_true", help="refuse every write (25006)")
    p.add_argument("--durability", choices=("full", "normal", "off"), default="full")
    p.add_argument(
        "--make-verifier",
        metavar="ENV",
        help="print the SCRAM verifier of the password in $ENV and exit",
    )
    return p


def _users(args: argparse.Namespace) -> dict[str, Verifier]:
    if len(args.user) != len(args.password_env):
        raise SystemExit("error: give one --password-env for each --user")
    users = load_users(args.users_file) if args.users_file else {}
    for name, env in zip(args.user, args.password_env, strict=True):
        password = os.environ.get(env)
        if password is None:
            raise SystemExit(f"error: environment variable {env} is not set")
        users[name] = make_verifier(password)
    return users


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGTERM/SIGINT; returns the exit status."""
    from pyram.api import Database
    from pyram.server.server import serve

    args = _parser().parse_args(argv)
    if args.make_verifier:
        print(make_verifier(os.environ[args.make_verifier]))
        return 0
    if bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("error: --tls-cert and --tls-key go together")
    users = _users(args)
    if args.auth == "scram-sha-256" and not users:
        raise SystemExit(
            "error: no users: give --user NAME --password-env VAR, --users-file, "
            "or --auth trust (loopback only)"
        )
    try:
        config = ServerConfig(
            host=args.host,
            port=args.port,
            auth=args.auth,
            users=users,
            tls=tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None,
            max_connections=args.max_connections,
            max_message_size=args.max_message_size,
            statement_timeout=args.statement_timeout,
            idle_timeout=args.idle_timeout,
            idle_in_transaction_timeout=args.idle_in_transaction_timeout,
            read_only=args.read_only,
        )
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    db = Database(args.file, durability=args.durability) if args.file else Database()
    try:
        serve(db, **_fields(config))
    finally:
        db.close()
    print("pyram-server: stopped", file=sys.stderr)
    return 0


def _fields(config: ServerConfig) -> dict[str, object]:
    import attrs

    return attrs.asdict(config, recurse=False)
