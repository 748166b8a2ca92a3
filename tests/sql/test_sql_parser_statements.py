"""Parser: the AST shape of every statement kind."""

from __future__ import annotations

import pytest

from pyram.sql import ast, parse, parse_one
from pyram.sql import ast_ddl as ddl
from pyram.sql.errors import SqlSyntaxError


def col(name: str, offset: int, table: str | None = None) -> ast.ColumnRef:
    return ast.ColumnRef(offset=offset, name=name, table=table)


def select_core(sql: str) -> ast.SelectCore:
    stmt = parse_one(sql)
    assert isinstance(stmt, ast.Select)
    assert isinstance(stmt.body, ast.SelectCore)
    return stmt.body


def test_simple_select_exact_tree() -> None:
    assert parse_one("SELECT a, t.b AS x FROM t") == ast.Select(
        offset=0,
        body=ast.SelectCore(
            offset=0,
            columns=(
                ast.ExprColumn(offset=7, expr=col("a", 7), text="a"),
                ast.ExprColumn(offset=10, expr=col("b", 10, "t"), alias="x", text="t.b"),
            ),
            from_=ast.TableRef(offset=24, name="t"),
        ),
    )


def test_select_clauses() -> None:
    stmt = parse_one(
        "SELECT DISTINCT t.*, *, count(*), count(DISTINCT b), sum(ALL c) FROM s.t AS u "
        "WHERE a > 1 GROUP BY a, b HAVING count(*) > 2 ORDER BY a DESC NULLS FIRST, b ASC "
        "LIMIT 10 OFFSET 5"
    )
    assert isinstance(stmt, ast.Select) and isinstance(stmt.body, ast.SelectCore)
    core = stmt.body
    assert core.distinct
    assert core.columns[0] == ast.StarColumn(offset=16, table="t")
    assert core.columns[1] == ast.StarColumn(offset=21)
    count_star = core.columns[2]
    assert isinstance(count_star, ast.ExprColumn)
    assert count_star.expr == ast.FunctionCall(offset=24, name="count", star=True)
    count_distinct = core.columns[3]
    assert isinstance(count_distinct, ast.ExprColumn)
    assert isinstance(count_distinct.expr, ast.FunctionCall) and count_distinct.expr.distinct
    assert core.from_ == ast.TableRef(offset=69, name="t", schema="s", alias="u")
    assert isinstance(core.where, ast.Binary) and core.where.op is ast.BinaryOp.GT
    assert [type(e) for e in core.group_by] == [ast.ColumnRef, ast.ColumnRef]
    assert isinstance(core.having, ast.Binary)
    assert [(t.descending, t.nulls) for t in stmt.order_by] == [
        (True, ast.NullsOrder.FIRST),
        (False, None),
    ]
    assert stmt.limit == ast.IntegerLiteral(offset=165, value=10)
    assert stmt.offset_expr == ast.IntegerLiteral(offset=175, value=5)


def test_sqlite_limit_comma_form() -> None:
    stmt = parse_one("SELECT 1 LIMIT 5, 10")
    assert isinstance(stmt, ast.Select)
    assert stmt.offset_expr == ast.IntegerLiteral(offset=15, value=5)
    assert stmt.limit == ast.IntegerLiteral(offset=18, value=10)


def test_joins() -> None:
    core = select_core(
        "SELECT * FROM a, b CROSS JOIN c LEFT OUTER JOIN d ON a.x = d.x "
        "JOIN e USING (x, y) RIGHT JOIN f ON 1 FULL JOIN (SELECT 1) AS g ON 1 INNER JOIN h ON 1"
    )
    kinds = []
    item = core.from_
    while isinstance(item, ast.Join):
        kinds.append(item.kind)
        item = item.left
    assert list(reversed(kinds)) == [
        ast.JoinKind.COMMA,
        ast.JoinKind.CROSS,
        ast.JoinKind.LEFT,
        ast.JoinKind.INNER,
        ast.JoinKind.RIGHT,
        ast.JoinKind.FULL,
        ast.JoinKind.INNER,
    ]
    assert isinstance(core.from_, ast.Join)
    using_join = core.from_.left
    for _ in range(2):
        assert isinstance(using_join, ast.Join)
        using_join = using_join.left
    assert isinstance(using_join, ast.Join) and using_join.using == ("x", "y")
    full = core.from_.left
    assert isinstance(full, ast.Join) and isinstance(full.right, ast.SubqueryRef)
    assert full.right.alias == "g"


def test_natural_join_parses_and_refuses_on() -> None:
    stmt = parse_one("SELECT * FROM a NATURAL LEFT JOIN b")
    assert isinstance(stmt, ast.Select)
    core = stmt.body
    assert isinstance(core, ast.SelectCore) and isinstance(core.from_, ast.Join)
    assert core.from_.natural and core.from_.kind is ast.JoinKind.LEFT
    with pytest.raises(SqlSyntaxError, match="NATURAL join may not have an ON"):
        parse_one("SELECT * FROM a NATURAL JOIN b ON a.x = b.x")


