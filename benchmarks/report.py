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

from benchmarks.runner import PYRAM, PYRAM_SQL, REFERENCE, Options, Results
from benchmarks.workloads import WORKLOADS

__all__ = ["DEFAULT_OUTPUT", "format_report", "to_json", "write_json"]

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"
_REFERENCE_OF = {w.name: w.reference for w in WORKLOADS}
_WORKLOAD_ORDER = {w.name: i for i, w in enumerate(WORKLOADS)}


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
        {(m.rows, m.workload) for m in results.measurements if m.engine in (PYRAM, PYRAM_SQL)},
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


def format_report(results: Results, missing: dict[str, str]) -> str:
    """The results as text tables: timings (with ratio to sqlite3), bytes per row, notes."""
    order = _engine_order([m.engine for m in results.measurements])
    measurements = sorted(
        results.measurements,
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
    out = _table(header, rows, right={1, 3, 4, 5, 6})
    side = _side_by_side(results)
    if side:
        out += ["", "PyRAM DSL vs PyRAM SQL (medians; ratios to sqlite3, then SQL / DSL):", *side]
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
    return "\n".join(out)


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
        },
        "engines": engines,
        "not_installed": missing,
        "results": [
            {
                "workload": m.workload,
                "rows": m.rows,
                "engine": m.engine,
                "median_seconds": m.median,
                "times": m.times,
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
