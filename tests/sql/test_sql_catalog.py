"""SQLite's catalogue in PyRAM: ``sqlite_master`` and the introspection pragmas, compared with
stdlib sqlite3 for the same schema, plus the settings pragmas and what is refused."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from models import User

import pyram
from pyram.errors import ProgrammingError

SCHEMA = """
CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, born INTEGER DEFAULT 1900);
CREATE TABLE book (
  isbn TEXT, edition INTEGER, author_id INTEGER REFERENCES author (id) ON DELETE CASCADE,
  title TEXT NOT NULL, price REAL, cover BLOB,
  PRIMARY KEY (isbn, edition), CONSTRAINT uq_title UNIQUE (title, edition)
);
CREATE INDEX ix_book_price ON book (price, title);
CREATE UNIQUE INDEX ix_author_born ON author (born, name);
CREATE VIEW cheap AS SELECT title, price FROM book WHERE price < 10;
CREATE TRIGGER tr_author AFTER INSERT ON author BEGIN
  INSERT INTO book (isbn, edition, author_id, title) VALUES ('x', NEW.id, NEW.id, NEW.name);
END;
"""


@pytest.fixture
def both() -> tuple[Any, sqlite3.Connection]:
    ours = pyram.connect()
    ours.executescript(SCHEMA)
    theirs = sqlite3.connect(":memory:")
    theirs.executescript(SCHEMA)
    return ours, theirs


def _rows(con: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def test_sqlite_master_matches_sqlite(both: tuple[Any, sqlite3.Connection]) -> None:
    ours, theirs = both
    query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    assert _rows(ours, query) == _rows(theirs, query)
    # sqlite_schema is the same table, and it takes WHERE, joins and aggregates
    query = (
        "SELECT m.name, count(*) FROM sqlite_schema m JOIN sqlite_master i "
        "ON i.tbl_name = m.name AND i.type = 'index' WHERE m.type = 'table' GROUP BY m.name"
    )
    assert sorted(_rows(ours, query)) == sorted(_rows(theirs, query))


def test_table_info_matches_sqlite(both: tuple[Any, sqlite3.Connection]) -> None:
    ours, theirs = both
    for table in ("author", "book", "cheap"):
        for pragma in ("table_info", "table_xinfo"):
            mine, sqlite = (
                _rows(ours, f"PRAGMA {pragma}({table})"),
                _rows(theirs, f"PRAGMA {pragma}({table})"),
            )
            # PyRAM's primary-key columns are NOT NULL (it enforces it; SQLite does not say so)
            mine = [(*r[:3], 0 if r[5] else r[3], *r[4:]) for r in mine]
            assert mine == sqlite, (pragma, table)
    query = "SELECT name, type FROM pragma_table_info('book') WHERE pk > 0 ORDER BY pk"
    assert _rows(ours, query) == _rows(theirs, query)
    assert _rows(ours, "PRAGMA table_info(nosuch)") == []


def test_index_pragmas_match_sqlite(both: tuple[Any, sqlite3.Connection]) -> None:
    ours, theirs = both
    for table in ("author", "book"):
        mine = sorted(r[1:] for r in _rows(ours, f"PRAGMA index_list({table})"))
        assert mine == sorted(r[1:] for r in _rows(theirs, f"PRAGMA index_list({table})"))
        for _, index, *_ in mine:
            for pragma in ("index_info", "index_xinfo"):
                query = f"PRAGMA {pragma}({index})"
                assert _rows(ours, query) == _rows(theirs, query), query


def test_foreign_key_and_database_lists(both: tuple[Any, sqlite3.Connection]) -> None:
    ours, theirs = both
    query = "PRAGMA foreign_key_list(book)"
    assert _rows(ours, query) == _rows(theirs, query)
    assert _rows(ours, "PRAGMA database_list") == [(0, "main", "")]


def test_model_tables_get_regenerated_sql() -> None:
    db = pyram.Database()
    db.create(User)
    con = pyram.connect(db)
    (text,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'user'").fetchone()
    # the regenerated text creates the same table in SQLite
    check = sqlite3.connect(":memory:")
    check.execute(text)
    assert [r[1:3] for r in check.execute("PRAGMA table_info(user)")] == [
        (r[1], r[2]) for r in con.execute("PRAGMA table_info(user)").fetchall()
    ]
    indexes = {r[1]: r[3] for r in con.execute("PRAGMA index_list(user)").fetchall()}
    assert indexes == {"sqlite_autoindex_user_1": "u", "user_age_idx": "c"}


def test_catalogue_reflects_changes_made_after_a_query() -> None:
    con = pyram.connect()
    query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    assert con.execute(query).fetchall() == []
    con.execute("CREATE TABLE t (a INTEGER)")
    assert con.execute(query).fetchall() == [("t",)]
    con.execute("DROP TABLE t")
    assert con.execute(query).fetchall() == []


def test_settings_pragmas_report_what_pyram_does(tmp_path: Any) -> None:
    con = pyram.connect()
    assert con.execute("PRAGMA foreign_keys").fetchall() == [(1,)]
    assert con.execute("PRAGMA foreign_keys = ON").fetchall() == []
    assert con.execute("PRAGMA journal_mode").fetchall() == [("memory",)]
    assert con.execute("PRAGMA journal_mode = delete").fetchall() == [("memory",)]
    assert con.execute("PRAGMA busy_timeout").fetchall() == [(5000,)]
    assert con.execute("PRAGMA read_uncommitted").fetchall() == [(0,)]
    durable = pyram.connect(str(tmp_path / "app.pyram"), durability="normal")
    assert durable.execute("PRAGMA journal_mode").fetchall() == [("wal",)]
    assert durable.execute("PRAGMA synchronous").fetchall() == [(1,)]
    assert durable.execute("PRAGMA database_list").fetchall() == [
        (0, "main", str(tmp_path / "app.pyram"))
    ]
    durable.close()


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("PRAGMA foreign_keys = OFF", "always enforces foreign keys"),
        ("PRAGMA synchronous = FULL", "durability="),
        ("PRAGMA cache_size = 10", "PRAGMA cache_size is not supported"),
        ("PRAGMA aux.table_info(t)", "unknown database aux"),
        ("INSERT INTO sqlite_master VALUES ('t', 't', 't', 0, '')", "may not be modified"),
        ("UPDATE sqlite_schema SET name = 'x'", "may not be modified"),
        ("DELETE FROM sqlite_master", "may not be modified"),
        ("SELECT * FROM generate_series(1, 3)", "no such table-valued function"),
        ("PRAGMA table_info = t", r"takes \(argument\)"),
    ],
)
def test_refused_cleanly(sql: str, message: str) -> None:
    con = pyram.connect()
    con.execute("CREATE TABLE t (a INTEGER)")
    with pytest.raises(ProgrammingError, match=message):
        con.execute(sql)
    assert con.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