def test_compound_and_values() -> None:
    stmt = parse_one(
        "SELECT 1 UNION ALL SELECT 2 UNION SELECT 3 INTERSECT VALUES (4) EXCEPT SELECT 5"
    )
    assert isinstance(stmt, ast.Select)
    ops = []
    body = stmt.body
    while isinstance(body, ast.CompoundSelect):
        ops.append(body.op)
        body = body.left
    assert list(reversed(ops)) == [
        ast.CompoundOp.UNION_ALL,
        ast.CompoundOp.UNION,
        ast.CompoundOp.INTERSECT,
        ast.CompoundOp.EXCEPT,
    ]
    values = parse_one("VALUES (1, 'a'), (2, 'b')")
    assert isinstance(values, ast.Select) and isinstance(values.body, ast.Values)
    assert len(values.body.rows) == 2


def test_with_recursive() -> None:
    stmt = parse_one(
        "WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 5), "
        "other AS MATERIALIZED (SELECT 2) SELECT x FROM cnt"
    )
    assert isinstance(stmt, ast.Select)
    assert stmt.recursive
    assert [(c.name, c.columns, c.materialized) for c in stmt.ctes] == [
        ("cnt", ("x",), None),
        ("other", (), True),
    ]


def test_insert_forms() -> None:
    stmt = parse_one("INSERT OR REPLACE INTO t (a, b) VALUES (1, 2), (3, DEFAULT_X)")
    assert isinstance(stmt, ast.Insert)
    assert stmt.or_action is ast.ConflictAction.REPLACE
    assert stmt.columns == ("a", "b")
    assert isinstance(stmt.source, ast.Values) and len(stmt.source.rows) == 2
    replace = parse_one("REPLACE INTO t VALUES (1)")
    assert isinstance(replace, ast.Insert) and replace.or_action is ast.ConflictAction.REPLACE
    ignore = parse_one("INSERT OR IGNORE INTO t SELECT * FROM u")
    assert isinstance(ignore, ast.Insert) and isinstance(ignore.source, ast.Select)
    assert ignore.or_action is ast.ConflictAction.IGNORE
    default = parse_one("INSERT INTO t DEFAULT VALUES")
    assert isinstance(default, ast.Insert) and isinstance(default.source, ast.DefaultValues)


def test_insert_upsert() -> None:
    stmt = parse_one(
        "INSERT INTO t (k, v) VALUES (1, 2) ON CONFLICT (k) DO UPDATE SET v = excluded.v + 1 "
        "WHERE v < 10 ON CONFLICT DO NOTHING"
    )
    assert isinstance(stmt, ast.Insert)
    first, second = stmt.on_conflict
    assert [c.expr for c in first.columns] == [ast.ColumnRef(offset=48, name="k")]
    assert not first.do_nothing
    assert first.assignments[0].column == "v"
    assert isinstance(first.assignments[0].value, ast.Binary)
    assert isinstance(first.where, ast.Binary)
    assert second.do_nothing and second.columns == ()


def test_update_and_delete() -> None:
    stmt = parse_one("UPDATE OR ABORT t SET a = 1, b = b || 'x' WHERE id = ?")
    assert isinstance(stmt, ast.Update)
    assert stmt.or_action is ast.ConflictAction.ABORT
    assert [a.column for a in stmt.assignments] == ["a", "b"]
    assert isinstance(stmt.where, ast.Binary)
    delete = parse_one("DELETE FROM main.t WHERE a IS NULL")
    assert delete == ast.Delete(
        offset=0,
        table="t",
        schema="main",
        where=ast.IsNull(offset=27, operand=ast.ColumnRef(offset=25, name="a")),
    )
    assert isinstance(parse_one("DELETE FROM t"), ast.Delete)


