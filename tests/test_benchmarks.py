"""The benchmark harness runs from a fresh checkout, on tiny sizes (no timing is asserted).

``python -m benchmarks`` runs as a user runs it (a subprocess from the repository root): the
write-path suite with every workload and path, the engine workloads the suite's helper
shares, the Markdown table and the chart. The harness's answer check is tested in-process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.verify import MismatchError
from benchmarks.write_harness import SQLITE, PathRun, time_paths

ROOT = Path(__file__).resolve().parent.parent
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None

#: Every workload of the write-path suite at 300 rows (tx sizes 20 and 60), with its paths.
PATHS_4 = {"DB-API", "db.sql", "DSL", "db.*"}
PATHS_3 = {"DB-API", "db.sql", "db.*"}  # no DSL statement inserts values
EXPECTED: dict[str, set[str]] = {
    "bulk INSERT 300 rows": PATHS_3,
    "INSERT by key, autocommit": PATHS_3,
    "UPDATE by key, autocommit": PATHS_4,
    "DELETE by key, autocommit": PATHS_4,
    "UPSERT by key, autocommit": PATHS_3,
    "INSERT x20 in one tx": PATHS_3,
    "INSERT x60 in one tx": PATHS_3,
    "UPDATE x20 in one tx": PATHS_4,
    "UPDATE x60 in one tx": PATHS_4,
    "DELETE x20 in one tx": PATHS_4,
    "DELETE x60 in one tx": PATHS_4,
    "point SELECT by key": PATHS_4,
    "5-statement transactions": PATHS_4,
    "writer tx/s, 2 readers": {"DB-API", "db.sql", "DSL"},
    "load 300 rows": {"Database.load", "durable open"},
    "memory per row": {"db.sql", "db.*"},
}


def run_benchmarks(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``python -m benchmarks ARGS`` from the repository root, with this checkout first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def write_path_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One tiny run of the write-path suite: its output directory and stdout."""
    out = tmp_path_factory.mktemp("bench")
    readme = out / "README.md"
    readme.write_text(
        "intro\n<!-- write-path-table:start -->\nold table\n<!-- write-path-table:end -->\nend\n",
        encoding="utf-8",
    )
    args = ["--rows", "300", "--only", "write_path,write_load", "--repeat", "1", "--budget", "1"]
    args += ["--lookups", "40", "--tx-sizes", "20,60", "--tx-seconds", "0.2"]
    args += ["--output", str(out / "latest.json"), "--markdown", str(readme)]
    if HAS_MATPLOTLIB:
        args += ["--plot", str(out / "chart.svg")]
    done = run_benchmarks(*args)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stdout


def test_write_path_runs_every_workload_on_every_path(write_path_run: tuple[Path, str]) -> None:
    out, stdout = write_path_run
    ratios = json.loads((out / "latest.json").read_text(encoding="utf-8"))["ratios"]
    found: dict[str, set[str]] = {}
    for r in ratios:
        found.setdefault(r["workload"], set()).add(r["path"])
        # every path ran, was checked against sqlite3 and got a ratio and a verdict
        assert r["pyram"] is not None and r["pyram"] > 0, r
        assert r["sqlite3"] is not None and r["sqlite3"] > 0, r
        assert r["ratio"] is not None and r["target"] is not None, r
        assert r["met"] in (True, False), r
    assert found == EXPECTED
    assert "Write path" in stdout and "point SELECT by key" in stdout


def test_markdown_table_replaces_the_marked_block(write_path_run: tuple[Path, str]) -> None:
    out, _ = write_path_run
    text = (out / "README.md").read_text(encoding="utf-8")
    assert text.startswith("intro\n<!-- write-path-table:start -->\n| workload |")
    assert text.endswith("<!-- write-path-table:end -->\nend\n")
    assert "old table" not in text
    assert "| UPDATE x60 in one tx | 300 | 60 | DSL |" in text


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib (the bench/test extra) not installed")
def test_plot_is_written_from_the_run_and_from_the_json(write_path_run: tuple[Path, str]) -> None:
    out, _ = write_path_run
    chart = (out / "chart.svg").read_text(encoding="utf-8")
    assert chart.lstrip().startswith("<?xml") and "<svg" in chart
    assert "point SELECT by key" in chart and "DB-API" in chart
    again = run_benchmarks("--from-json", str(out / "latest.json"), "--plot", str(out / "b.svg"))
    assert again.returncode == 0, again.stderr
    assert "<svg" in (out / "b.svg").read_text(encoding="utf-8")


def test_plot_from_a_file_without_ratios_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "latest.json"
    empty.write_text(json.dumps({"results": []}), encoding="utf-8")
    done = run_benchmarks("--from-json", str(empty), "--plot", str(tmp_path / "c.svg"))
    assert done.returncode == 2
    assert "holds no ratios" in done.stderr


def test_engine_workloads_run_through_the_shared_helper(tmp_path: Path) -> None:
    args = ["--rows", "300", "--engines", "none", "--repeat", "1", "--lookups", "30"]
    args += ["--only", "bulk_insert,update_by_pk,small_transactions,concurrent_reads"]
    args += ["--tx-seconds", "0.2", "--output", str(tmp_path / "core.json")]
    done = run_benchmarks(*args)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "core.json").read_text(encoding="utf-8"))["results"]
    cells = {(r["workload"], r["engine"]) for r in results}
    for workload in ("bulk_insert", "update_by_pk", "small_transactions", "concurrent_reads"):
        assert {(workload, e) for e in ("sqlite3", "pyram", "pyram-sql")} <= cells


def test_a_path_whose_answer_differs_stops_the_benchmark() -> None:
    paths = {
        SQLITE: PathRun(run=lambda: [1, 2, 3], answer=list),
        "DB-API": PathRun(run=lambda: [1, 2, 4], answer=list),
    }
    with pytest.raises(MismatchError, match="DB-API"):
        time_paths("fake", paths, repeat=1, budget=1.0, log=lambda _: None)


def test_a_failing_path_is_reported_and_the_others_still_run() -> None:
    def broken() -> object:
        raise RuntimeError("boom")

    paths = {
        SQLITE: PathRun(run=lambda: 7, answer=int),
        "DB-API": PathRun(run=broken, answer=int),
        "db.sql": PathRun(run=lambda: 7, answer=int),
    }
    timings = time_paths("fake", paths, repeat=2, budget=1.0, log=lambda _: None)
    assert timings["DB-API"].error == "RuntimeError: boom" and not timings["DB-API"].times
    assert len(timings["db.sql"].times) == 2 and timings["db.sql"].median is not None
