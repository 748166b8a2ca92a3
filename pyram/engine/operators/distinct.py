"""Distinct: drop duplicate rows (NULLs equal each other here, as in SQL's DISTINCT).

Place in the pipeline: built from ``plan.nodes.Distinct``. Streaming: each batch is deduplicated
with ``dict.fromkeys`` (C speed, first occurrence kept), then rows already seen in earlier
batches are dropped. One column is deduplicated on its values, several on row tuples.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import batch_of, pull, rows_of

__all__ = ["DistinctOp"]


class DistinctOp(Operator):
    """The distinct rows of ``child``, in first-occurrence order."""

    explain_name = "Distinct"

    __slots__ = ()

    def __init__(self, child: Operator, estimated_rows: float = 0.0) -> None:
        super().__init__(child.fields, (child,), estimated_rows)

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        width = len(self.fields)
        seen: set[Any] = set()
        for batch in pull(self.children[0], ctx):
            batch = batch.dense()
            if not batch.length:
                continue
            items: list[Any] = batch.columns[0] if width == 1 else rows_of(batch)
            unique = list(dict.fromkeys(items))
            fresh = unique if not seen else [v for v in unique if v not in seen]
            if not fresh:
                continue
            seen.update(fresh)
            if width == 1:
                yield Batch([fresh], len(fresh))
            else:
                yield batch_of(fresh, width)
