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
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import batch_of, pull, rows_of
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


class RecursiveCteOp(Operator):
    """Anchor rows, then step rounds over the previous round until one adds no rows."""

    __slots__ = ("keep_all", "work_id")

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

    def describe(self) -> str:
        return f"#{self.work_id}{' all' if self.keep_all else ''}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        anchor, step = self.children
        seen: set[tuple[Any, ...]] = set()
        rows = self._new_rows(anchor, ctx, seen)
        key = _work_key(self.work_id)
        while rows:
            yield batch_of(rows, len(self.fields))
            ctx.cache[key] = rows
            rows = self._new_rows(step, ctx, seen)
        ctx.cache.pop(key, None)

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
