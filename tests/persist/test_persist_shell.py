"""The shell's whole-database ``.export`` and ``.restore``, and the progress bar."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import pyram
from pyram.shell import Shell, main
from pyram.shell.backup import format_for
from pyram.shell.commands import run_dot_command
from pyram.shell.errors import ShellError
from pyram.shell.open_db import DURABLE_MAGIC
from pyram.shell.progress import MIN_ROWS_FOR_BAR, ProgressBar


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


# ---------------------------------------------------------------------- opening files
def _run_main(args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """``pyram ARGS`` in-process with ``stdin`` piped in."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(args)


def test_file_argument_opens_a_durable_database_and_keeps_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / "app.pyram"
    script = "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);\nINSERT INTO t (s) VALUES ('a');\n"
    assert _run_main([str(app)], script, monkeypatch) == 0
    assert app.read_bytes().startswith(DURABLE_MAGIC)
    assert _run_main([str(app), "--mode", "csv", "SELECT * FROM t"], "", monkeypatch) == 0
    assert capsys.readouterr().out == "id,s\n1,a\n"
    with pyram.Database(path=app) as db:  # the shell's file is an ordinary durable database
        assert db.sql("SELECT s FROM t").all() == [("a",)]
        db.sql("INSERT INTO t (s) VALUES ('b')")
    assert _run_main([str(app)], ".mode list\n.headers off\nSELECT s FROM t;\n", monkeypatch) == 0
    assert capsys.readouterr().out == "a\nb\n"


def test_file_argument_loads_an_export_into_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2)")
    for name, fmt in (("snap.bin", "snapshot"), ("lines.jsonl", "json"), ("dir", "csv")):
        db.export(tmp_path / name, fmt)  # type: ignore[arg-type]
        before = sorted(p.name for p in tmp_path.iterdir())
        code = _run_main(
            [str(tmp_path / name), "-c", "INSERT INTO t VALUES (3)", "-c", ".show"], "", monkeypatch
        )
        assert code == 0
        assert "(export, in memory)" in capsys.readouterr().out
        assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
        assert pyram.Database.load(tmp_path / name).sql("SELECT count(*) FROM t").scalar() == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"SELECT 1;\n", "is not a PyRAM database file; if it is a SQL script, run it with -init"),
        (b"SQLite format 3\x00" + bytes(100), "is a SQLite database, not a PyRAM one"),
        (b"\x00\x01\x02garbage\xff", "is not a PyRAM database file (unknown format)"),
        (b"PYRAMPKL....", "is a pickle export"),
        (b"PYRAMCKP\x01\x00", "cannot open"),  # a damaged durable file
    ],
)
def test_wrong_files_are_refused_clearly(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    message: str,
) -> None:
    bad = tmp_path / "bad.file"
    bad.write_bytes(content)
    assert _run_main([str(bad)], "SELECT 1;\n", monkeypatch) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert bad.read_bytes() == content  # untouched
    shell = _shell(pyram.Database(), io.StringIO())
    with pytest.raises(
        ShellError, match=message.split(";")[0].replace("(", r"\(").replace(")", r"\)")
    ):
        run_dot_command(shell, f".open {bad}")
    assert shell.db_name == ":memory:"  # still the old database


def test_open_backup_and_restore(tmp_path: Path) -> None:
    err = io.StringIO()
    shell = _shell(pyram.Database(), err)
    shell.run_script(
        f".open {tmp_path / 'a.pyram'}\n"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);\n"
        "INSERT INTO t (s) VALUES ('x'), ('y');\n"
        f".backup {tmp_path / 'copy.pyram'}\n"
        "INSERT INTO t (s) VALUES ('z');\n"
    )
    assert err.getvalue() == "" and shell.db_name == str(tmp_path / "a.pyram")
    shell.run_script(f".backup {tmp_path / 'a.pyram'}\n")  # not onto itself
    assert "is the open database" in err.getvalue()
    shell.run_script(f".restore {tmp_path / 'copy.pyram'}\n")  # a durable file: use .open
    assert f"open it with .open {tmp_path / 'copy.pyram'}" in err.getvalue()
    shell.run_script(f".open {tmp_path / 'copy.pyram'}\n")
    assert shell.db.sql("SELECT s FROM t ORDER BY id").all() == [("x",), ("y",)]
    # a second backup over an existing one replaces it whole (and its stale log)
    shell.run_script("INSERT INTO t (s) VALUES ('w');\n")
    shell.run_script(f".open {tmp_path / 'a.pyram'}\n.backup {tmp_path / 'copy.pyram'}\n.open\n")
    assert shell.db_name == ":memory:" and shell.db.table_names() == []
    with pyram.Database(path=tmp_path / "copy.pyram") as copy:
        assert copy.sql("SELECT s FROM t ORDER BY id").all() == [("x",), ("y",), ("z",)]
    shell.run_script(f".backup {tmp_path / 'no' / 'dir' / 'x.pyram'}\n")
    assert "cannot back up to" in err.getvalue() and "Internal" not in err.getvalue()
    (tmp_path / "notes.txt").write_text("keep me")
    shell.run_script(f".backup {tmp_path / 'notes.txt'}\n")
    assert "not overwritten" in err.getvalue()
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_a_dot_command_argument_is_not_a_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _run_main([".print hi"], "", monkeypatch) == 0
    assert capsys.readouterr().out == "hi\n"
    assert list(tmp_path.iterdir()) == []
    assert _run_main([":memory:", "SELECT 5 AS five"], "", monkeypatch) == 0
    assert list(tmp_path.iterdir()) == []


def test_leaving_with_a_transaction_open_rolls_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = str(tmp_path / "app.pyram")
    script = "CREATE TABLE t (x INTEGER);\nBEGIN;\nINSERT INTO t VALUES (1);\n"
    assert _run_main([app], script, monkeypatch) == 0
    assert capsys.readouterr().err == ""
    with pyram.Database(path=app) as db:
        assert db.sql("SELECT count(*) FROM t").scalar() == 0


def test_open_readonly_reads_a_database_another_holds_open(tmp_path: Path) -> None:
    app = tmp_path / "app.pyram"
    with pyram.Database(path=app) as owner:  # holds the lock, as another process would
        owner.sql("CREATE TABLE t (x INTEGER)")
        owner.sql("INSERT INTO t VALUES (1), (2)")  # in the log, after the last checkpoint
        files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
        err = io.StringIO()
        shell = _shell(pyram.Database(), err)
        shell.run_script(f".open {app}\n")
        assert "is locked" in err.getvalue()  # the ordinary open is refused
        shell.run_script(f".open --readonly {app}\nINSERT INTO t VALUES (3);\n")
        assert shell.db.sql("SELECT sum(x) FROM t").scalar() == 6
        assert shell.db_name == f"{app} (read-only copy, in memory)"
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files  # untouched
        assert owner.sql("SELECT count(*) FROM t").scalar() == 2
    shell.run_script(f".open --readonly {tmp_path / 'missing.pyram'}\n.open --readonly\n")
    assert "no such database file" in err.getvalue() and "usage: .open" in err.getvalue()
    assert not (tmp_path / "missing.pyram").exists()
