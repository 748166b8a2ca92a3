"""Sort (ORDER BY) and TopN (ORDER BY ... LIMIT): SQLite ordering of positions.

Place in the pipeline: built from ``plan.nodes.Sort``; a ``Limit`` directly over a ``Sort``
becomes a :class:`TopN`. Both materialise their input, compute each key's values with a compiled
kernel and order *positions*, never rows (kernels.md section 7):

* several keys: successive stable sorts from the last key to the first, each with
  ``key=values.__getitem__`` (``reverse=True`` keeps stability, so mixed ASC/DESC is free);
* NULLs: the NULL positions of a key are split off (keeping their current order) and put first
  or last (SQLite: first ascending, last descending, unless ``nulls_first`` says otherwise);
* one key with a limit: ``heapq.nsmallest``/``nlargest`` over positions (stable, like sorted).

Values of different kinds that Python cannot compare (e.g. numbers and text in one column of a
VALUES list) fall back to SQLite's cross-type order: numbers, then text, then blobs.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import compress, repeat
from operator import ge, is_not, le
from typing import Any

from pyram.engine.batch import BATCH_SIZE, Batch
from pyram.engine.compile.kernels import compile_values
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import (
    ConstantFn,
    ValueKernel,
    compile_constant,
    evaluate,
    gather_columns,
    materialize,
    pull,
    row_bound,
)
from pyram.engine.operators.scan import TableScan
from pyram.plan.expr import PlanExpr, SortKey

__all__ = ["SortOp", "TopN", "order_positions"]


def _type_rank(value: Any) -> tuple[int, str]:
    """SQLite's order between storage classes (numbers < text < blobs), then by type name."""
    if isinstance(value, int | float | Decimal):
        return (0, "")
    if isinstance(value, str):
        return (1, "")
    if isinstance(value, bytes):
        return (2, "")
    return (3, type(value).__name__)


def _sort(positions: list[int], values: Sequence[Any], descending: bool) -> None:
    """Stable in-place sort of non-NULL positions by their values."""
    try:
        positions.sort(key=values.__getitem__, reverse=descending)
    except TypeError:
        positions.sort(key=lambda p: (_type_rank(values[p]), values[p]), reverse=descending)


def order_positions(count: int, keys: Sequence[tuple[Sequence[Any], SortKey]]) -> list[int]:
    """Positions ``0..count-1`` ordered by ``keys`` (each: its values, its SortKey)."""
    order = list(range(count))
    for values, key in reversed(keys):
        if None in values:
            nulls = [p for p in order if values[p] is None]
            order = [p for p in order if values[p] is not None]
            _sort(order, values, key.descending)
            order = nulls + order if key.effective_nulls_first else order + nulls
        else:
            _sort(order, values, key.descending)
    return order


def _top(count: int, values: Sequence[Any], key: SortKey, k: int) -> list[int]:
    """The first ``k`` positions in ``key`` order (same result as a stable full sort)."""
    nulls: list[int] = []
    candidates: Sequence[int] = range(count)
    if key.expr.nullable and None in values:
        candidates = list(compress(range(count), map(is_not, values, repeat(None))))
        nulls = [p for p in range(count) if values[p] is None]
    if key.effective_nulls_first and len(nulls) >= k:
        return nulls[:k]
    head = nulls if key.effective_nulls_first else []
    try:
        if nulls:
            pick = heapq.nlargest if key.descending else heapq.nsmallest
            best = pick(k - len(head), candidates, key=values.__getitem__)
        else:
            best = _top_threshold(values, k, key.descending)
    except TypeError:
        return order_positions(count, [(values, key)])[:k]
    if key.effective_nulls_first:
        return head + best
    return (best + nulls)[:k]


def _top_threshold(values: Sequence[Any], k: int, descending: bool) -> list[int]:
    """Top-k positions of a NULL-free column (kernels.md 7): find the k-th best value with a
    C-level heap over the values alone, keep positions at least that good (a C-level
    compress), then stably sort the few survivors."""
    if k <= 0:
        return []
    best_values = heapq.nlargest(k, values) if descending else heapq.nsmallest(k, values)
    if not best_values:
        return []
    kth = best_values[-1]
    keep = map(ge if descending else le, values, repeat(kth))
    survivors = list(compress(range(len(values)), keep))
    survivors.sort(key=values.__getitem__, reverse=descending)  # stable, also when reversed
    return survivors[:k]


