"""Hand-built plans for the optimizer tests: schemas, fake statistics and small plan builders.

Importable as ``optimizer_plans`` (pytest puts this directory on ``sys.path``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyram.catalog import ColumnDecl, ColumnSchema, IndexSpec, TableSchema, define_table
from pyram.optimizer import RuleContext, format_plan
from pyram.plan.builder import PlanBuilder, literal_type
from pyram.plan.expr import (
    AggCall,
    And,
    ColumnRef,
    Compare,
    CompareOp,
    Field,
    Literal_,
    Or,
    Param,
    PlanExpr,
)
from pyram.plan.nodes import Aggregate, Join, JoinKind, Plan, Project, Scan
from pyram.types import BOOLEAN, INTEGER, REAL, TEXT, DataType

USER = define_table(
    "user",
    [
        ColumnDecl(ColumnSchema("id", INTEGER), primary_key=True),
        ColumnDecl(ColumnSchema("name", TEXT)),
        ColumnDecl(ColumnSchema("age", INTEGER), index=True),
        ColumnDecl(ColumnSchema("email", TEXT, nullable=True), unique=True),
        ColumnDecl(ColumnSchema("score", REAL, nullable=True), index=True),
    ],
)
ORDERS = define_table(
    "orders",
    [
        ColumnDecl(ColumnSchema("id", INTEGER), primary_key=True),
        ColumnDecl(ColumnSchema("user_id", INTEGER), index="hash"),
        ColumnDecl(ColumnSchema("total", REAL)),
        ColumnDecl(ColumnSchema("item_id", INTEGER)),
    ],
)
ITEM = define_table(
    "item",
    [
        ColumnDecl(ColumnSchema("id", INTEGER), primary_key=True),
        ColumnDecl(ColumnSchema("label", TEXT)),
    ],
)
EVENT = define_table(
    "event",
    [
        ColumnDecl(ColumnSchema("kind", TEXT)),
        ColumnDecl(ColumnSchema("day", INTEGER)),
        ColumnDecl(ColumnSchema("note", TEXT, nullable=True)),
    ],
    indexes=[IndexSpec("event_kind_day", ("kind", "day"), "sorted")],
)
SCHEMAS: dict[str, TableSchema] = {s.name: s for s in (USER, ORDERS, ITEM, EVENT)}


class FakeStats:
    """Statistics from dictionaries: rows per table, distinct keys per (table, index)."""

    def __init__(
        self,
        rows: Mapping[str, int] | None = None,
        distinct: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        self.rows = dict(rows or {})
        self.distinct = dict(distinct or {})

    def row_count(self, table: str) -> int:
        return self.rows.get(table, 1000)

    def distinct_keys(self, table: str, index: str) -> int:
        return self.distinct.get((table, index), 10)


def context(
    rows: Mapping[str, int] | None = None,
    distinct: Mapping[tuple[str, str], int] | None = None,
    disabled: Sequence[str] = (),
) -> RuleContext:
    """A rule context over :data:`SCHEMAS` with fake statistics."""
    return RuleContext(SCHEMAS, FakeStats(rows, distinct), frozenset(disabled))


class Plans:
    """Builds plans with fresh column ids (one instance per test plan)."""

    def __init__(self) -> None:
        self.builder = PlanBuilder()

    def scan(self, table: str, alias: str | None = None, rid: bool = False) -> Scan:
        return self.builder.scan(SCHEMAS[table], alias, rid)

    @staticmethod
    def col(plan: Plan, name: str) -> ColumnRef:
        """Column ``name`` (``"alias.name"`` to pick a side) of ``plan``'s output."""
        qualifier, _, column = name.rpartition(".")
        for f in plan.fields:
            if f.name == column and (not qualifier or f.table == qualifier):
                return ColumnRef(f.cid, f.name, f.dtype, f.nullable)
        raise KeyError(name)

    def project(self, plan: Plan, items: Sequence[tuple[PlanExpr, str]]) -> Project:
        exprs = tuple(e for e, _ in items)
        out = self.builder.fields_for(exprs, [n for _, n in items])
        return Project(plan, exprs, out)

    @staticmethod
    def select(plan: Plan, names: Sequence[str]) -> Project:
        """A pass-through Project keeping column ids (what a front end does for SELECT a, b)."""
        refs = [Plans.col(plan, n) for n in names]
        fields = tuple(f for r in refs for f in plan.fields if f.cid == r.cid)
        return Project(plan, tuple(refs), fields)

    def aggregate(
        self, plan: Plan, groups: Sequence[PlanExpr], aggs: Sequence[tuple[AggCall, str]]
    ) -> Aggregate:
        group_fields = tuple(
            Field(
                self.builder.new_cid(),
                g.name if isinstance(g, ColumnRef) else "g",
                g.dtype,
                g.nullable,
            )
            for g in groups
        )
        agg_fields = self.builder.fields_for([a for a, _ in aggs], [n for _, n in aggs])
        return Aggregate(plan, tuple(groups), tuple(a for a, _ in aggs), group_fields + agg_fields)


def join(kind: JoinKind, left: Plan, right: Plan, condition: PlanExpr | None = None) -> Join:
    return Join(kind, left, right, condition)


def lit(value: Any, dtype: DataType | None = None) -> Literal_:
    return Literal_(value, literal_type(value) if dtype is None else dtype)


def param(key: str | int, dtype: DataType = INTEGER) -> Param:
    return Param(key, dtype)


def cmp(op: CompareOp, left: PlanExpr, right: PlanExpr | int | float | str) -> Compare:
    return Compare(op, left, right if isinstance(right, PlanExpr) else lit(right))


def eq(left: PlanExpr, right: PlanExpr | int | float | str) -> Compare:
    return cmp("=", left, right)


def and_(*args: PlanExpr) -> And:
    return And(tuple(args))


def or_(*args: PlanExpr) -> Or:
    return Or(tuple(args))


TRUE = Literal_(True, BOOLEAN)
FALSE = Literal_(False, BOOLEAN)
NULL_BOOL = Literal_(None, BOOLEAN)
COUNT_STAR = AggCall("count_star", (), INTEGER)


def show(plan: Plan) -> str:
    """The plan text with a leading newline, to line up with triple-quoted goldens."""
    return "\n" + format_plan(plan) + "\n"
