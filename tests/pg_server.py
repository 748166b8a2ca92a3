"""A throwaway PostgreSQL 15 server for tests and benchmarks.

PostgreSQL refuses to run as root, so when this process is root the server runs as an
unprivileged user (``postgres``, created if missing) through ``runuser``; its data directory,
socket directory and log live in a temporary directory that user owns and are removed on stop.
The server listens on 127.0.0.1 at a free port with ``trust`` authentication for local
connections (tests only) and ``wal_level = logical``, so the mirror's replication tests can make
slots and publications.

Used by the ``postgres`` fixture in ``tests/conftest.py`` and by ``benchmarks`` (they put
``tests/`` on ``sys.path``). Tests that need it never skip in CI: a missing binary is an error.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "postgres"

# Settings the mirror (logical replication) and the server benchmarks need. fsync off because
# the data directory is thrown away and only the process (never the OS) crashes in tests;
# synchronous_commit stays on so an acknowledged commit survives an immediate stop.
SETTINGS = {
    "wal_level": "logical",
    "max_wal_senders": "10",
    "max_replication_slots": "10",
    "max_connections": "120",
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "128MB",
    "log_min_messages": "warning",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
            if (base / name).exists():
                return str(base / name)
        raise RuntimeError(f"PostgreSQL binary {name!r} not found on PATH")
    return found


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
            check=True,
        )
        return pwd.getpwnam(USER)


class PostgresServer:
    """Start with :meth:`start`, connect with :attr:`dsn`, stop with :meth:`stop`."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.settings = {**SETTINGS, **(settings or {})}
        self.port = 0
        self.root: Path | None = None
        self.user = USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self._as_user: list[str] = []

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root / "run"

    @property
    def dsn(self) -> str:
        """A libpq connection string (psycopg, asyncpg and psql accept it)."""
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"

    @property
    def url(self) -> str:
        """The same as a ``postgresql://`` URL (asyncpg, SQLAlchemy)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as_user, *argv], check=check, capture_output=True, text=True
        )

    def start(self) -> PostgresServer:
        """initdb a fresh cluster in a temporary directory and start it; wait until ready."""
        self.root = Path(tempfile.mkdtemp(prefix="pyram-pg-"))
        if os.geteuid() == 0:
            account = _ensure_user()
            os.chmod(self.root, 0o700)
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_user = ["runuser", "-u", USER, "--"]
        self._run(
            _binary("initdb"), "-D", str(self.data_dir), "-U", self.user,
            "--auth=trust", "--encoding=UTF8", "--locale=C", "-N",
        )
        self._run("mkdir", "-p", str(self.socket_dir))
        self.port = _free_port()
        hba = "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        hba += "local replication all trust\nhost replication all 127.0.0.1/32 trust\n"
        self._run("sh", "-c", f"printf '{hba}' > {self.data_dir}/pg_hba.conf")
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        assert self.root is not None
        options = " ".join(f"-c {key}={value}" for key, value in self.settings.items())
        options += f" -c listen_addresses=127.0.0.1 -c port={self.port}"
        options += f" -c unix_socket_directories={self.socket_dir}"
        log = self.root / "log"
        result = self._run(
            _binary("pg_ctl"), "-D", str(self.data_dir), "-l", str(log),
            "-o", options, "-w", "-t", "60", "start", check=False,
        )
        if result.returncode != 0:
            text = log.read_text() if log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{text}")

    def restart(self, mode: str = "fast") -> None:
        """Stop (``fast``, or ``immediate``: a crash) and start again on the same data and port."""
        self._run(_binary("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop")
        self._pg_ctl_start()

    def psql(self, sql: str, *extra: str) -> str:
        """Run SQL through psql (``-X -A -t``, stop on error) and return its stdout."""
        result = subprocess.run(
            [_binary("psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", *extra,
             "-d", self.dsn, "-c", sql],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr}")
        return result.stdout

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its directory."""
        if self.root is None:
            return
        self._run(_binary("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop",
                  check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the server accepts TCP connections (after a restart)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("PostgreSQL did not come back")
