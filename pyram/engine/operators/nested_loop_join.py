"""NestedLoopJoin: cross joins and joins on conditions without usable equalities (every kind).

Place in the pipeline: the physical planner's fallback when a join has no equi-key. The right
side is materialised once per execution. For each left batch the condition is evaluated with one
kernel call per row of the smaller side: the condition is compiled twice, once over the right
layout (left columns become per-call constants through ``ctx.with_outer``) and once over the
left layout, so each call is a comprehension over the other side's columns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import compress, repeat
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import Kernel, compile_filter
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import gather, materialize, pull, referenced_cids
from pyram.engine.operators.join_output import (
    emit_pairs,
    emit_unmatched_right,
    output_fields,
    repeat_positions,
)
from pyram.plan.expr import Field, PlanExpr
from pyram.plan.nodes import JoinKind

__all__ = ["NestedLoopJoin"]


class _Side:
    """The condition compiled over one side's layout, the other side's columns as constants."""

    __slots__ = ("kernel", "outer")

    def __init__(
        self, condition: PlanExpr, own: tuple[Field, ...], other: tuple[Field, ...]
    ) -> None:
        self.kernel: Kernel = compile_filter(condition, {f.cid: i for i, f in enumerate(own)})
        used = referenced_cids(condition)
        #: (cid, position in the other side's batch) of the other side's columns it reads
        self.outer = [(f.cid, i) for i, f in enumerate(other) if f.cid in used]

    def matches(
        self, own: Batch, other_columns: Sequence[Sequence[Any]], row: int, ctx: ExecContext
    ) -> list[int]:
        """Positions of ``own`` that satisfy the condition with row ``row`` of the other side."""
        values = {cid: other_columns[p][row] for cid, p in self.outer}
        mask = self.kernel(own, ctx.with_outer(values) if values else ctx)
        return list(compress(range(own.length), mask))


class NestedLoopJoin(Operator):
    """``left kind JOIN right ON condition`` by evaluating the condition on every pair."""

    __slots__ = ("_by_left_row", "_by_right_row", "_right_positions", "condition", "kind")

    def __init__(
        self,
        kind: JoinKind,
        left: Operator,
        right: Operator,
        condition: PlanExpr | None = None,
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(
            output_fields(kind, left.fields, right.fields), (left, right), estimated_rows
        )
        self.kind = kind
        self.condition = condition
        self._by_left_row: _Side | None = None
        self._by_right_row: _Side | None = None
        if condition is not None:
            self._by_left_row = _Side(condition, right.fields, left.fields)
            self._by_right_row = _Side(condition, left.fields, right.fields)

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        on = "" if self.condition is None else f" ON {format_expr(self.condition)}"
        return f"{self.kind.upper()}{on}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        left, right = self.children
        kind = self.kind
        columns, m = materialize(pull(right, ctx), len(right.fields))
        right_batch = Batch(columns, m)
        null_row: int | None = None
        if kind in ("left", "full"):
            null_row = m
        matched: set[int] | None = set() if kind in ("right", "full") else None
        padded = [[*col, None] for col in columns] if null_row is not None else columns
        for batch in pull(left, ctx):
            batch = batch.dense()
            if not batch.length:
                continue
            lp, rp = self._pairs(batch, right_batch, ctx)
            if matched is not None:
                matched.update(rp)
            yield from emit_pairs(kind, batch, lp, rp, padded, null_row)
        if matched is not None:
            yield from emit_unmatched_right(len(left.fields), columns, m, matched)

    def _pairs(self, left: Batch, right: Batch, ctx: ExecContext) -> tuple[list[int], list[int]]:
        """All (left position, right position) pairs satisfying the condition, left ascending."""
        n, m = left.length, right.length
        if not m:
            return [], []
        if self._by_left_row is None or self._by_right_row is None:
            return repeat_positions([m] * n), list(range(m)) * n
        if n <= m:
            side = self._by_left_row
            lp: list[int] = []
            rp: list[int] = []
            for i in range(n):
                found = side.matches(right, left.columns, i, ctx)
                lp.extend(repeat(i, len(found)))
                rp.extend(found)
            return lp, rp
        side = self._by_right_row
        lp, rp = [], []
        for j in range(m):
            found = side.matches(left, right.columns, j, ctx)
            lp.extend(found)
            rp.extend(repeat(j, len(found)))
        # stable sort by left position: pairs of one left row keep right order
        order = sorted(range(len(lp)), key=lp.__getitem__)
        return gather(lp, order), gather(rp, order)
