"""The token-level rewrite of stored SQL text after a rename (``pyram.sql.rename``)."""

from __future__ import annotations

import pytest

from pyram.sql.rename import rename_column_refs, rename_table_refs, sql_name

OTHERS = {"p": {"id", "a"}, "q": {"z"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # unqualified, qualified by the table and by an alias (with and without AS)
        ("SELECT a FROM t", "SELECT b FROM t"),
        ("SELECT t.a, x.a FROM t AS x", "SELECT t.b, x.b FROM t AS x"),
        ("SELECT y.a FROM t y WHERE y.a > 1", "SELECT y.b FROM t y WHERE y.b > 1"),
        # strings, output aliases, functions of that name and other qualifiers stay
        ("SELECT a AS a, 'a' FROM t", "SELECT b AS a, 'a' FROM t"),
        ("SELECT a(1), a FROM t", "SELECT a(1), b FROM t"),
        (
            "SELECT p.a, t.a FROM t JOIN p ON p.id = t.a",
            "SELECT p.a, t.b FROM t JOIN p ON p.id = t.b",
        ),
        # a statement that does not name the table is untouched
        ("SELECT a FROM q", "SELECT a FROM q"),
        # an unqualified name another named table also has is left alone (it is theirs or
        # ambiguous); qualified ones still follow
        ("SELECT t.a FROM t, p", "SELECT t.b FROM t, p"),
        ("SELECT a FROM t, p", "SELECT a FROM t, p"),
        # quoted names are matched by value
        ('SELECT "a" FROM "t"', 'SELECT b FROM "t"'),
    ],
)
def test_column_rename(text: str, expected: str) -> None:
    assert rename_column_refs(text, "t", "a", "b", OTHERS) == expected


def test_a_views_declared_column_names_stay() -> None:
    text = "CREATE VIEW IF NOT EXISTS main.v (a, k) AS SELECT a, id FROM t"
    assert rename_column_refs(text, "t", "a", "b", {}) == (
        "CREATE VIEW IF NOT EXISTS main.v (a, k) AS SELECT b, id FROM t"
    )


def test_column_rename_in_a_trigger_of_the_table() -> None:
    text = (
        "CREATE TRIGGER tr AFTER UPDATE OF a ON t BEGIN "
        "INSERT INTO q (z) VALUES (new.a + old.a); END"
    )
    assert rename_column_refs(text, "t", "a", "b", OTHERS, owner=True) == (
        "CREATE TRIGGER tr AFTER UPDATE OF b ON t BEGIN "
        "INSERT INTO q (z) VALUES (new.b + old.b); END"
    )


def test_new_names_are_quoted_when_needed() -> None:
    assert sql_name("plain_1") == "plain_1"
    assert sql_name("two words") == '"two words"'
    assert sql_name("select") == '"select"'
    assert sql_name('say "hi"') == '"say ""hi"""'
    assert rename_column_refs("SELECT a FROM t", "t", "a", "my col", {}) == 'SELECT "my col" FROM t'


def test_table_rename() -> None:
    text = "SELECT t.a, x.t, count(*) FROM t JOIN p ON p.id = t.a WHERE 't' = t.a"
    assert rename_table_refs(text, "t", "u") == (
        "SELECT u.a, x.t, count(*) FROM u JOIN p ON p.id = u.a WHERE 't' = u.a"
    )
    assert rename_table_refs("SELECT t(1) FROM T", "t", "u") == "SELECT t(1) FROM u"
