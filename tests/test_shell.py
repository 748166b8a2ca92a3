"""The ``python -m pyram`` shell: end to end through a pipe and a pseudo-terminal, plus units.

Subprocesses cost about a second each (interpreter start and import), so each pipe test runs one
script that covers several commands. The pseudo-terminal test drives one interactive session with
``pty.fork`` and reads with ``select`` against a deadline, so it can never hang.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import pyram
from pyram.shell import Shell, main
from pyram.shell.commands import run_dot_command
from pyram.shell.convert import infer_sql_type
from pyram.shell.errors import ShellError
from pyram.shell.import_csv import import_csv
from pyram.shell.render import format_value, render_csv, render_json, render_line, render_table
from pyram.shell.schema_sql import render_create_table
from pyram.shell.statement_splitter import Statement, StatementSplitter, split_statements

ROOT = Path(__file__).resolve().parent.parent


def run_shell(script: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m pyram ARGS`` with ``script`` on stdin (a pipe, so not interactive)."""
    return subprocess.run(
        [sys.executable, "-m", "pyram", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


# ---------------------------------------------------------------------- pipe mode, end to end
def test_pipe_every_mode_tables_schema_and_errors() -> None:
    script = textwrap.dedent(
        """\
        CREATE TABLE person (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL DEFAULT 'anon',  -- a comment; with a semicolon
          score REAL UNIQUE
        );
        CREATE TABLE pet (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES person (id));
        CREATE VIEW named AS SELECT name FROM person;
        INSERT INTO person VALUES (1, 'Ada; Lovelace', 9.5), (2, 'Bob', NULL);
        SELECT * FROM person ORDER BY id;
        .mode csv
        SELECT * FROM person ORDER BY id;
        .headers off
        SELECT id FROM person ORDER BY id;
        .mode json
        SELECT * FROM person ORDER BY id;
        .mode line
        SELECT * FROM person WHERE id = 1;
        .mode table
        SELECT nme
        FROM person;
        SELECT 'still running' AS status;
        .tables
        .schema person
        .schema named
        .nosuch
        """
    )
    result = run_shell(script)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert (
        "+----+---------------+-------+\n"
        "| id | name          | score |\n"
        "+----+---------------+-------+\n"
        "|  1 | Ada; Lovelace |   9.5 |\n"
        "|  2 | Bob           | NULL  |\n"
        "+----+---------------+-------+\n"
    ) in out
    assert "id,name,score\n1,Ada; Lovelace,9.5\n2,Bob,\n" in out
    assert "1\n2\n" in out
    assert '[{"id": 1, "name": "Ada; Lovelace", "score": 9.5},\n' in out
    assert ' {"id": 2, "name": "Bob", "score": null}]\n' in out
    assert "   id = 1\n name = Ada; Lovelace\nscore = 9.5\n" in out
    assert "| still running |" in out  # the shell went on after the error
    assert "named\nperson\npet\n" in out
    assert (
        "CREATE TABLE person (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  name TEXT NOT NULL DEFAULT 'anon',\n"
        "  score REAL UNIQUE\n"
        ");\n"
    ) in out
    assert "CREATE VIEW named AS SELECT name FROM person;\n" in out
    err = result.stderr
    assert "Error: no such column: nme at line 19, column 8\nSELECT nme\n       ^\n" in err
    assert "Error: near line 25: unknown command: .nosuch" in err
    assert "Traceback" not in err


def test_quit_stops_the_script_and_exit_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() in-process, stdin a non-terminal stream (pipe mode without a subprocess)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT 1 AS one;\n.quit\nSELECT nosuch;\n"))
    assert main([]) == 0
    assert "| one |" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT nosuch;\n.exit 3\n"))
    assert main([]) == 3
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT nosuch;\nSELECT 2 AS two;"))
    assert main([]) == 1
    captured = capsys.readouterr()
    assert "| two |" in captured.out and "Error: no such column: nosuch" in captured.err
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    assert "FILE" in help_text and "SQL script" in help_text and "--command" in help_text
    assert "-init" in help_text and "durable" in help_text and "later" not in help_text


def test_import_export_read_round_trip(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(
        'id,name,score,joined\n1,"Ada, Countess",9.5,2020-01-02\n2,Bob,,2021-03-04\n3,,7,\n'
    )
    (tmp_path / "setup.sql").write_text(
        "CREATE TABLE typed (id INTEGER PRIMARY KEY, name TEXT, score REAL, joined DATE);\n"
        ".import people.csv typed\n"
        "SELECT oops FROM typed;\n"
    )
    (tmp_path / "bad.csv").write_text("id,name,score,joined\n9,x,1.0,2020-01-01\n10,y,z,\n")
    script = textwrap.dedent(
        """\
        .read setup.sql
        .import people.csv inferred
        .schema inferred
        .import bad.csv typed
        .export typed.csv typed
        .export high.json SELECT id, name FROM typed WHERE score > 8
        CREATE TABLE copy (id INTEGER PRIMARY KEY, name TEXT, score REAL, joined DATE);
        .import typed.csv copy
        .mode csv
        SELECT count(*) FROM typed;
        SELECT * FROM copy ORDER BY id;
        """
    )
    result = run_shell(script, cwd=tmp_path)
    assert result.returncode == 1  # setup.sql's bad SELECT and bad.csv
    err = result.stderr
    assert "Error: no such column: oops at line 3, column 8 of setup.sql\n" in err
    assert "bad.csv line 3, column score: cannot import 'z'" in err
    assert (
        "CREATE TABLE inferred (\n  id INTEGER,\n  name TEXT,\n  score REAL,\n  joined TEXT\n);"
    ) in result.stdout
    # bad.csv imported nothing (its first row was fine): still three rows
    assert "count(*)\n3\n" in result.stdout
    assert (
        'id,name,score,joined\n1,"Ada, Countess",9.5,2020-01-02\n2,Bob,,2021-03-04\n3,,7.0,\n'
    ) in result.stdout
    assert json.loads((tmp_path / "high.json").read_text()) == [{"id": 1, "name": "Ada, Countess"}]
    with (tmp_path / "typed.csv").open(newline="") as handle:
        assert list(csv.reader(handle))[1] == ["1", "Ada, Countess", "9.5", "2020-01-02"]


def test_init_script_and_command_option(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (a INTEGER);\nINSERT INTO t VALUES (1), (2)")
    result = run_shell(
        "", "-init", str(schema), "-c", "SELECT sum(a) AS total FROM t", "--mode", "csv"
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "total\n3\n", "")
    # sqlite3's option spellings
    result = run_shell(
        "SELECT 1 AS a, NULL AS b;\n", "-list", "-noheader", "-nullvalue", "-", "-cmd", ".print hi"
    )
    assert (result.returncode, result.stdout) == (0, "hi\n1|-\n")
    result = run_shell("SELECT 1 AS a, 2 AS b;\n", "-csv", "-separator", "\\t", "-header")
    assert result.stdout == "a\tb\n1\t2\n"
    # a script given as the database is refused, pointing to -init
    result = run_shell("", str(schema))
    assert result.returncode == 1
    assert f"{schema} is not a PyRAM database file" in result.stderr
    assert f"-init {schema}" in result.stderr and not schema.with_name("schema.sql-wal").exists()


# ---------------------------------------------------------------------- interactive, pty
class Terminal:
    """The master side of a pseudo-terminal with a child shell on the other side."""

    def __init__(self, fd: int, pid: int, timeout: float = 45.0) -> None:
        self.fd = fd
        self.pid = pid
        self.deadline = time.monotonic() + timeout
        self.output = ""
        self.seen = 0  # output before this offset has been matched already

    def read_until(self, needle: str) -> str:
        """Everything up to and including the next ``needle`` (fails at the deadline)."""
        while True:
            found = self.output.find(needle, self.seen)
            if found != -1:
                chunk = self.output[self.seen : found + len(needle)]
                self.seen = found + len(needle)
                return chunk
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no {needle!r} in shell output:\n{self.output}")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                data = b""
            if not data:
                pytest.fail(f"shell exited before {needle!r}:\n{self.output}")
            self.output += data.decode("utf-8", "replace").replace("\r\n", "\n")

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait(self) -> int:
        """The child's exit status (reading its last output, so it cannot block on a full pty)."""
        while time.monotonic() < self.deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            if select.select([self.fd], [], [], 0.05)[0]:
                with contextlib.suppress(OSError):  # EIO once the child is gone
                    self.output += os.read(self.fd, 4096).decode("utf-8", "replace")
        os.kill(self.pid, 9)
        pytest.fail(f"shell did not exit:\n{self.output}")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_interactive_session_in_a_pseudo_terminal(tmp_path: Path) -> None:
    import pty

    history = tmp_path / "history"
    env = {**os.environ, "PYRAM_HISTORY": str(history), "TERM": "dumb", "PYTHONPATH": str(ROOT)}
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the shell (and never return into pytest)
        try:
            os.execve(sys.executable, [sys.executable, "-m", "pyram"], env)
        finally:
            os._exit(127)
    term = Terminal(fd, pid)
    try:
        banner = term.read_until("pyram> ")
        assert "PyRAM" in banner and ".help" in banner
        term.send("CREATE TABLE t (id INTEGER PRIMARY KEY,\n")
        term.read_until("   ...> ")
        term.send("name TEXT);\n")
        term.read_until("pyram> ")
        term.send("INSERT INTO t VALUES (1, 'ada'), (2, 'bob');\n")
        term.read_until("pyram> ")
        term.send("SELECT name\n")
        term.read_until("   ...> ")
        term.send("FROM t ORDER BY id;\n")
        rows = term.read_until("pyram> ")
        assert "| name |\n+------+\n| ada  |\n| bob  |\n" in rows
        term.send("SELECT nosuch\n")  # Ctrl-C drops this unfinished statement
        term.read_until("   ...> ")
        time.sleep(0.3)  # let readline finish setting up the line before the interrupt
        term.send("\x03")
        term.read_until("pyram> ")
        term.send("SELECT 6 * 7 AS answer;\n")
        answer = term.read_until("pyram> ")
        assert "|     42 |" in answer and "nosuch" not in answer.split("answer;")[-1]
        term.send("SELECT nme FROM t;\n")
        error = term.read_until("pyram> ")
        assert "Error: no such column: nme at line 1, column 8" in error
        assert "Traceback" not in error
        term.send(".quit\n")
        assert term.wait() == 0
    finally:
        os.close(fd)
    saved = history.read_text()
    assert "SELECT name" in saved and "SELECT 6 * 7 AS answer;" in saved


# ---------------------------------------------------------------------- statement splitter
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT 1; SELECT 2;", ["SELECT 1;", "SELECT 2;"]),
        ("SELECT 'a;b', \"c;d\", [e;f], `g;h`;", ["SELECT 'a;b', \"c;d\", [e;f], `g;h`;"]),
        ("SELECT 'it''s;';", ["SELECT 'it''s;';"]),
        ("SELECT 1 -- no; end\n;", ["SELECT 1 -- no; end\n;"]),
        ("SELECT /* ; */ 1;", ["SELECT /* ; */ 1;"]),
        ("-- lead; comment\n  SELECT\n  1;", ["SELECT\n  1;"]),
        ("SELECT 1", ["SELECT 1"]),  # the last statement may lack its ';'
        ("  -- only a comment\n", []),
        (
            "CREATE TEMP TRIGGER tr AFTER DELETE ON t BEGIN DELETE FROM u; SELECT 'END;'; END;"
            " SELECT 2;",
            [
                "CREATE TEMP TRIGGER tr AFTER DELETE ON t BEGIN DELETE FROM u; SELECT 'END;'; END;",
                "SELECT 2;",
            ],
        ),
    ],
)
def test_split_statements(text: str, expected: list[str]) -> None:
    assert [s.text for s in split_statements(text)] == expected


def test_splitter_is_incremental_and_tracks_positions() -> None:
    splitter = StatementSplitter()
    assert splitter.feed("SELECT 1; SELECT 'a\n") == [Statement("SELECT 1;", 1, 1)]
    assert splitter.pending and splitter.in_comment_or_string
    assert splitter.feed("b;';\n") == [Statement("SELECT 'a\nb;';", 1, 11)]
    assert not splitter.pending
    assert splitter.feed("/* open\n") == []
    assert splitter.in_comment_or_string and not splitter.pending
    assert splitter.feed("*/ SELECT 2;") == [Statement("SELECT 2;", 4, 4)]
    splitter.feed("SELECT half")
    splitter.reset()
    assert not splitter.pending and splitter.finish() is None


# ---------------------------------------------------------------------- renderers
COLUMNS = ("id", "name", "data")
ROWS = [(1, "ada", None), (22, "bo\nb", b"\x00\xff")]


def test_render_table() -> None:
    assert render_table(COLUMNS, ROWS) == (
        "+----+-------+---------+\n"
        "| id | name  | data    |\n"
        "+----+-------+---------+\n"
        "|  1 | ada   | NULL    |\n"
        "| 22 | bo\\nb | X'00ff' |\n"
        "+----+-------+---------+\n"
    )
    assert render_table(("a",), []) == "+---+\n| a |\n+---+\n"


def test_render_csv_json_and_line() -> None:
    assert render_csv(COLUMNS, ROWS) == "id,name,data\n1,ada,\n22,\"bo\nb\",X'00ff'\n"
    assert render_csv(COLUMNS, ROWS, headers=False).startswith("1,ada,\n")
    assert json.loads(render_json(COLUMNS, ROWS)) == [
        {"id": 1, "name": "ada", "data": None},
        {"id": 22, "name": "bo\nb", "data": "X'00ff'"},
    ]
    assert render_json(COLUMNS, []) == "[]\n"
    assert render_line(COLUMNS, ROWS[:1] * 2) == (
        "  id = 1\nname = ada\ndata = NULL\n\n  id = 1\nname = ada\ndata = NULL\n"
    )
    assert format_value({"k": [1]}) == '{"k":[1]}' and format_value(True) == "True"


# ---------------------------------------------------------------------- in-process units
def make_shell() -> tuple[Shell, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Shell(pyram.Database(), out, err), out, err


def test_schema_rendering_of_composite_keys_checks_and_indexes() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE p (a INTEGER, b TEXT, PRIMARY KEY (a, b))")
    db.sql(
        "CREATE TABLE c (id INTEGER PRIMARY KEY, x INTEGER, y TEXT, v INTEGER CHECK (v > 0),"
        " FOREIGN KEY (x, y) REFERENCES p (a, b) ON DELETE CASCADE, UNIQUE (x, v))"
    )
    assert render_create_table(db.schema("c")) == (
        "CREATE TABLE c (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  x INTEGER,\n"
        "  y TEXT,\n"
        "  v INTEGER,\n"
        "  UNIQUE (x, v),\n"
        "  FOREIGN KEY (x, y) REFERENCES p (a, b) ON DELETE CASCADE,\n"
        "  CHECK (v > 0)\n"
        ");"
    )

    @pyram.table
    class Item(pyram.Table):
        id: pyram.Col[int] = pyram.column(primary_key=True)
        label: pyram.Col[str] = pyram.column(index="hash", default="x")

    db.create(Item)
    text = render_create_table(db.schema(Item))
    assert "label TEXT NOT NULL DEFAULT 'x'" in text
    assert text.endswith("CREATE INDEX item_label_idx ON item (label); -- a hash index")


def test_import_is_strict_and_all_or_nothing(tmp_path: Path) -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, ok BOOLEAN, day DATE, n INTEGER NOT NULL)")
    good = tmp_path / "good.csv"
    good.write_text("ID,ok,day,n\n1,true,2024-02-29,5\n2,0,,6\n")
    assert import_csv(db, str(good), "T") == 2
    assert db.sql("SELECT * FROM t ORDER BY id").all() == [
        (1, True, dt.date(2024, 2, 29), 5),
        (2, False, None, 6),
    ]
    for body, message in [
        ("id,ok,day,n\n3,maybe,,1\n", "line 2, column ok: cannot import 'maybe'"),
        ("id,ok,day,n\n3,true,2024-02-30,1\n", "line 2, column day"),
        ("id,ok,day,n\n3,true,,1\n4,true,,\n", "line 3, column n"),
        ("id,ok,day,n\n3,true,,1\n4,true\n", "line 3: expected 4 fields, got 2"),
        ("id,nope\n3,1\n", "table t has no column 'nope'"),
    ]:
        bad = tmp_path / "bad.csv"
        bad.write_text(body)
        with pytest.raises(ShellError, match=message):
            import_csv(db, str(bad), "t")
    assert db.sql("SELECT count(*) FROM t").scalar() == 2
    with pytest.raises(ShellError, match="cannot read"):
        run_dot_command(Shell(db, io.StringIO(), io.StringIO()), f".import {tmp_path}/no.csv t3")
    assert db.table_names() == ["t"]


def test_import_in_chunks_rolls_back_as_a_whole(tmp_path: Path) -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    db.sql("INSERT INTO t VALUES (999)")
    path = tmp_path / "many.csv"
    path.write_text("id\n" + "".join(f"{i}\n" for i in range(1000)))
    with pytest.raises(pyram.IntegrityError):
        import_csv(db, str(path), "t")  # 999 clashes in the fourth chunk
    assert db.sql("SELECT count(*) FROM t").scalar() == 1


def test_infer_sql_type() -> None:
    assert infer_sql_type(["1", "", "-2"]) == "INTEGER"
    assert infer_sql_type(["1", "2.5", "1e3"]) == "REAL"
    assert infer_sql_type(["1", "x"]) == "TEXT"
    assert infer_sql_type(["", ""]) == "TEXT"
    assert infer_sql_type(["1_000"]) == "TEXT"


def test_settings_commands_and_internal_errors_never_raise(tmp_path: Path) -> None:
    shell, out, err = make_shell()
    shell.run_script(
        ".timer on\nSELECT 1 AS x;\n.timer off\n.explain on\nSELECT 2 AS y;\n.explain off\n"
        ".mode bogus\n.headers maybe\n.import onlyone\n.export x.txt SELECT 1\n.read\n"
    )
    text = out.getvalue()
    assert "Run Time: real " in text
    assert "Project" in text and "| y |" in text  # the plan, then the rows
    assert err.getvalue().count("Error: ") == 5
    assert "usage: .mode table|box|markdown|column|list|csv" in err.getvalue()

    shell, out, err = make_shell()

    class Broken:
        def sql(self, text: str) -> None:
            raise RuntimeError("boom")

    shell.db = Broken()  # type: ignore[assignment]
    shell.run_script("SELECT 1;")
    assert err.getvalue() == "Internal error: RuntimeError: boom\n"


def test_read_nesting_is_bounded(tmp_path: Path) -> None:
    loop = tmp_path / "loop.sql"
    loop.write_text(f".read {loop}\n")
    shell, _, err = make_shell()
    shell.run_script(f".read {loop}\n")
    assert ".read nested more than 32 deep" in err.getvalue()


def test_docs_page_examples_run() -> None:
    from test_docs import python_blocks

    page = ROOT / "docs" / "shell.md"
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    assert blocks
    namespace: dict[str, object] = {"__name__": "docs_shell"}
    for first_line, code in blocks:
        exec(compile("\n" * (first_line - 1) + code, str(page), "exec"), namespace)


def test_pyram_console_script_runs_the_shell() -> None:
    import importlib
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    module, _, name = project["scripts"]["pyram"].partition(":")
    assert getattr(importlib.import_module(module), name) is main
    assert "pexpect" in " ".join(project["optional-dependencies"]["test"])
    assert any(dep.startswith("tqdm") for dep in project["optional-dependencies"]["shell"])
