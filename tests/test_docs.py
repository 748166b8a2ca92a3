"""The documentation builds and its examples run, so the docs cannot drift from the code.

Two guards: ``mkdocs build --strict`` must succeed (broken links and nav entries fail it), and
every ```python block of the example-bearing pages runs, in order, in one fresh namespace per
page. A block whose first line is ``# not run`` is shown to readers but skipped here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

#: Pages whose ```python blocks are executed.
EXAMPLE_PAGES = (
    "getting-started.md",
    "tables.md",
    "queries.md",
    "errors.md",
    "sql.md",
    "udf.md",
    "transactions.md",
    "persistence.md",
    "ecosystem.md",
    "migrations.md",
    "limits.md",
    "time-travel.md",
    "cache.md",
    "postgres-dialect.md",
    "typing.md",
    "server.md",
)
#: Pages with ```python blocks that are not run, and why (every other page's blocks run).
NOT_RUN_PAGES = {
    "architecture.md": "a walk-through over the example tables of queries.md",
    "dbapi.md": "driver examples (PEP 249 compliance is tested by tests/test_dbapi*.py)",
    "index.md": "the README's overview",
    "performance.md": "benchmark fragments",
    "postgres-backend.md": "needs a PostgreSQL server: tests/test_pg_backend.py runs it",
    "shell.md": "shell sessions",
    "postgres.md": "needs a PostgreSQL server: tests/pg/test_pg_docs.py runs them against one",
}
#: Phrases of documentation written before a feature existed (issue 19 found these drifted):
#: a page that still promises something "planned" or "not raised yet" is out of date.
STALE_PHRASES = ("planned DB-API", "not raised yet", "arrive later", "not built yet")

#: Pages whose examples need optional packages: skipped when one is missing (CI installs the
#: ``ecosystem`` extra, so there they always run).
PAGE_NEEDS = {
    "ecosystem.md": ("sqlalchemy", "pandas", "polars", "pyarrow"),
}

# An opening fence: optional indentation (inside an admonition), ```python, optional attributes
# such as title="models.py"; then the body up to a closing fence at the same indentation.
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python(?:[ \t]+[^\n]*)?\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_SKIP_MARK = "# not run"


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(1-based line of the first code line, dedented code) for every ```python block."""
    blocks = []
    for match in _FENCE.finditer(text):
        first_line = text.count("\n", 0, match.start("body")) + 1
        blocks.append((first_line, textwrap.dedent(match.group("body"))))
    return blocks


def test_fence_parser_handles_titles_indentation_and_other_languages() -> None:
    text = (
        "intro\n"
        '```python title="a.py"\n'
        "x = 1\n"
        "```\n"
        "```bash\n"
        "echo no\n"
        "```\n"
        "!!! note\n    ```python\n    y = 2\n    ```\n"
    )
    assert python_blocks(text) == [(3, "x = 1\n"), (10, "y = 2\n")]


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        # Silences Material's end-of-life banner; it is not a build warning.
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").exists()


def run_page(path: Path, cleanup: Callable[[dict[str, Any]], None] | None = None) -> int:
    """Run a page's python blocks in order, in one namespace, as a module (libraries such as
    SQLAlchemy resolve a class's annotations through ``sys.modules[cls.__module__]``); blocks
    marked ``# not run`` are skipped. ``cleanup`` sees the namespace before the module goes (to
    stop what the page started). Returns how many blocks ran."""
    page_module = types.ModuleType(f"docs_{path.stem.replace('-', '_')}")
    namespace = page_module.__dict__
    sys.modules[page_module.__name__] = page_module
    ran = 0
    try:
        for first_line, code in python_blocks(path.read_text(encoding="utf-8")):
            if code.splitlines()[0].strip() == _SKIP_MARK:
                continue
            # Padding with newlines makes tracebacks point at the right line of the .md file.
            source = "\n" * (first_line - 1) + code
            exec(compile(source, str(path), "exec"), namespace)
            ran += 1
    finally:
        del sys.modules[page_module.__name__]
        if cleanup is not None:
            cleanup(namespace)
    return ran


@pytest.mark.parametrize("page", EXAMPLE_PAGES)
def test_page_examples_run(page: str) -> None:
    path = DOCS / page
    blocks = python_blocks(path.read_text(encoding="utf-8"))
    assert blocks, f"{page} has no python examples"
    for module in PAGE_NEEDS.get(page, ()):
        pytest.importorskip(module)
    if "sqlalchemy" in PAGE_NEEDS.get(page, ()):
        from sqlalchemy.dialects import registry

        # a checkout that is not pip-installed has no entry point (tests/ext checks that one)
        registry.register("pyram", "pyram.ext.sqlalchemy", "PyramDialect")
    run_page(path)


def test_every_page_with_python_examples_runs_or_says_why_not() -> None:
    pages = {p.name for p in DOCS.glob("*.md") if python_blocks(p.read_text(encoding="utf-8"))}
    unaccounted = pages - set(EXAMPLE_PAGES) - set(NOT_RUN_PAGES)
    assert not unaccounted, f"add these pages to EXAMPLE_PAGES (or NOT_RUN_PAGES): {unaccounted}"


@pytest.mark.parametrize("page", [*sorted(p.name for p in DOCS.glob("*.md")), "../README.md"])
def test_no_stale_promises(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    stale = [phrase for phrase in STALE_PHRASES if phrase in text]
    assert not stale, f"{page} still says {stale}: the feature exists now"


def test_getting_started_lists_the_test_extras() -> None:
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    packages = [re.split(r"[<>=\[]", spec)[0] for spec in extras["optional-dependencies"]["test"]]
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    missing = [name for name in packages if name not in page]
    assert not missing, f"getting-started.md does not mention test extras {missing}"


def test_errors_page_shows_every_error_class() -> None:
    import pyram.errors

    page = (DOCS / "errors.md").read_text(encoding="utf-8")
    missing = [name for name in pyram.errors.__all__ if name not in page]
    assert not missing, f"docs/errors.md does not show {missing}"


#: Modules whose ``__all__`` is PyRAM's public API: every name there has a docstring (when it
#: is a class, function or module) and is mentioned on some page of docs/.
PUBLIC_MODULES = ("pyram", "pyram.dbapi", "pyram.errors", "pyram.shell", "pyram.ext.sqlalchemy")


def _public_names() -> list[tuple[str, str, object]]:
    import importlib

    found = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            found.append((module_name, name, getattr(module, name)))
    return found


def test_every_public_name_has_a_docstring() -> None:
    import inspect

    missing = [
        f"{module}.{name}"
        for module, name, obj in _public_names()
        if (inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj))
        and not (obj.__doc__ or "").strip()
    ]
    assert not missing, f"public names without a docstring: {missing}"


def test_every_public_name_is_documented() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md")))
    missing = [
        f"{module}.{name}"
        for module, name, _ in _public_names()
        if name != "__version__" and not re.search(rf"(?<!\w){re.escape(name)}\b", pages)
    ]
    assert not missing, f"public names docs/ never mentions: {missing}"


def test_contributing_points_at_files_that_exist() -> None:
    """The recipes name real files (a renamed module would leave a recipe pointing nowhere)."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:pyram|tests|typings|benchmarks|docs)/[\w/.<>*-]+)`", text))
    concrete = [n for n in named if not re.search(r"[<>*]", n)]
    assert len(concrete) >= 20
    missing = [n for n in sorted(concrete) if not (ROOT / n).exists()]
    assert not missing, f"CONTRIBUTING.md names files that do not exist: {missing}"
