"""The protocol every logical plan node follows, and the tree walks built on it.

A node owns its children and its expressions, so rules, the planner and displays never list
node classes to find them:

* ``inputs`` / ``with_inputs(*plans)``: the child plans, and the node over new ones;
* ``expressions`` / ``with_expressions(exprs)``: the expressions the node evaluates itself (in
  a fixed order), and the node over new ones in that order;
* ``label(labels)``: its one-line EXPLAIN text (children print below it);
* ``passes_columns``: True when the node's output columns are input columns (same column
  ids, values unchanged): filters, sorts, limits, joins, windows (which add their own). Column
  pruning and origin tracking see through such nodes; any other node is assumed to read every
  input column, a safe default for a new node.

Nodes are frozen attrs classes (see :mod:`pyram.plan.nodes`); the ``with_*`` methods return the
node itself when nothing changed, so an untouched subtree keeps its identity.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar

import attrs

from pyram.plan.expr import ColumnRef, Exists, Field, InSubquery, PlanExpr, ScalarSubquery, walk

if TYPE_CHECKING:
    from pyram.plan.display import SubqueryLabels

__all__ = [
    "Plan",
    "outer_references",
    "produced_cids",
    "referenced_cids",
    "same",
    "subquery_plans",
    "walk_plan",
]


def same(new: Sequence[object], old: Sequence[object]) -> bool:
    """True when ``new`` holds exactly the objects of ``old`` (identity, same length)."""
    return len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True))


class Plan:
    """Base of logical plan nodes (not instantiated): a leaf without expressions."""

    __slots__ = ()

    #: the output columns are input columns (same ids, same values), see the module docstring
    passes_columns: ClassVar[bool] = False

    @property
    def fields(self) -> tuple[Field, ...]:
        """The node's output columns."""
        raise NotImplementedError

    @property
    def inputs(self) -> tuple[Plan, ...]:
        """The direct child plans, in a fixed order."""
        return ()

    def with_inputs(self, *plans: Plan) -> Plan:
        """This node over new children (in :attr:`inputs` order)."""
        if plans:
            raise ValueError(f"{type(self).__name__} has no inputs")
        return self

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        """The expressions the node evaluates itself (not its children's), in a fixed order."""
        return ()

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        """This node with its expressions replaced (in :attr:`expressions` order)."""
        if exprs:
            raise ValueError(f"{type(self).__name__} has no expressions")
        return self

    def label(self, labels: SubqueryLabels) -> str:
        """One line of EXPLAIN text (subquery plans named through ``labels``)."""
        return type(self).__name__

    def produced(self) -> set[int]:
        """Column ids this node makes (its output fields)."""
        return {f.cid for f in self.fields}


class OneInput(Plan):
    """A node over one child, its ``input``."""

    __slots__ = ()
    input: Plan

    @property
    def inputs(self) -> tuple[Plan, ...]:
        return (self.input,)

    def with_inputs(self, *plans: Plan) -> Plan:
        (child,) = plans
        return self if child is self.input else attrs.evolve(self, input=child)  # type: ignore[misc]


class TwoInputs(Plan):
    """A node over ``left`` and ``right``."""

    __slots__ = ()
    left: Plan
    right: Plan

    @property
    def inputs(self) -> tuple[Plan, ...]:
        return (self.left, self.right)

    def with_inputs(self, *plans: Plan) -> Plan:
        left, right = plans
        if left is self.left and right is self.right:
            return self
        return attrs.evolve(self, left=left, right=right)  # type: ignore[misc]


class OwnFields(Plan):
    """A node whose output columns are its ``out`` field."""

    __slots__ = ()
    out: tuple[Field, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.out


class PassesFields(OneInput):
    """A node outputting exactly its input's columns (filters, sorts, limits...)."""

    __slots__ = ()
    passes_columns: ClassVar[bool] = True

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.input.fields


class NoFields(Plan):
    """A data-changing statement: no output columns (the engine reports a row count)."""

    __slots__ = ()

    @property
    def fields(self) -> tuple[Field, ...]:
        return ()


def walk_plan(plan: Plan) -> Iterator[Plan]:
    """``plan`` and every node below it, depth first (subquery plans included)."""
    stack = [plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.inputs))
        stack.extend(subquery_plans(node))


def subquery_plans(plan: Plan) -> list[Plan]:
    """Plans of subqueries appearing in the node's own expressions."""
    found = []
    for expr in plan.expressions:
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
        produced |= node.produced()
        stack.extend(node.inputs)
    return produced


def outer_references(plan: Plan) -> set[int]:
    """Column ids ``plan`` reads but does not produce: the outer columns of a correlated
    subquery (empty for an uncorrelated one)."""
    produced = produced_cids(plan)
    referenced: set[int] = set()
    stack = [plan]
    while stack:
        node = stack.pop()
        for expr in node.expressions:
            for sub in walk(expr):
                if isinstance(sub, ColumnRef):
                    referenced.add(sub.cid)
                elif isinstance(sub, ScalarSubquery | Exists | InSubquery):
                    referenced |= outer_references(sub.plan)
        stack.extend(node.inputs)
    return referenced - produced


def referenced_cids(*exprs: PlanExpr) -> set[int]:
    """Column ids the expressions read from their input, including the outer columns their
    correlated subqueries read (the one definition the optimizer and the engine share)."""
    found: set[int] = set()
    for expr in exprs:
        for node in walk(expr):
            if isinstance(node, ColumnRef):
                found.add(node.cid)
            elif isinstance(node, ScalarSubquery | Exists | InSubquery):
                found |= outer_references(node.plan)
    return found
