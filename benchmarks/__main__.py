"""``python -m benchmarks``: PyRAM (DSL and SQL) vs sqlite3 (and installed peers), side by side.

Examples::

    python -m benchmarks                      # 100k and 1M rows, 5 timed runs per cell
    python -m benchmarks --rows 100000 --repeat 3
    python -m benchmarks --only point_lookup,top_n --rows 50k
    python -m benchmarks --quick              # smoke run: 20k rows, fewer runs and probes
    python -m benchmarks --rows 100k --only small_transactions,concurrent_reads
    python -m benchmarks --only durability --commits 1000   # commits/s per durability level
    python -m benchmarks --rows 100k --load-rows 1M --only write_path,write_load --repeat 3 \
        --plot docs/img/write_path.svg --markdown README.md   # README table, docs chart
    python -m benchmarks --from-json --plot chart.svg   # redraw from results/latest.json
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.data import SEED
from benchmarks.ratios import Ratio, markdown_table
from benchmarks.ratios import to_json as ratios_json
from benchmarks.sqlite_engine import CONCURRENCY_MODES
from benchmarks.suites import SUITES, SuiteContext, load_suite
from benchmarks.workloads import WORKLOAD_NAMES

if TYPE_CHECKING:  # imported lazily at run time (a broken engine is reported, not raised)
    from benchmarks import runner

MEMORY = "memory"
PERSISTENCE = "persistence"
DURABILITY = "durability"
QUICK_ROWS = 20_000
EXTRAS = (MEMORY, PERSISTENCE, DURABILITY, *SUITES)
TABLE_START = "<!-- write-path-table:start -->"
TABLE_END = "<!-- write-path-table:end -->"


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
        help="comma-separated subset of: " + ", ".join((*WORKLOAD_NAMES, *EXTRAS)),
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
    parser.add_argument(
        "--tx-sizes",
        type=parse_counts,
        default=None,
        help="statements per transaction of the write path's in-transaction workloads"
        " (1000,10000,100000; 100,1000 with --quick)",
    )
    parser.add_argument(
        "--load-rows",
        type=parse_counts,
        default=None,
        help="sizes of the write_load suite (loading, bytes per row); default: --rows",
    )
    parser.add_argument(
        "--plot", type=Path, default=None, help="draw the ratios to sqlite3 into FILE.svg"
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help=f"write the ratio table as Markdown to FILE (between {TABLE_START} and"
        f" {TABLE_END} when FILE has them, e.g. README.md)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        nargs="?",
        const=Path(__file__).resolve().parent / "results" / "latest.json",
        default=None,
        help="run nothing: --plot/--markdown from a results file (benchmarks/results/latest.json)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"data seed ({SEED})")
    parser.add_argument("--output", type=Path, default=None, help="JSON results path")
    return parser


def write_outputs(ratios: list[Ratio], args: argparse.Namespace) -> int:
    """``--plot`` and ``--markdown`` of ``ratios``; the exit status (2 when impossible)."""
    if args.plot is not None:
        from benchmarks.plot import PlotUnavailable, plot_ratios

        try:
            print(f"chart written to {plot_ratios(ratios, args.plot)}")
        except (PlotUnavailable, ValueError) as exc:
            print(str(exc), file=sys.stderr)
            return 2
    if args.markdown is not None:
        print(f"table written to {write_markdown(ratios, args.markdown)}")
    return 0


def write_markdown(ratios: list[Ratio], path: Path) -> Path:
    """The Markdown ratio table into ``path``: between the table markers when the file has
    them (the README keeps its text around the table), else as the whole file."""
    table = markdown_table(ratios)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if TABLE_START in old and TABLE_END in old:
        head, rest = old.split(TABLE_START, 1)
        tail = rest.split(TABLE_END, 1)[1]
        text = f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}"
    else:
        text = table + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def run_suites(
    only: list[str] | None, args: argparse.Namespace, context: SuiteContext
) -> tuple[str, dict[str, object], list[Ratio]]:
    """Every registered suite ``--only`` selects: its text, JSON by name, and ratios."""
    text, documents, ratios = "", {}, []
    for name in SUITES:
        if only is not None and name not in only:
            continue
        result = load_suite(name)(context)
        text += "\n" + result.text + "\n"
        documents[name] = result.json
        ratios += result.ratios
    return text, documents, ratios


def suite_context(
    args: argparse.Namespace, options: runner.Options, log: Callable[[str], None]
) -> SuiteContext:
    """The registered suites' settings: the engine workloads' ones plus their own flags."""
    tx_sizes = args.tx_sizes or ([100, 1_000] if args.quick else [1_000, 10_000, 100_000])
    return SuiteContext(
        sizes=options.sizes,
        quick=args.quick,
        repeat=options.repeat,
        budget=options.budget,
        seed=options.seed,
        lookups=options.lookups,
        tx_sizes=tuple(tx_sizes),
        tx_readers=options.tx_readers,
        tx_seconds=options.tx_seconds,
        log=log,
        load_sizes=args.load_rows or options.sizes,
    )


def run_file_benchmarks(
    only: list[str] | None, args: argparse.Namespace, options: runner.Options
) -> tuple[str, dict[str, object]]:
    """Export/import per format vs sqlite3 backup, and commits/s per durability level vs
    sqlite3 WAL, when selected: their text and JSON.

    Raises:
        MismatchError: the engines ended a durability run with different sums.
    """
    from benchmarks import runner

    text, documents = "", dict[str, object]()
    if only is None or PERSISTENCE in only:
        from benchmarks import persistence

        files = persistence.run_persistence(options.sizes, options.repeat, options.seed, runner.log)
        text += "\n" + persistence.format_persistence(files)
        documents["persistence"] = persistence.to_json(files)
    if only is None or DURABILITY in only:
        from benchmarks import durability

        commits = args.commits or (300 if args.quick else 2_000)
        levels = durability.run_durability(commits, runner.log)
        text += "\n" + durability.format_durability(levels)
        documents["durability"] = durability.to_json(levels)
    return text, documents


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; print the table; write the JSON. Returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.from_json is not None:
        from benchmarks.plot import load_ratios

        try:
            saved = load_ratios(args.from_json)
        except (OSError, ValueError) as exc:
            print(f"cannot read ratios: {exc}", file=sys.stderr)
            return 2
        return write_outputs(saved, args)
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
        workloads = select_workloads(None if only is None else [n for n in only if n not in EXTRAS])
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
    context = suite_context(args, options, runner.log)
    try:  # the engine workloads only when some are selected (or the memory table)
        core = bool(workloads) or options.memory
        if core:
            runner.log(
                "engines: sqlite3, pyram, pyram-sql"
                + "".join(f", {p.name}" for p in installed)
                + "".join(f"; {name} {why}" for name, why in missing.items())
            )
        results = runner.run_benchmarks(options) if core else runner.Results()
        suite_text, suite_json, ratios = run_suites(only, args, context)
    except MismatchError as exc:
        print(f"ABORTED: answers differ: {exc}", file=sys.stderr)
        return 1

    document = report.to_json(results, options, missing)
    text = report.format_report(results, missing, options) + suite_text
    document["suites"] = suite_json
    document["ratios"] = ratios_json(ratios)
    try:
        extra_text, extra_json = run_file_benchmarks(only, args, options)
    except MismatchError as exc:
        print(f"ABORTED: answers differ: {exc}", file=sys.stderr)
        return 1
    text += extra_text
    document.update(extra_json)
    print(text)
    path = report.write_json(document, args.output or report.DEFAULT_OUTPUT)
    print(f"\nresults written to {path}")
    status = write_outputs(ratios, args) if ratios else 0
    if not ratios and (args.plot or args.markdown):
        print("nothing to --plot or --markdown: no suite ran (" + ", ".join(SUITES) + ")")
    return 1 if results.failures else status


if __name__ == "__main__":
    sys.exit(main())
