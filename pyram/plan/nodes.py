"""Logical plan nodes: what a query computes, not how.

Nodes are frozen, slotted attrs classes; rewrites build new nodes. Each node exposes ``fields``
(its output columns with their column ids) and the node protocol of
:mod:`pyram.plan.node_base`: ``inputs``/``with_inputs``, ``expressions``/``with_expressions``
and ``label``, so rules, the planner and EXPLAIN handle every node without naming its class.
Both front ends build nodes through :mod:`pyram.plan.builder`, which checks types and names once
for everyone. Data-changing nodes (Insert, Update, Delete) live in :mod:`pyram.plan.dml_nodes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import attrs

from pyram.plan.display import SubqueryLabels, format_expr, format_window
from pyram.plan.dml_nodes import Delete, Insert, OnConflict, Update
from pyram.plan.expr import AggCall, Field, PlanExpr, SortKey, WindowCall
from pyram.plan.node_base import (
    NoFields,
    OneInput,
    OwnFields,
    PassesFields,
    Plan,
    TwoInputs,
    outer_references,
    produced_cids,
    referenced_cids,
    same,
    subquery_plans,
    walk_plan,
)

__all__ = [
    "Aggregate",
    "Delete",
    "Distinct",
    "Filter",
    "IndexScan",
    "Insert",
    "Join",
    "JoinKind",
    "Limit",
    "NoFields",
    "OnConflict",
    "Plan",
    "Project",
    "RecursiveCte",
    "Scan",
    "SetOp",
    "SetOpKind",
    "Sort",
    "Update",
    "Values",
    "Window",
    "WorkTable",
    "expressions_of",
    "inputs",
    "outer_references",
    "produced_cids",
    "referenced_cids",
    "subquery_plans",
    "walk_plan",
]

JoinKind = Literal["inner", "left", "right", "full", "cross", "semi", "anti"]
SetOpKind = Literal["union", "intersect", "except"]


def _names(plan: Scan | IndexScan) -> str:
    names = list(plan.columns)
    if plan.rid_cid is not None:
        names.append("rid")
    return "[" + ", ".join(names) + "]"


def _named(text: str, name: str) -> str:
    return text if text == name else f"{text} AS {name}"


def _exprs(exprs: Sequence[PlanExpr], labels: SubqueryLabels) -> str:
    return ", ".join(format_expr(x, labels) for x in exprs)


def _keys(keys: tuple[SortKey, ...], exprs: Sequence[PlanExpr]) -> tuple[tuple[SortKey, ...], bool]:
    """Sort keys over new expressions, and whether any changed."""
    changed = not same(exprs, [k.expr for k in keys])
    if not changed:
        return keys, False
    return tuple(attrs.evolve(k, expr=e) for k, e in zip(keys, exprs, strict=True)), True


@attrs.frozen(slots=True)
class Scan(OwnFields):
    """Read every live row of table ``table``.

    ``columns`` are the stored column names behind the ``out`` fields, in order. When
    ``rid_cid`` is set, ``out`` ends with one more field (that cid) holding each row's row id,
    which UPDATE and DELETE use to address rows. ``as_of`` (SQL ``FOR SYSTEM_TIME AS OF``)
    reads the table as it was at that commit stamp (int) or time (text), from its history;
    the optimizer leaves such a scan a plain scan.
    """

    table: str
    columns: tuple[str, ...]
    out: tuple[Field, ...]
    alias: str | None = None
    rid_cid: int | None = None
    as_of: int | str | None = None

    def label(self, labels: SubqueryLabels) -> str:
        alias = f" AS {self.alias}" if self.alias else ""
        past = "" if self.as_of is None else f" AS OF {self.as_of!r}"
        return f"Scan {self.table}{alias}{past} {_names(self)}"


@attrs.frozen(slots=True)
class IndexScan(OwnFields):
    """Read rows of ``table`` through index ``index`` (chosen by the optimizer).

    Access, by which fields are set:

    * equality: ``keys`` holds one key tuple per probe (one expression per index column; an
      IN list gives several tuples); rows come in probe order;
    * range / ordered: ``low`` and/or ``high`` bound a prefix of the index columns (None is
      unbounded on that side); rows come in index order, reversed when ``descending``. With no
      bounds at all this is a full ordered scan (ORDER BY served by the index). NULL keys are
      never returned by a bounded scan; an unbounded ordered scan returns them where SQLite
      sorts them (first ascending, last descending).

    ``columns``, ``out``, ``alias`` and ``rid_cid`` mean what they mean on :class:`Scan`.
    """

    table: str
    index: str
    columns: tuple[str, ...]
    out: tuple[Field, ...]
    keys: tuple[tuple[PlanExpr, ...], ...] = ()
    low: tuple[PlanExpr, ...] | None = None
    low_inclusive: bool = True
    high: tuple[PlanExpr, ...] | None = None
    high_inclusive: bool = True
    descending: bool = False
    alias: str | None = None
    rid_cid: int | None = None

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        bounds = (self.low or ()) + (self.high or ())
        return tuple(e for key in self.keys for e in key) + bounds

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        if same(exprs, self.expressions):
            return self
        rest = list(exprs)
        keys = []
        for key in self.keys:
            keys.append(tuple(rest[: len(key)]))
            del rest[: len(key)]
        low = None if self.low is None else tuple(rest[: len(self.low)])
        high = None if self.high is None else tuple(rest[len(self.low or ()) :])
        return attrs.evolve(self, keys=tuple(keys), low=low, high=high)

    def label(self, labels: SubqueryLabels) -> str:
        head = f"IndexScan {self.table}.{self.index}"
        if self.alias:
            head += f" AS {self.alias}"
        if self.keys:
            access = "eq " + ", ".join("(" + _exprs(k, labels) + ")" for k in self.keys)
        elif self.low is None and self.high is None:
            access = "ordered"
        else:
            low = "-inf" if self.low is None else _exprs(self.low, labels)
            high = "+inf" if self.high is None else _exprs(self.high, labels)
            opening = "[" if self.low is not None and self.low_inclusive else "("
            closing = "]" if self.high is not None and self.high_inclusive else ")"
            access = f"range {opening}{low}; {high}{closing}"
        if self.descending:
            access += " desc"
        return f"{head} {access} {_names(self)}"


@attrs.frozen(slots=True)
class Filter(PassesFields):
    """Rows of ``input`` for which ``predicate`` is TRUE (not FALSE, not NULL)."""

    input: Plan
    predicate: PlanExpr

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return (self.predicate,)

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        (predicate,) = exprs
        return self if predicate is self.predicate else attrs.evolve(self, predicate=predicate)

    def label(self, labels: SubqueryLabels) -> str:
        return f"Filter {format_expr(self.predicate, labels)}"


@attrs.frozen(slots=True)
class Project(OneInput, OwnFields):
    """Compute ``exprs`` for every input row; ``out`` names them."""

    input: Plan
    exprs: tuple[PlanExpr, ...]
    out: tuple[Field, ...]

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return self.exprs

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        return self if same(exprs, self.exprs) else attrs.evolve(self, exprs=tuple(exprs))

    def label(self, labels: SubqueryLabels) -> str:
        items = [
            _named(format_expr(x, labels), f.name)
            for x, f in zip(self.exprs, self.out, strict=True)
        ]
        return "Project " + ", ".join(items)


@attrs.frozen(slots=True)
class Join(TwoInputs):
    """Join ``left`` and ``right`` on ``condition`` (None for cross joins).

    Semi and anti joins output only the left side's fields. Outer joins make the other side's
    fields nullable.
    """

    kind: JoinKind
    left: Plan
    right: Plan
    condition: PlanExpr | None = None

    passes_columns = True  # its fields are its inputs' fields (outer sides made nullable)

    @property
    def fields(self) -> tuple[Field, ...]:
        if self.kind in ("semi", "anti"):
            return self.left.fields
        left, right = self.left.fields, self.right.fields
        if self.kind in ("right", "full"):
            left = tuple(attrs.evolve(f, nullable=True) for f in left)
        if self.kind in ("left", "full"):
            right = tuple(attrs.evolve(f, nullable=True) for f in right)
        return left + right

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return () if self.condition is None else (self.condition,)

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        if same(exprs, self.expressions):
            return self
        (condition,) = exprs
        return attrs.evolve(self, condition=condition)

    def label(self, labels: SubqueryLabels) -> str:
        on = "" if self.condition is None else f" ON {format_expr(self.condition, labels)}"
        return f"Join {self.kind}{on}"


@attrs.frozen(slots=True)
class Aggregate(OneInput, OwnFields):
    """Group ``input`` by ``groups`` and compute ``aggregates`` per group.

    Output: one field per group expression, then one per aggregate (``out`` in that order). With
    no groups, exactly one row is produced, even for empty input.
    """

    input: Plan
    groups: tuple[PlanExpr, ...]
    aggregates: tuple[AggCall, ...]
    out: tuple[Field, ...]

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return self.groups + self.aggregates

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        if same(exprs, self.expressions):
            return self
        count = len(self.groups)
        # an aggregate stays an aggregate call: a rewrite into anything else is not taken
        calls = tuple(
            new if isinstance(new, AggCall) else old
            for new, old in zip(exprs[count:], self.aggregates, strict=True)
        )
        return attrs.evolve(self, groups=tuple(exprs[:count]), aggregates=calls)

    def label(self, labels: SubqueryLabels) -> str:
        names = self.out[len(self.groups) :]
        aggs = ", ".join(
            _named(format_expr(a, labels), f.name)
            for a, f in zip(self.aggregates, names, strict=True)
        )
        return f"Aggregate [{_exprs(self.groups, labels)}] [{aggs}]"


@attrs.frozen(slots=True)
class Window(OneInput):
    """Window functions over ``input``: rows are split into partitions by ``partition_by``,
    ordered within each by ``order_by``, and every call of ``calls`` computes one value per
    row from its partition (and frame). All calls share this partition and order; a query
    with several distinct window specifications stacks one node per specification.

    Output: the input's columns, then one field per call (``out``, in order). Rows come out
    in partition and window order.
    """

    input: Plan
    partition_by: tuple[PlanExpr, ...]
    order_by: tuple[SortKey, ...]
    calls: tuple[WindowCall, ...]
    out: tuple[Field, ...]

    passes_columns = True

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.input.fields + self.out

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return self.partition_by + tuple(k.expr for k in self.order_by) + self.calls

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        if same(exprs, self.expressions):
            return self
        parts, keys = len(self.partition_by), len(self.order_by)
        order_by, _ = _keys(self.order_by, exprs[parts : parts + keys])
        calls = tuple(
            new if isinstance(new, WindowCall) else old
            for new, old in zip(exprs[parts + keys :], self.calls, strict=True)
        )
        return attrs.evolve(self, partition_by=tuple(exprs[:parts]), order_by=order_by, calls=calls)

    def label(self, labels: SubqueryLabels) -> str:
        calls = ", ".join(
            _named(format_expr(c, labels), f.name)
            for c, f in zip(self.calls, self.out, strict=True)
        )
        return f"Window [{format_window(self.partition_by, self.order_by, labels)}] [{calls}]"


@attrs.frozen(slots=True)
class Sort(PassesFields):
    """Order rows by ``keys`` (stable)."""

    input: Plan
    keys: tuple[SortKey, ...]

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return tuple(k.expr for k in self.keys)

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        keys, changed = _keys(self.keys, exprs)
        return attrs.evolve(self, keys=keys) if changed else self

    def label(self, labels: SubqueryLabels) -> str:
        return "Sort " + ", ".join(_sort_key(format_expr(k.expr, labels), k) for k in self.keys)


def _sort_key(text: str, key: SortKey) -> str:
    if key.descending:
        text += " DESC"
    if key.nulls_first is not None:
        text += " NULLS FIRST" if key.nulls_first else " NULLS LAST"
    return text


@attrs.frozen(slots=True)
class Limit(PassesFields):
    """At most ``limit`` rows (None: no limit) after skipping ``offset``; both may be params."""

    input: Plan
    limit: PlanExpr | None
    offset: PlanExpr | None = None

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return tuple(e for e in (self.limit, self.offset) if e is not None)

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        if same(exprs, self.expressions):
            return self
        rest = list(exprs)
        limit = None if self.limit is None else rest.pop(0)
        offset = None if self.offset is None else rest.pop(0)
        return attrs.evolve(self, limit=limit, offset=offset)

    def label(self, labels: SubqueryLabels) -> str:
        text = "Limit " + ("ALL" if self.limit is None else format_expr(self.limit, labels))
        if self.offset is None:
            return text
        return f"{text} OFFSET {format_expr(self.offset, labels)}"


@attrs.frozen(slots=True)
class Distinct(PassesFields):
    """Drop duplicate rows (NULLs compare equal here, as in SQL's DISTINCT)."""

    input: Plan

    def label(self, labels: SubqueryLabels) -> str:
        return "Distinct"


@attrs.frozen(slots=True)
class SetOp(TwoInputs, OwnFields):
    """UNION / INTERSECT / EXCEPT, with or without ALL; output named after the left side.

    ``ordered``: the compound has its own ORDER BY. SQLite then merges sorted arms, which
    changes which of equal rows (1 and 1.0) survives (see ``engine.operators.set_ops``).
    """

    kind: SetOpKind
    all: bool
    left: Plan
    right: Plan
    out: tuple[Field, ...]
    ordered: bool = False

    def label(self, labels: SubqueryLabels) -> str:
        return f"SetOp {self.kind}{' all' if self.all else ''}"

    def marked_ordered(self) -> SetOp:
        """This set operation and the ones below it (one compound's arms: a left chain, or a
        balanced tree for a long run) as ordered. An arm that is a query of its own is never
        a bare SetOp (it has its own Project), so the walk stays within the compound."""
        left = self.left.marked_ordered() if isinstance(self.left, SetOp) else self.left
        right = self.right.marked_ordered() if isinstance(self.right, SetOp) else self.right
        return attrs.evolve(self, left=left, right=right, ordered=True)


@attrs.frozen(slots=True)
class Values(OwnFields):
    """Literal rows (``VALUES (...), (...)``)."""

    rows: tuple[tuple[PlanExpr, ...], ...]
    out: tuple[Field, ...]

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return tuple(e for row in self.rows for e in row)

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        if same(exprs, self.expressions):
            return self
        width = len(self.out)
        rows = tuple(tuple(exprs[i : i + width]) for i in range(0, len(exprs), width))
        return attrs.evolve(self, rows=rows)

    def label(self, labels: SubqueryLabels) -> str:
        rows = ", ".join("(" + _exprs(row, labels) + ")" for row in self.rows)
        return f"Values [{', '.join(f.name for f in self.out)}] {rows}".rstrip()


@attrs.frozen(slots=True)
class WorkTable(OwnFields):
    """The rows the previous round of a recursive CTE produced (read by its recursive part)."""

    work_id: int
    out: tuple[Field, ...]

    def label(self, labels: SubqueryLabels) -> str:
        return f"WorkTable #{self.work_id} [{', '.join(f.name for f in self.out)}]"


@attrs.frozen(slots=True)
class RecursiveCte(OwnFields):
    """``WITH RECURSIVE``: the ``anchor`` rows, then ``step`` run again and again over the
    rows of the previous round (its :class:`WorkTable` ``work_id``) until a round adds none.
    With ``all`` False (UNION) rows already produced are dropped, which also ends cycles."""

    anchor: Plan
    step: Plan
    all: bool
    work_id: int
    out: tuple[Field, ...]

    @property
    def inputs(self) -> tuple[Plan, ...]:
        return (self.anchor, self.step)

    def with_inputs(self, *plans: Plan) -> Plan:
        anchor, step = plans
        if anchor is self.anchor and step is self.step:
            return self
        return attrs.evolve(self, anchor=anchor, step=step)

    def label(self, labels: SubqueryLabels) -> str:
        columns = ", ".join(f.name for f in self.out)
        return f"RecursiveCte #{self.work_id} [{columns}]{' all' if self.all else ''}"


def inputs(plan: Plan) -> tuple[Plan, ...]:
    """The direct child plans of a node (its :attr:`~Plan.inputs`)."""
    return plan.inputs


def expressions_of(plan: Plan) -> tuple[PlanExpr, ...]:
    """The expressions a node evaluates itself (its :attr:`~Plan.expressions`)."""
    return plan.expressions
