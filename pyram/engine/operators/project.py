"""Project: compute the output expressions for every input row.

Place in the pipeline: built from ``plan.nodes.Project``. Each expression is compiled once into
a value kernel; a plain column reference compiles to its batch position and its list is reused
without copying. A batch with a selection is made dense first, compressing only the columns the
expressions read.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import compile_values
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import dense_view, evaluate, positions_for, pull
from pyram.plan.expr import Field, PlanExpr

__all__ = ["ProjectOp"]


class ProjectOp(Operator):
    """``exprs`` evaluated over ``child``'s rows; ``fields`` name them."""

    explain_name = "Project"

    __slots__ = ("_kernels", "_positions", "exprs")

    def __init__(
        self,
        child: Operator,
        exprs: tuple[PlanExpr, ...],
        fields: tuple[Field, ...],
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(fields, (child,), estimated_rows)
        layout = child.layout()
        self.exprs = exprs
        self._kernels = [compile_values(e, layout) for e in exprs]
        self._positions = positions_for(exprs, layout)

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        return ", ".join(
            format_expr(e) + ("" if f.name == format_expr(e) else f" AS {f.name}")
            for e, f in zip(self.exprs, self.fields, strict=True)
        )

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        kernels, positions = self._kernels, self._positions
        for batch in pull(self.children[0], ctx):
            batch = dense_view(batch, positions)
            if not batch.length:
                continue
            yield Batch([evaluate(k, batch, ctx) for k in kernels], batch.length)
