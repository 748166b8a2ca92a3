"""Export and import of a whole database: PyRAM's file formats against sqlite3's backup.

The database is table ``t`` (see :mod:`benchmarks.data`) with its index on ``grp``.

- sqlite3: an in-memory database holding ``t``; *export* is ``conn.backup()`` into a new
  file database, *import* is ``backup()`` from that file into a fresh in-memory database.
- PyRAM: ``db.export(path, format)`` and ``pyram.Database.load(path, models=[T])`` (every
  value type-checked, every constraint and index rebuilt) for each format.

Each cell is the median of a few runs (at most 3: a 1M-row JSON export takes seconds);
the file size is the file's (the directory's, for CSV) bytes. Files go to a temporary
directory on the default temp file system; both engines fsync what they write.
"""

from __future__ import annotations

import gc
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyram
from benchmarks.data import make_t_rows
from benchmarks.pyram_engine import T, load_t
from benchmarks.sqlite_engine import DDL

__all__ = [
    "FORMATS",
    "PersistenceResult",
    "format_persistence",
    "run_persistence",
    "to_json",
]

FORMATS = ("snapshot", "json", "csv", "pickle")
SQLITE_BACKUP = "sqlite3 backup"
MAX_RUNS = 3


@dataclass(frozen=True)
class PersistenceResult:
    """One engine/format at one size: median seconds to export and to import, file bytes."""

    rows: int
    method: str
    export_s: float
    import_s: float
    file_bytes: int


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir())
    return path.stat().st_size


def _sqlite(rows: list[tuple[object, ...]], folder: Path, runs: int) -> PersistenceResult:
    source = sqlite3.connect(":memory:")
    for statement in DDL[:2]:
        source.execute(statement)
    source.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    source.commit()
    path = folder / "sqlite.db"

    def export() -> None:
        if path.exists():
            path.unlink()
        target = sqlite3.connect(path)
        source.backup(target)
        target.close()

    def restore() -> None:
        stored = sqlite3.connect(path)
        memory = sqlite3.connect(":memory:")
        stored.backup(memory)
        stored.close()
        count = memory.execute("SELECT count(*) FROM t").fetchone()[0]
        if count != len(rows):
            raise RuntimeError(f"sqlite3 restore: {count} rows, expected {len(rows)}")
        memory.close()

    export_s = _median(export, runs)
    import_s = _median(restore, runs)
    result = PersistenceResult(len(rows), SQLITE_BACKUP, export_s, import_s, _size(path))
    source.close()
    return result


def _pyram(db: pyram.Database, fmt: str, rows: int, folder: Path, runs: int) -> PersistenceResult:
    path = folder / f"pyram.{fmt}"

    def export() -> None:
        db.export(path, fmt)  # type: ignore[arg-type]

    def restore() -> None:
        loaded = pyram.Database.load(path, models=[T], allow_pickle=True)
        if loaded.count(T) != rows:
            raise RuntimeError(f"pyram {fmt} load: {loaded.count(T)} rows, expected {rows}")

    export_s = _median(export, runs)
    import_s = _median(restore, runs)
    return PersistenceResult(rows, f"pyram {fmt}", export_s, import_s, _size(path))


def run_persistence(
    sizes: list[int], repeat: int, seed: int, log: Callable[[str], None]
) -> list[PersistenceResult]:
    """Time every format at every size (``min(repeat, 3)`` runs a cell)."""
    runs = max(1, min(repeat, MAX_RUNS))
    results = []
    for size in sizes:
        rows = make_t_rows(size, seed)
        folder = Path(tempfile.mkdtemp(prefix="pyram-bench-"))
        try:
            log(f"persistence: {size} rows, sqlite3 backup")
            results.append(_sqlite(rows, folder, runs))  # type: ignore[arg-type]
            db = pyram.Database()
            db.create(T)
            load_t(db, rows)
            for fmt in FORMATS:
                log(f"persistence: {size} rows, pyram {fmt}")
                results.append(_pyram(db, fmt, size, folder, runs))
                gc.collect()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return results


def format_persistence(results: list[PersistenceResult]) -> str:
    """A text table: per size, each method's export and import seconds and file size."""
    lines = ["", "Export and import of table t (median seconds; file size)"]
    for size in sorted({r.rows for r in results}):
        lines.append(f"\n{size:,} rows".replace(",", "_"))
        head = f"  {'method':<16} {'export s':>9} {'import s':>9} {'file MB':>8} {'B/row':>6}"
        lines.append(head)
        for r in (r for r in results if r.rows == size):
            lines.append(
                f"  {r.method:<16} {r.export_s:>9.3f} {r.import_s:>9.3f} "
                f"{r.file_bytes / 1e6:>8.2f} {r.file_bytes / max(size, 1):>6.1f}"
            )
    return "\n".join(lines)


def to_json(results: list[PersistenceResult]) -> list[dict[str, object]]:
    """The results as JSON-ready dicts."""
    return [
        {
            "rows": r.rows,
            "method": r.method,
            "export_s": r.export_s,
            "import_s": r.import_s,
            "file_bytes": r.file_bytes,
        }
        for r in results
    ]


if __name__ == "__main__":  # pragma: no cover - a quick look: python -m benchmarks.persistence
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    found = run_persistence([count], 3, 42, lambda m: print(m, file=sys.stderr))
    print(format_persistence(found))
