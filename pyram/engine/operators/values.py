"""Values: literal rows (``VALUES (...), (...)``, and ``SELECT`` without ``FROM``).

Place in the pipeline: a leaf built from ``plan.nodes.Values``. Cells are row-independent
expressions: literals are used as they are, anything else (parameters, arithmetic, subqueries)
is compiled once and evaluated once per execution.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyram.engine.batch import Batch
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import ConstantFn, batch_of, compile_constant
from pyram.plan.expr import Expr, Field

__all__ = ["Values"]


class Values(Operator):
    """The rows given, as one batch."""

    __slots__ = ("_cells", "rows")

    def __init__(
        self,
        rows: tuple[tuple[Expr, ...], ...],
        fields: tuple[Field, ...],
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(fields, (), estimated_rows or float(len(rows)))
        self.rows = rows
        self._cells: list[list[ConstantFn]] = [[compile_constant(e) for e in row] for row in rows]

    def describe(self) -> str:
        return f"{len(self.rows)} row{'s' if len(self.rows) != 1 else ''}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        if self._cells:
            rows = [tuple(cell(ctx) for cell in row) for row in self._cells]
            yield batch_of(rows, len(self.fields))
