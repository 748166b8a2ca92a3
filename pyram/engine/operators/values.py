"""Values: literal rows (``VALUES (...), (...)``, and ``SELECT`` without ``FROM``).

Place in the pipeline: a leaf built from ``plan.nodes.Values``. Cells are row-independent
expressions: literals are used as they are, anything else (parameters, arithmetic, subqueries)
is compiled once and evaluated once per execution.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import ConstantFn, batch_of, compile_constant
from pyram.errors import ProgrammingError
from pyram.plan.expr import Field, Literal_, Param, PlanExpr

__all__ = ["ValuesOp"]


class ValuesOp(Operator):
    """The rows given, as one batch."""

    explain_name = "Values"

    __slots__ = ("_cells", "_direct", "rows")

    def __init__(
        self,
        rows: tuple[tuple[PlanExpr, ...], ...],
        fields: tuple[Field, ...],
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(fields, (), estimated_rows or float(len(rows)))
        self.rows = rows
        self._cells: list[list[ConstantFn]] = []
        #: rows of literals and parameters only (a long INSERT ... VALUES): per cell a
        #: (is parameter, literal value or parameter key) pair read without a call
        self._direct: list[tuple[tuple[bool, Any], ...]] | None = None
        if all(isinstance(e, Literal_ | Param) for row in rows for e in row):
            self._direct = [tuple(_direct_cell(e) for e in row) for row in rows]
        else:
            self._cells = [[compile_constant(e) for e in row] for row in rows]

    def describe(self) -> str:
        return f"{len(self.rows)} row{'s' if len(self.rows) != 1 else ''}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        if self._direct is not None:
            params = ctx.params
            try:
                rows = [tuple(params[v] if p else v for p, v in row) for row in self._direct]
            except KeyError as missing:
                raise ProgrammingError(f"no value given for parameter {missing}") from None
            if rows:
                yield batch_of(rows, len(self.fields))
            return
        if self._cells:
            rows = [tuple(cell(ctx) for cell in row) for row in self._cells]
            yield batch_of(rows, len(self.fields))


def _direct_cell(expr: PlanExpr) -> tuple[bool, Any]:
    """(True, key) for a parameter, (False, value) for a literal."""
    if isinstance(expr, Param):
        return True, expr.key
    assert isinstance(expr, Literal_)
    return False, expr.value
