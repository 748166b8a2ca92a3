"""PyRAM's PostgreSQL-protocol server against PostgreSQL 15 (and Redis where installed): the
same queries through the same client, psycopg 3, on localhost.

A suite of ``python -m benchmarks`` (``--only server``); alone: ``python -m benchmarks.server
[--seconds 3] [--rows 10000]``. It starts both servers itself: PyRAM as ``python -m pyram
serve`` in its own process (so the clients never share its interpreter lock) and PostgreSQL
with tests/pg_server.py's throwaway cluster (fsync off, as for every test server here).

Rows measured:

- point lookups/s and p99 latency with 1, 8 and 32 concurrent clients: ``SELECT v FROM kv
  WHERE k = $1`` on a table of ``--rows`` keys, random keys, prepared by psycopg (after its
  fifth execution, its default), autocommit;
- small write transactions/s with 1 and 8 clients: ``BEGIN; UPDATE kv SET n = n + 1 WHERE
  k = $1; COMMIT``;
- ``COPY kv2 FROM STDIN`` of 100,000 rows (text format), one client;
- Redis ``GET``/``SET`` through redis-py with the same client counts when a ``redis-server``
  binary and redis-py exist (skipped with a note otherwise).

Each client is a separate process (multiprocessing, spawn): client-side Python work (psycopg
building messages and rows) then runs in parallel on the machine's cores instead of queuing
on one interpreter lock, which would cap both servers at one client process's speed and hide
the servers' own concurrency. The target (issue 13): PyRAM's point lookups >= 0.5x
PostgreSQL's throughput at 8 clients.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.ratios import Ratio
from benchmarks.suites import SuiteContext, SuiteResult

__all__ = ["ServerRow", "format_rows", "main", "run", "run_server"]

CLIENTS = (1, 8, 32)
WRITE_CLIENTS = (1, 8)
COPY_ROWS = 100_000
_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerRow:
    """One measured cell: a server, a workload, a client count, a rate and a p99 latency."""

    server: str
    workload: str
    clients: int
    rate: float | None  #: operations per second (None: not measured)
    p99_ms: float | None
    note: str = ""


# ------------------------------------------------------------------------------ clients
def _lookup_client(dsn: str, rows: int, seconds: float, seed: int, out: Any) -> None:
    import psycopg

    rng = random.Random(seed)
    latencies: list[float] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.cursor()
        for _ in range(20):  # warm up: psycopg prepares the statement after 5 runs
            cur.execute("SELECT v FROM kv WHERE k = %s", (rng.randrange(rows),))
            cur.fetchone()
        end = time.perf_counter() + seconds
        while True:
            start = time.perf_counter()
            if start >= end:
                break
            cur.execute("SELECT v FROM kv WHERE k = %s", (rng.randrange(rows),))
            if cur.fetchone() is None:
                raise AssertionError("a key is missing")
            latencies.append(time.perf_counter() - start)
    out.put(latencies)


def _write_client(dsn: str, rows: int, seconds: float, seed: int, out: Any) -> None:
    import psycopg

    rng = random.Random(seed)
    latencies: list[float] = []
    failures = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.cursor()
        end = time.perf_counter() + seconds
        while True:
            start = time.perf_counter()
            if start >= end:
                break
            try:
                cur.execute("BEGIN")
                cur.execute("UPDATE kv SET n = n + 1 WHERE k = %s", (rng.randrange(rows),))
                cur.execute("COMMIT")
            except psycopg.errors.SerializationFailure:
                failures += 1  # retried by the next iteration, as a client would
                cur.execute("ROLLBACK")
                continue
            latencies.append(time.perf_counter() - start)
    out.put(latencies)


def _redis_client(port: int, rows: int, seconds: float, seed: int, out: Any) -> None:
    import redis

    rng = random.Random(seed)
    client = redis.Redis(host="127.0.0.1", port=port)
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    while True:
        start = time.perf_counter()
        if start >= end:
            break
        if client.get(f"k{rng.randrange(rows)}") is None:
            raise AssertionError("a key is missing")
        latencies.append(time.perf_counter() - start)
    out.put(latencies)


def _measure(
    target: Callable[..., None], args: tuple[Any, ...], clients: int, seconds: float
) -> tuple[float, float]:
    """(operations/s, p99 ms) of ``clients`` processes running ``target`` for ``seconds``."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(*args, seconds, 1000 + i, out)) for i in range(clients)
    ]
    for proc in procs:
        proc.start()
    latencies: list[float] = []
    for _ in procs:
        latencies.extend(out.get(timeout=seconds + 120))
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"a client failed (exit code {proc.exitcode})")
    if not latencies:
        return 0.0, 0.0
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    # every client ran for ``seconds``: the total rate is the sum of the clients' rates
    return len(latencies) / seconds, p99 * 1000


# ------------------------------------------------------------------------------ servers
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


