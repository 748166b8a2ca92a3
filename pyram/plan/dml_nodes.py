"""Logical plan nodes of data-changing statements: Insert, Update and Delete.

They follow the node protocol of :mod:`pyram.plan.node_base` like every query node (and are
re-exported by :mod:`pyram.plan.nodes`); they output no columns, the engine reports a row count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import attrs

from pyram.plan.display import SubqueryLabels, format_expr
from pyram.plan.expr import Field, PlanExpr
from pyram.plan.node_base import NoFields, OneInput, Plan, same

__all__ = ["Delete", "Insert", "OnConflict", "Update"]


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
    assignments: tuple[tuple[str, PlanExpr], ...] = ()
    where: PlanExpr | None = None
    existing: tuple[Field, ...] = ()
    excluded: tuple[Field, ...] = ()

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        """The ``"update"`` assignments' values and condition (they read ``existing`` and
        ``excluded``, not the INSERT's input, so they are not the node's own expressions)."""
        values = tuple(x for _, x in self.assignments)
        return values if self.where is None else (*values, self.where)


@attrs.frozen(slots=True)
class Insert(NoFields):
    """Insert the rows of ``source`` into ``table``; ``columns`` name the target columns in the
    order of ``source``'s fields (missing columns take their defaults). ``on_conflict`` says
    what happens to rows whose unique key is taken (None: the statement fails)."""

    table: str
    columns: tuple[str, ...]
    source: Plan
    on_conflict: OnConflict | None = None

    @property
    def inputs(self) -> tuple[Plan, ...]:
        return (self.source,)

    def with_inputs(self, *plans: Plan) -> Plan:
        (source,) = plans
        return self if source is self.source else attrs.evolve(self, source=source)

    def label(self, labels: SubqueryLabels) -> str:
        text = f"Insert {self.table} [{', '.join(self.columns)}]"
        conflict = self.on_conflict
        if conflict is not None:
            target = f" ({', '.join(conflict.target)})" if conflict.target else ""
            text += f" on conflict{target} {conflict.action}"
            if conflict.assignments:
                text += " " + _assignments(conflict.assignments, labels)
            if conflict.where is not None:
                text += f" where {format_expr(conflict.where, labels)}"
        return text


def _assignments(assignments: tuple[tuple[str, PlanExpr], ...], labels: SubqueryLabels) -> str:
    return ", ".join(f"{name} = {format_expr(x, labels)}" for name, x in assignments)


@attrs.frozen(slots=True)
class Update(OneInput, NoFields):
    """Set ``assignments`` (column name, new value) on the rows ``input`` yields.

    ``input`` produces the target table's fields plus a trailing row-id field (``rid_cid``).
    """

    table: str
    input: Plan
    assignments: tuple[tuple[str, PlanExpr], ...]
    rid_cid: int

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return tuple(e for _, e in self.assignments)

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> Plan:
        if same(exprs, self.expressions):
            return self
        names = (name for name, _ in self.assignments)
        return attrs.evolve(self, assignments=tuple(zip(names, exprs, strict=True)))

    def label(self, labels: SubqueryLabels) -> str:
        return f"Update {self.table} SET {_assignments(self.assignments, labels)}"

    def produced(self) -> set[int]:
        return {self.rid_cid}


@attrs.frozen(slots=True)
class Delete(OneInput, NoFields):
    """Delete the rows ``input`` yields (by the row-id field ``rid_cid``)."""

    table: str
    input: Plan
    rid_cid: int

    def label(self, labels: SubqueryLabels) -> str:
        return f"Delete {self.table}"

    def produced(self) -> set[int]:
        return {self.rid_cid}
