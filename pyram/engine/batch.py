"""Columnar batches: what physical operators hand each other.

A :class:`Batch` holds one Python list per column (in the producing operator's field order) and
an optional selection: a sequence of truth values (a ``bytearray`` of 0/1 from the storage
``alive`` mask, or a ``list[bool]`` from a filter) marking which positions are rows of the batch.
Consumers that can work through the selection (``itertools.compress`` runs in C) do so; others
call :meth:`Batch.dense` once. Batches are never mutated after they are yielded.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
from typing import Any

__all__ = ["BATCH_SIZE", "Batch"]

#: Rows per batch from scans. kernels.md section 11: 4096-65536 is a flat optimum; larger
#: batches lose cache locality, smaller ones pay per-batch interpreter overhead.
BATCH_SIZE = 16384


class Batch:
    """Column vectors plus an optional selection.

    Attributes:
        columns: one list per column; all of equal length.
        length: number of positions in each column (selected or not).
        selection: None (every position is a row) or a truth-value sequence of ``length``.
    """

    __slots__ = ("columns", "length", "selection")

    def __init__(
        self,
        columns: list[list[Any]],
        length: int,
        selection: Sequence[Any] | None = None,
    ) -> None:
        self.columns = columns
        self.length = length
        self.selection = selection

    def dense(self) -> Batch:
        """This batch with the selection applied (itself when there is none)."""
        if self.selection is None:
            return self
        sel = self.selection
        columns = [list(compress(col, sel)) for col in self.columns]
        length = len(columns[0]) if columns else sum(1 for s in sel if s)
        return Batch(columns, length)

    @property
    def row_count(self) -> int:
        """Number of rows (selected positions)."""
        if self.selection is None:
            return self.length
        sel = self.selection
        return sel.count(1) if isinstance(sel, bytes | bytearray) else sum(map(bool, sel))

    def __repr__(self) -> str:
        return f"Batch({len(self.columns)} columns, {self.row_count} rows)"
