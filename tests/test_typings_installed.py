"""Type checkers see an editable install (issue 17): a user's project outside this source tree,
checked by mypy and pyright, finds ``pyram`` and its types (``pip install -e .`` must not hide
the package behind an import hook checkers cannot follow)."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

import pyram

APP = '''
import pyram
from pyram import Col, column


@pyram.table
class User(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]


db = pyram.Database()
db.create(User)
users: list[User] = db.all(User.select())
names: list[tuple[str]] = db.all(pyram.select(User.name))
'''


def installed_here() -> bool:
    """True when the environment's pyram distribution is this checkout (an editable one)."""
    try:
        importlib.metadata.distribution("pyram")
    except importlib.metadata.PackageNotFoundError:
        return False
    probe = subprocess.run(
        [sys.executable, "-c", "import pyram; print(pyram.__file__)"],
        cwd="/",
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() == pyram.__file__


@pytest.mark.skipif(not installed_here(), reason="pyram is not pip-installed from this checkout")
@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_a_project_outside_the_tree_type_checks_against_the_install(
    tmp_path: Path, checker: str
) -> None:
    (tmp_path / "app.py").write_text(APP)
    command = (
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "app.py"]
        if checker == "mypy"
        else [sys.executable, "-m", "pyright", "app.py"]
    )
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "import-not-found" not in result.stdout and "reportMissingImports" not in result.stdout
