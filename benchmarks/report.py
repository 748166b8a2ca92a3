"""The printed results table and the JSON results file."""

from __future__ import annotations

import json
import platform
import sqlite3
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.runner import PYRAM, PYRAM_SQL, REFERENCE, Measurement, Options, Results
from benchmarks.workloads import CONCURRENT, WORKLOADS

__all__ = ["DEFAULT_OUTPUT", "format_report", "to_json", "write_json"]

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"
_REFERENCE_OF = {w.name: w.reference for w in WORKLOADS}
_WORKLOAD_ORDER = {w.name: i for i, w in enumerate(WORKLOADS)}
_CONCURRENT = {w.name for w in WORKLOADS if w.kind == CONCURRENT}
SMALL_TX = "small_transactions"
CONCURRENT_READS = "concurrent_reads"
_SQLITE_SETUP = {
    "wal": "a WAL-mode file in /dev/shm, synchronous=OFF, a connection per thread",
    "shared": "a shared-cache in-memory database, a connection per thread, retry when locked",
}


def _ratio(results: Results, workload: str, rows: int, median: float) -> float | None:
    reference = _REFERENCE_OF.get(workload)
    if reference is None:
        return None
    base = results.median(reference, rows, REFERENCE)
    return None if not base else median / base


def _ratio_to_dsl(results: Results, workload: str, rows: int, engine: str) -> float | None:
    """SQL median / DSL median, for ``pyram-sql`` cells (None for every other engine)."""
    if engine != PYRAM_SQL:
        return None
    sql, dsl = results.median(workload, rows, PYRAM_SQL), results.median(workload, rows, PYRAM)
    return None if sql is None or not dsl else sql / dsl


def _per_op(seconds: float, ops: int) -> str:
    if ops <= 1:
        return ""
    micro = seconds / ops * 1e6
    return f"{micro:,.2f} us" if micro < 1000 else f"{micro / 1000:,.2f} ms"


def _engine_order(engines: list[str]) -> dict[str, int]:
    first = (REFERENCE, PYRAM, PYRAM_SQL)
    order = [*first, *(e for e in engines if e not in first)]
    return {name: i for i, name in enumerate(order)}


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *map(line, rows)]


def _cell(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds:.4f}"


def _times(numerator: float | None, denominator: float | None) -> str:
    return "" if numerator is None or not denominator else f"{numerator / denominator:.2f}x"


def _side_by_side(results: Results) -> list[str]:
    """One line per (rows, workload): sqlite3, DSL and SQL medians and their ratios."""
    keys = sorted(
        {
            (m.rows, m.workload)
            for m in results.measurements
            if m.engine in (PYRAM, PYRAM_SQL) and m.workload not in _CONCURRENT
        },
        key=lambda k: (k[0], _WORKLOAD_ORDER[k[1]]),
    )
    rows: list[list[str]] = []
    for n, workload in keys:
        reference = _REFERENCE_OF.get(workload)
        base = None if reference is None else results.median(reference, n, REFERENCE)
        dsl = results.median(workload, n, PYRAM)
        sql = results.median(workload, n, PYRAM_SQL)
        rows.append(
            [
                workload,
                f"{n:,}",
                _cell(base),
                _cell(dsl),
                _cell(sql),
                _times(dsl, base),
                _times(sql, base),
                _times(sql, dsl),
            ]
        )
    if not rows:
        return []
    header = ["workload", "rows", "sqlite3 s", "DSL s", "SQL s", "DSL/sqlite3", "SQL/sqlite3"]
    return _table([*header, "SQL/DSL"], rows, right=set(range(1, 8)))


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def _rate_ratio(reference: float | None, value: float | None) -> str:
    """sqlite3's rate / the engine's: how many times longer the engine takes per operation."""
    return "" if reference is None or not value else f"{reference / value:.2f}x"


