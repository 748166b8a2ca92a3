"""Type-level tests: ``mypy --strict`` over ``typings/`` pins the user-facing typing contract.

``typings/models_ok.py`` holds ``assert_type`` checks that must pass; ``typings/models_bad.py``
holds lines that must be rejected, each with a targeted ``# type: ignore[code]`` (an ignore that
is no longer needed fails the run through ``warn_unused_ignores``). The second test strips those
ignores and checks that mypy then reports every one of those lines with the expected codes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TYPINGS = ROOT / "typings"
CONFIG = ROOT / "pyproject.toml"

IGNORE_RE = re.compile(r"\s*# type: ignore\[([^\]]+)\]\s*$")
ERROR_RE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): error: .*\[(?P<code>[a-z0-9-]+)\]$")


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache shared by both runs (the second one reuses pyram's analysis)."""
    return tmp_path_factory.mktemp("mypy_cache")


def run_mypy(cache_dir: Path, *targets: Path) -> tuple[int, str]:
    """Run ``mypy --strict`` with the project's config; return (exit status, output)."""
    # mypy cannot see through the editable install's import hook: point it at the checkout.
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(CONFIG),
            "--cache-dir",
            str(cache_dir),
            "--no-color-output",
            "--show-error-codes",
            "--no-error-summary",
            *map(str, targets),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_typings_pass_mypy_strict(mypy_cache: Path) -> None:
    files = sorted(TYPINGS.glob("*.py"))
    assert {f.name for f in files} >= {
        "models_ok.py",
        "models_bad.py",
        "queries_ok.py",
        "queries_bad.py",
    }
    status, output = run_mypy(mypy_cache, *files)
    assert status == 0, (
        f"mypy --strict rejected the typing contract in typings/ (exit {status}).\n"
        "An 'Unused \"type: ignore\"' error in models_bad.py means a line that must be rejected "
        "is now accepted; an [assert-type] error in models_ok.py means a public type changed.\n"
        f"--- mypy output ---\n{output}"
    )


BAD_FILES = sorted(p.name for p in TYPINGS.glob("*_bad.py"))


@pytest.mark.parametrize("bad_file", BAD_FILES)
def test_negative_cases_are_really_rejected(
    mypy_cache: Path, tmp_path: Path, bad_file: str
) -> None:
    source = (TYPINGS / bad_file).read_text(encoding="utf-8")
    expected: dict[int, set[str]] = {}
    stripped_lines = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = IGNORE_RE.search(line)
        if match:
            expected[number] = {code.strip() for code in match.group(1).split(",")}
            line = IGNORE_RE.sub("", line)
        stripped_lines.append(line)
    assert len(expected) >= 10, f"{bad_file} lost its negative cases"
    target = tmp_path / bad_file
    target.write_text("\n".join(stripped_lines) + "\n", encoding="utf-8")

    status, output = run_mypy(mypy_cache, target)
    assert status == 1, f"mypy should reject the stripped file (exit {status}):\n{output}"
    assert "import-not-found" not in output, f"mypy could not import pyram:\n{output}"

    reported: dict[int, set[str]] = {}
    errors = 0
    for out_line in output.splitlines():
        match = ERROR_RE.match(out_line)
        if match and Path(match["file"]).name == target.name:
            errors += 1
            reported.setdefault(int(match["line"]), set()).add(match["code"])
    assert errors >= len(expected), (
        f"expected at least {len(expected)} errors, got {errors}:\n{output}"
    )
    missing = {
        number: sorted(codes - reported.get(number, set()))
        for number, codes in expected.items()
        if not codes <= reported.get(number, set())
    }
    assert not missing, (
        f"lines of {bad_file} not rejected with the expected codes "
        f"(line: missing codes): {missing}\n--- mypy output ---\n{output}"
    )
    unexpected = sorted(set(reported) - set(expected))
    assert not unexpected, (
        f"mypy flagged lines of {bad_file} that carry no ignore: {unexpected}\n{output}"
    )


def test_generated_arithmetic_overloads_are_current() -> None:
    """``pyram/dsl/arithmetic.py`` is exactly what ``tools/gen_arithmetic.py`` writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gen_arithmetic", ROOT / "tools/gen_arithmetic.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (ROOT / "pyram/dsl/arithmetic.py").read_text(encoding="utf-8")
    assert committed == generator.render(), "run: python tools/gen_arithmetic.py"


def test_generated_comparison_overloads_are_current() -> None:
    """``pyram/dsl/comparison.py`` is exactly what ``tools/gen_comparison.py`` writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gen_comparison", ROOT / "tools/gen_comparison.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (ROOT / "pyram/dsl/comparison.py").read_text(encoding="utf-8")
    assert committed == generator.render(), "run: python tools/gen_comparison.py"


def test_generated_select_overloads_are_current() -> None:
    """``pyram/dsl/selecting.py`` is exactly what ``tools/gen_select.py`` writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_select", ROOT / "tools/gen_select.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    committed = (ROOT / "pyram/dsl/selecting.py").read_text(encoding="utf-8")
    assert committed == generator.render(), "run: python tools/gen_select.py"
