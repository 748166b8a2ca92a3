"""The shell's whole-database ``.export`` and ``.restore``, and the progress bar."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import pyram
from pyram.shell import Shell
from pyram.shell.backup import format_for
from pyram.shell.progress import MIN_ROWS_FOR_BAR, ProgressBar
from pyram.shell.commands import run_dot_command
from pyram.shell.errors import ShellError


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _shell(db: pyram.Database, err: io.StringIO) -> Shell:
    shell = Shell(db, io.StringIO(), err)
    shell.fancy_progress = False  # the plain bar, whether or not tqdm is installed
    return shell


def test_export_and_restore_the_whole_database(tmp_path: Path) -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); INSERT INTO t VALUES (1, NULL)")
    db.sql("CREATE VIEW v AS SELECT id FROM t")
    shell = _shell(db, io.StringIO())
    for name in ("db.pyram", "db.jsonl", "db.csv"):
        run_dot_command(shell, f".export {tmp_path / name}")
        other = pyram.Database()
        run_dot_command(_shell(other, io.StringIO()), f".restore {tmp_path / name}")
        assert other.sql("SELECT * FROM t").all() == [(1, None)]
        assert other.view_names() == ["v"]
    run_dot_command(shell, f".export --format json {tmp_path / 'plain'}")
    assert (tmp_path / "plain").read_text().startswith('{"format":"pyram-jsonl"')
    with pytest.raises(ShellError, match="unknown format"):
        run_dot_command(shell, f".export --format xml {tmp_path / 'x'}")
    with pytest.raises(ShellError, match="usage"):
        run_dot_command(shell, ".restore")


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE big (id INTEGER PRIMARY KEY)")
    n = MIN_ROWS_FOR_BAR + 5
    db._store.insert("big", [list(range(n))])
    err = _Terminal()
    run_dot_command(_shell(db, err), f".export {tmp_path / 'big.pyram'}")
    shown = err.getvalue()
    assert shown.startswith("\rexporting") and shown.endswith(f"100%  {n}/{n} rows\n")
    piped = io.StringIO()  # not a terminal: no bar
    run_dot_command(_shell(db, piped), f".export {tmp_path / 'big2.pyram'}")
    assert piped.getvalue() == ""


def test_progress_bar_stays_quiet_for_small_work() -> None:
    err = _Terminal()
    bar = ProgressBar(err, "x")
    bar(5, 10)
    bar.close()
    assert err.getvalue() == ""


def test_format_by_name() -> None:
    assert [format_for(n, None) for n in ("a.jsonl", "a.CSV", "a.pkl", "a.db")] == [
        "json",
        "csv",
        "pickle",
        "snapshot",
    ]