def _transactions(results: Results, options: Options | None) -> list[str]:
    """Rates of the transaction workloads: small transactions per second, and reads and writer
    transactions per second of ``concurrent_reads``, per engine, with sqlite3's rate / each."""
    wanted = (SMALL_TX, CONCURRENT_READS)
    cells = [m for m in results.measurements if m.workload in wanted]
    if not cells:
        return []
    order = _engine_order([m.engine for m in cells])
    keys = sorted({(m.rows, m.engine) for m in cells}, key=lambda k: (k[0], order.get(k[1], 99)))

    def small_rate(m: Measurement | None) -> float | None:
        return None if m is None else m.ops / m.median

    def rate(m: Measurement | None, name: str) -> float | None:
        return None if m is None else m.median_rate(name)

    rows: list[list[str]] = []
    retries = False
    previous: int | None = None
    for n, engine in keys:
        small, ref_small = results.find(SMALL_TX, n, engine), results.find(SMALL_TX, n, REFERENCE)
        conc = results.find(CONCURRENT_READS, n, engine)
        ref_conc = results.find(CONCURRENT_READS, n, REFERENCE)
        read_retries, write_retries = rate(conc, "read_retries"), rate(conc, "write_retries")
        retries = retries or bool(read_retries) or bool(write_retries)
        p99, worst = rate(conc, "read_p99_ms"), rate(conc, "read_max_ms")
        rows.append(
            [
                "" if previous == n else f"{n:,}",
                engine,
                _rate(small_rate(small)),
                _rate_ratio(small_rate(ref_small), small_rate(small)),
                _rate(rate(conc, "reads_per_s")),
                _rate_ratio(rate(ref_conc, "reads_per_s"), rate(conc, "reads_per_s")),
                _rate(rate(conc, "writer_tx_per_s")),
                _rate_ratio(rate(ref_conc, "writer_tx_per_s"), rate(conc, "writer_tx_per_s")),
                "" if p99 is None else f"{p99:.2f}",
                "" if worst is None else f"{worst:.2f}",
                "" if conc is None else f"{read_retries or 0:,.0f}/{write_retries or 0:,.0f}",
            ]
        )
        previous = n
    header = [
        "rows",
        "engine",
        "tx/s",
        "vs sqlite3",
        "reads/s",
        "vs sqlite3",
        "writer tx/s",
        "vs sqlite3",
        "read p99 ms",
        "read max ms",
        "retries r/w",
    ]
    if not retries:
        header, rows = header[:-1], [r[:-1] for r in rows]
    lines = [
        "Transactions (medians; vs sqlite3 = sqlite3's rate / the engine's, lower is better):",
        "  tx/s: small_transactions, each BEGIN; INSERT; UPDATE by primary key; COMMIT",
    ]
    if options is not None and any(m.workload == CONCURRENT_READS for m in cells):
        setup = _SQLITE_SETUP.get(options.tx_sqlite, options.tx_sqlite)
        readers, seconds = options.tx_readers, options.tx_seconds
        lines += [
            f"  reads/s (all readers), writer tx/s, read latency: concurrent_reads,"
            f" {readers} reader thread(s) + 1 writer thread for {seconds:g} s",
            f"  pyram = DSL, pyram-sql = db.sql; sqlite3 = {setup}",
        ]
    return [*lines, *_table(header, rows, right=set(range(2, len(header))) | {0})]


