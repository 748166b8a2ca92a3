"""Row-step kernels: a recursive CTE's step compiled into one loop over queued rows.

A recursive CTE whose step only filters and computes (``SELECT x + 1 FROM c WHERE x < n``)
maps each queued row to at most one new row, and each round usually holds one row: running the
batch operators per round costs microseconds of operator overhead per row. This kernel runs the
step's filters and projections row by row in one generated loop, appending the rows it makes
to the queue, as SQLite's queue does (same rows, same order: first in, first out).

The source comes from the same trusted :class:`Translator` as every kernel (values never appear
in it), over the row variables ``v0, v1, ...`` of each stage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from pyram.engine.compile.codegen import Constant, Translator
from pyram.engine.compile.kernels import define_kernel
from pyram.plan.expr import PlanExpr

__all__ = ["FilterStage", "ProjectStage", "RowStep", "compile_row_step"]


@attrs.frozen
class FilterStage:
    """Keep the row when ``predicate`` is TRUE over ``layout`` (cid -> row position)."""

    predicate: PlanExpr
    layout: Mapping[int, int]


@attrs.frozen
class ProjectStage:
    """Replace the row by ``exprs`` evaluated over ``layout``."""

    exprs: tuple[PlanExpr, ...]
    layout: Mapping[int, int]


@attrs.frozen
class RowStep:
    """A compiled step: ``fn(queue, start, stop, k, x, seen)`` runs the step over the queued
    rows from ``start``, appending the rows it makes to ``queue`` (skipping, and adding to,
    ``seen`` unless None), until the queue ends or ``stop`` is reached; returns the index of
    the first row not yet run."""

    fn: Callable[..., int]
    constants: tuple[Constant, ...]
    source: str


def _names(width: int) -> str:
    return "(" + "".join(f"v{i}, " for i in range(width)) + ")"


def compile_row_step(
    stages: Sequence[FilterStage | ProjectStage], input_width: int, keep_all: bool
) -> RowStep:
    """Compile ``stages`` (applied in order to rows of ``input_width`` values)."""
    translator = Translator({})
    body: list[str] = []
    width = input_width
    for stage in stages:
        translator.layout = stage.layout
        if isinstance(stage, FilterStage):
            body.append(f"        if not {translator.truth(stage.predicate)}:")
            body.append("            continue")
        else:
            values = "".join(f"{translator.value(e)}, " for e in stage.exprs)
            width = len(stage.exprs)
            body.append(f"        {_names(width)} = ({values})")
    if keep_all:
        body.append(f"        append({_names(width)})")
    else:
        body.append(f"        row = {_names(width)}")
        body.append("        if row not in seen:")
        body.append("            seen.add(row)")
        body.append("            append(row)")
    lines = ["def kernel(queue, start, stop, k, x, seen):"]
    lines += [f"    k{i} = k[{i}]" for i in range(len(translator.constants))]
    for function in translator.functions:
        lines += ["    " + line for line in function.splitlines()]
    lines.append("    append = queue.append")
    # rows appended while the loop runs are processed in the same call (up to ``stop``):
    # a counting CTE makes one row per row, so a chunk at a time needs a growing queue
    lines.append("    i = start")
    lines.append("    while i < stop and i < len(queue):")
    lines.append(f"        {_names(input_width)} = queue[i]")
    lines.append("        i += 1")
    lines += body
    lines.append("    return i")
    source = "\n".join(lines) + "\n"
    return RowStep(define_kernel(source, translator.globals), tuple(translator.constants), source)
