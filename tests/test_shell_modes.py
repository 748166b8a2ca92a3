"""The shell's output modes and settings, .dump, EXPLAIN QUERY PLAN and Tab completion.

Expected texts of the line-oriented modes are what sqlite3 3.40.1 prints for the same table
(``.headers on``), so these tests pin PyRAM's shell to sqlite3's output shapes.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import pyram
from pyram.shell import QuitShell, Shell
from pyram.shell.completion import Completer
from pyram.shell.style import MODES

SETUP = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL);\n"
    "INSERT INTO t VALUES (1, 'Ada', 9.5), (2, NULL, NULL);\n"
)


def make_shell(db: pyram.Database | None = None) -> tuple[Shell, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Shell(db or pyram.Database(), out, err), out, err


def run(script: str, shell: Shell | None = None) -> str:
    """The output of ``script`` after SETUP (failing on any error)."""
    if shell is None:
        shell, _, _ = make_shell()
        shell.run_script(SETUP)
    out = shell.out
    assert isinstance(out, io.StringIO)
    before = len(out.getvalue())
    shell.run_script(script)
    assert isinstance(shell.err, io.StringIO)
    assert shell.err.getvalue() == ""
    return out.getvalue()[before:]


# the texts sqlite3 3.40.1 prints for SETUP's table with ".headers on"
SQLITE_SHAPES = {
    "list": "id|name|score\n1|Ada|9.5\n2||\n",
    "tabs": "id\tname\tscore\n1\tAda\t9.5\n2\t\t\n",
    "quote": "'id','name','score'\n1,'Ada',9.5\n2,NULL,NULL\n",
    "insert t": (
        "INSERT INTO t(id,name,score) VALUES(1,'Ada',9.5);\n"
        "INSERT INTO t(id,name,score) VALUES(2,NULL,NULL);\n"
    ),
    "html": (
        "<TR><TH>id</TH>\n<TH>name</TH>\n<TH>score</TH>\n</TR>\n"
        "<TR><TD>1</TD>\n<TD>Ada</TD>\n<TD>9.5</TD>\n</TR>\n"
        "<TR><TD>2</TD>\n<TD></TD>\n<TD></TD>\n</TR>\n"
    ),
    "ascii": "id\x1fname\x1fscore\x1e1\x1fAda\x1f9.5\x1e2\x1f\x1f\x1e",
    "tcl": '"id" "name" "score"\n"1" "Ada" "9.5"\n"2" "" ""\n',
    "csv": "id,name,score\n1,Ada,9.5\n2,,\n",  # sqlite3 ends CSV lines with \r\n
}


@pytest.mark.parametrize("mode", sorted(SQLITE_SHAPES))
def test_line_modes_print_what_sqlite3_prints(mode: str) -> None:
    assert run(f".mode {mode}\nSELECT * FROM t;\n") == SQLITE_SHAPES[mode]


def test_grid_modes() -> None:
    assert run(".mode box\nSELECT * FROM t;\n") == (
        "┌────┬──────┬───────┐\n"
        "│ id │ name │ score │\n"
        "├────┼──────┼───────┤\n"
        "│  1 │ Ada  │   9.5 │\n"
        "│  2 │ NULL │ NULL  │\n"
        "└────┴──────┴───────┘\n"
    )
    assert run(".mode markdown\nSELECT * FROM t;\n") == (
        "| id | name | score |\n|----|------|-------|\n"
        "|  1 | Ada  |   9.5 |\n|  2 | NULL | NULL  |\n"
    )
    assert run(".mode column\nSELECT * FROM t;\n") == (
        "id  name  score\n--  ----  -----\n 1  Ada     9.5\n 2  NULL  NULL\n"
    )
    assert run(".mode table\n.headers off\nSELECT * FROM t;\n") == (
        "+---+------+------+\n| 1 | Ada  |  9.5 |\n| 2 | NULL | NULL |\n+---+------+------+\n"
    )


def test_every_mode_renders_and_headers_off_drops_the_header() -> None:
    for mode in MODES:
        with_header = run(f".mode {mode}\n.headers on\nSELECT 'x' AS colname;\n")
        without = run(f".mode {mode}\n.headers off\nSELECT 'x' AS colname;\n")
        assert "x" in with_header, mode
        keyed = mode in ("json", "line")  # every value carries its column name
        assert ("colname" in without) == keyed, mode
        if not keyed:
            assert "colname" in with_header, mode


def test_nullvalue_and_separator() -> None:
    assert run('.mode list\n.separator ";"\n.nullvalue -\nSELECT * FROM t;\n') == (
        "id;name;score\n1;Ada;9.5\n2;-;-\n"
    )
    assert run(".mode list\n.separator \\t \\r\\n\nSELECT 1 AS a, 2 AS b;\n") == "a\tb\r\n1\t2\r\n"
    assert run(".mode csv\n.separator |\nSELECT 'a|b' AS x, 'c' AS y;\n") == 'x|y\n"a|b"|c\n'
    # NULL text in a grid; .nullvalue with no argument goes back to the mode's default
    assert "| - " in run(".nullvalue -\nSELECT NULL AS n;\n")
    assert "| NULL |" in run(".nullvalue\nSELECT NULL AS n;\n")
    # a new .mode brings its own separators back
    assert run(".separator ;\n.mode list\nSELECT 1 AS a, 2 AS b;\n") == "a|b\n1|2\n"


def test_show_print_echo_and_bail(tmp_path: Path) -> None:
    shown = run(".mode csv\n.nullvalue NIL\n.show\n")
    assert "        mode: csv\n" in shown and '   nullvalue: "NIL"\n' in shown
    assert 'colseparator: ","\n' in shown and "    filename: :memory:\n" in shown
    assert run(".print hello   'two words'\n") == "hello two words\n"
    assert run(".echo on\nSELECT 1 AS one;\n.echo off\n").startswith("SELECT 1 AS one;\n+-----+\n")
    shell, out, err = make_shell()
    with pytest.raises(QuitShell) as stop:  # a script stops (main() returns its code)
        shell.run_script(".bail on\nSELECT nosuch;\nSELECT 'after' AS a;\n")
    assert stop.value.code == 1
    assert "after" not in out.getvalue() and err.getvalue().count("Error") == 1
    shell, out, err = make_shell()
    shell.run_script(".bail off\nSELECT nosuch;\nSELECT 'after' AS a;\n")
    assert "after" in out.getvalue()


def test_timer_shows_real_user_and_sys() -> None:
    text = run(".timer on\nSELECT 1 AS x;\n")
    last = text.splitlines()[-1].split()
    assert last[:3] == ["Run", "Time:", "real"] and last[4] == "user" and last[6] == "sys"
    assert all(float(last[i]) >= 0 for i in (3, 5, 7))


def test_output_and_once(tmp_path: Path) -> None:
    shell, out, _ = make_shell()
    shell.run_script(SETUP)
    once, kept = tmp_path / "once.txt", tmp_path / "kept.txt"
    shell.run_script(
        f".mode csv\n.once {once}\nSELECT id FROM t;\nSELECT 'screen' AS s;\n"
        f".output {kept}\nSELECT 1 AS a;\n.tables\n.output stdout\nSELECT 'back' AS b;\n"
    )
    assert once.read_text() == "id\n1\n2\n"
    assert kept.read_text() == "a\n1\nt\n"
    assert out.getvalue() == "s\nscreen\nb\nback\n"
    assert shell.output_name == "stdout"
    shell.run_script(f".once {tmp_path / 'cmd.txt'}\n.schema t\nSELECT 2 AS two;\n")
    assert (tmp_path / "cmd.txt").read_text().startswith("CREATE TABLE t (")
    assert out.getvalue().endswith("two\n2\n")
    shell.run_script(f".once {tmp_path / 'a.txt'}\n.once {tmp_path / 'b.txt'}\nSELECT 3 AS c;\n")
    assert (tmp_path / "a.txt").read_text() == ""  # the second .once replaced the first
    assert (tmp_path / "b.txt").read_text() == "c\n3\n"
    shell.run_script(f".once {tmp_path / 'no' / 'such' / 'dir.txt'}\n")
    assert "cannot write" in shell.err.getvalue()  # type: ignore[attr-defined]


def test_explain_and_explain_query_plan_print_differently() -> None:
    shell, _, _ = make_shell()
    shell.run_script(SETUP + "CREATE INDEX t_name ON t (name);\n")
    plan = run("EXPLAIN QUERY PLAN SELECT * FROM t WHERE name = 'Ada' ORDER BY score;\n", shell)
    assert plan == (
        "QUERY PLAN\n|--SEARCH t USING INDEX t_name (name=?)\n`--USE TEMP B-TREE FOR ORDER BY\n"
    )
    join = run("EXPLAIN QUERY PLAN SELECT * FROM t a JOIN t b ON a.score = b.score;\n", shell)
    assert join.startswith("QUERY PLAN\n`--HASH JOIN") and "\n   |--SCAN t\n   `--SCAN t\n" in join
    compound = run("EXPLAIN QUERY PLAN SELECT id FROM t UNION ALL SELECT 1;\n", shell)
    assert compound == (
        "QUERY PLAN\n`--COMPOUND QUERY\n   |--LEFT-MOST SUBQUERY\n   |  `--SCAN t\n"
        "   `--UNION ALL\n      `--SCAN CONSTANT ROW\n"
    )
    explain = run("EXPLAIN SELECT * FROM t WHERE name = 'Ada';\n", shell)
    assert explain.startswith("Project ") and "IndexScan t USING t_name" in explain
    assert "+" not in explain  # plain lines, not a table
    assert run(".eqp SELECT * FROM t;\n", shell) == "QUERY PLAN\n`--SCAN t\n"
    # the SQL result itself is SQLite's four columns
    rows = shell.db.sql("EXPLAIN QUERY PLAN SELECT * FROM t").all()
    assert rows == [(1, 0, 0, "SCAN t")]


def test_indexes_and_tables_patterns() -> None:
    shell, _, _ = make_shell()
    shell.run_script(
        SETUP + "CREATE TABLE other (k TEXT UNIQUE);\nCREATE INDEX t_name ON t (name);\n"
    )
    assert run(".indexes t\n", shell) == "t_name\nt_pkey\n"
    assert set(run(".indexes\n", shell).split()) == {"t_name", "t_pkey", "other_k_key"}
    assert run(".tables o%\n", shell) == "other\n"
    shell.run_script(".indexes nosuch\n")
    assert "no such table: nosuch" in shell.err.getvalue()  # type: ignore[attr-defined]


def test_dump_round_trips_through_read(tmp_path: Path) -> None:
    shell, _, _ = make_shell()
    shell.run_script(
        "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x', "
        "born DATE, seen TIMESTAMP, ok BOOLEAN, photo BLOB, score REAL, "
        "CHECK (score >= 0));\n"
        "CREATE TABLE pet (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES person (id), "
        '"select" TEXT);\n'
        "CREATE INDEX person_name ON person (name);\n"
        "INSERT INTO person VALUES (1, 'O''Brien', '2000-01-02', '2020-01-02 03:04:05', TRUE, "
        "X'00ff', 1e300), (2, 'Ann', NULL, NULL, FALSE, NULL, 0.1);\n"
        "INSERT INTO pet VALUES (7, 1, 'it''s; odd');\n"
        "CREATE VIEW named AS SELECT name FROM person;\n"
        "CREATE TRIGGER audit AFTER DELETE ON pet BEGIN SELECT 1; END;\n"
    )
    dump = run(".dump\n", shell)
    assert dump.startswith("BEGIN TRANSACTION;\nCREATE TABLE person (\n")
    assert "INSERT INTO person(id,name,born,seen,ok,photo,score) VALUES(1,'O''Brien'," in dump
    assert dump.endswith("COMMIT;\n")
    (tmp_path / "dump.sql").write_text(dump)
    copy, _, err = make_shell()
    copy.run_script(f".read {tmp_path / 'dump.sql'}\n")
    assert err.getvalue() == ""
    for query in ("SELECT * FROM person ORDER BY id", "SELECT * FROM pet", "SELECT * FROM named"):
        assert copy.db.sql(query).all() == shell.db.sql(query).all()
    assert run(".dump\n", copy) == dump  # the copy dumps the same text
    assert run(".indexes person\n", copy) == run(".indexes person\n", shell)
    pet_only = run(".dump pet\n", shell)
    assert "CREATE TABLE pet" in pet_only and "person" not in pet_only.split("REFERENCES")[0]
    assert "CREATE VIEW" not in pet_only


def test_help_lists_every_command_and_docs_describe_each() -> None:
    from pyram.shell.commands import COMMANDS

    text = run(".help\n")
    names = [line.split()[0] for line in text.splitlines()]
    assert names == [f".{name}" for name in COMMANDS]
    assert run(".help mode\n").startswith(".mode MODE [TABLE]")
    docs = (Path(__file__).resolve().parent.parent / "docs" / "shell.md").read_text()
    missing = [name for name in COMMANDS if f"`.{name}" not in docs]
    assert not missing, f"dot-commands listed by .help but not in docs/shell.md: {missing}"
    assert "arrive later" not in docs and "later persistence" not in docs


def test_completion() -> None:
    shell, _, _ = make_shell()
    shell.run_script(SETUP + "CREATE TABLE things (thing_id INTEGER, label TEXT);\n")
    line = ""
    completer = Completer(shell, lambda: line)

    def complete(text: str) -> list[str]:
        nonlocal line
        line = text
        word = text.split(" ")[-1] if not text.startswith(".") or " " in text else text
        found = []
        while (match := completer.complete(word, len(found))) is not None:
            found.append(match)
        return found

    assert complete(".mo") == [".mode"]
    assert complete(".he") == [".headers", ".help"]
    assert complete(".mode bo") == ["box"]
    assert complete(".timer o") == ["off", "on"]
    assert complete(".schema th") == ["things"]
    assert complete("SEL") == ["SELECT"]
    assert complete("sel") == ["select"]
    assert complete("SELECT * FROM th") == ["then", "thing_id", "things"]
    assert complete("SELECT things.la") == ["things.label"]
    assert complete("SELECT sc") == ["score"]
    assert complete("SELECT nosuch.x") == []
