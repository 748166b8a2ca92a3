"""Window: window functions over partitions of the input (``OVER (PARTITION BY ... ORDER BY
... frame)``).

Place in the pipeline: built from ``plan.nodes.Window``; every call of one node shares its
partition and order, so the operator orders the rows once: it materialises the input, computes
the PARTITION BY and ORDER BY values with compiled kernels and puts *positions* in window order
with :func:`~pyram.engine.operators.window_order.window_order` (partitions by hashing, each
sorted on its own; each row's ORDER BY key and the ties between peers come with it). row_number,
rank and dense_rank then run over every partition at once (their ``whole`` kernel in
:mod:`pyram.functions.window`: C-level passes, no Python step per partition or per row but
ties). The other calls' arguments are computed once over all rows, then their kernel from
:mod:`pyram.functions.window` (percent_rank, cume_dist, ntile, lag/lead) or
:mod:`pyram.functions.window_frames` (aggregates, first/last/nth_value over frames, linear per
partition) runs per partition on list slices, with the partition's peer groups.

Output: the input's columns in input order, then one column per call (computed in window
order, then put back in each row's place: the order of rows is left open by SQL when the query
has no ORDER BY, and this moves one column per call instead of every input column). Frame offsets,
constant aggregate arguments (group_concat's separator) are evaluated once per execution.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import eq
from typing import Any

from pyram.engine.batch import BATCH_SIZE, Batch
from pyram.engine.compile.kernels import compile_values
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import (
    ConstantFn,
    ValueKernel,
    compile_constant,
    evaluate,
    gather,
    materialize,
    pull,
    referenced_cids,
)
from pyram.engine.operators.window_order import WindowOrder, window_order
from pyram.errors import NotSupportedError
from pyram.functions import aggregate_function
from pyram.functions.window import (
    Partitions,
    Peers,
    WholeKernel,
    nth_value_at,
    peers_of,
    window_function,
)
from pyram.functions.window_frames import Bound, frame_aggregate, frame_bounds, frame_value
from pyram.plan.expr import Field, PlanExpr, SortKey, WindowCall, WindowFrame

__all__ = ["WindowOp"]


class _Call:
    """One window call compiled against the input layout."""

    __slots__ = ("args", "call", "constants", "filter", "kind", "offsets", "whole")

    def __init__(self, call: WindowCall, layout: dict[int, int]) -> None:
        self.call = call
        function = window_function(call.name)
        self.whole: WholeKernel | None = None if function is None else function.whole
        if function is None:
            self.kind = "aggregate"
            for extra in call.args[1:]:
                if referenced_cids(extra):
                    raise NotSupportedError(
                        f"{call.name}(): only the first argument may depend on the row"
                    )
            row_args = call.args[:1]
            self.constants: list[ConstantFn] = [compile_constant(e) for e in call.args[1:]]
        else:
            self.kind = "rank" if function.kernel is not None else "value"
            row_args = call.args
            self.constants = []
        self.args: list[ValueKernel] = [compile_values(a, layout) for a in row_args]
        self.filter = None if call.filter is None else compile_values(call.filter, layout)
        frame = call.frame
        self.offsets: list[ConstantFn | None] = [
            None if b.offset is None else compile_constant(b.offset)
            for b in (frame.start, frame.end)
        ]

    def arguments(self, batch: Batch, order: list[int] | None, ctx: ExecContext) -> list[list[Any]]:
        """The call's per-row argument values in window order (``order``: None when the input
        is in it); an aggregate's first argument is None where it is skipped (NULL, rejected
        by FILTER; count(*) gets 1s)."""
        count = batch.length
        values = [_ordered(evaluate(k, batch, ctx), order) for k in self.args]
        if self.kind != "aggregate":
            return values
        first = values[0] if values else [1] * count
        if self.filter is not None:
            keep = _ordered(evaluate(self.filter, batch, ctx), order)
            first = [v if k is True else None for v, k in zip(first, keep, strict=True)]
        return [first]

    def bounds(self, ctx: ExecContext) -> tuple[Bound, Bound]:
        frame = self.call.frame
        start, end = (
            (b.kind, None if f is None else f(ctx))
            for b, f in zip((frame.start, frame.end), self.offsets, strict=True)
        )
        return start, end


class WindowOp(Operator):
    """Window ``calls`` over ``child`` partitioned by ``partition_by``, ordered by
    ``order_by``; output the child's columns then one per call."""

    explain_name = "Window"

    __slots__ = ("_calls", "_order", "_partition", "calls", "order_by", "partition_by")

    def __init__(
        self,
        child: Operator,
        partition_by: tuple[PlanExpr, ...],
        order_by: tuple[SortKey, ...],
        calls: tuple[WindowCall, ...],
        out: tuple[Field, ...],
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(child.fields + out, (child,), estimated_rows)
        layout = child.layout()
        self.partition_by = partition_by
        self.order_by = order_by
        self.calls = calls
        self._partition = [compile_values(e, layout) for e in partition_by]
        self._order = [compile_values(k.expr, layout) for k in order_by]
        self._calls = [_Call(c, layout) for c in calls]

    def describe(self) -> str:
        from pyram.plan.display import format_expr, format_window

        text = ", ".join(format_expr(c) for c in self.calls)
        return f"{text} OVER ({format_window(self.partition_by, self.order_by)})"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        width = len(self.children[0].fields)
        columns, count = materialize(pull(self.children[0], ctx), width)
        if not count:
            return
        batch = Batch(columns, count)
        partition = [evaluate(k, batch, ctx) for k in self._partition]
        ordering = [evaluate(k, batch, ctx) for k in self._order]
        window = window_order(
            partition,
            self.partition_by,
            ordering,
            self.order_by,
            count,
            want_ties=any(c.whole is not None for c in self._calls),
            want_keys=any(c.whole is None for c in self._calls),
        )
        # input already in window order: nothing to move (stops at the first row out of place)
        identity = all(map(eq, window.order(), range(count)))
        results = self._compute(batch, window, identity, ctx)
        if not identity:
            # Rows leave in input order: SQL leaves the order of a query without ORDER BY
            # open, and putting each result value back in its row costs one pass per call,
            # where moving every input column into window order cost one per column.
            results = [_scatter(values, window.order()) for values in results]
        out = columns + results
        for start in range(0, count, BATCH_SIZE):
            stop = min(start + BATCH_SIZE, count)
            chunk = out if count <= BATCH_SIZE else [c[start:stop] for c in out]
            yield Batch(chunk, stop - start)

    def _compute(
        self, batch: Batch, window: WindowOrder, identity: bool, ctx: ExecContext
    ) -> list[list[Any]]:
        """Every call's values, in window order."""
        results: list[list[Any]] = [[] for _ in self._calls]
        if any(c.whole is not None for c in self._calls):
            # row_number, rank, dense_rank: every partition at once, at C speed
            assert window.ties is not None
            parts = Partitions(window.lengths, window.ties)
            for i, call in enumerate(self._calls):
                if call.whole is not None:
                    results[i] = call.whole(parts)
        others = [i for i, c in enumerate(self._calls) if c.whole is None]
        if others:
            order = None if identity else list(window.order())
            self._per_partition(batch, order, window, others, results, ctx)
        return results

    def _per_partition(
        self,
        batch: Batch,
        order: list[int] | None,
        window: WindowOrder,
        calls: list[int],
        results: list[list[Any]],
        ctx: ExecContext,
    ) -> None:
        """The values of the calls at indices ``calls`` (into ``results``), computed partition
        by partition with each partition's peer groups."""
        arguments = {i: self._calls[i].arguments(batch, order, ctx) for i in calls}
        bounds = {i: self._calls[i].bounds(ctx) for i in calls}
        single_key = len(self.order_by) == 1
        descending = bool(self.order_by) and self.order_by[0].descending
        start = 0
        for keys, positions in zip(window.keys, window.positions, strict=True):
            stop = start + len(positions)
            peers = peers_of(keys, stop - start)
            frames: dict[tuple[WindowFrame, Bound, Bound], tuple[list[int], list[int]]] = {}
            for i in calls:
                call = self._calls[i]
                args = [a[start:stop] for a in arguments[i]]
                if call.kind == "rank":
                    kernel = window_function(call.call.name).kernel  # type: ignore[union-attr]
                    assert kernel is not None
                    results[i].extend(kernel(peers, args))
                    continue
                frame = call.call.frame
                key = (frame, *bounds[i])
                if key not in frames:
                    values = keys if single_key else None
                    frames[key] = frame_bounds(
                        frame.unit, bounds[i][0], bounds[i][1], peers, values, descending
                    )
                lo, hi = frames[key]
                results[i].extend(self._call_values(call, args, lo, hi, peers, ctx))
            start = stop

    @staticmethod
    def _call_values(
        call: _Call,
        args: list[list[Any]],
        lo: list[int],
        hi: list[int],
        peers: Peers,
        ctx: ExecContext,
    ) -> list[Any]:
        name, exclude = call.call.name, call.call.frame.exclude
        if call.kind == "value":
            nth = [nth_value_at(v) for v in args[1]] if name == "nth_value" else None
            return frame_value(name, args[0], nth, lo, hi, exclude, peers)
        impl = aggregate_function(name).impl
        constants = [f(ctx) for f in call.constants]
        return frame_aggregate(name, impl, constants, args[0], lo, hi, exclude, peers)


def _scatter(values: list[Any], order: Iterable[int]) -> list[Any]:
    """``values`` (in window order) moved to their rows' input positions."""
    out: list[Any] = [None] * len(values)
    for position, value in zip(order, values, strict=True):
        out[position] = value
    return out


def _ordered(values: list[Any], order: list[int] | None) -> list[Any]:
    """``values`` in window order (themselves when the input already is)."""
    return values if order is None else gather(values, order)
