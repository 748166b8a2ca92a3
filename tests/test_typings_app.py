"""The issue-17 measure: in a realistic typed application (``typings/app_shop.py``), at least
95% of the ``assert_type`` probes are exact in mypy --strict AND in pyright strict.

Each probe states the type a user expects; the probes a checker gets wrong carry
``# type: ignore[assert-type]`` in the file. Here the markers are stripped, both checkers run on
the copy, and every probe they flag counts as inexact (a flagged probe without a marker fails
the test: the file must say honestly which probes are inexact). The app also has to run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "typings" / "app_shop.py"
IGNORE_RE = re.compile(r"\s*# type: ignore\[[^\]]+\]\s*$")
MYPY_ERROR_RE = re.compile(r"^[^:\n]+:(?P<line>\d+): error: .*\[assert-type\]$")
TARGET_SHARE = 0.95


def probes() -> tuple[set[int], set[int]]:
    """(lines with a probe, lines whose probe is marked inexact)."""
    lines = APP.read_text(encoding="utf-8").splitlines()
    found = {n for n, line in enumerate(lines, 1) if line.lstrip().startswith("assert_type(")}
    marked = {n for n in found if IGNORE_RE.search(lines[n - 1])}
    return found, marked


def stripped_copy(tmp_path: Path) -> tuple[Path, int]:
    """The app without its markers, plus a canary probe that must be flagged (proving the
    checker really checked the copy); returns the copy and the canary's line."""
    target = tmp_path / APP.name
    lines = [IGNORE_RE.sub("", line) for line in APP.read_text(encoding="utf-8").splitlines()]
    lines.append("assert_type(db.count(User), str)")
    target.write_text("\n".join(lines) + "\n")
    return target, len(lines)


def mypy_flagged(target: Path, cache: Path) -> set[int]:
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(cache), "--no-color-output", "--show-error-codes",
         "--no-error-summary", str(target)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert "import-not-found" not in proc.stdout, proc.stdout
    flagged = set()
    for line in proc.stdout.splitlines():
        match = MYPY_ERROR_RE.match(line)
        if match:
            flagged.add(int(match["line"]))
    return flagged


def pyright_flagged(target: Path, workdir: Path) -> set[int]:
    config = {"typeCheckingMode": "strict", "pythonVersion": "3.11", "extraPaths": [str(ROOT)]}
    (workdir / "pyrightconfig.json").write_text(json.dumps(config))
    proc = subprocess.run(
        ["pyright", "--outputjson", "-p", str(workdir / "pyrightconfig.json"), str(target)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    report = json.loads(proc.stdout)
    return {
        d["range"]["start"]["line"] + 1
        for d in report["generalDiagnostics"]
        if d["severity"] == "error" and d.get("rule") == "reportAssertTypeFailure"
    }


def check_share(checker: str, flagged: set[int]) -> None:
    found, marked = probes()
    assert len(found) >= 100, f"the app lost probes: {len(found)}"
    unmarked = sorted(flagged - marked)
    assert not unmarked, f"{checker} finds these probes inexact but they are not marked: {unmarked}"
    exact = len(found - flagged)
    share = exact / len(found)
    print(f"{checker}: {exact}/{len(found)} probes exact ({share:.1%})")
    assert share >= TARGET_SHARE, f"{checker}: only {exact} of {len(found)} probes exact"


def test_app_probes_exact_in_mypy(tmp_path: Path) -> None:
    target, canary = stripped_copy(tmp_path)
    flagged = mypy_flagged(target, tmp_path / "cache")
    assert canary in flagged, "the canary probe was not flagged: is mypy checking the copy?"
    check_share("mypy", flagged - {canary})


@pytest.mark.skipif(shutil.which("pyright") is None, reason="pyright is not installed")
def test_app_probes_exact_in_pyright(tmp_path: Path) -> None:
    target, canary = stripped_copy(tmp_path)
    flagged = pyright_flagged(target, tmp_path)
    assert canary in flagged, "the canary probe was not flagged: is pyright checking the copy?"
    check_share("pyright", flagged - {canary})


def test_app_runs() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, str(APP)], env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
