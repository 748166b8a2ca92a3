"""pandas through SQLAlchemy: ``DataFrame.to_sql`` and ``pd.read_sql`` of N rows, PyRAM's
dialect (``pyram://``) vs SQLAlchemy's sqlite3 dialect (``sqlite://``), both in memory.

A suite of ``python -m benchmarks`` (``--only ecosystem``; it runs at the smallest
``--rows`` size); alone: ``python -m benchmarks.ecosystem [--rows 100k] [--repeat 3]``. Needs
the ``ecosystem`` extra (SQLAlchemy and pandas); without it the suite says so and measures
nothing.

The frame has an integer key, a float, a short string and a date. ``to_sql`` creates the
table and inserts every row (pandas' default executemany path); ``read_sql`` reads them all
back. Both engines must give back the same frame.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.ratios import Ratio
from benchmarks.suites import SuiteContext, SuiteResult

__all__ = ["EcosystemResult", "format_ecosystem", "run", "run_ecosystem", "to_json"]

ENGINES = (("pyram", "pyram://"), ("sqlite3", "sqlite://"))


@dataclass(frozen=True)
class EcosystemResult:
    """Best seconds of one operation for both engines."""

    operation: str
    rows: int
    pyram_s: float
    sqlite_s: float


def _frame(rows: int) -> Any:
    import pandas as pd

    start = dt.date(2020, 1, 1)
    return pd.DataFrame(
        {
            "id": range(rows),
            "price": [i * 0.25 for i in range(rows)],
            "name": [f"item {i % 1000}" for i in range(rows)],
            "day": [start + dt.timedelta(days=i % 1000) for i in range(rows)],
        }
    )


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine
    from sqlalchemy.dialects import registry

    registry.register("pyram", "pyram.ext.sqlalchemy", "PyramDialect")
    return create_engine(url)


def _best(repeat: int, make: Callable[[], Any], run: Callable[[Any], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        state = make()
        began = time.perf_counter()
        result = run(state)
        times.append(time.perf_counter() - began)
    return min(times), result


def run_ecosystem(rows: int, repeat: int, log: Callable[[str], None]) -> list[EcosystemResult]:
    """Time ``to_sql`` and ``read_sql`` on both engines; the frames read back must agree."""
    import pandas as pd

    frame = _frame(rows)
    writes: dict[str, float] = {}
    reads: dict[str, float] = {}
    back: dict[str, Any] = {}
    for name, url in ENGINES:
        log(f"ecosystem: {name} to_sql {rows} rows")
        writes[name], _ = _best(
            repeat,
            lambda url=url: _engine(url),
            lambda engine: frame.to_sql("t", engine, index=False),
        )
        engine = _engine(url)
        frame.to_sql("t", engine, index=False)
        log(f"ecosystem: {name} read_sql {rows} rows")
        reads[name], back[name] = _best(
            repeat, lambda engine=engine: engine, lambda e: pd.read_sql("SELECT * FROM t", e)
        )
    ours, theirs = back["pyram"], back["sqlite3"]
    # sqlite3 gives dates back as text: compare the values
    theirs["day"] = [dt.date.fromisoformat(d) for d in theirs["day"]]
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)
    return [
        EcosystemResult("to_sql", rows, writes["pyram"], writes["sqlite3"]),
        EcosystemResult("read_sql", rows, reads["pyram"], reads["sqlite3"]),
    ]


def format_ecosystem(results: list[EcosystemResult]) -> str:
    """The printed table: seconds and the PyRAM / sqlite3 ratio."""
    lines = [
        "pandas via SQLAlchemy (best of runs)",
        f"{'operation':<10} {'rows':>9} {'pyram s':>9} {'sqlite3 s':>10} {'ratio':>7}",
    ]
    for r in results:
        ratio = r.pyram_s / r.sqlite_s if r.sqlite_s else float("inf")
        lines.append(
            f"{r.operation:<10} {r.rows:>9} {r.pyram_s:>9.3f} {r.sqlite_s:>10.3f} {ratio:>6.1f}x"
        )
    return "\n".join(lines)


def to_json(results: list[EcosystemResult]) -> list[dict[str, Any]]:
    """The results for the JSON report."""
    return [
        {"operation": r.operation, "rows": r.rows, "pyram_s": r.pyram_s, "sqlite_s": r.sqlite_s}
        for r in results
    ]


def run(context: SuiteContext) -> SuiteResult:
    """The ``ecosystem`` suite: ``to_sql`` and ``read_sql`` at the smallest ``--rows`` size."""
    if not available():
        return SuiteResult("ecosystem: skipped (pip install 'pyram[ecosystem]')", [])
    rows = min(context.sizes)
    results = run_ecosystem(rows, context.repeat, context.log)
    ratios = [
        Ratio(f"pandas {r.operation}", "SQLAlchemy", r.rows, r.rows, "s", r.pyram_s, r.sqlite_s)
        for r in results
    ]
    return SuiteResult(format_ecosystem(results), to_json(results), ratios)


def available() -> bool:
    """True when SQLAlchemy and pandas are installed."""
    try:
        import pandas  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    """``python -m benchmarks.ecosystem``."""
    from benchmarks.__main__ import parse_count

    parser = argparse.ArgumentParser(prog="python -m benchmarks.ecosystem")
    parser.add_argument("--rows", type=parse_count, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not available():
        raise SystemExit("needs the ecosystem extra: pip install 'pyram[ecosystem]'")
    results = run_ecosystem(args.rows, args.repeat, lambda message: print(message, flush=True))
    print(format_ecosystem(results))


if __name__ == "__main__":
    main()