def format_report(results: Results, missing: dict[str, str], options: Options | None = None) -> str:
    """The results as text tables: timings (with ratio to sqlite3), transaction rates, bytes
    per row, notes."""
    order = _engine_order([m.engine for m in results.measurements])
    measurements = sorted(
        (m for m in results.measurements if m.workload not in _CONCURRENT),
        key=lambda m: (m.rows, _WORKLOAD_ORDER[m.workload], order.get(m.engine, 99)),
    )
    rows: list[list[str]] = []
    previous: tuple[int, str] | None = None
    for m in measurements:
        ratio = _ratio(results, m.workload, m.rows, m.median)
        same = previous == (m.rows, m.workload)
        previous = (m.rows, m.workload)
        rows.append(
            [
                "" if same else m.workload,
                "" if same else f"{m.rows:,}",
                m.engine,
                f"{m.median:.4f}",
                str(len(m.times)),
                _per_op(m.median, m.ops),
                "" if ratio is None else f"{ratio:.2f}x",
            ]
        )
    header = ["workload", "rows", "engine", "median s", "runs", "per op", "vs sqlite3"]
    out = _table(header, rows, right={1, 3, 4, 5, 6}) if rows else []
    side = _side_by_side(results)
    if side:
        out += ["", "PyRAM DSL vs PyRAM SQL (medians; ratios to sqlite3, then SQL / DSL):", *side]
    transactions = _transactions(results, options)
    if transactions:
        out += ["", *transactions]
    if results.memory:
        mem_rows = [
            [f"{r.rows:,}", r.engine, f"{r.bytes_per_row:,.1f}", r.method]
            for r in sorted(results.memory, key=lambda r: (r.rows, order.get(r.engine, 99)))
        ]
        out += ["", *_table(["rows", "engine", "bytes/row", "method"], mem_rows, right={0, 2})]
    notes = [f"{name}: {reason}" for name, reason in missing.items()]
    notes += [f"{s.engine} at {s.rows:,} rows: {s.reason}" for s in results.skipped]
    notes += [
        f"FAILED {f.engine} {f.workload} at {f.rows:,} rows: {f.error}" for f in results.failures
    ]
    if notes:
        out += ["", *notes]
    return "\n".join(out).lstrip("\n")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def to_json(results: Results, options: Options, missing: dict[str, str]) -> dict[str, Any]:
    """A JSON-ready document of the run (settings, environment, every timing)."""
    engines = {
        REFERENCE: sqlite3.sqlite_version,
        PYRAM: _version("pyram"),
        PYRAM_SQL: _version("pyram"),
    }
    engines.update({p.name: _version(p.name) for p in options.peers})
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "environment": {
            "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "machine": platform.machine(),
        },
        "settings": {
            "sizes": options.sizes,
            "repeat": options.repeat,
            "lookups": options.lookups,
            "ranges": options.ranges,
            "budget_seconds": options.budget,
            "seed": options.seed,
            "workloads": [w.name for w in options.workloads],
            "tx_readers": options.tx_readers,
            "tx_seconds": options.tx_seconds,
            "tx_sqlite": options.tx_sqlite,
        },
        "engines": engines,
        "not_installed": missing,
        "results": [
            {
                "workload": m.workload,
                "rows": m.rows,
                "engine": m.engine,
                "median_seconds": m.median,
                "time_unit": (
                    "seconds per read (all readers)"
                    if m.workload in _CONCURRENT
                    else "seconds per run"
                ),
                "times": m.times,
                "rates": m.rates,
                "verify_seconds": m.verify_seconds,
                "ops": m.ops,
                "ratio_vs_sqlite3": _ratio(results, m.workload, m.rows, m.median),
                "ratio_vs_pyram_dsl": _ratio_to_dsl(results, m.workload, m.rows, m.engine),
            }
            for m in results.measurements
        ],
        "bytes_per_row": [
            {
                "rows": r.rows,
                "engine": r.engine,
                "bytes_per_row": r.bytes_per_row,
                "method": r.method,
            }
            for r in results.memory
        ],
        "load_seconds": {e: {str(n): s for n, s in by.items()} for e, by in results.loads.items()},
        "skipped": [
            {"engine": s.engine, "rows": s.rows, "reason": s.reason} for s in results.skipped
        ],
        "failures": [
            {"engine": f.engine, "rows": f.rows, "workload": f.workload, "error": f.error}
            for f in results.failures
        ],
    }


def write_json(document: dict[str, Any], path: Path = DEFAULT_OUTPUT) -> Path:
    """Write ``document`` to ``path`` (creating its directory); return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
