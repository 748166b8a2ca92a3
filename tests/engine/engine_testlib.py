"""Helpers for the engine tests: small tables, hand-built logical plans, a runner, and a sqlite3
mirror of the same data for differential checks."""

from __future__ import annotations

import itertools
import math
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import pyram
from pyram import Col, column
from pyram.engine.batch import Batch
from pyram.engine.executor import execute, run_rows
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.physical_planner import plan_physical
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.types import INTEGER, REAL, TEXT, DataType


@pyram.table(name="l")
class L(pyram.Table):
    id: Col[int] = column(primary_key=True)
    k: Col[int | None] = column(default=None, index=True)
    v: Col[int | None] = column(default=None)
    s: Col[str | None] = column(default=None)


@pyram.table(name="r")
class R(pyram.Table):
    id: Col[int] = column(primary_key=True)
    k: Col[int | None] = column(default=None, index="hash")
    v: Col[int | None] = column(default=None)
    s: Col[str | None] = column(default=None)


@pyram.table(name="f", indexes=[("g", "x")])
class F(pyram.Table):
    id: Col[int] = column(primary_key=True)
    x: Col[float | None] = column(default=None)
    g: Col[str | None] = column(default=None)


COLUMN_TYPES: dict[str, DataType] = {"id": INTEGER, "k": INTEGER, "v": INTEGER, "s": TEXT}
F_TYPES: dict[str, DataType] = {"id": INTEGER, "x": REAL, "g": TEXT}

_cids = itertools.count(1000)


def new_db() -> pyram.Database:
    """A database with tables l, r and f."""
    db = pyram.Database()
    db.create(L, R, F)
    return db


def fill(db: pyram.Database, table: str, rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows (tuples in column order) into a table with one store call."""
    if not rows:
        return
    db._store.insert(table, [list(c) for c in zip(*rows, strict=True)])


def scan(
    table: str,
    columns: Sequence[str] = ("id", "k", "v", "s"),
    *,
    rid: bool = False,
    types: dict[str, DataType] | None = None,
) -> tuple[pn.Scan, dict[str, px.ColumnRef]]:
    """A Scan node with fresh column ids, and a ColumnRef per column name (+ "rid")."""
    types = types or (F_TYPES if table == "f" else COLUMN_TYPES)
    fields = [px.Field(next(_cids), c, types[c], c != "id", table) for c in columns]
    rid_cid = None
    if rid:
        rid_cid = next(_cids)
        fields.append(px.Field(rid_cid, "rid", INTEGER, False, table))
    node = pn.Scan(table, tuple(columns), tuple(fields), rid_cid=rid_cid)
    return node, {f.name: ref(f) for f in fields}


def ref(field: px.Field) -> px.ColumnRef:
    return px.ColumnRef(field.cid, field.name, field.dtype, field.nullable)


def lit(value: Any, dtype: DataType = INTEGER) -> px.Literal_:
    return px.Literal_(value, dtype)


def eq(a: px.PlanExpr, b: px.PlanExpr) -> px.Compare:
    return px.Compare("=", a, b)


def out_fields(
    exprs: Iterable[px.PlanExpr], names: Iterable[str] | None = None
) -> tuple[px.Field, ...]:
    names = list(names) if names is not None else None
    return tuple(
        px.Field(next(_cids), names[i] if names else f"c{i}", e.dtype, e.nullable)
        for i, e in enumerate(exprs)
    )


def project(node: pn.Plan, exprs: Sequence[px.PlanExpr]) -> pn.Project:
    return pn.Project(node, tuple(exprs), out_fields(exprs))


def run(
    plan: pn.Plan | Operator,
    db: pyram.Database,
    params: dict[str | int, Any] | None = None,
    max_rows: int | None = None,
) -> list[tuple[Any, ...]]:
    """Rows of a plan (planned with the store, so estimates and index joins apply)."""
    ctx = ExecContext(db._store, params)
    return run_rows(plan, ctx, max_rows)


def batches(
    op: Operator, db: pyram.Database, params: dict[str | int, Any] | None = None
) -> list[Batch]:
    return list(execute(op, ExecContext(db._store, params)))


def physical(plan: pn.Plan, db: pyram.Database | None = None) -> Operator:
    return plan_physical(plan, None if db is None else db._store)


def sqlite_mirror(db: pyram.Database) -> sqlite3.Connection:
    """A sqlite3 database holding the same rows as tables l, r and f."""
    con = sqlite3.connect(":memory:")
    for name, cols in (("l", "id, k, v, s"), ("r", "id, k, v, s"), ("f", "id, x, g")):
        con.execute(f"CREATE TABLE {name} ({cols})")
        data = db._store.data(name)
        rows = [data.row(rid) for rid in data.live_rids()]
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    return con


def canon(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows sorted in a NULL-safe, type-safe way (for order-insensitive comparison)."""
    return sorted((tuple(r) for r in rows), key=lambda r: [_sort_key(v) for v in r])


def _sort_key(v: Any) -> tuple[int, Any]:
    if v is None:
        return (0, 0)
    if isinstance(v, float) and math.isnan(v):
        return (1, 0)
    if isinstance(v, int | float):
        return (2, v)
    return (3, str(v))
