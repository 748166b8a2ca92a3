"""Tokenizer: token kinds, values, positions, comments, errors and linear-time scanning."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from pyram.sql.errors import SqlSyntaxError
from pyram.sql.tokenizer import TokenKind, tokenize

K = TokenKind


def kinds_values(sql: str) -> list[tuple[TokenKind, str]]:
    return [(t.kind, t.value) for t in tokenize(sql)][:-1]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select", [(K.KEYWORD, "SELECT")]),
        ("foo", [(K.IDENTIFIER, "foo")]),
        ('"a ""b"""', [(K.IDENTIFIER, 'a "b"')]),
        ("`a``b`", [(K.IDENTIFIER, "a`b")]),
        ("[my col]", [(K.IDENTIFIER, "my col")]),
        ("42", [(K.INTEGER, "42")]),
        ("0x1F", [(K.INTEGER, "0x1F")]),
        ("1.5", [(K.REAL, "1.5")]),
        ("1e10", [(K.REAL, "1e10")]),
        (".5", [(K.REAL, ".5")]),
        ("2.E-3", [(K.REAL, "2.E-3")]),
        ("'it''s'", [(K.STRING, "it's")]),
        ("''", [(K.STRING, "")]),
        ("x'0A'", [(K.BLOB, "0A")]),
        ("X''", [(K.BLOB, "")]),
        (
            "? ?12 :name @at $dollar",
            [(K.PARAMETER, p) for p in ("?", "?12", ":name", "@at", "$dollar")],
        ),
        ("_x1$", [(K.IDENTIFIER, "_x1$")]),
        ("été", [(K.IDENTIFIER, "été")]),
    ],
)
def test_single_tokens(sql: str, expected: list[tuple[TokenKind, str]]) -> None:
    assert kinds_values(sql) == expected


def test_operators_longest_match() -> None:
    ops = "|| , ( ) ; . + - * / % = == != <> < <= > >= & | << >> ~"
    assert kinds_values(ops) == [(K.OPERATOR, op) for op in ops.split()]
    assert kinds_values("a<=b") == [(K.IDENTIFIER, "a"), (K.OPERATOR, "<="), (K.IDENTIFIER, "b")]


def test_comments_are_skipped() -> None:
    sql = "SELECT -- line comment\n1 /* block\ncomment */ + 2 -- at end"
    assert kinds_values(sql) == [
        (K.KEYWORD, "SELECT"),
        (K.INTEGER, "1"),
        (K.OPERATOR, "+"),
        (K.INTEGER, "2"),
    ]


def test_positions_lines_and_columns() -> None:
    tokens = tokenize("SELECT a,\n  'x\ny' AS b\nFROM t")
    by_value = {t.value: t for t in tokens}
    assert (by_value["SELECT"].line, by_value["SELECT"].column, by_value["SELECT"].offset) == (
        1,
        1,
        0,
    )
    assert (by_value["x\ny"].line, by_value["x\ny"].column) == (2, 3)
    assert (by_value["AS"].line, by_value["AS"].column) == (3, 4)
    assert (by_value["FROM"].line, by_value["FROM"].column) == (4, 1)
    assert tokens[-1].kind is K.EOF


def test_quoted_keyword_is_identifier() -> None:
    assert kinds_values('"select"') == [(K.IDENTIFIER, "select")]
    assert tokenize('"select"')[0].quoted


@pytest.mark.parametrize(
    ("sql", "message", "offset"),
    [
        ("SELECT 'abc", "unterminated string", 7),
        ('SELECT "abc', "unterminated identifier", 7),
        ("SELECT [abc", "unterminated identifier", 7),
        ("SELECT `abc", "unterminated identifier", 7),
        ("SELECT 1 /* never closed", "unterminated comment", 9),
        ("SELECT x'0G'", "malformed blob literal", 7),
        ("SELECT x'ABC'", "malformed blob literal", 7),
        ("SELECT 12abc", "unrecognized token", 7),
        ("SELECT #", "unrecognized token", 7),
    ],
)
def test_lexical_errors_point_at_token_start(sql: str, message: str, offset: int) -> None:
    with pytest.raises(SqlSyntaxError) as info:
        tokenize(sql)
    assert message in str(info.value)
    assert info.value.offset == offset
    assert (info.value.line, info.value.column) == (1, offset + 1)


def _cpu_seconds(fn: Callable[[], object]) -> float:
    """The best of three runs in this thread's CPU time: the other processes of a loaded
    machine do not count, unlike wall-clock time."""
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        fn()
        best = min(best, time.thread_time() - start)
    return best


def _refused(text: str) -> None:
    with pytest.raises(SqlSyntaxError):
        tokenize(text)


# Growth checks, not speed targets (those are the benchmarks'): input 10x longer must cost
# about 10x, not the 100x of a quadratic scan or a backtracking pattern (a denial of service).
def test_large_input_tokenizes_in_linear_time() -> None:
    small = "SELECT a, 'str''ing' FROM t WHERE x = 1.5; " * 2_000
    assert len(tokenize(small * 10)) == 10 * 2_000 * 11 + 1
    growth = _cpu_seconds(lambda: tokenize(small * 10)) / _cpu_seconds(lambda: tokenize(small))
    assert growth < 30, f"10x the input cost {growth:.0f}x the time"


def test_long_unterminated_string_is_refused_in_linear_time() -> None:
    small = _cpu_seconds(lambda: _refused("'" + "a''" * 20_000))
    large = _cpu_seconds(lambda: _refused("'" + "a''" * 200_000))
    assert large / small < 30, f"10x the input cost {large / small:.0f}x the time"
