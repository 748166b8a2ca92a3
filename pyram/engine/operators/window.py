"""Window: window functions over partitions of the input (``OVER (PARTITION BY ... ORDER BY
... frame)``).

Place in the pipeline: built from ``plan.nodes.Window``; every call of one node shares its
partition and order, so the operator sorts once: it materialises the input, computes the
PARTITION BY and ORDER BY values with compiled kernels and orders *positions* by (partition
keys, order keys) with the Sort operator's :func:`order_positions`. Runs of equal partition
keys are the partitions, runs of equal order keys within one are the peer groups. Each call's
arguments are computed once over all rows, then its kernel from :mod:`pyram.functions.window`
(ranking, lag/lead) or :mod:`pyram.functions.window_frames` (aggregates, first/last/nth_value
over frames, linear per partition) runs per partition on list slices.

Output: the input's columns in input order, then one column per call (computed in window
order, then put back in each row's place: the order of rows is left open by SQL when the query
has no ORDER BY, and this moves one column per call instead of every input column). Frame offsets,
constant aggregate arguments (group_concat's separator) are evaluated once per execution.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import accumulate, compress, islice, repeat
from operator import add, eq
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
from pyram.engine.operators.sort import order_positions
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
        window = self._window_order(count, partition, ordering)
        order = window.order
        # input already in window order: nothing to move (stops at the first row out of place)
        identity = all(map(eq, order, range(count)))
        results = self._compute(batch, None if identity else order, window, ctx)
        if not identity:
            # Rows leave in input order: SQL leaves the order of a query without ORDER BY
            # open, and putting each result value back in its row costs one pass per call,
            # where moving every input column into window order cost one per column.
            results = [_scatter(values, order) for values in results]
        out = columns + results
        for start in range(0, count, BATCH_SIZE):
            stop = min(start + BATCH_SIZE, count)
            chunk = out if count <= BATCH_SIZE else [c[start:stop] for c in out]
            yield Batch(chunk, stop - start)

    def _window_order(
        self, count: int, partition: list[list[Any]], ordering: list[list[Any]]
    ) -> _WindowOrder:
        """The rows in window order: partitions found by hashing (linear; equal keys such as 1
        and 1.0 and NULLs meet, as SQL's peers do) and sorted by key; only each partition's
        rows are sorted by ORDER BY, one partition at a time (see :func:`_sort_partition`)."""
        sort_keys = list(self.order_by)
        ties = any(c.whole is not None for c in self._calls)
        if not partition:
            return _sort_partition(range(count), ordering, sort_keys, ties)
        buckets: defaultdict[Any, list[int]] = defaultdict(list)
        for position, key in enumerate(_keys(partition)):
            buckets[key].append(position)
        groups = list(buckets.values())
        firsts = [g[0] for g in groups]  # one row per partition: sort the partitions by key
        ranked = [
            (gather(v, firsts), SortKey(e))
            for v, e in zip(partition, self.partition_by, strict=True)
        ]
        merged = _WindowOrder([], [], [], [] if ties else None)
        for index in order_positions(len(groups), ranked):
            rows = groups[index]
            if len(rows) == 1:  # common with many partitions: no sort, no tie
                merged.order.append(rows[0])
                merged.lengths.append(1)
                if ordering:
                    merged.keys.append(_keys([[v[rows[0]]] for v in ordering])[0])
            else:
                merged.append(_sort_partition(rows, ordering, sort_keys, ties))
        return merged

    def _compute(
        self,
        batch: Batch,
        order: list[int] | None,
        window: _WindowOrder,
        ctx: ExecContext,
    ) -> list[list[Any]]:
        """Every call's values, in window order."""
        results: list[list[Any]] = [[] for _ in self._calls]
        if any(c.whole is not None for c in self._calls):
            # row_number, rank, dense_rank: every partition at once, at C speed
            parts = Partitions(window.keys, window.lengths, window.ties)
            for i, call in enumerate(self._calls):
                if call.whole is not None:
                    results[i] = call.whole(parts)
        others = [i for i, c in enumerate(self._calls) if c.whole is None]
        if others:
            stops = list(accumulate(window.lengths))
            runs = list(zip([0, *stops[:-1]], stops, strict=True))
            self._per_partition(batch, order, runs, window.keys, others, results, ctx)
        return results

    def _per_partition(
        self,
        batch: Batch,
        order: list[int] | None,
        runs: list[tuple[int, int]],
        order_keys: list[Any],
        calls: list[int],
        results: list[list[Any]],
        ctx: ExecContext,
    ) -> None:
        """The values of the calls at indices ``calls`` (into ``results``), computed partition
        by partition with each partition's peer groups."""
        arguments = {i: self._calls[i].arguments(batch, order, ctx) for i in calls}
        bounds = {i: self._calls[i].bounds(ctx) for i in calls}
        range_values = order_keys if len(self.order_by) == 1 else None
        descending = bool(self.order_by) and self.order_by[0].descending
        for start, stop in runs:
            peers = peers_of(order_keys[start:stop] if order_keys else (), stop - start)
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
                    values = None if range_values is None else range_values[start:stop]
                    frames[key] = frame_bounds(
                        frame.unit, bounds[i][0], bounds[i][1], peers, values, descending
                    )
                lo, hi = frames[key]
                results[i].extend(self._call_values(call, args, lo, hi, peers, ctx))

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


class _WindowOrder:
    """Rows in window order: partitions one after another, each sorted by ORDER BY.

    Attributes:
        order: input positions in window order.
        lengths: rows per partition, in window order.
        keys: each row's ORDER BY key in window order (a value, or a tuple for several keys;
            empty without ORDER BY).
        ties: window-order indices of rows that are peers of the row before them in their
            partition (None when not asked for).
    """

    __slots__ = ("keys", "lengths", "order", "ties")

    def __init__(
        self, order: list[int], lengths: list[int], keys: list[Any], ties: list[int] | None
    ) -> None:
        self.order = order
        self.lengths = lengths
        self.keys = keys
        self.ties = ties

    def append(self, part: _WindowOrder) -> None:
        """Add ``part`` (one partition) after the partitions already here."""
        base = len(self.order)
        self.order.extend(part.order)
        self.lengths.extend(part.lengths)
        self.keys.extend(part.keys)
        if self.ties is not None and part.ties:
            self.ties.extend(map(add, part.ties, repeat(base)) if base else part.ties)


def _sort_partition(
    rows: Sequence[int], ordering: list[list[Any]], sort_keys: list[SortKey], ties: bool
) -> _WindowOrder:
    """One partition (input positions ``rows``, ascending) in ORDER BY order, with its keys and
    (when ``ties``) its ties.

    The partition's key values are first gathered into short local lists (positions ascending:
    near-sequential reads), sorted there (:func:`order_positions`: stable, NULLs, SQLite's
    cross-type order) and compared with their neighbours at once, while the partition's values
    are still in the CPU cache: done over all rows at the end, the same work was several times
    slower at 1M rows (memory-bound).
    """
    count = len(rows)
    if not sort_keys:
        found = list(range(1, count)) if ties else None  # every row is a peer of the next
        return _WindowOrder(rows if isinstance(rows, list) else list(rows), [count], [], found)
    whole = isinstance(rows, range)  # the whole input: its columns are the local lists
    local = [v if whole else gather(v, rows) for v in ordering]
    if count > 1:
        positions = order_positions(count, list(zip(local, sort_keys, strict=True)))
        local = [gather(v, positions) for v in local]
        rows = gather(rows, positions)
    keys = _keys(local)
    found = None
    if ties:
        found = list(compress(range(1, count), map(eq, islice(keys, 1, None), keys)))
    return _WindowOrder(rows if isinstance(rows, list) else list(rows), [count], keys, found)


def _scatter(values: list[Any], order: list[int]) -> list[Any]:
    """``values`` (in window order) moved to their rows' input positions."""
    out: list[Any] = [None] * len(values)
    for position, value in zip(order, values, strict=True):
        out[position] = value
    return out


def _ordered(values: list[Any], order: list[int] | None) -> list[Any]:
    """``values`` in window order (themselves when the input already is)."""
    return values if order is None else gather(values, order)


def _keys(columns: list[list[Any]]) -> list[Any]:
    """One key per row: the value itself for one column, a tuple for several, [] for none."""
    if not columns:
        return []
    if len(columns) == 1:
        return columns[0]
    return list(zip(*columns, strict=True))
