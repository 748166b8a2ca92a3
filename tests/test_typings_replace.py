"""``pyram.replace(u, age="x")`` is flagged by both checkers when they target Python 3.13+.

There both synthesize ``__replace__`` for ``dataclass_transform`` classes and ``replace``
borrows its keyword signature (pyram/model/values.py); older targets have nothing to borrow
from, so the keywords stay unchecked there (docs/typing.md). The files live in
``typings/py313/`` so that the 3.11 runs of tests/test_typings.py do not pick them up.
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
FILES = ROOT / "typings" / "py313"
IGNORE_RE = re.compile(r"\s*# type: ignore\[[^\]]+\]\s*$")


def copies(tmp_path: Path) -> tuple[Path, Path, set[int]]:
    """The positive file, the negative one stripped of its markers, and the marked lines."""
    ok = tmp_path / "replace_ok.py"
    ok.write_text((FILES / "replace_ok.py").read_text(encoding="utf-8"))
    lines = (FILES / "replace_bad.py").read_text(encoding="utf-8").splitlines()
    marked = {n for n, line in enumerate(lines, 1) if IGNORE_RE.search(line)}
    assert len(marked) >= 5
    bad = tmp_path / "replace_bad.py"
    bad.write_text("\n".join(IGNORE_RE.sub("", line) for line in lines) + "\n")
    return ok, bad, marked


def test_replace_keywords_checked_by_mypy_for_313(tmp_path: Path) -> None:
    ok, bad, marked = copies(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.13",
         "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"),
         "--no-color-output", "--no-error-summary", str(ok), str(bad)],
        cwd=ROOT, env={**os.environ, "MYPYPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    found = re.findall(r"(replace_\w+)\.py:(\d+): error", proc.stdout)
    errors = [(name, int(line)) for name, line in found]
    assert not [e for e in errors if e[0] == "replace_ok"], proc.stdout
    assert {n for f, n in errors if f == "replace_bad"} == marked, proc.stdout


@pytest.mark.skipif(shutil.which("pyright") is None, reason="pyright is not installed")
def test_replace_keywords_checked_by_pyright_for_313(tmp_path: Path) -> None:
    ok, bad, marked = copies(tmp_path)
    config = {"typeCheckingMode": "strict", "pythonVersion": "3.13", "extraPaths": [str(ROOT)]}
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config))
    proc = subprocess.run(
        ["pyright", "--outputjson", "-p", str(tmp_path / "pyrightconfig.json"), str(ok), str(bad)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    errors = [
        (Path(d["file"]).name, d["range"]["start"]["line"] + 1)
        for d in json.loads(proc.stdout)["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    assert not [e for e in errors if e[0] == "replace_ok.py"], errors
    assert {n for f, n in errors if f == "replace_bad.py"} == marked, errors
