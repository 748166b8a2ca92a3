"""Leaf operators reading a table: :class:`TableScan` (every live row) and :class:`IndexScan`
(rows found through an index).

Place in the pipeline: the physical planner builds them from ``plan.nodes.Scan`` and
``plan.nodes.IndexScan``; they read ``ctx.store.data(table)`` at execution time. A table scan
hands out slices of the stored column lists and, when the table has dead rows, the matching
slice of the ``alive`` bytearray as the batch selection (no copy of the values). An index scan
gathers the found rows with one ``itemgetter`` per column (kernels.md section 8).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any, cast

from pyram.engine.batch import BATCH_SIZE, Batch
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import compile_constant, gather_columns
from pyram.errors import OperationalError, ProgrammingError
from pyram.plan.expr import Expr, Field
from pyram.storage import TableData
from pyram.storage.indexes import UNBOUNDED, SortedIndex, key_is_null
from pyram.storage.table_data import AnyIndex

__all__ = ["IndexScan", "TableScan"]


def _column_positions(data: TableData, columns: Sequence[str]) -> list[int]:
    schema = data.schema
    return [schema.position(name) for name in columns]


class TableScan(Operator):
    """Every live row of ``table``: the stored ``columns``, then the row id when ``rid_cid``."""

    __slots__ = ("columns", "rid_cid", "table")

    def __init__(
        self,
        table: str,
        columns: tuple[str, ...],
        fields: tuple[Field, ...],
        rid_cid: int | None = None,
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(fields, (), estimated_rows)
        self.table = table
        self.columns = columns
        self.rid_cid = rid_cid

    def describe(self) -> str:
        rid = " +rowid" if self.rid_cid is not None else ""
        return f"{self.table} [{', '.join(self.columns)}]{rid}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        data = ctx.store.data(self.table)
        positions = _column_positions(data, self.columns)
        epoch = data.epoch
        total = len(data.alive)
        with_rid = self.rid_cid is not None
        for start in range(0, total, BATCH_SIZE):
            # Between batches the consumer may have written to the table (db.iter): deletes
            # are honoured through the fresh alive mask; a compaction renumbers rows, which a
            # scan cannot follow, so it is reported rather than silently mis-read.
            if data.epoch != epoch:
                raise OperationalError(
                    f"table {self.table} was compacted while a query was reading it; "
                    "finish iterating before deleting many rows"
                )
            end = min(start + BATCH_SIZE, total)
            selection: bytearray | None = None
            if data.live_count < len(data.alive):
                selection = data.alive[start:end]
                if 1 not in selection:
                    continue
                if 0 not in selection:
                    selection = None
            columns = [data.columns[p][start:end] for p in positions]
            if with_rid:
                # A range is a read-only sequence: cheaper than materialising the row ids.
                columns.append(cast(list[Any], range(start, end)))
            yield Batch(columns, end - start, selection)


class IndexScan(Operator):
    """Rows of ``table`` found through index ``index``.

    Access, as on the logical node: equality probes (``keys``: one tuple of expressions per
    probe, rows in probe order), a range (``low``/``high`` bound a prefix of the index columns),
    or, with neither, every row in index order. Key expressions are row-independent; they are
    evaluated once per execution.
    """

    __slots__ = (
        "_high",
        "_keys",
        "_low",
        "columns",
        "descending",
        "high_exprs",
        "high_inclusive",
        "index",
        "key_exprs",
        "low_exprs",
        "low_inclusive",
        "rid_cid",
        "table",
    )

    def __init__(
        self,
        table: str,
        index: str,
        columns: tuple[str, ...],
        fields: tuple[Field, ...],
        *,
        keys: tuple[tuple[Expr, ...], ...] = (),
        low: tuple[Expr, ...] | None = None,
        low_inclusive: bool = True,
        high: tuple[Expr, ...] | None = None,
        high_inclusive: bool = True,
        descending: bool = False,
        rid_cid: int | None = None,
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(fields, (), estimated_rows)
        self.table = table
        self.index = index
        self.columns = columns
        self.key_exprs = keys
        self.low_exprs = low
        self.low_inclusive = low_inclusive
        self.high_exprs = high
        self.high_inclusive = high_inclusive
        self.descending = descending
        self.rid_cid = rid_cid
        self._keys = [[compile_constant(e) for e in key] for key in keys]
        self._low = None if low is None else [compile_constant(e) for e in low]
        self._high = None if high is None else [compile_constant(e) for e in high]

    @property
    def access(self) -> str:
        """The access kind: "equality", "range" or "ordered"."""
        if self.key_exprs:
            return "equality"
        if self.low_exprs is None and self.high_exprs is None:
            return "ordered"
        return "range"

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        parts = [f"{self.table} USING {self.index} ({self.access})"]
        if self.key_exprs:
            keys = ", ".join("(" + ", ".join(map(format_expr, k)) + ")" for k in self.key_exprs)
            parts.append(f"keys {keys}")
        if self.low_exprs is not None:
            op = ">=" if self.low_inclusive else ">"
            parts.append(f"{op} ({', '.join(map(format_expr, self.low_exprs))})")
        if self.high_exprs is not None:
            op = "<=" if self.high_inclusive else "<"
            parts.append(f"{op} ({', '.join(map(format_expr, self.high_exprs))})")
        if self.descending:
            parts.append("DESC")
        parts.append(f"[{', '.join(self.columns)}]")
        return " ".join(parts)

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        data = ctx.store.data(self.table)
        index = data.indexes.get(self.index)
        if index is None:
            raise ProgrammingError(f"table {self.table} has no index {self.index}")
        sources = [data.columns[p] for p in _column_positions(data, self.columns)]
        if self.rid_cid is not None:
            sources.append(cast(list[Any], range(len(data.alive))))
        rids = self._row_ids(index, ctx)
        while True:
            chunk = list(islice(rids, BATCH_SIZE))
            if not chunk:
                return
            yield Batch(gather_columns(sources, chunk), len(chunk))

    def _row_ids(self, index: AnyIndex, ctx: ExecContext) -> Iterator[int]:
        """The matching row ids in output order (lazy for ranges: LIMIT can stop early)."""
        composite = index.composite
        if self._keys:
            probes = [_key([fn(ctx) for fn in key], composite) for key in self._keys]
            wanted = dict.fromkeys(p for p in probes if not key_is_null(p, composite))
            if composite and any(len(key) < len(index.columns) for key in wanted):
                return self._prefixes(index, list(wanted))
            return iter([rid for key in wanted for rid in index.lookup(key)])
        if not isinstance(index, SortedIndex):
            raise ProgrammingError(f"index {self.index} is a hash index: no ranges or order")
        if self._low is None and self._high is None:
            return iter(index.ordered(reverse=self.descending))
        low = UNBOUNDED if self._low is None else _key([f(ctx) for f in self._low], composite)
        high = UNBOUNDED if self._high is None else _key([f(ctx) for f in self._high], composite)
        return iter(
            index.range(
                low,
                high,
                low_inclusive=self.low_inclusive,
                high_inclusive=self.high_inclusive,
                reverse=self.descending,
            )
        )

    def _prefixes(self, index: AnyIndex, prefixes: list[Any]) -> Iterator[int]:
        """Equality on leading columns of a composite sorted index (probe order kept)."""
        if not isinstance(index, SortedIndex):
            raise ProgrammingError(f"index {self.index} is a hash index: no prefix lookups")
        return iter([rid for prefix in prefixes for rid in index.prefix(prefix)])


def _key(values: list[Any], composite: bool) -> Any:
    """An index key or range bound from evaluated values (a tuple, possibly a shorter prefix
    for bounds, on composite indexes)."""
    return tuple(values) if composite else values[0]
