"""``python -m benchmarks``: PyRAM (DSL and SQL) vs sqlite3 (and installed peers), side by side.

Examples::

    python -m benchmarks                      # 100k and 1M rows, 5 timed runs per cell
    python -m benchmarks --rows 100000 --repeat 3
    python -m benchmarks --only point_lookup,top_n --rows 50k
    python -m benchmarks --quick              # smoke run: 20k rows, fewer runs and probes
    python -m benchmarks --rows 100k --only small_transactions,concurrent_reads
    python -m benchmarks --only durability --commits 1000   # commits/s per durability level
    python -m benchmarks --only ecosystem --rows 100k       # pandas read_sql/to_sql
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.data import SEED
from benchmarks.sqlite_engine import CONCURRENCY_MODES
from benchmarks.workloads import WORKLOAD_NAMES

MEMORY = "memory"
PERSISTENCE = "persistence"
DURABILITY = "durability"
ECOSYSTEM = "ecosystem"
QUICK_ROWS = 20_000


def parse_count(text: str) -> int:
    """``"100000"``, ``"100_000"``, ``"100k"`` or ``"1M"`` as an int."""
    text = text.strip().replace("_", "").lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale != 1 else text
    try:
        value = int(float(number) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a row count: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"row count must be positive: {text!r}")
    return value


def parse_counts(text: str) -> list[int]:
    """A comma-separated list of counts."""
    return [parse_count(part) for part in text.split(",") if part.strip()]


def parse_names(text: str) -> list[str]:
    """A comma-separated list of names."""
    return [part.strip() for part in text.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark PyRAM against sqlite3 and installed peers, in one process.",
    )
    parser.add_argument(
        "--rows", type=parse_counts, default=None, help="sizes, e.g. 100000,1000000 (default)"
    )
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per cell (5)")
    parser.add_argument(
        "--only",
        type=parse_names,
        default=None,
        help="comma-separated subset of: "
        + ", ".join((*WORKLOAD_NAMES, MEMORY, PERSISTENCE, DURABILITY, ECOSYSTEM)),
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 20k rows, fewer runs")
    parser.add_argument(
        "--lookups",
        type=parse_count,
        default=None,
        help="point lookups / updates / small transactions per run (10000)",
    )
    parser.add_argument("--ranges", type=parse_count, default=None, help="range queries (1000)")
    parser.add_argument(
        "--budget", type=float, default=None, help="max seconds of timed runs per cell (30)"
    )
    parser.add_argument(
        "--engines",
        type=parse_names,
        default=None,
        help="optional peers to run (default: every installed one; 'none' for none)",
    )
    parser.add_argument(
        "--tx-readers", type=int, default=2, help="reader threads of concurrent_reads (2)"
    )
    parser.add_argument(
        "--tx-seconds",
        type=float,
        default=None,
        help="wall time of one concurrent_reads run, seconds (2; 1 with --quick)",
    )
    parser.add_argument(
        "--tx-sqlite",
        choices=CONCURRENCY_MODES,
        default="wal",
        help="sqlite3 set-up for concurrent_reads: a WAL-mode file in /dev/shm (wal, default)"
        " or a shared-cache in-memory database (shared)",
    )
    parser.add_argument(
        "--commits",
        type=parse_count,
        default=None,
        help="commits per durability level (2000; 300 with --quick)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"data seed ({SEED})")
    parser.add_argument("--output", type=Path, default=None, help="JSON results path")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; print the table; write the JSON. Returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        from benchmarks import peers, report, runner
        from benchmarks.verify import MismatchError
        from benchmarks.workloads import select_workloads
    except ImportError as exc:
        print(f"cannot import the engine under test: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2

    quick = args.quick
    sizes = args.rows or ([QUICK_ROWS] if quick else [100_000, 1_000_000])
    repeat = args.repeat if args.repeat is not None else (2 if quick else 5)
    lookups = args.lookups or (2_000 if quick else 10_000)
    ranges = args.ranges or (200 if quick else 1_000)
    budget = args.budget if args.budget is not None else (5.0 if quick else 30.0)
    tx_seconds = args.tx_seconds if args.tx_seconds is not None else (1.0 if quick else 2.0)
    if repeat < 1:
        print("--repeat must be at least 1", file=sys.stderr)
        return 2
    if args.tx_readers < 1 or tx_seconds <= 0:
        print("--tx-readers must be at least 1 and --tx-seconds positive", file=sys.stderr)
        return 2

    only: list[str] | None = args.only
    try:
        extras = (MEMORY, PERSISTENCE, DURABILITY, ECOSYSTEM)
        workloads = select_workloads(None if only is None else [n for n in only if n not in extras])
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2

    installed, missing = peers.discover()
    if args.engines is not None:
        wanted = set(args.engines) - {"none"}
        unknown = wanted - {p.name for p in peers.PEERS}
        if unknown:
            print(f"unknown peer(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        missing = {name: why for name, why in missing.items() if name in wanted}
        installed = [p for p in installed if p.name in wanted]

    options = runner.Options(
        sizes=sizes,
        repeat=repeat,
        workloads=workloads,
        memory=only is None or MEMORY in only,
        lookups=lookups,
        ranges=ranges,
        budget=budget,
        seed=args.seed,
        peers=installed,
        tx_readers=args.tx_readers,
        tx_seconds=tx_seconds,
        tx_sqlite=args.tx_sqlite,
    )
    runner.log(
        "engines: sqlite3, pyram, pyram-sql"
        + "".join(f", {p.name}" for p in installed)
        + "".join(f"; {name} {why}" for name, why in missing.items())
    )
    try:
        results = runner.run_benchmarks(options)
    except MismatchError as exc:
        print(f"ABORTED: answers differ: {exc}", file=sys.stderr)
        return 1

    document = report.to_json(results, options, missing)
    text = report.format_report(results, missing, options)
    if only is None or PERSISTENCE in only:  # export/import per format vs sqlite3 backup
        from benchmarks import persistence

        files = persistence.run_persistence(sizes, repeat, args.seed, runner.log)
        text += "\n" + persistence.format_persistence(files)
        document["persistence"] = persistence.to_json(files)
    if only is None or DURABILITY in only:  # commits/s per durability level vs sqlite3 WAL
        from benchmarks import durability

        commits = args.commits or (300 if quick else 2_000)
        try:
            levels = durability.run_durability(commits, runner.log)
        except MismatchError as exc:
            print(f"ABORTED: answers differ: {exc}", file=sys.stderr)
            return 1
        text += "\n" + durability.format_durability(levels)
        document["durability"] = durability.to_json(levels)
    if only is None or ECOSYSTEM in only:  # pandas to_sql/read_sql via SQLAlchemy vs sqlite3
        from benchmarks import ecosystem

        if ecosystem.available():
            frames = ecosystem.run_ecosystem(min(sizes), repeat, runner.log)
            text += "\n" + ecosystem.format_ecosystem(frames)
            document["ecosystem"] = ecosystem.to_json(frames)
        else:
            runner.log("ecosystem: skipped (pip install 'pyram[ecosystem]')")
    print(text)
    path = report.write_json(document, args.output or report.DEFAULT_OUTPUT)
    print(f"\nresults written to {path}")
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
