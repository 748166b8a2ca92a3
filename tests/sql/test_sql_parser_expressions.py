"""Parser: expression shapes, and operator precedence checked against sqlite3."""

from __future__ import annotations

import sqlite3

import pytest

from pyram.sql import ast, parse_one


def expr_of(sql: str) -> ast.SqlExpr:
    stmt = parse_one(f"SELECT {sql}")
    assert isinstance(stmt, ast.Select) and isinstance(stmt.body, ast.SelectCore)
    column = stmt.body.columns[0]
    assert isinstance(column, ast.ExprColumn)
    return column.expr


def shape(expr: ast.SqlExpr) -> object:
    """A compact, offset-free rendering of an expression for assertions."""
    if isinstance(expr, ast.Binary):
        return (expr.op.value, shape(expr.left), shape(expr.right))
    if isinstance(expr, ast.Unary):
        return (expr.op.value, shape(expr.operand))
    if isinstance(expr, ast.IntegerLiteral | ast.StringLiteral):
        return expr.value
    if isinstance(expr, ast.ColumnRef):
        return expr.name
    return type(expr).__name__


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("1 + 2 * 3", ("+", 1, ("*", 2, 3))),
        ("1 - 2 - 3", ("-", ("-", 1, 2), 3)),
        ("a OR b AND c", ("OR", "a", ("AND", "b", "c"))),
        ("NOT a = b", ("NOT", ("=", "a", "b"))),
        ("NOT a AND b", ("AND", ("NOT", "a"), "b")),
        ("a = b < c", ("=", "a", ("<", "b", "c"))),
        ("a < b & c", ("<", "a", ("&", "b", "c"))),
        ("a & b + c", ("&", "a", ("+", "b", "c"))),
        ("a || b * c", ("*", ("||", "a", "b"), "c")),
        ("-a * -b", ("*", ("-", "a"), ("-", "b"))),
        ("- - a", ("-", ("-", "a"))),
        ("~a + 1", ("+", ("~", "a"), 1)),
        ("a <> b", ("!=", "a", "b")),
        ("a == b", ("=", "a", "b")),
        ("a IS NOT b", ("IS NOT", "a", "b")),
        ("a IS DISTINCT FROM b", ("IS NOT", "a", "b")),
    ],
)
def test_precedence_shapes(sql: str, expected: object) -> None:
    assert shape(expr_of(sql)) == expected


def test_special_forms() -> None:
    assert expr_of("a IS NULL") == ast.IsNull(offset=9, operand=ast.ColumnRef(offset=7, name="a"))
    for sql in ("a IS NOT NULL", "a NOTNULL", "a NOT NULL"):
        e = expr_of(sql)
        assert isinstance(e, ast.IsNull) and e.negated
    e = expr_of("a ISNULL")
    assert isinstance(e, ast.IsNull) and not e.negated
    e = expr_of("a NOT IN (1, 2)")
    assert isinstance(e, ast.InValues) and e.negated and e.items.values == (1, 2)
    e = expr_of("a NOT IN (1, b)")
    assert isinstance(e, ast.InList) and e.negated and len(e.items) == 2
    e = expr_of("a IN ()")
    assert isinstance(e, ast.InList) and e.items == ()
    e = expr_of("a IN (SELECT b FROM t)")
    assert isinstance(e, ast.InSelect) and not e.negated
    e = expr_of("a IN t")
    assert isinstance(e, ast.InTable) and e.table == "t"
    e = expr_of("a NOT BETWEEN 1 AND 2 AND b")
    assert isinstance(e, ast.Binary) and e.op is ast.BinaryOp.AND
    assert isinstance(e.left, ast.Between) and e.left.negated
    e = expr_of("a NOT LIKE 'x%' ESCAPE '!'")
    assert isinstance(e, ast.Like) and e.negated and e.op == "LIKE"
    assert e.escape == ast.StringLiteral(offset=30, value="!")
    e = expr_of("a GLOB 'x*'")
    assert isinstance(e, ast.Like) and e.op == "GLOB"
    e = expr_of("CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END")
    assert isinstance(e, ast.Case) and e.operand is not None and len(e.whens) == 2
    e = expr_of("CASE WHEN a THEN 1 END")
    assert isinstance(e, ast.Case) and e.operand is None and e.else_ is None
    e = expr_of("CAST(a AS VARCHAR(10))")
    assert isinstance(e, ast.Cast) and e.type.name == "VARCHAR" and e.type.args == (10,)
    e = expr_of("NOT EXISTS (SELECT 1)")
    assert isinstance(e, ast.Unary) and isinstance(e.operand, ast.Exists)
    e = expr_of("(SELECT max(a) FROM t)")
    assert isinstance(e, ast.Subquery)
    e = expr_of("(1, 2)")
    assert isinstance(e, ast.RowValue)
    e = expr_of("a COLLATE nocase")
    assert isinstance(e, ast.Collate) and e.collation == "nocase"
    e = expr_of("s.t.c")
    assert e == ast.ColumnRef(offset=7, name="c", table="t", schema="s")