class _Keys:
    """Sort keys compiled against the input layout."""

    __slots__ = ("kernels", "keys")

    def __init__(self, keys: tuple[SortKey, ...], child: Operator) -> None:
        layout = child.layout()
        self.keys = keys
        self.kernels: list[ValueKernel] = [compile_values(k.expr, layout) for k in keys]

    def values(self, batch: Batch, ctx: ExecContext) -> list[tuple[list[Any], SortKey]]:
        return [
            (evaluate(kern, batch, ctx), key)
            for kern, key in zip(self.kernels, self.keys, strict=True)
        ]

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        parts = []
        for key in self.keys:
            text = format_expr(key.expr) + (" DESC" if key.descending else "")
            if key.nulls_first is not None:
                text += " NULLS FIRST" if key.nulls_first else " NULLS LAST"
            parts.append(text)
        return ", ".join(parts)


def _emit(columns: list[list[Any]], order: list[int]) -> Iterator[Batch]:
    """Gather the columns in ``order``, one output batch per BATCH_SIZE positions."""
    for start in range(0, len(order), BATCH_SIZE):
        chunk = order[start : start + BATCH_SIZE]
        yield Batch(gather_columns(columns, chunk), len(chunk))


class SortOp(Operator):
    """``child`` ordered by ``keys`` (stable)."""

    explain_name = "Sort"

    __slots__ = ("_keys", "keys")

    def __init__(self, child: Operator, keys: tuple[SortKey, ...], estimated_rows: float = 0.0):
        super().__init__(child.fields, (child,), estimated_rows)
        self.keys = keys
        self._keys = _Keys(keys, child)

    def describe(self) -> str:
        return self._keys.describe()

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        columns, count = materialize(pull(self.children[0], ctx), len(self.fields))
        if not count:
            return
        order = order_positions(count, self._keys.values(Batch(columns, count), ctx))
        yield from _emit(columns, order)


class TopN(Operator):
    """The first ``limit`` rows of ``child`` in ``keys`` order, after skipping ``offset``."""

    __slots__ = ("_keys", "_limit", "_offset", "keys", "limit", "offset")

    def __init__(
        self,
        child: Operator,
        keys: tuple[SortKey, ...],
        limit: PlanExpr,
        offset: PlanExpr | None = None,
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(child.fields, (child,), estimated_rows)
        self.keys = keys
        self.limit = limit
        self.offset = offset
        self._keys = _Keys(keys, child)
        self._limit: ConstantFn = compile_constant(limit)
        self._offset: ConstantFn | None = None if offset is None else compile_constant(offset)

    def _top_of_table(
        self, scan: TableScan, ctx: ExecContext, limit: int, offset: int
    ) -> Iterator[Batch] | None:
        return _top_of_table_impl(self, scan, ctx, limit, offset)

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        text = f"{self._keys.describe()} LIMIT {format_expr(self.limit)}"
        if self.offset is not None:
            text += f" OFFSET {format_expr(self.offset)}"
        return text

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        limit = row_bound(self._limit(ctx), "LIMIT")
        offset = 0 if self._offset is None else row_bound(self._offset(ctx), "OFFSET") or 0
        if limit == 0:
            return
        child = self.children[0]
        if limit is not None and isinstance(child, TableScan):
            direct = self._top_of_table(child, ctx, limit, offset)
            if direct is not None:
                yield from direct
                return
        columns, count = materialize(pull(child, ctx), len(self.fields))
        if count <= offset:
            return
        keys = self._keys.values(Batch(columns, count), ctx)
        order = _order(count, keys, None if limit is None else offset + limit)
        yield from _emit(columns, order[offset:])


def _top_of_table_impl(
    op: TopN, scan: TableScan, ctx: ExecContext, limit: int, offset: int
) -> Iterator[Batch] | None:
    """Late materialisation for ``ORDER BY column LIMIT k`` straight over a table: pick the
    top row ids from the key column in place (no scan copies), then gather only those rows.
    None when the shape does not fit (computed key, several keys, dead rows, row ids)."""
    kernel = op._keys.kernels[0] if len(op._keys.kernels) == 1 else None
    if not isinstance(kernel, int) or scan.rid_cid is not None or scan.as_of is not None:
        return None
    data = ctx.store.data(scan.table)
    view = ctx.store.current_view()
    schema = data.schema
    positions = [schema.position(name) for name in scan.columns]
    with data.latch:
        if data.live_count != len(data.alive) or data.versioned:
            return None  # dead rows hold None, versions need correcting: the generic path
        if view is not None:
            view.saw(data)
        values = data.columns[positions[kernel]]
        count = data.live_count
        if count <= offset:
            return iter(())
        order = _top(count, values, op.keys[0], offset + limit)[offset:]
        # gathered now, under the latch: a writer may change the table once it is released
        return iter(list(_emit([data.columns[p] for p in positions], order)))


def _order(count: int, keys: list[tuple[list[Any], SortKey]], k: int | None) -> list[int]:
    """The first ``k`` positions (all when None) in key order."""
    if k is not None and len(keys) == 1 and k < count:
        return _top(count, keys[0][0], keys[0][1], k)
    order = order_positions(count, keys)
    return order if k is None else order[:k]
