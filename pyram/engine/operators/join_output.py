"""What every join operator shares once candidate pairs are known: the residual condition,
and turning (left position, right position) pairs into output batches for each join kind.

Place in the pipeline: used by :mod:`.hash_join`, :mod:`.nested_loop_join` and
:mod:`.index_join`. A join computes, per left (probe) batch, two parallel position lists
``lp``/``rp``; this module filters them by the residual kernel and gathers the output columns
with one ``itemgetter`` per column (kernels.md sections 6 and 8).

Left and full joins keep the left batch's row order: the materialised right side gets one extra
all-NULL "null row" at position ``m`` and unmatched left rows pair with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain, compress, filterfalse, repeat
from typing import Any

import attrs

from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import Kernel, compile_filter
from pyram.engine.operator import ExecContext
from pyram.engine.operators.common import gather, gather_columns, positions_for
from pyram.plan.expr import Field, PlanExpr
from pyram.plan.nodes import JoinKind

__all__ = [
    "Residual",
    "emit_pairs",
    "emit_unmatched_right",
    "output_fields",
    "repeat_positions",
]


def output_fields(
    kind: JoinKind, left: tuple[Field, ...], right: tuple[Field, ...]
) -> tuple[Field, ...]:
    """A join's output fields, as ``plan.nodes.Join.fields`` defines them: the left side only
    for semi/anti joins, else left then right, the padded side(s) of outer joins nullable."""
    if kind in ("semi", "anti"):
        return left
    if kind in ("right", "full"):
        left = tuple(attrs.evolve(f, nullable=True) for f in left)
    if kind in ("left", "full"):
        right = tuple(attrs.evolve(f, nullable=True) for f in right)
    return left + right


class Residual:
    """A compiled non-equi join condition over the concatenated left + right layout."""

    __slots__ = ("expr", "kernel", "left_positions", "right_positions")

    def __init__(self, expr: PlanExpr, left: tuple[Field, ...], right: tuple[Field, ...]) -> None:
        layout = {f.cid: i for i, f in enumerate(left + right)}
        width = len(left)
        self.expr = expr
        self.kernel: Kernel = compile_filter(expr, layout)
        used = positions_for([expr], layout)
        self.left_positions = [p for p in used if p < width]
        self.right_positions = [p - width for p in used if p >= width]

    def apply(
        self,
        left_columns: Sequence[Sequence[Any]],
        lp: list[int],
        right_columns: Sequence[Sequence[Any]],
        rp: list[int],
        ctx: ExecContext,
    ) -> tuple[list[int], list[int]]:
        """The pairs for which the condition is TRUE."""
        if not lp:
            return lp, rp
        columns: list[list[Any]] = [[] for _ in left_columns]
        columns += [[] for _ in right_columns]
        for p in self.left_positions:
            columns[p] = gather(left_columns[p], lp)
        offset = len(left_columns)
        for p in self.right_positions:
            columns[offset + p] = gather(right_columns[p], rp)
        mask = self.kernel(Batch(columns, len(lp)), ctx)
        return list(compress(lp, mask)), list(compress(rp, mask))


def emit_pairs(
    kind: JoinKind,
    left: Batch,
    lp: list[int],
    rp: list[int],
    right_columns: Sequence[Sequence[Any]],
    null_row: int | None,
) -> Iterator[Batch]:
    """Output batches of one dense left batch given its matching pairs.

    Args:
        kind: the join kind (right/full joins also track matched right rows: the caller's job).
        left: the dense left batch.
        lp, rp: matching pairs (lp ascending), after the residual condition.
        right_columns: right-side columns addressed by ``rp``.
        null_row: the position of an all-NULL row in ``right_columns`` (left/full joins keep
            left order through it), or None: unmatched left rows then come in a second batch.
    """
    n = left.length
    if kind in ("semi", "anti"):
        matched = set(lp)
        mask = list(map(matched.__contains__, range(n)))
        if kind == "anti":
            mask = [not m for m in mask]
        if True in mask:
            yield Batch(left.columns, n, mask)
        return
    unmatched: list[int] = []
    if kind in ("left", "full"):
        unmatched = list(filterfalse(set(lp).__contains__, range(n)))
    if unmatched and null_row is not None:
        lp, rp = _merge_unmatched(lp, rp, unmatched, null_row)
        unmatched = []
    if lp:
        yield Batch(_left_columns(left, lp) + gather_columns(right_columns, rp), len(lp))
    if unmatched:
        nulls = [[None] * len(unmatched) for _ in right_columns]
        yield Batch(gather_columns(left.columns, unmatched) + nulls, len(unmatched))


def _left_columns(left: Batch, lp: list[int]) -> list[list[Any]]:
    """Left columns at ``lp``; the batch's own lists when ``lp`` is every row in order."""
    if len(lp) == left.length and lp == list(range(len(lp))):
        # one pair per row, in order: comparing costs far less than gathering every column
        return list(left.columns)
    return gather_columns(left.columns, lp)


def _merge_unmatched(
    lp: list[int], rp: list[int], unmatched: list[int], null_row: int
) -> tuple[list[int], list[int]]:
    """Pairs plus (row, null_row) for each unmatched left row, in left-row order."""
    all_l = lp + unmatched
    all_r = rp + [null_row] * len(unmatched)
    if lp and unmatched[0] < lp[-1]:
        # Timsort merges the two ascending runs in linear time; it is stable, so pairs of one
        # left row keep their order.
        order = sorted(range(len(all_l)), key=all_l.__getitem__)
        all_l = gather(all_l, order)
        all_r = gather(all_r, order)
    return all_l, all_r


def emit_unmatched_right(
    left_width: int, right_columns: Sequence[Sequence[Any]], m: int, matched: set[int]
) -> Iterator[Batch]:
    """Right/full joins, after all left batches: right rows nothing matched, left side NULL."""
    unmatched = list(filterfalse(matched.__contains__, range(m)))
    if unmatched:
        nulls: list[list[Any]] = [[None] * len(unmatched) for _ in range(left_width)]
        yield Batch(nulls + gather_columns(right_columns, unmatched), len(unmatched))


def repeat_positions(counts: Sequence[int]) -> list[int]:
    """``[0] * counts[0] + [1] * counts[1] + ...`` built in C (kernels.md section 6)."""
    return list(chain.from_iterable(map(repeat, range(len(counts)), counts)))
