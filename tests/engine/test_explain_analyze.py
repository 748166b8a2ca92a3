"""EXPLAIN ANALYZE, plan formats and SQLite's EXPLAIN QUERY PLAN (issue 16, point 4)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
from typing import Any

import pytest

import pyram
from pyram import Col, column, func
from pyram.api.session import analyze
from pyram.engine.batch import BATCH_SIZE
from pyram.engine.executor import execute
from pyram.engine.explain import PlanNode, plan_tree
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.query_plan import format_query_plan


@pyram.table(name="person")
class Person(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    age: Col[int] = column(index=True)
    city: Col[str]


@pyram.table(name="visit")
class Visit(pyram.Table):
    id: Col[int] = column(primary_key=True)
    person_id: Col[int] = column(references=lambda: Person.id)
    place: Col[str]


def _db(rows: int = 2500) -> pyram.Database:
    db = pyram.Database()
    db.create(Person, Visit)
    db.insert_many(
        [Person(id=i, name=f"p{i % 7}", age=i % 60, city=f"c{i % 3}") for i in range(rows)]
    )
    db.insert_many([Visit(id=i, person_id=i % rows, place=f"v{i % 4}") for i in range(rows * 2)])
    return db


QUERIES: list[Any] = [
    pyram.select(Person.name).where(Person.city == "c1"),
    pyram.select(Person.name, func.count()).where(Person.age > 10).group_by(Person.name),
    pyram.select(Person.name, Visit.place).join(Visit).where(Person.age < 5),
    pyram.select(Person.city).distinct().order_by(Person.city),
    pyram.select(Person.id).order_by(Person.age.desc(), Person.id).limit(7),
]


def _rows_produced(op: Operator, db: pyram.Database) -> int:
    """Rows ``op`` yields when run alone: what flowed out of it when it ran to the end."""
    ctx = ExecContext(db._store)
    return sum(batch.row_count for batch in execute(op, ctx))


def _nodes(node: PlanNode) -> list[PlanNode]:
    return [node, *(n for child in node.children for n in _nodes(child))]


@pytest.mark.parametrize("query", QUERIES)
def test_actual_rows_equal_the_rows_that_flowed(query: Any) -> None:
    db = _db()
    prepared = db._queries.prepare(query)
    with db._store.reading():
        profile = analyze(prepared, db._store, {})
        operators = [prepared.operator]
        while operators:
            op = operators.pop()
            operators.extend(op.children)
            stats = profile[id(op)]
            if not any(n.name == "TopN" for n in _nodes(plan_tree(prepared.operator))):
                # run to the end, every operator's count is what it yields when run alone
                assert stats.rows == _rows_produced(op, db), op.name
            assert stats.batches >= (1 if stats.rows else 0)
            assert stats.seconds >= 0.0
    root = profile[id(prepared.operator)]
    assert root.rows == len(db.all(query))


def test_early_stop_counts_only_the_rows_pulled() -> None:
    """Under a LIMIT, a child's count is what the limit pulled (whole batches), not what it
    could produce."""
    db = pyram.Database()
    db.sql("CREATE TABLE t (a INTEGER)")
    total = 3 * BATCH_SIZE
    db.sql("INSERT INTO t VALUES " + ", ".join(f"({i})" for i in range(total)))
    lines = [row[0] for row in db.sql("EXPLAIN ANALYZE SELECT a FROM t LIMIT 3").all()]
    assert any(re.match(r"\s*Limit .*rows 3, batches 1", line) for line in lines)
    assert re.search(rf"TableScan .*rows {BATCH_SIZE}, batches 1", lines[-1])


def test_analyze_text_json_dot_mermaid() -> None:
    db = _db(300)
    query = QUERIES[1]
    text = db.explain(query, analyze=True)
    assert re.search(r"HashAggregate .*rows 7, batches 1, time \d+\.\d+ ms", text)
    assert "USING person_age_idx" in text
    tree = json.loads(db.explain(query, analyze=True, format="json"))
    assert tree["operator"] == "Project" and tree["rows"] == 7
    scan = tree
    while scan["children"]:
        scan = scan["children"][0]
    assert scan["index"] == "person_age_idx" and scan["rows"] == 300 - 11 * 5
    assert scan["estimated_rows"] > 0
    dot = db.explain(query, format="dot")
    assert dot.startswith("digraph plan {") and dot.endswith("}")
    assert dot.count("[label=") == len(_nodes(plan_tree(db._queries.prepare(query).operator)))
    mermaid = db.explain(query, analyze=True, format="mermaid")
    _check_mermaid(mermaid)
    with pytest.raises(pyram.ProgrammingError, match="unknown EXPLAIN format"):
        db.explain(query, format="svg")  # type: ignore[arg-type]


def _check_mermaid(text: str) -> None:
    lines = text.splitlines()
    assert lines[0] == "flowchart BT"
    defined = set()
    edges = 0
    for line in lines[1:]:
        node = re.fullmatch(r'  (n\d+)\["([^"]*)"\]', line)
        edge = re.fullmatch(r"  (n\d+) --> (n\d+)", line)
        assert node or edge, line
        if node:
            defined.add(node.group(1))
        else:
            assert edge is not None
            assert {edge.group(1), edge.group(2)} <= defined
            edges += 1
    assert edges == len(defined) - 1  # a tree


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_output_renders_with_graphviz() -> None:
    db = _db(100)
    dot = db.explain(QUERIES[2], analyze=True, format="dot")
    done = subprocess.run(
        ["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True, timeout=60
    )
    assert "<svg" in done.stdout and "HashJoin" in done.stdout


def test_sql_explain_analyze_with_parameters_and_a_write() -> None:
    db = _db(200)
    rows = db.sql("EXPLAIN ANALYZE SELECT name FROM person WHERE age = ?", [3]).all()
    assert rows[0][0].startswith("Project name (est. rows")
    assert "rows 4, batches 1" in rows[-1][0]  # ages 3, 63, 123, 183 are 3 mod 60
    db.sql("EXPLAIN ANALYZE UPDATE person SET city = 'zz' WHERE age = 5")
    # as in PostgreSQL, the statement ran
    assert db.sql("SELECT count(*) FROM person WHERE city = 'zz'").all() == [(4,)]


def test_no_measuring_without_analyze() -> None:
    db = _db(50)
    prepared = db._queries.prepare(QUERIES[0])
    ctx = ExecContext(db._store)
    with db._store.reading():
        list(execute(prepared.operator, ctx))
    assert ctx.profile == {} and ctx.rows_out == {}
    assert "rows 0," not in db.explain(QUERIES[0])


SQLITE_SETUP = [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT)",
    "CREATE INDEX ta ON t (a)",
    "CREATE TABLE u (k INTEGER, v TEXT)",
]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t",
        "SELECT * FROM t WHERE a = 1",
        "SELECT * FROM t WHERE a > 1",
        "SELECT * FROM t ORDER BY b",
        "SELECT b, count(*) FROM t GROUP BY b",
        "SELECT DISTINCT b FROM t",
        "SELECT b FROM t UNION SELECT v FROM u",
        "SELECT b FROM t UNION ALL SELECT v FROM u",
    ],
)
def test_explain_query_plan_in_sqlites_words(sql: str) -> None:
    con = sqlite3.connect(":memory:")
    db = pyram.Database()
    for statement in SQLITE_SETUP:
        con.execute(statement)
        db.sql(statement)
    expected = con.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    got = db.sql("EXPLAIN QUERY PLAN " + sql).all()
    assert [r[3] for r in got] == [r[3] for r in expected]
    assert format_query_plan(got) == format_query_plan(expected)


def test_query_plan_tree_drawing() -> None:
    db = _db(10)
    text = db.query_plan(pyram.select(Person.name).where(Person.age == 3).order_by(Person.name))
    assert text.splitlines() == [
        "QUERY PLAN",
        "|--SEARCH person USING INDEX person_age_idx (age=?)",
        "`--USE TEMP B-TREE FOR ORDER BY",
    ]
    nested = format_query_plan(
        [(1, 0, 0, "COMPOUND QUERY"), (2, 1, 0, "LEFT-MOST SUBQUERY"), (3, 2, 0, "SCAN t"),
         (4, 1, 0, "UNION ALL"), (5, 4, 0, "SCAN u")]
    )  # fmt: skip
    assert nested.splitlines() == [
        "QUERY PLAN",
        "`--COMPOUND QUERY",
        "   |--LEFT-MOST SUBQUERY",
        "   |  `--SCAN t",
        "   `--UNION ALL",
        "      `--SCAN u",
    ]
