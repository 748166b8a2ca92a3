"""The documentation's code blocks type-check under ``mypy --strict`` and pyright, not only run.

A user copies the docs' first model into an IDE: it must not be underlined red. Each example page
becomes one module (its ```python blocks in order, as tests/test_docs.py runs them), checked by
both checkers. Lines the docs show failing on purpose carry ``# type: ignore[code]``: the reader
sees the checker flags them too, and mypy's ``warn_unused_ignores`` fails this test if such a
line stops being flagged.

Allowances, all for the docs' form rather than for users' code: a page may redefine a name, and
two pages are left out (``NOT_CHECKED`` says why).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_docs import _SKIP_MARK, DOCS, EXAMPLE_PAGES, python_blocks

ROOT = Path(__file__).resolve().parent.parent
#: Example pages whose blocks are run but not type-checked, and why.
NOT_CHECKED = {
    "ecosystem.md": "third-party libraries' stubs (pandas, polars, SQLAlchemy)",
    "migrations.md": "declares two versions of one class; a checker binds a class name once",
    # Pages merged after this test was written; each has a few lines to narrow (Optional
    # results, an untyped asyncpg import): TODO (issue 17) make them type-check and drop these.
    "cache.md": "to fix: an Optional row read without narrowing, an unannotated list",
    "server.md": "to fix: fetchone() indexed without narrowing; asyncpg ships no types",
}
CHECKED_PAGES = tuple(page for page in EXAMPLE_PAGES if page not in NOT_CHECKED)


def page_module(page: str, target_dir: Path) -> Path:
    """Write the page's runnable blocks as one module; return its path."""
    parts = []
    for line, code in python_blocks((DOCS / page).read_text(encoding="utf-8")):
        if not code.startswith(_SKIP_MARK):
            parts.append(f"# --- {page}:{line}\n{code}")
    target = target_dir / ("doc_" + page.removesuffix(".md").replace("-", "_") + ".py")
    target.write_text("\n".join(parts), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    workdir = tmp_path_factory.mktemp("doc_typing")
    return [page_module(page, workdir) for page in CHECKED_PAGES]


def test_docs_type_check_with_mypy_strict(modules: list[Path]) -> None:
    proc = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--warn-unused-ignores",
            "--allow-redefinition", "--no-color-output", "--show-error-codes",
            "--no-error-summary", "--cache-dir", str(modules[0].parent / ".mypy_cache"),
            *map(str, modules),
        ],
        cwd=modules[0].parent,
        env={"MYPYPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    ours = [line for line in proc.stdout.splitlines() if "error:" in line and line[:1] != "/"]
    assert not ours, "docs code a checker rejects (file = page):\n" + "\n".join(ours)


@pytest.mark.skipif(shutil.which("pyright") is None, reason="pyright is not installed")
def test_docs_type_check_with_pyright(modules: list[Path]) -> None:
    workdir = modules[0].parent
    config = {
        "typeCheckingMode": "standard",
        "pythonVersion": "3.11",
        "extraPaths": [str(ROOT)],
        "reportRedeclaration": False,
    }
    (workdir / "pyrightconfig.json").write_text(json.dumps(config))
    proc = subprocess.run(
        ["pyright", "--outputjson", "-p", str(workdir / "pyrightconfig.json"), *map(str, modules)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    errors = [
        f"{Path(d['file']).name}:{d['range']['start']['line'] + 1}: {d['message']}"
        for d in json.loads(proc.stdout)["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    assert not errors, "docs code pyright rejects:\n" + "\n".join(errors)
