"""Filter: keep the rows whose predicate is TRUE.

Place in the pipeline: built from ``plan.nodes.Filter``. The predicate is compiled once (plan
time) into a mask kernel (:func:`pyram.engine.compile.kernels.compile_filter`). Output batches
share the input's column lists and carry the mask as their selection; consumers compress.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import Kernel, compile_filter, compile_filter_column
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import pull
from pyram.plan.expr import PlanExpr

__all__ = ["FilterOp"]


class FilterOp(Operator):
    """Rows of ``child`` for which ``predicate`` is TRUE (not FALSE, not NULL)."""

    explain_name = "Filter"

    __slots__ = ("_column_kernel", "_kernel", "predicate")

    def __init__(self, child: Operator, predicate: PlanExpr, estimated_rows: float = 0.0) -> None:
        super().__init__(child.fields, (child,), estimated_rows)
        self.predicate = predicate
        self._kernel = compile_filter(predicate, child.layout())
        # one column filtered on itself (count/sum of val WHERE val > x): keep values directly
        self._column_kernel = compile_filter_column(predicate, child.layout())

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        return format_expr(self.predicate)

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        if self._column_kernel is not None:
            yield from self._execute_column(ctx, self._column_kernel)
            return
        kernel = self._kernel
        for batch in pull(self.children[0], ctx):
            if batch.selection is not None:
                # Unselected positions may hold anything (dead rows are all None, even in NOT
                # NULL columns): kernels only ever see selected rows.
                batch = batch.dense()
            if not batch.length:
                continue
            mask = kernel(batch, ctx)
            if True not in mask:
                continue
            if False not in mask:
                yield batch
            else:
                yield Batch(batch.columns, batch.length, mask)

    def _execute_column(self, ctx: ExecContext, kernel: Kernel) -> Iterator[Batch]:
        for batch in pull(self.children[0], ctx):
            if batch.selection is not None:
                batch = batch.dense()
            if not batch.length:
                continue
            kept = kernel(batch, ctx)
            if kept:
                yield Batch([kept], len(kept))
