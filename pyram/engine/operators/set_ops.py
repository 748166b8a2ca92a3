"""Set operations: UNION, INTERSECT and EXCEPT, each with or without ALL.

Place in the pipeline: built from ``plan.nodes.SetOp``. Rows are compared as tuples, so NULLs
equal each other (as SQL's set operations want). Without ALL the result has no duplicates; with
ALL it follows bag semantics: UNION ALL concatenates, INTERSECT ALL keeps min(l, r) copies of a
row, EXCEPT ALL keeps max(l - r, 0). Output follows the left input's order (then the right's).

Equal rows may differ in representation when a column mixes INTEGER and REAL (1 = 1.0); which
one survives follows SQLite. Without an ORDER BY of the compound it keeps the LAST of equal rows
(its temporary index overwrites): the last of all for UNION, the last of the left input for
INTERSECT / EXCEPT. With one (``ordered``) it merges sorted inputs: the first of each input, and
for UNION a right row beats an equal left one. For such columns UNION collects every row before
emitting (the common all-INTEGER / TEXT case streams).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import batch_of, pull, rows_of
from pyram.plan.expr import Field
from pyram.plan.nodes import SetOpKind

__all__ = ["SetOperation"]


class SetOperation(Operator):
    """``left kind [ALL] right``; both inputs have the same number of columns."""

    __slots__ = ("all", "keep_last", "kind", "ordered")

    def __init__(
        self,
        kind: SetOpKind,
        all: bool,
        left: Operator,
        right: Operator,
        fields: tuple[Field, ...],
        estimated_rows: float = 0.0,
        ordered: bool = False,
    ) -> None:
        if len(left.fields) != len(right.fields):
            raise ValueError("set operation inputs must have the same number of columns")
        super().__init__(fields, (left, right), estimated_rows)
        self.kind = kind
        self.all = all
        self.ordered = ordered
        #: a column may hold equal values of different representations (1 and 1.0)
        self.keep_last = any(
            _mixed_numbers(a.dtype.name, b.dtype.name)
            for a, b in zip(left.fields, right.fields, strict=True)
        )

    @property
    def name(self) -> str:
        return {"union": "Union", "intersect": "Intersect", "except": "Except"}[self.kind]

    def describe(self) -> str:
        return "ALL" if self.all else "DISTINCT"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        if self.kind == "union":
            return self._union(ctx)
        return self._intersect_or_except(ctx)

    def _union(self, ctx: ExecContext) -> Iterator[Batch]:
        left, right = self.children
        width = len(self.fields)
        if self.keep_last and not self.all:
            if self.ordered:  # the first of each input, the right's beating the left's
                kept = _first_rows(left, ctx)
                kept.update(_first_rows(right, ctx))
            else:  # the last of all
                kept = _last_rows(left, ctx)
                kept.update(_last_rows(right, ctx))
            if kept:
                yield batch_of(list(kept.values()), width)
            return
        seen: set[tuple[Any, ...]] = set()
        for child in (left, right):
            for batch in pull(child, ctx):
                if self.all:
                    yield batch
                    continue
                fresh = [r for r in dict.fromkeys(rows_of(batch)) if r not in seen]
                if fresh:
                    seen.update(fresh)
                    yield batch_of(fresh, width)

    def _intersect_or_except(self, ctx: ExecContext) -> Iterator[Batch]:
        left, right = self.children
        width = len(self.fields)
        counts: Counter[tuple[Any, ...]] = Counter()
        for batch in pull(right, ctx):
            counts.update(rows_of(batch))
        keep_common = self.kind == "intersect"
        if self.keep_last and not self.all and not self.ordered:  # the last of the left's
            kept = [r for r in _last_rows(left, ctx).values() if (r in counts) == keep_common]
            if kept:
                yield batch_of(kept, width)
            return
        emitted: set[tuple[Any, ...]] = set()
        for batch in pull(left, ctx):
            if self.all:
                out = _bag_step(rows_of(batch), counts, keep_common)
            else:
                out = [
                    r
                    for r in dict.fromkeys(rows_of(batch))
                    if (r in counts) == keep_common and r not in emitted
                ]
                emitted.update(out)
            if out:
                yield batch_of(out, width)


def _bag_step(
    rows: list[tuple[Any, ...]], counts: Counter[tuple[Any, ...]], keep_common: bool
) -> list[tuple[Any, ...]]:
    """INTERSECT ALL (``keep_common``) or EXCEPT ALL over one batch of left rows; each left
    row consumes one remaining copy of itself from the right side's ``counts``."""
    out = []
    for row in rows:
        if counts[row] > 0:
            counts[row] -= 1
            if keep_common:
                out.append(row)
        elif not keep_common:
            out.append(row)
    return out


def _last_rows(child: Operator, ctx: ExecContext) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Distinct rows of ``child`` -> the last of the rows equal to each."""
    last: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for batch in pull(child, ctx):
        rows = rows_of(batch)
        last.update(zip(rows, rows, strict=True))  # an equal key keeps its slot, takes the row
    return last


def _first_rows(child: Operator, ctx: ExecContext) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Distinct rows of ``child`` -> the first of the rows equal to each."""
    first: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for batch in pull(child, ctx):
        for row in rows_of(batch):
            first.setdefault(row, row)
    return first


def _mixed_numbers(left: str, right: str) -> bool:
    """True when a column of these two input types may hold an INTEGER and an equal REAL (a
    REAL-typed expression may carry INTEGER values: CASE, COALESCE, text read as a number)."""
    numeric = {"INTEGER", "REAL"}
    return left in numeric and right in numeric and "REAL" in (left, right)
