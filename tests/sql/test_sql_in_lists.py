"""IN lists of literals and parameters read as data (one token, one syntax node, one plan node):
the same answers as sqlite3 and as the item-by-item path, whatever the spelling of the items."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pyram
from pyram.errors import DataError, ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast, parse_one
from pyram.sql.binder import Binder, BoundSelect
from pyram.sql.errors import SqlSyntaxError
from pyram.sql.tokenizer import TokenKind, tokenize

ROWS = [
    (1, 1, 1.5, "a"),
    (2, None, 2.0, None),
    (3, -7, -0.5, "it's"),
    (4, 4611686018427387904, None, "b"),
    (5, 0, 0.0, ""),
    (6, 3, 3.0, "3"),
]


@pytest.fixture(scope="module")
def pair() -> tuple[pyram.Database, sqlite3.Connection]:
    db = pyram.Database()
    lite = sqlite3.connect(":memory:")
    for run in (db.sql, lite.execute):
        run("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER, r REAL, s TEXT)")
        run("CREATE INDEX t_x ON t (x)")
    db.sql("INSERT INTO t VALUES (?, ?, ?, ?)", ROWS[0])
    for row in ROWS[1:]:
        db.sql("INSERT INTO t VALUES (?, ?, ?, ?)", row)
    lite.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", ROWS)
    return db, lite


def same(pair: tuple[pyram.Database, sqlite3.Connection], sql: str, params: Any = ()) -> Any:
    db, lite = pair
    got = [tuple(r) for r in db.sql(sql, params).all()]
    assert got == lite.execute(sql, params).fetchall(), sql
    return got


def in_node(sql: str) -> ast.SqlExpr:
    stmt = parse_one(sql)
    assert isinstance(stmt, ast.Select) and isinstance(stmt.body, ast.SelectCore)
    where = stmt.body.where
    assert where is not None
    return where


@pytest.mark.parametrize(
    "items",
    [
        "1, 3, 5",
        "1,3 ,\n 5, NULL",
        "-7, 0, -0, 4611686018427387904",
        "01, 1., .5e1, 1e0, 3.0, +3",  # SQLite's spellings JSON does not have
        "9223372036854775807, -9223372036854775808, 99999999999999999999",
        "1 - 2, 3",  # an expression: read token by token
        "1, /* note */ 3",
        "1, -- note\n 3",
        "null, NULL, 1",
    ],
)
def test_integer_column_lists_answer_as_sqlite(
    pair: tuple[pyram.Database, sqlite3.Connection], items: str
) -> None:
    same(pair, f"SELECT id FROM t WHERE x IN ({items}) ORDER BY id")
    same(pair, f"SELECT id, x NOT IN ({items}) FROM t ORDER BY id")
    same(pair, f"SELECT id, r IN ({items}) FROM t ORDER BY id")


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT id FROM t WHERE s IN ('a', 'it''s', '', NULL) ORDER BY id", ()),
        ("SELECT id, s NOT IN ('a', 'b') FROM t ORDER BY id", ()),
        ("SELECT id, s NOT IN ('a', NULL) FROM t ORDER BY id", ()),
        ("SELECT id FROM t WHERE s IN ('x,y', ')', '(') ORDER BY id", ()),
        ("SELECT id FROM t WHERE x IN (?, ?, 3) AND id > ? ORDER BY id", (1, None, 0)),
        ("SELECT id FROM t WHERE x IN (?2, ?1) ORDER BY id", (1, 3)),
        ("SELECT id FROM t WHERE x IN (:a, :b, :a) ORDER BY id", {"a": -7, "b": 3}),
        ("SELECT id, x IN (?, ?) FROM t ORDER BY id", (1, None)),
        ("SELECT id, x NOT IN (?, ?) FROM t ORDER BY id", (1, None)),
        ("SELECT id FROM t WHERE x IN (?, ?) ORDER BY id", (1.0, 3.5)),  # REAL next to INTEGER
        ("SELECT id FROM t WHERE r IN (?, 2, 3) ORDER BY id", (1.5,)),
        ("SELECT id FROM t WHERE id IN (4, 2, ?, 2) ORDER BY id", (6,)),  # an index probe
        ("SELECT id FROM t WHERE x IN (1, 3) AND s IN ('a', '3') ORDER BY id", ()),
        ("SELECT 3 IN (1, 2, 3), NULL IN (1), 5 NOT IN (1, NULL), 1 IN (1, NULL)", ()),
        ("SELECT count(*) FROM t WHERE x IN (1, 3) GROUP BY x IN (1, 3)", ()),
    ],
)
def test_lists_of_strings_and_parameters_answer_as_sqlite(
    pair: tuple[pyram.Database, sqlite3.Connection], sql: str, params: Any
) -> None:
    same(pair, sql, params)


def test_a_list_of_literals_is_one_token_one_node_and_one_plan_node(
    pair: tuple[pyram.Database, sqlite3.Connection],
) -> None:
    sql = "SELECT id FROM t WHERE x IN (1, -2, 3.5, 'a', NULL, ?, :p)"
    kinds = [t.kind for t in tokenize(sql, lists=True)]
    assert kinds.count(TokenKind.LIST) == 1 and TokenKind.INTEGER not in kinds
    assert TokenKind.LIST not in [t.kind for t in tokenize(sql)]  # other readers: tokens
    node = in_node(sql)
    assert isinstance(node, ast.InValues)
    assert node.items.values == (1, -2, 3.5, "a", None) and node.items.params == (0, "p")
    db, _ = pair
    sql = "SELECT id FROM t WHERE r IN (1, 2.5, NULL, ?)"
    bound = Binder(sql, db._sql).bind(parse_one(sql))
    assert isinstance(bound, BoundSelect)
    found = [
        sub
        for node in pn.walk_plan(bound.plan)
        for e in pn.expressions_of(node)
        for sub in px.walk(e)
        if isinstance(sub, px.InValues)
    ]
    assert len(found) == 1 and found[0].values == (1.0, 2.5, None) and found[0].params == (0,)
    assert type(found[0].values[0]) is float  # an INTEGER literal next to a REAL column
    explained = [r[0] for r in db.sql("EXPLAIN SELECT id FROM t WHERE r IN (1.5, 2, ?)").all()]
    assert any("(r IN (1.5, 2.0, ?1))" in line for line in explained)
    # a short list on an indexed column is still answered by index probes
    explained = [r[0] for r in db.sql("EXPLAIN SELECT id FROM t WHERE x IN (3, 1, ?)").all()]
    assert any("IndexScan" in line and "keys (3), (1), (?1)" in line for line in explained)


def test_items_other_than_literals_and_parameters_are_read_one_by_one() -> None:
    assert isinstance(in_node("SELECT 1 FROM t WHERE x IN (1, x)"), ast.InList)
    assert isinstance(in_node("SELECT 1 FROM t WHERE x IN (1 - 2, 3)"), ast.InList)
    assert isinstance(in_node("SELECT 1 FROM t WHERE x IN (0x10, 3)"), ast.InList)
    assert isinstance(in_node("SELECT 1 FROM t WHERE x IN ((1), 3)"), ast.InList)
    assert isinstance(in_node("SELECT 1 FROM t WHERE x IN ()"), ast.InList)


def test_parameter_numbering_continues_after_a_list() -> None:
    node = in_node("SELECT 1 FROM t WHERE x IN (?, ?, ?) AND id = ?")
    assert isinstance(node, ast.Binary) and isinstance(node.left, ast.InValues)
    assert node.left.items.params == (0, 1, 2)
    assert isinstance(node.right, ast.Binary) and node.right.right == ast.Param(
        offset=node.right.right.offset, marker="?", index=4
    )


def test_bad_lists_are_clean_errors(pair: tuple[pyram.Database, sqlite3.Connection]) -> None:
    db, _ = pair
    with pytest.raises(SqlSyntaxError, match="syntax error"):
        db.sql("SELECT id FROM t WHERE x IN (1 2)")
    with pytest.raises(SqlSyntaxError, match="unrecognized token"):
        db.sql("SELECT id FROM t WHERE x IN (1, 2e)")
    with pytest.raises(ProgrammingError, match="cannot compare"):
        db.sql("SELECT id FROM t WHERE x IN (1, X'00')")
    with pytest.raises(SqlSyntaxError, match="variable number"):
        db.sql("SELECT id FROM t WHERE x IN (" + ",".join("?" * 40_000) + ")")
    with pytest.raises(ProgrammingError, match=r"no value given for parameter \?2"):
        db.sql("SELECT id FROM t WHERE x IN (?, ?)", [1])
    with pytest.raises(DataError, match=r"parameter \?2: expected INTEGER"):
        db.sql("SELECT id FROM t WHERE x IN (?, ?)", [1, "a"])


_ITEM = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, 3, -7, 4611686018427387904]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.just(None),
)


def _spell(value: object, style: int) -> str:
    if value is None:
        return ["NULL", "null", "Null"][style % 3]
    if isinstance(value, float):
        return [repr(value), f"{value:e}", f"{value:.3f}"][style % 3]
    text = str(value)
    return [text, f" {text} ", f"\n{text}"][style % 3]


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(st.tuples(_ITEM, st.integers(0, 5), st.booleans()), min_size=1, max_size=40),
    negated=st.booleans(),
    column=st.sampled_from(["x", "r"]),
)
def test_generated_numeric_lists_answer_as_sqlite_and_as_the_item_path(
    pair: tuple[pyram.Database, sqlite3.Connection],
    items: list[tuple[object, int, bool]],
    negated: bool,
    column: str,
) -> None:
    """Items written as literals or passed as parameters, in various spellings: the list
    path, the item-by-item path (items in parentheses) and sqlite3 agree."""
    texts, params, wrapped = [], [], []
    for value, style, as_param in items:
        if as_param and not (isinstance(value, int) and abs(value) > 2**63 - 1):
            texts.append("?")
            wrapped.append("(?)")
            params.append(value)
        else:
            texts.append(_spell(value, style))
            wrapped.append(f"({_spell(value, style)})")
    query = f"SELECT id, {column} {'NOT IN' if negated else 'IN'} (%s) FROM t ORDER BY id"
    listed = same(pair, query % ", ".join(texts), params)
    db, _ = pair
    one_by_one = db.sql(query % ", ".join(wrapped), params)
    assert [tuple(r) for r in one_by_one.all()] == listed


def test_dsl_in_builds_one_list_node_or_items_when_values_need_it() -> None:
    @pyram.table(name="u")
    class U(pyram.Table):
        id: pyram.Col[int] = pyram.column(primary_key=True)
        score: pyram.Col[float | None]

    db = pyram.Database()
    db.create(U)
    db.insert_many([U(id=i, score=i / 2 if i % 3 else None) for i in range(1, 10)])
    ids = lambda q: [u.id for u in db.all(q)]  # noqa: E731
    assert ids(U.select().where(U.id.in_(range(0, 100_000, 3)))) == [3, 6, 9]
    assert ids(U.select().where(U.score.in_([1, 2.5, None]))) == [2, 5]  # ints as REAL
    assert ids(U.select().where(U.id.not_in([1, 2, 3, 4, 5, 6, 7]))) == [8, 9]
    assert ids(U.select().where(U.id.in_([2.0, 4]))) == [2, 4]  # 2.0 next to INTEGER: item path
    with pytest.raises(ProgrammingError):
        db.all(U.select().where(U.id.in_(["a", 1])))
    plan = db.explain(U.select().where(U.score.in_([*range(2000), None])))
    assert plan.count(" IN (") == 1 and "1998.0, 1999.0, NULL" in plan


def test_many_parameters_of_one_type_are_checked_as_one_by_one(
    pair: tuple[pyram.Database, sqlite3.Connection],
) -> None:
    """From 32 parameters of one type on, values are screened a type at a time: the same
    answers and the same errors (naming the parameter) as the one by one check."""
    db, _ = pair
    marks = ",".join("?" * 40)
    values: list[object] = [*range(40)]
    same(pair, f"SELECT id FROM t WHERE x IN ({marks}) ORDER BY id", values)
    values[5], values[7] = None, 3.0  # NULL, and a REAL next to an INTEGER column
    same(pair, f"SELECT id, x IN ({marks}) FROM t ORDER BY id", values)
    same(pair, f"SELECT id FROM t WHERE r IN ({marks}) ORDER BY id", [*range(39), 1.5])
    same(pair, f"SELECT id FROM t WHERE s IN ({marks}) ORDER BY id", [*"abcd" * 10])
    with pytest.raises(DataError, match=r"parameter \?4: integer out of range"):
        db.sql(f"SELECT id FROM t WHERE x IN ({marks})", [*range(3), 2**63, *range(36)])
    with pytest.raises(DataError, match=r"parameter \?40: expected INTEGER"):
        db.sql(f"SELECT id FROM t WHERE x IN ({marks})", [*range(39), "a"])
    with pytest.raises(ProgrammingError, match="41 parameter values given"):
        db.sql(f"SELECT id FROM t WHERE x IN ({marks})", [*range(41)])
    with pytest.raises(ProgrammingError, match=r"no value given for parameter \?40"):
        db.sql(f"SELECT id FROM t WHERE x IN ({marks})", [*range(39)])
