"""Recursive CTEs: :class:`RecursiveCteOp` and the :class:`WorkTableOp` its step reads.

Place in the pipeline: built from ``plan.nodes.RecursiveCte`` / ``WorkTable``. The operator
yields the anchor's rows, then runs the step over the previous round's rows (left in the
execution context for the step's work-table leaf) until a round produces nothing. Rounds are
yielded as they come, so a LIMIT above stops an unbounded recursion, as in SQLite. With UNION
(not ALL) rows already produced are dropped, which also ends cycles.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import resolve_constants, value_error
from pyram.engine.compile.row_step import FilterStage, ProjectStage, RowStep, compile_row_step
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import batch_of, pull, rows_of
from pyram.engine.operators.filter import FilterOp
from pyram.engine.operators.project import ProjectOp
from pyram.plan.expr import Field

__all__ = ["RecursiveCteOp", "WorkTableOp"]


def _work_key(work_id: int) -> tuple[str, int]:
    return ("work table", work_id)


class WorkTableOp(Operator):
    """The rows of the current round of a recursive CTE."""

    __slots__ = ("work_id",)

    def __init__(self, work_id: int, fields: tuple[Field, ...]) -> None:
        super().__init__(fields, ())
        self.work_id = work_id

    def describe(self) -> str:
        return f"#{self.work_id}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        rows: list[tuple[Any, ...]] = ctx.cache.get(_work_key(self.work_id), [])
        if rows:
            yield batch_of(rows, len(self.fields))


#: queued rows the row-step kernel handles per call (and the most rows of a yielded batch)
_CHUNK = 1024


class RecursiveCteOp(Operator):
    """Anchor rows, then step rounds over the previous round until one adds no rows."""

    __slots__ = ("_row_step", "keep_all", "work_id")

    def __init__(
        self,
        anchor: Operator,
        step: Operator,
        keep_all: bool,
        work_id: int,
        fields: tuple[Field, ...],
    ) -> None:
        super().__init__(fields, (anchor, step))
        self.keep_all = keep_all
        self.work_id = work_id
        self._row_step = _row_step(step, work_id, keep_all)

    def describe(self) -> str:
        return f"#{self.work_id}{' all' if self.keep_all else ''}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        if self._row_step is not None:
            yield from self._execute_queue(ctx, self._row_step)
            return
        anchor, step = self.children
        seen: set[tuple[Any, ...]] = set()
        rows = self._new_rows(anchor, ctx, seen)
        key = _work_key(self.work_id)
        while rows:
            yield batch_of(rows, len(self.fields))
            ctx.cache[key] = rows
            rows = self._new_rows(step, ctx, seen)
        ctx.cache.pop(key, None)

    def _execute_queue(self, ctx: ExecContext, row_step: RowStep) -> Iterator[Batch]:
        """The queue form (a step that only filters and computes): rows are yielded first in,
        first out, a chunk at a time, and each chunk's new rows are appended by the kernel."""
        seen: set[tuple[Any, ...]] | None = None if self.keep_all else set()
        queue = self._new_rows(self.children[0], ctx, seen if seen is not None else set())
        k = resolve_constants(row_step.constants, ctx) if row_step.constants else ()
        width = len(self.fields)
        start = 0
        while start < len(queue):
            try:
                stop = row_step.fn(queue, start, start + _CHUNK, k, ctx, seen)
            except (TypeError, OverflowError) as exc:
                raise value_error(exc) from None
            yield batch_of(queue[start:stop], width)
            if stop >= _CHUNK * 64:  # drop what was yielded (amortised O(1) per row)
                del queue[:stop]
                stop = 0
            start = stop

    def _new_rows(
        self, child: Operator, ctx: ExecContext, seen: set[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        rows = [row for batch in pull(child, ctx) for row in rows_of(batch)]
        if self.keep_all:
            return rows
        fresh = []
        for row in rows:
            if row not in seen:
                seen.add(row)
                fresh.append(row)
        return fresh


def _row_step(step: Operator, work_id: int, keep_all: bool) -> RowStep | None:
    """The step as a row-step kernel when it is only filters and projections over this CTE's
    work table (each row then makes at most one row); None for any other step."""
    stages: list[FilterStage | ProjectStage] = []
    node = step
    while isinstance(node, FilterOp | ProjectOp):
        child = node.children[0]
        if isinstance(node, FilterOp):
            stages.append(FilterStage(node.predicate, child.layout()))
        else:
            stages.append(ProjectStage(node.exprs, child.layout()))
        node = child
    if not (isinstance(node, WorkTableOp) and node.work_id == work_id):
        return None
    stages.reverse()
    return compile_row_step(stages, len(node.fields), keep_all)
