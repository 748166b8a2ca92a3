"""Helpers the physical operators share: column gathers, dense views, materialisation, and
per-execution constants (LIMIT counts, index keys, VALUES cells).

Place in the pipeline: below every module of :mod:`pyram.engine.operators`, above the kernel
compiler (:mod:`pyram.engine.compile`). Idioms follow kernels.md: ``itemgetter(*positions)`` per
column for gathers (section 8), ``itertools.compress`` for selections, list ``extend`` for
materialising.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import compress
from operator import itemgetter
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.compile.codegen import Constant
from pyram.engine.compile.kernels import Kernel, compile_values, resolve_constants
from pyram.engine.explain import profiled
from pyram.engine.operator import ExecContext, Operator
from pyram.errors import DataError
from pyram.plan.expr import (
    Literal_,
    Param,
    PlanExpr,
)
from pyram.plan.nodes import referenced_cids

__all__ = [
    "ConstantFn",
    "ValueKernel",
    "batch_of",
    "compile_constant",
    "dense_view",
    "evaluate",
    "gather",
    "gather_columns",
    "materialize",
    "positions_for",
    "pull",
    "referenced_cids",
    "row_bound",
    "rows_of",
]

#: A compiled value expression: a kernel, or the batch position of a plain column.
ValueKernel = Kernel | int

#: A per-execution constant: evaluated from the context (parameters, subqueries) alone.
ConstantFn = Callable[[ExecContext], Any]


def positions_for(exprs: Iterable[PlanExpr], layout: Mapping[int, int]) -> list[int]:
    """Sorted batch positions (per ``layout``) the expressions read."""
    return sorted({layout[cid] for cid in referenced_cids(*exprs) if cid in layout})


def dense_view(batch: Batch, positions: Sequence[int]) -> Batch:
    """``batch`` with its selection applied to the columns at ``positions`` only.

    The other columns are replaced by empty placeholder lists: kernels read only the columns
    their expression references, so compressing the rest would be wasted work.
    """
    sel = batch.selection
    if sel is None:
        return batch
    columns: list[list[Any]] = [[] for _ in batch.columns]
    for p in positions:
        columns[p] = list(compress(batch.columns[p], sel))
    length = len(columns[positions[0]]) if positions else batch.row_count
    return Batch(columns, length)


def evaluate(kernel: ValueKernel, batch: Batch, ctx: ExecContext) -> list[Any]:
    """Values of a compiled expression over a dense batch (a plain column is reused as is)."""
    if isinstance(kernel, int):
        return batch.columns[kernel]
    return kernel(batch, ctx)


def gather(column: Sequence[Any], positions: Sequence[int]) -> list[Any]:
    """``[column[p] for p in positions]`` via one C-level ``itemgetter`` (kernels.md 8)."""
    if len(positions) > 1:
        return list(itemgetter(*positions)(column))
    return [column[positions[0]]] if positions else []


def gather_columns(columns: Sequence[Sequence[Any]], positions: Sequence[int]) -> list[list[Any]]:
    """Every column gathered at ``positions`` (one ``itemgetter`` shared by all columns)."""
    if len(positions) > 1:
        getter = itemgetter(*positions)
        return [list(getter(col)) for col in columns]
    if positions:
        p = positions[0]
        return [[col[p]] for col in columns]
    return [[] for _ in columns]


def materialize(
    batches: Iterable[Batch], width: int, positions: Sequence[int] | None = None
) -> tuple[list[list[Any]], int]:
    """Concatenate the rows of ``batches`` into fresh column lists (owned by the caller).

    Only the columns at ``positions`` are filled (all when None); the others stay empty.

    Returns:
        (columns, row count)
    """
    wanted = range(width) if positions is None else positions
    columns: list[list[Any]] = [[] for _ in range(width)]
    total = 0
    for batch in batches:
        sel = batch.selection
        for p in wanted:
            src = batch.columns[p]
            columns[p].extend(src if sel is None else compress(src, sel))
        total += batch.length if sel is None else batch.row_count
    return columns, total


def pull(child: Operator, ctx: ExecContext) -> Iterator[Batch]:
    """The child's batches; measured (rows, batches, time) when EXPLAIN ANALYZE asked for it.

    Measuring is on when ``ctx.profile`` is non-empty (the executor seeds it with the root), so
    an ordinary run pays one test per operator, not per batch.
    """
    batches = child.execute(ctx)
    if not ctx.profile:
        return batches
    return profiled(child, batches, ctx)


def compile_constant(expr: PlanExpr) -> ConstantFn:
    """A function computing a row-independent expression (literal, parameter, arithmetic on
    them, uncorrelated subquery) once per call, from the execution context alone."""
    if isinstance(expr, Literal_):
        value = expr.value
        return lambda ctx: value
    if isinstance(expr, Param):
        constants = (Constant("param", expr.key),)
        return lambda ctx: resolve_constants(constants, ctx)[0]
    kernel = compile_values(expr, {})
    one_row = Batch([], 1)
    if isinstance(kernel, int):  # pragma: no cover - an empty layout has no columns
        raise AssertionError(expr)
    return lambda ctx: kernel(one_row, ctx)[0]


def row_bound(value: Any, what: str) -> int | None:
    """A LIMIT/OFFSET value as a row count: negative means "no bound" (SQLite).

    Raises:
        DataError: NULL or a non-integral value (SQLite's "datatype mismatch").
    """
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise DataError(f"{what} must be an integer, got {value!r}", value=value)
    return None if value < 0 else value


def rows_of(batch: Batch) -> list[tuple[Any, ...]]:
    """The rows of a batch as tuples (zero-column batches give empty tuples)."""
    batch = batch.dense()
    if not batch.columns:
        return [()] * batch.length
    return list(zip(*batch.columns, strict=True))


def batch_of(rows: Sequence[tuple[Any, ...]], width: int) -> Batch:
    """A dense batch holding ``rows`` (each of ``width`` values)."""
    if not width:
        return Batch([], len(rows))
    if not rows:
        return Batch([[] for _ in range(width)], 0)
    return Batch([list(col) for col in zip(*rows, strict=True)], len(rows))
