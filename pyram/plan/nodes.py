"""Logical plan nodes: what a query computes, not how.

Nodes are frozen, slotted attrs classes; rewrites build new nodes (``attrs.evolve``). Each node
exposes ``fields``: its output columns with their column ids. Both front ends build nodes through
:mod:`pyram.plan.builder`, which checks types and names once for everyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import attrs

from pyram.plan.expr import (
    AggCall,
    Exists,
    Expr,
    Field,
    InSubquery,
    ScalarSubquery,
    SortKey,
    WindowCall,
    walk,
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
    "subquery_plans",
    "walk_plan",
]

JoinKind = Literal["inner", "left", "right", "full", "cross", "semi", "anti"]
SetOpKind = Literal["union", "intersect", "except"]


class Plan:
    """Base of logical plan nodes (not instantiated)."""

    __slots__ = ()

    @property
    def fields(self) -> tuple[Field, ...]:
        """The node's output columns."""
        raise NotImplementedError


class _OwnFields(Plan):
    """A node whose output columns are its ``out`` field."""

    __slots__ = ()
    out: tuple[Field, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.out


class _PassesFields(Plan):
    """A node outputting exactly its input's columns (filters, sorts, limits...)."""

    __slots__ = ()
    input: Plan

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.input.fields


class _NoFields(Plan):
    """A data-changing statement: no output columns (the engine reports a row count)."""

    __slots__ = ()

    @property
    def fields(self) -> tuple[Field, ...]:
        return ()


@attrs.frozen(slots=True)
class Scan(_OwnFields):
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


@attrs.frozen(slots=True)
class IndexScan(_OwnFields):
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
    keys: tuple[tuple[Expr, ...], ...] = ()
    low: tuple[Expr, ...] | None = None
    low_inclusive: bool = True
    high: tuple[Expr, ...] | None = None
    high_inclusive: bool = True
    descending: bool = False
    alias: str | None = None
    rid_cid: int | None = None


@attrs.frozen(slots=True)
class Filter(_PassesFields):
    """Rows of ``input`` for which ``predicate`` is TRUE (not FALSE, not NULL)."""

    input: Plan
    predicate: Expr


@attrs.frozen(slots=True)
class Project(_OwnFields):
    """Compute ``exprs`` for every input row; ``out`` names them."""

    input: Plan
    exprs: tuple[Expr, ...]
    out: tuple[Field, ...]


@attrs.frozen(slots=True)
class Join(Plan):
    """Join ``left`` and ``right`` on ``condition`` (None for cross joins).

    Semi and anti joins output only the left side's fields. Outer joins make the other side's
    fields nullable.
    """

    kind: JoinKind
    left: Plan
    right: Plan
    condition: Expr | None = None

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


@attrs.frozen(slots=True)
class Aggregate(_OwnFields):
    """Group ``input`` by ``groups`` and compute ``aggregates`` per group.

    Output: one field per group expression, then one per aggregate (``out`` in that order). With
    no groups, exactly one row is produced, even for empty input.
    """

    input: Plan
    groups: tuple[Expr, ...]
    aggregates: tuple[AggCall, ...]
    out: tuple[Field, ...]


@attrs.frozen(slots=True)
class Window(Plan):
    """Window functions over ``input``: rows are split into partitions by ``partition_by``,
    ordered within each by ``order_by``, and every call of ``calls`` computes one value per
    row from its partition (and frame). All calls share this partition and order; a query
    with several distinct window specifications stacks one node per specification.

    Output: the input's columns, then one field per call (``out``, in order). Rows come out
    in partition and window order.
    """

    input: Plan
    partition_by: tuple[Expr, ...]
    order_by: tuple[SortKey, ...]
    calls: tuple[WindowCall, ...]
    out: tuple[Field, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.input.fields + self.out


@attrs.frozen(slots=True)
class Sort(_PassesFields):
    """Order rows by ``keys`` (stable)."""

    input: Plan
    keys: tuple[SortKey, ...]


@attrs.frozen(slots=True)
class Limit(_PassesFields):
    """At most ``limit`` rows (None: no limit) after skipping ``offset``; both may be params."""

    input: Plan
    limit: Expr | None
    offset: Expr | None = None


@attrs.frozen(slots=True)
class Distinct(_PassesFields):
    """Drop duplicate rows (NULLs compare equal here, as in SQL's DISTINCT)."""

    input: Plan


@attrs.frozen(slots=True)
class SetOp(_OwnFields):
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


@attrs.frozen(slots=True)
class Values(_OwnFields):
    """Literal rows (``VALUES (...), (...)``)."""

    rows: tuple[tuple[Expr, ...], ...]
    out: tuple[Field, ...]


@attrs.frozen(slots=True)
class WorkTable(_OwnFields):
    """The rows the previous round of a recursive CTE produced (read by its recursive part)."""

    work_id: int
    out: tuple[Field, ...]


@attrs.frozen(slots=True)
class RecursiveCte(_OwnFields):
    """``WITH RECURSIVE``: the ``anchor`` rows, then ``step`` run again and again over the
    rows of the previous round (its :class:`WorkTable` ``work_id``) until a round adds none.
    With ``all`` False (UNION) rows already produced are dropped, which also ends cycles."""

    anchor: Plan
    step: Plan
    all: bool
    work_id: int
    out: tuple[Field, ...]


@attrs.frozen(slots=True)
class OnConflict:
    """What INSERT does with a row whose key is already taken (SQLite's conflict resolution).

    ``action``: ``"ignore"`` skips the row, ``"replace"`` deletes the rows in the way first,
    ``"update"`` updates the existing row instead (``ON CONFLICT ... DO UPDATE``).
    ``target`` names the unique key whose conflicts are handled (empty: any unique key).
    For ``"update"``, ``assignments`` and ``where`` read the existing row through ``existing``
    fields and the proposed row through ``excluded`` fields (SQLite's ``excluded.col``).
    """

    action: Literal["ignore", "replace", "update"]
    target: tuple[str, ...] = ()
    assignments: tuple[tuple[str, Expr], ...] = ()
    where: Expr | None = None
    existing: tuple[Field, ...] = ()
    excluded: tuple[Field, ...] = ()


@attrs.frozen(slots=True)
class Insert(_NoFields):
    """Insert the rows of ``source`` into ``table``; ``columns`` name the target columns in the
    order of ``source``'s fields (missing columns take their defaults). ``on_conflict`` says
    what happens to rows whose unique key is taken (None: the statement fails)."""

    table: str
    columns: tuple[str, ...]
    source: Plan
    on_conflict: OnConflict | None = None


@attrs.frozen(slots=True)
class Update(_NoFields):
    """Set ``assignments`` (column name, new value) on the rows ``input`` yields.

    ``input`` produces the target table's fields plus a trailing row-id field (``rid_cid``).
    """

    table: str
    input: Plan
    assignments: tuple[tuple[str, Expr], ...]
    rid_cid: int


@attrs.frozen(slots=True)
class Delete(_NoFields):
    """Delete the rows ``input`` yields (by the row-id field ``rid_cid``)."""

    table: str
    input: Plan
    rid_cid: int


def inputs(plan: Plan) -> tuple[Plan, ...]:
    """The direct child plans of a node."""
    if isinstance(plan, Filter | Project | Aggregate | Sort | Limit | Distinct | Window):
        return (plan.input,)
    if isinstance(plan, Join | SetOp):
        return (plan.left, plan.right)
    if isinstance(plan, RecursiveCte):
        return (plan.anchor, plan.step)
    if isinstance(plan, Insert):
        return (plan.source,)
    if isinstance(plan, Update | Delete):
        return (plan.input,)
    return ()


def expressions_of(plan: Plan) -> tuple[Expr, ...]:
    """The expressions a node evaluates itself (not its children's)."""
    if isinstance(plan, Filter):
        return (plan.predicate,)
    if isinstance(plan, Project):
        return plan.exprs
    if isinstance(plan, Join):
        return () if plan.condition is None else (plan.condition,)
    if isinstance(plan, Aggregate):
        return plan.groups + plan.aggregates
    if isinstance(plan, Sort):
        return tuple(k.expr for k in plan.keys)
    if isinstance(plan, Window):
        return plan.partition_by + tuple(k.expr for k in plan.order_by) + plan.calls
    if isinstance(plan, Limit):
        return tuple(e for e in (plan.limit, plan.offset) if e is not None)
    if isinstance(plan, Values):
        return tuple(e for row in plan.rows for e in row)
    if isinstance(plan, Update):
        return tuple(e for _, e in plan.assignments)
    if isinstance(plan, IndexScan):
        bounds = (plan.low or ()) + (plan.high or ())
        return tuple(e for key in plan.keys for e in key) + bounds
    return ()


def walk_plan(plan: Plan) -> Iterator[Plan]:
    """``plan`` and every node below it, depth first (subquery plans included)."""
    stack = [plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(inputs(node)))
        stack.extend(subquery_plans(node))


def subquery_plans(plan: Plan) -> list[Plan]:
    """Plans of subqueries appearing in the node's own expressions."""
    found = []
    for expr in expressions_of(plan):
        for node in walk(expr):
            if isinstance(node, ScalarSubquery | Exists | InSubquery):
                found.append(node.plan)
    return found


def produced_cids(plan: Plan) -> set[int]:
    """Column ids produced by any node of ``plan`` (its own subqueries excluded)."""
    produced: set[int] = set()
    stack = [plan]
    while stack:
        node = stack.pop()
        produced.update(f.cid for f in node.fields)
        if isinstance(node, Update | Delete):
            produced.add(node.rid_cid)
        stack.extend(inputs(node))
    return produced


def outer_references(plan: Plan) -> set[int]:
    """Column ids ``plan`` reads but does not produce: the outer columns of a correlated
    subquery (empty for an uncorrelated one)."""
    from pyram.plan.expr import ColumnRef

    produced = produced_cids(plan)
    referenced: set[int] = set()
    stack = [plan]
    while stack:
        node = stack.pop()
        for expr in expressions_of(node):
            for sub in walk(expr):
                if isinstance(sub, ColumnRef):
                    referenced.add(sub.cid)
                elif isinstance(sub, ScalarSubquery | Exists | InSubquery):
                    referenced |= outer_references(sub.plan)
        stack.extend(inputs(node))
    return referenced - produced