def test_literals_and_parameters() -> None:
    assert expr_of("0x10") == ast.IntegerLiteral(offset=7, value=16)
    assert expr_of("1e3") == ast.RealLiteral(offset=7, value=1000.0, text="1e3")
    assert expr_of("x'0aff'") == ast.BlobLiteral(offset=7, value=b"\n\xff")
    assert expr_of("NULL") == ast.NullLiteral(offset=7)
    assert expr_of("TRUE") == ast.BooleanLiteral(offset=7, value=True)
    assert expr_of("CURRENT_DATE") == ast.CurrentTimeLiteral(offset=7, kind="CURRENT_DATE")
    stmt = parse_one("SELECT ?, ?5, ?, :name, @x, $y")
    assert isinstance(stmt, ast.Select) and isinstance(stmt.body, ast.SelectCore)
    params = [c.expr for c in stmt.body.columns if isinstance(c, ast.ExprColumn)]
    assert [(p.index, p.name) for p in params if isinstance(p, ast.Param)] == [
        (1, None),
        (5, None),
        (6, None),
        (None, ":name"),
        (None, "@x"),
        (None, "$y"),
    ]


def test_function_keyword_names() -> None:
    e = expr_of("replace(a, 'x', 'y')")
    assert isinstance(e, ast.FunctionCall) and e.name == "replace"
    e = expr_of("like('a', b)")
    assert isinstance(e, ast.FunctionCall) and e.name == "like"


# -- precedence against sqlite3 ------------------------------------------------------------


def evaluate(expr: ast.SqlExpr) -> object:
    """A tiny test-only evaluator for integer/text/NULL expressions with SQLite semantics."""
    if isinstance(expr, ast.IntegerLiteral | ast.StringLiteral):
        return expr.value
    if isinstance(expr, ast.NullLiteral):
        return None
    if isinstance(expr, ast.Unary):
        value = evaluate(expr.operand)
        if value is None:
            return None
        assert isinstance(value, int)
        if expr.op is ast.UnaryOp.NOT:
            return int(not value)
        return {ast.UnaryOp.NEG: -value, ast.UnaryOp.POS: value, ast.UnaryOp.BIT_NOT: ~value}[
            expr.op
        ]
    assert isinstance(expr, ast.Binary), expr
    left, right = evaluate(expr.left), evaluate(expr.right)
    if expr.op is ast.BinaryOp.AND:
        if left == 0 or right == 0:
            return 0
        return None if left is None or right is None else 1
    if expr.op is ast.BinaryOp.OR:
        if (left is not None and left != 0) or (right is not None and right != 0):
            return 1
        return None if left is None or right is None else 0
    if left is None or right is None:
        return None
    if expr.op is ast.BinaryOp.CONCAT:
        return f"{left}{right}"
    left_num, right_num = int(str(left)), int(str(right))
    return _arith(expr.op, left_num, right_num)


def _arith(op: ast.BinaryOp, a: int, b: int) -> int | None:
    if op in (ast.BinaryOp.DIV, ast.BinaryOp.MOD):
        if b == 0:
            return None
        quotient = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
        return quotient if op is ast.BinaryOp.DIV else a - b * quotient
    table = {
        ast.BinaryOp.ADD: lambda: a + b,
        ast.BinaryOp.SUB: lambda: a - b,
        ast.BinaryOp.MUL: lambda: a * b,
        ast.BinaryOp.EQ: lambda: int(a == b),
        ast.BinaryOp.NE: lambda: int(a != b),
        ast.BinaryOp.LT: lambda: int(a < b),
        ast.BinaryOp.LE: lambda: int(a <= b),
        ast.BinaryOp.GT: lambda: int(a > b),
        ast.BinaryOp.GE: lambda: int(a >= b),
        ast.BinaryOp.BIT_AND: lambda: a & b,
        ast.BinaryOp.BIT_OR: lambda: a | b,
        ast.BinaryOp.LSHIFT: lambda: a << b,
        ast.BinaryOp.RSHIFT: lambda: a >> b,
    }
    return table[op]()


@pytest.mark.parametrize(
    "sql",
    [
        "1 + 2 * 3 - 4 / 2",
        "NOT 1 = 2 AND 3 > 2 OR 0",
        "1 || 2 + 3",
        "-2 * -3",
        "5 % 3 * 2",
        "7 / 2 * 2",
        "-7 % 3",
        "1 + 2 << 1 & 7",
        "1 | 2 = 3",
        "1 < 2 = 1",
        "2 = 2 < 3",
        "NOT 0 + 1",
        "NOT NOT 1 OR 0 AND 0",
        "1 = 1 AND NOT 2 = 3",
        "~1 + 3",
        "- - 4 * 2",
        "3 - 2 - 1",
        "64 / 4 / 2",
        "1 || 2 || 3 * 2",
        "NULL OR 1",
        "NULL AND 0",
        "0 OR NULL = 1",
        "5 - 3 > 1 = 1 <> 0",
        "(1 + 2) * 3",
        "1 << 2 >> 1 | 8",
        "12 % 5 + 4 * - 2",
    ],
)
def test_precedence_matches_sqlite(sql: str) -> None:
    with sqlite3.connect(":memory:") as con:
        expected = con.execute(f"SELECT {sql}").fetchone()[0]
    assert evaluate(expr_of(sql)) == expected
