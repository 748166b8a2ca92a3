"""The typing contract holds for pyright (strict) too, not only mypy.

Positive files must give no error; in the negative files, every line marked for mypy with
``# type: ignore[...]`` must also be an error for pyright once the marker is stripped.
pyright comes from PyPI (it fetches its Node.js runtime through the npm registry on first use).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TYPINGS = ROOT / "typings"
IGNORE_RE = re.compile(r"\s*# type: ignore\[[^\]]+\]\s*$")

pytestmark = pytest.mark.skipif(
    shutil.which("pyright") is None, reason="pyright is not installed (pip install pyright)"
)


def run_pyright(workdir: Path, files: list[Path]) -> dict[str, set[int]]:
    """Run pyright strict; return file name -> lines with errors."""
    config = {"typeCheckingMode": "strict", "pythonVersion": "3.11", "extraPaths": [str(ROOT)]}
    (workdir / "pyrightconfig.json").write_text(json.dumps(config))
    proc = subprocess.run(
        ["pyright", "--outputjson", "-p", str(workdir / "pyrightconfig.json"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(proc.stdout)
    errors: dict[str, set[int]] = {}
    for diag in report["generalDiagnostics"]:
        if diag["severity"] == "error":
            line = diag["range"]["start"]["line"] + 1
            errors.setdefault(Path(diag["file"]).name, set()).add(line)
    return errors


def test_positive_typings_pass_pyright_strict(tmp_path: Path) -> None:
    files = sorted(TYPINGS.glob("*_ok.py"))
    assert files
    errors = run_pyright(tmp_path, files)
    assert not errors, f"pyright errors in positive typings: {errors}"


def test_negative_typings_are_rejected_by_pyright(tmp_path: Path) -> None:
    expected: dict[str, set[int]] = {}
    copies = []
    for bad in sorted(TYPINGS.glob("*_bad.py")):
        lines = bad.read_text(encoding="utf-8").splitlines()
        marked = {i for i, line in enumerate(lines, 1) if IGNORE_RE.search(line)}
        expected[bad.name] = marked
        target = tmp_path / bad.name
        target.write_text("\n".join(IGNORE_RE.sub("", line) for line in lines) + "\n")
        copies.append(target)
    errors = run_pyright(tmp_path, copies)
    for name, lines in expected.items():
        missing = sorted(lines - errors.get(name, set()))
        assert not missing, f"{name}: pyright accepts lines that must be rejected: {missing}"
