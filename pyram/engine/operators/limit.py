"""Limit: at most ``limit`` rows after skipping ``offset`` rows, streaming.

Place in the pipeline: built from ``plan.nodes.Limit`` (over a ``Sort`` it becomes a TopN
instead). Counts are evaluated once per execution (they may be parameters); the child is closed
as soon as enough rows passed, so scans below stop reading.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyram.engine.batch import Batch
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import ConstantFn, compile_constant, pull, row_bound
from pyram.plan.expr import PlanExpr

__all__ = ["LimitOp"]


class LimitOp(Operator):
    """The rows of ``child`` from ``offset`` on, at most ``limit`` of them (None: no limit)."""

    explain_name = "Limit"

    __slots__ = ("_limit", "_offset", "limit", "offset")

    def __init__(
        self,
        child: Operator,
        limit: PlanExpr | None,
        offset: PlanExpr | None = None,
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(child.fields, (child,), estimated_rows)
        self.limit = limit
        self.offset = offset
        self._limit: ConstantFn | None = None if limit is None else compile_constant(limit)
        self._offset: ConstantFn | None = None if offset is None else compile_constant(offset)

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        parts = []
        if self.limit is not None:
            parts.append(f"LIMIT {format_expr(self.limit)}")
        if self.offset is not None:
            parts.append(f"OFFSET {format_expr(self.offset)}")
        return " ".join(parts)

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        remaining = None if self._limit is None else row_bound(self._limit(ctx), "LIMIT")
        skip = 0 if self._offset is None else row_bound(self._offset(ctx), "OFFSET") or 0
        if remaining == 0:
            return
        batches = pull(self.children[0], ctx)
        try:
            for batch in batches:
                rows = batch.row_count
                if skip >= rows:
                    skip -= rows
                    continue
                if skip or (remaining is not None and remaining < rows):
                    batch = _window(batch.dense(), skip, remaining)
                    skip = 0
                    rows = batch.length
                yield batch
                if remaining is not None:
                    remaining -= rows
                    if remaining <= 0:
                        return
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()


def _window(batch: Batch, skip: int, take: int | None) -> Batch:
    """Rows ``skip .. skip+take`` of a dense batch."""
    end = batch.length if take is None else min(batch.length, skip + take)
    return Batch([col[skip:end] for col in batch.columns], end - skip)
