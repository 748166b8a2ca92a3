"""``.import`` options and the column-wise bulk path under it (``Database.insert_columns``),
plus progress on imports and table exports."""

from __future__ import annotations

import io
import sys
import types
from pathlib import Path

import pytest

import pyram
from pyram.shell import Shell
from pyram.shell.commands import run_dot_command
from pyram.shell.convert import convert_column
from pyram.shell.errors import ShellError
from pyram.shell.import_csv import BATCH_ROWS, ImportOptions, import_csv
from pyram.shell.progress import MIN_ROWS_FOR_BAR, ProgressBar, TqdmBar, progress_bar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def make_shell(db: pyram.Database) -> tuple[Shell, io.StringIO]:
    err = _Terminal()
    shell = Shell(db, io.StringIO(), err)
    shell.fancy_progress = False  # the plain bar, whether or not tqdm is installed
    return shell, err


def person_db() -> pyram.Database:
    db = pyram.Database()
    db.sql("CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER)")
    return db


def test_insert_columns_fills_defaults_and_row_ids() -> None:
    db = pyram.Database()
    db.sql(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT DEFAULT 'k', "
        "n INTEGER)"
    )
    db.sql("INSERT INTO t (id, name) VALUES (10, 'first')")
    assert db.insert_columns("T", {"NAME": ["a", "b"], "id": [None, 20]}) == 2
    assert db.sql("SELECT * FROM t ORDER BY id").all() == [
        (10, "first", "k", None),
        (20, "b", "k", None),
        (21, "a", "k", None),  # past every key given, as a SQL INSERT numbers them
    ]
    assert db.insert_columns("t", {}) == 0
    with pytest.raises(pyram.ProgrammingError, match="no column 'nope'"):
        db.insert_columns("t", {"nope": [1]})
    with pytest.raises(pyram.ProgrammingError, match="different lengths"):
        db.insert_columns("t", {"name": ["x"], "n": [1, 2]})
    with pytest.raises(pyram.DataError):
        db.insert_columns("t", {"name": ["x", 5]})
    with pytest.raises(pyram.IntegrityError):
        db.insert_columns("t", {"name": ["x", None]})
    assert db.sql("SELECT count(*) FROM t").scalar() == 3  # all or nothing


def test_insert_columns_is_logged_and_fires_triggers(tmp_path: Path) -> None:
    with pyram.Database(path=tmp_path / "d.pyram") as db:
        db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        db.sql("CREATE TABLE log (v TEXT)")
        db.sql("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.v); END")
        db.insert_columns("t", {"v": ["a", "b"]})
        assert db.sql("SELECT v FROM log ORDER BY v").all() == [("a",), ("b",)]
    with pyram.Database(path=tmp_path / "d.pyram") as again:
        assert again.sql("SELECT id, v FROM t").all() == [(1, "a"), (2, "b")]


def test_skip_and_positional_records(tmp_path: Path) -> None:
    db = person_db()
    shell, _ = make_shell(db)
    data = tmp_path / "people.csv"
    data.write_text("id,name,age\n1,Ada,36\n2,Grace,45\n")
    run_dot_command(shell, f".import --csv --skip 1 {data} person")  # data rows, in table order
    no_header = tmp_path / "plain.csv"
    no_header.write_text("3,Linus,28\n")
    run_dot_command(shell, f".import {no_header} person")
    reordered = tmp_path / "reordered.csv"
    reordered.write_text("name,ID\nBarbara,4\n")
    run_dot_command(shell, f".import {reordered} person")  # a header, any order, age left out
    assert db.sql("SELECT * FROM person ORDER BY id").all() == [
        (1, "Ada", 36),
        (2, "Grace", 45),
        (3, "Linus", 28),
        (4, "Barbara", None),
    ]
    with pytest.raises(ShellError, match=r"usage: \.import"):
        run_dot_command(shell, f".import --skip x {data} person")
    with pytest.raises(ShellError, match="unknown option --bogus"):
        run_dot_command(shell, f".import --bogus {data} person")


def test_separators_and_ascii(tmp_path: Path) -> None:
    db = person_db()
    shell, _ = make_shell(db)
    piped = tmp_path / "piped.txt"
    piped.write_text('1|"Ada | Lovelace"|36\n')
    shell.run_script(f".mode list\n.import {piped} person\n")  # list mode: fields split on |
    tabbed = tmp_path / "tabbed.tsv"
    tabbed.write_text("2\tGrace\t45\n")
    shell.run_script(f".mode table\n.separator \\t\n.import {tabbed} person\n")
    ascii_file = tmp_path / "records.txt"
    ascii_file.write_text("id\x1fname\x1fage\x1e3\x1fLinus\x1f28\x1e")
    shell.run_script(f".import --ascii {ascii_file} person\n")
    assert shell.errors == 0
    assert db.sql("SELECT * FROM person ORDER BY id").all() == [
        (1, "Ada | Lovelace", 36),
        (2, "Grace", 45),
        (3, "Linus", 28),
    ]