def test_create_table_columns_and_constraints() -> None:
    stmt = parse_one(
        """CREATE TABLE IF NOT EXISTS t (
            id INTEGER PRIMARY KEY DESC AUTOINCREMENT,
            name VARCHAR(20) NOT NULL UNIQUE COLLATE NOCASE,
            price DECIMAL(10, 2) DEFAULT -1.5 CHECK (price >= 0),
            note TEXT NULL DEFAULT 'none',
            created TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
            calc INT DEFAULT (1 + 2),
            owner INT CONSTRAINT fk_owner REFERENCES users(id) ON DELETE CASCADE,
            big UNSIGNED BIG INT,
            untyped,
            CONSTRAINT pk PRIMARY KEY (id, name DESC),
            UNIQUE (name),
            CHECK (price < 1000),
            FOREIGN KEY (owner) REFERENCES users (id) ON DELETE SET NULL ON UPDATE NO ACTION
        )"""
    )
    assert isinstance(stmt, ddl.CreateTable)
    assert stmt.if_not_exists and stmt.name == "t"
    columns = {c.name: c for c in stmt.columns}
    assert columns["id"].type == ast.TypeName(offset=46, name="INTEGER")
    pk = columns["id"].constraints[0]
    assert isinstance(pk, ddl.PrimaryKeyConstraint) and pk.descending and pk.autoincrement
    name_type = columns["name"].type
    assert name_type is not None and (name_type.name, name_type.args) == ("VARCHAR", (20,))
    assert [type(c) for c in columns["name"].constraints] == [
        ddl.NotNullConstraint,
        ddl.UniqueConstraint,
        ddl.CollateConstraint,
    ]
    price_type = columns["price"].type
    assert price_type is not None and price_type.args == (10, 2)
    default = columns["price"].constraints[0]
    assert isinstance(default, ddl.DefaultConstraint)
    assert isinstance(default.expr, ast.Unary) and default.expr.op is ast.UnaryOp.NEG
    assert isinstance(columns["price"].constraints[1], ddl.CheckConstraint)
    assert isinstance(columns["note"].constraints[0], ddl.NullConstraint)
    created_default = columns["created"].constraints[0]
    assert isinstance(created_default, ddl.DefaultConstraint)
    assert isinstance(created_default.expr, ast.CurrentTimeLiteral)
    fk = columns["owner"].constraints[0]
    assert isinstance(fk, ddl.ForeignKeyConstraint) and fk.name == "fk_owner"
    assert fk.references.table == "users" and fk.references.columns == ("id",)
    assert fk.references.on_delete is ddl.ForeignKeyAction.CASCADE
    big_type = columns["big"].type
    assert big_type is not None and big_type.name == "UNSIGNED BIG INT"
    assert columns["untyped"].type is None
    table_pk, unique, check, table_fk = stmt.constraints
    assert isinstance(table_pk, ddl.TablePrimaryKey) and table_pk.name == "pk"
    assert [c.descending for c in table_pk.columns] == [None, True]
    assert isinstance(unique, ddl.TableUnique)
    assert isinstance(check, ddl.TableCheck)
    assert isinstance(table_fk, ddl.TableForeignKey) and table_fk.columns == ("owner",)
    assert table_fk.references.on_delete is ddl.ForeignKeyAction.SET_NULL
    assert table_fk.references.on_update is ddl.ForeignKeyAction.NO_ACTION


def test_create_index_view_and_drop() -> None:
    index = parse_one("CREATE UNIQUE INDEX IF NOT EXISTS ix ON t (a DESC, b COLLATE nocase ASC)")
    assert isinstance(index, ddl.CreateIndex)
    assert index.unique and index.if_not_exists and index.table == "t"
    assert [(c.descending, c.collation) for c in index.columns] == [(True, None), (False, "nocase")]
    view = parse_one("CREATE TEMP VIEW v (x) AS SELECT a FROM t")
    assert isinstance(view, ddl.CreateView) and view.temporary and view.columns == ("x",)
    for sql, kind in [
        ("DROP TABLE IF EXISTS t", ddl.ObjectKind.TABLE),
        ("DROP INDEX ix", ddl.ObjectKind.INDEX),
        ("DROP VIEW v", ddl.ObjectKind.VIEW),
    ]:
        drop = parse_one(sql)
        assert isinstance(drop, ddl.Drop) and drop.kind is kind
    assert parse_one("DROP TABLE IF EXISTS t") == ddl.Drop(
        offset=0, kind=ddl.ObjectKind.TABLE, name="t", if_exists=True
    )


def test_transactions_and_explain() -> None:
    statements = parse(
        "BEGIN; BEGIN IMMEDIATE TRANSACTION; COMMIT; END TRANSACTION; ROLLBACK; "
        "ROLLBACK TO SAVEPOINT sp; ROLLBACK TRANSACTION TO sp; SAVEPOINT sp; RELEASE sp; "
        "RELEASE SAVEPOINT sp; EXPLAIN SELECT 1; EXPLAIN QUERY PLAN DELETE FROM t;;"
    )
    assert [type(s).__name__ for s in statements] == [
        "Begin", "Begin", "Commit", "Commit", "Rollback", "Rollback", "Rollback", "Savepoint",
        "Release", "Release", "Explain", "Explain",
    ]  # fmt: skip
    assert statements[1] == ast.Begin(offset=7, mode=ast.TransactionMode.IMMEDIATE)
    assert statements[5] == ast.Rollback(offset=71, savepoint="sp")
    explain = statements[-1]
    assert isinstance(explain, ast.Explain) and explain.query_plan
    assert isinstance(explain.statement, ast.Delete)


def test_script_and_parse_one() -> None:
    assert parse("") == []
    assert len(parse("SELECT 1; SELECT 2")) == 2
    with pytest.raises(SqlSyntaxError, match="expected one statement"):
        parse_one("SELECT 1; SELECT 2")
    with pytest.raises(SqlSyntaxError, match="unexpected end of input"):
        parse_one(" ; ")
