"""Parser errors: positions and carets, unterminated input, deep nesting, very long input."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pyram.errors import ProgrammingError
from pyram.sql import parse, parse_one
from pyram.sql.errors import SqlSyntaxError


def syntax_error(sql: str) -> SqlSyntaxError:
    with pytest.raises(SqlSyntaxError) as info:
        parse(sql)
    return info.value


def test_caret_under_offending_token() -> None:
    error = syntax_error("SELECT a FORM t")
    assert isinstance(error, ProgrammingError)
    assert (error.line, error.column, error.offset) == (1, 10, 9)
    assert str(error) == (
        'near "FORM": syntax error at line 1, column 10\nSELECT a FORM t\n         ^'
    )
    assert error.sql == "SELECT a FORM t"


@pytest.mark.parametrize(
    ("sql", "line", "column", "fragment"),
    [
        ("SELECT * FROM t WHERE", 1, 22, "unexpected end of input"),
        ("SELECT (1 + 2", 1, 14, "expected ) after parenthesized expression"),
        ("SELECT max(1, 2 FROM t", 1, 17, 'near "FROM": syntax error: expected ) after'),
        ("SELECT 1,\n  2 +\n  FROM t", 3, 3, 'near "FROM"'),
        ("INSERT INTO t VALUES (1,)", 1, 25, 'near ")"'),
        ("CREATE TABLE t (a INT,)", 1, 23, 'near ")"'),
        ("UPDATE t SET = 1", 1, 14, "expected column name"),
        ("SELECT 1 2", 1, 10, 'near "2"'),
        ("SELECT CASE ELSE 1 END", 1, 13, 'near "ELSE"'),
        ("DELETE t", 1, 8, "expected FROM"),
        ("FROB x", 1, 1, 'near "FROB"'),
    ],
)
def test_error_positions(sql: str, line: int, column: int, fragment: str) -> None:
    error = syntax_error(sql)
    assert (error.line, error.column) == (line, column), str(error)
    assert fragment in error.reason
    caret_line = str(error).splitlines()[-1]
    assert caret_line == " " * (column - 1) + "^"


def test_unterminated_string_points_at_its_start() -> None:
    error = syntax_error("SELECT 1;\nSELECT 'abc")
    assert (error.line, error.column) == (2, 8)
    assert "unterminated string" in error.reason


NESTED_BUILDERS: dict[str, Callable[[int], str]] = {
    "parentheses": lambda n: "SELECT " + "(" * n + "1" + ")" * n,
    "unary minus": lambda n: "SELECT " + "- " * n + "1",
    "NOT chain": lambda n: "SELECT " + "NOT " * n + "1",
    "scalar subqueries": lambda n: "SELECT " + "(SELECT " * n + "1" + ")" * n,
    "derived tables": lambda n: "SELECT * FROM " + "(SELECT * FROM " * n + "t" + ")" * n,
    "CASE": lambda n: "SELECT " + "CASE WHEN 1 THEN " * n + "1" + " END" * n,
}


@pytest.mark.parametrize("kind", sorted(NESTED_BUILDERS))
@pytest.mark.parametrize("n", [201, 5_000, 100_000])
def test_deep_nesting_is_a_syntax_error(kind: str, n: int) -> None:
    with pytest.raises(SqlSyntaxError, match="too deeply nested"):
        parse_one(NESTED_BUILDERS[kind](n))


def test_moderate_nesting_parses() -> None:
    parse_one("SELECT " + "(" * 100 + "1" + ")" * 100)
    parse_one("SELECT " + "(SELECT " * 25 + "1" + ")" * 25)
    parse_one("SELECT " + "- " * 100 + "1")


def test_megabyte_flat_expression_parses() -> None:
    # a flat chain is iterative in the parser: no recursion limit, no quadratic blow-up
    # (speed belongs to the benchmark; a hang would stop the suite)
    sql = "SELECT " + "1+" * 500_000 + "1"
    assert len(sql) > 1_000_000
    statement = parse_one(sql)
    assert type(statement).__name__ == "Select"