def test_errors_name_the_line_even_past_multi_line_fields(tmp_path: Path) -> None:
    db = person_db()
    bad = tmp_path / "bad.csv"
    bad.write_text('id,name,age\n1,"two\nlines",3\n2,ok,x\n')
    with pytest.raises(ShellError, match=r"bad.csv line 4, column age: cannot import 'x'"):
        import_csv(db, str(bad), "person")
    missing = tmp_path / "missing.csv"
    missing.write_text("id,name,age\n1,,3\n")
    with pytest.raises(ShellError, match="line 2, column name: cannot import ''"):
        import_csv(db, str(missing), "person")
    skipped = tmp_path / "skipped.csv"
    skipped.write_text("junk\nid,name,age\n1,a,1\n2,b\n")
    with pytest.raises(ShellError, match=r"skipped\.csv line 4: expected 3 fields, got 2"):
        import_csv(db, str(skipped), "person", ImportOptions(skip=1))
    assert db.sql("SELECT count(*) FROM person").scalar() == 0


def test_batches_all_or_nothing_and_progress(tmp_path: Path) -> None:
    db = person_db()
    rows = BATCH_ROWS + 10
    big = tmp_path / "big.csv"
    big.write_text("id,name,age\n" + "".join(f"{i},n{i},{i % 90}\n" for i in range(1, rows + 1)))
    shell, err = make_shell(db)
    run_dot_command(shell, f".import {big} person")
    assert db.sql("SELECT count(*), max(id) FROM person").all() == [(rows, rows)]
    shown = err.getvalue()
    assert shown.startswith("\rimporting") and shown.endswith(" bytes\n")
    assert "100%" in shown
    # a duplicate key in the second batch undoes the first batch too
    clash = tmp_path / "clash.csv"
    clash.write_text(
        "id,name,age\n"
        + "".join(f"{i},m,1\n" for i in range(rows + 1, rows + BATCH_ROWS + 2))
        + "1,dup,1\n"
    )
    with pytest.raises(pyram.IntegrityError):
        import_csv(db, str(clash), "person")
    assert db.sql("SELECT count(*) FROM person").scalar() == rows


def test_table_export_shows_progress(tmp_path: Path) -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE big (id INTEGER PRIMARY KEY)")
    n = MIN_ROWS_FOR_BAR + 5
    db.insert_columns("big", {"id": list(range(n))})
    shell, err = make_shell(db)
    run_dot_command(shell, f".export {tmp_path / 'big.json'} big")
    assert err.getvalue().endswith(f"100%  {n}/{n} rows\n")
    with pytest.raises(ShellError, match="no such table or view: nosuch"):
        run_dot_command(shell, f".export {tmp_path / 'x.csv'} nosuch")
    text = (tmp_path / "big.json").read_text()
    assert text.startswith('[{"id": 0},\n {"id": 1}') and text.endswith(f'{{"id": {n - 1}}}]\n')


def test_fast_column_conversion_is_as_strict_as_the_slow_one() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (i INTEGER, r REAL, s TEXT)")
    schema = db.schema("t")
    integer, real, text = (schema.column(c).dtype for c in "irs")
    assert convert_column(integer, ["1", " -2 ", "", "+3"]) == [1, -2, None, 3]
    assert convert_column(real, ["1", "2.5e3", "", "-.5", "inf"]) == [
        1.0,
        2500.0,
        None,
        -0.5,
        float("inf"),
    ]
    assert convert_column(text, ["a", ""]) == ["a", None]
    for bad in (["1_000"], ["1.5"], ["٣"], ["0x10"]):
        with pytest.raises(ValueError):
            convert_column(integer, bad)
    for bad in (["nan"], ["1_0.5"], ["x"]):
        with pytest.raises(ValueError):
            convert_column(real, bad)


def test_tqdm_draws_the_bar_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[tuple[str, int]] = []

    class FakeTqdm:
        def __init__(self, total: int, desc: str, unit: str, **options: object) -> None:
            self.n = 0
            drawn.append(("open", total))

        def update(self, step: int) -> None:
            self.n += step
            drawn.append(("update", self.n))

        def close(self) -> None:
            drawn.append(("close", self.n))

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeTqdm))
    bar = progress_bar(_Terminal(), "importing", unit="rows")
    assert isinstance(bar, TqdmBar)
    bar(10, MIN_ROWS_FOR_BAR)
    bar(MIN_ROWS_FOR_BAR, MIN_ROWS_FOR_BAR)
    bar.close()
    assert drawn == [
        ("open", MIN_ROWS_FOR_BAR),
        ("update", 10),
        ("update", MIN_ROWS_FOR_BAR),
        ("close", MIN_ROWS_FOR_BAR),
    ]
    # off a terminal, or without tqdm, the plain bar (silent off a terminal)
    assert isinstance(progress_bar(io.StringIO(), "x"), ProgressBar)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # "not installed": import fails
    assert isinstance(progress_bar(_Terminal(), "x"), ProgressBar)