class _PyramServer:
    def __init__(self) -> None:
        self.port = _free_port()
        env = dict(os.environ, PYTHONPATH=str(_ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyram", "serve", "--port", str(self.port), "--auth", "trust",
             "--durability", "off"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_port(self.port)
        self.dsn = f"host=127.0.0.1 port={self.port} user=bench dbname=pyram"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _load(dsn: str, rows: int) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS kv")
        conn.execute("DROP TABLE IF EXISTS kv2")
        conn.execute("CREATE TABLE kv (k int8 PRIMARY KEY, v text NOT NULL, n int8 NOT NULL)")
        conn.execute("CREATE TABLE kv2 (k int8 PRIMARY KEY, v text NOT NULL, n int8 NOT NULL)")
        with conn.cursor().copy("COPY kv (k, v, n) FROM STDIN") as copy:
            for k in range(rows):
                copy.write_row((k, f"value {k}", 0))


def _copy_seconds(dsn: str) -> float:
    import psycopg

    data = "".join(f"{k}\tvalue {k}\t0\n" for k in range(COPY_ROWS)).encode()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM kv2")
        start = time.perf_counter()
        with conn.cursor().copy("COPY kv2 (k, v, n) FROM STDIN") as copy:
            for offset in range(0, len(data), 1 << 16):
                copy.write(data[offset : offset + (1 << 16)])
        seconds = time.perf_counter() - start
        (count,) = conn.execute("SELECT count(*) FROM kv2").fetchone() or (0,)
        if count != COPY_ROWS:
            raise AssertionError(f"COPY loaded {count} rows, not {COPY_ROWS}")
    return seconds


def _server_rows(
    servers: dict[str, str], rows: int, seconds: float, log: Callable[[str], None]
) -> list[ServerRow]:
    """Every cell measured on each server back to back (``servers``: name -> DSN), so a change
    in the machine's load over the run hits both sides of a ratio alike."""
    out: list[ServerRow] = []
    for dsn in servers.values():
        _load(dsn, rows)
    cells = [("point lookup", _lookup_client, c) for c in CLIENTS]
    cells += [("write transaction", _write_client, c) for c in WRITE_CLIENTS]
    for workload, client, clients in cells:
        for name, dsn in servers.items():
            log(f"  {name}: {workload}, {clients} clients")
            rate, p99 = _measure(client, (dsn, rows), clients, seconds)
            out.append(ServerRow(name, workload, clients, rate, p99))
    for name, dsn in servers.items():
        log(f"  {name}: COPY of {COPY_ROWS} rows")
        took = _copy_seconds(dsn)
        out.append(ServerRow(name, f"COPY {COPY_ROWS // 1000}k rows", 1, COPY_ROWS / took,
                             None, f"{took:.2f} s"))  # fmt: skip
    return out


def _redis_rows(rows: int, seconds: float, log: Callable[[str], None]) -> list[ServerRow]:
    binary = shutil.which("redis-server")
    if binary is None or importlib.util.find_spec("redis") is None:
        note = "skipped: no redis-server binary or redis-py on this machine"
        return [ServerRow("Redis", "GET", c, None, None, note) for c in CLIENTS]
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_port(port)
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        pipe = client.pipeline()
        for k in range(rows):
            pipe.set(f"k{k}", f"value {k}")
        pipe.execute()
        out = []
        for clients in CLIENTS:
            log(f"  Redis: GET, {clients} clients")
            rate, p99 = _measure(_redis_client, (port, rows), clients, seconds)
            out.append(ServerRow("Redis", "GET", clients, rate, p99))
        return out
    finally:
        proc.terminate()
        proc.wait()


def run_server(
    rows: int, seconds: float, log: Callable[[str], None] = lambda _: None
) -> list[ServerRow]:
    """Measure PyRAM's server, PostgreSQL 15 and Redis (when present)."""
    sys.path.insert(0, str(_ROOT / "tests"))
    from pg_server import PostgresServer

    results: list[ServerRow] = []
    pyram_server = _PyramServer()
    postgres = None
    try:
        postgres = PostgresServer().start()
        servers = {"PyRAM": pyram_server.dsn, "PostgreSQL 15": postgres.dsn}
        results += _server_rows(servers, rows, seconds, log)
    finally:
        pyram_server.stop()
        if postgres is not None:
            postgres.stop()
    results += _redis_rows(rows, seconds, log)
    return results


# ------------------------------------------------------------------------------ report
def format_rows(results: list[ServerRow]) -> str:
    """The results as a Markdown table (PyRAM's rate over PostgreSQL's in the last column)."""
    pg = {(r.workload, r.clients): r for r in results if r.server == "PostgreSQL 15"}
    lines = [
        "| server | workload | clients | ops/s | p99 ms | vs PostgreSQL | note |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        rate = "-" if r.rate is None else f"{r.rate:,.0f}"
        p99 = "-" if r.p99_ms is None else f"{r.p99_ms:.2f}"
        other = pg.get((r.workload, r.clients))
        ratio = ""
        if r.server == "PyRAM" and other is not None and r.rate and other.rate:
            ratio = f"{r.rate / other.rate:.2f}x"
        lines.append(
            f"| {r.server} | {r.workload} | {r.clients} | {rate} | {p99} | {ratio} | {r.note} |"
        )
    return "\n".join(lines)


def _ratios(results: list[ServerRow], rows: int) -> list[Ratio]:
    pg = {(r.workload, r.clients): r for r in results if r.server == "PostgreSQL 15"}
    out = []
    for r in results:
        other = pg.get((r.workload, r.clients))
        if r.server != "PyRAM" or other is None:
            continue
        target = r.workload == "point lookup" and r.clients == 8
        out.append(
            Ratio(
                f"server {r.workload}, {r.clients} clients", "psycopg", rows, r.clients, "tx/s",
                r.rate, other.rate, 2.0 if target else None, ">= 0.5x" if target else "",
                "vs PostgreSQL 15 (the sqlite column)",
            )
        )  # fmt: skip
    return out


def run(context: SuiteContext) -> SuiteResult:
    """The ``server`` suite of ``python -m benchmarks``."""
    rows = 1_000 if context.quick else 10_000
    seconds = 1.0 if context.quick else 3.0
    results = run_server(rows, seconds, context.log)
    return SuiteResult(
        format_rows(results), [asdict(r) for r in results], _ratios(results, rows)
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.server``: run the suite and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    print(format_rows(run_server(args.rows, args.seconds, lambda m: print(m, file=sys.stderr))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
