"""Leaf operators reading a table: :class:`TableScan` (every live row) and :class:`IndexScanOp`
(rows found through an index).

Place in the pipeline: the physical planner builds them from ``plan.nodes.Scan`` and
``plan.nodes.IndexScan``; they read ``ctx.store.data(table)`` at execution time. A table scan
hands out slices of the stored column lists and, when the table has dead rows, the matching
slice of the ``alive`` bytearray as the batch selection (no copy of the values). An index scan
gathers the found rows with one ``itemgetter`` per column (kernels.md section 8).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, cast

from pyram.engine.batch import BATCH_SIZE, Batch
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import compile_constant
from pyram.errors import InternalError, OperationalError, ProgrammingError
from pyram.plan.expr import Field, PlanExpr
from pyram.storage import TableData
from pyram.storage.indexes import UNBOUNDED, SortedIndex, key_is_null
from pyram.storage.mvcc import ReadView
from pyram.storage.table_data import AnyIndex
from pyram.storage.visible import gather_in_view, order_in_view, scan_slice

__all__ = ["IndexScanOp", "TableScan"]


def _column_positions(data: TableData, columns: Sequence[str]) -> list[int]:
    schema = data.schema
    return [schema.position(name) for name in columns]


class TableScan(Operator):
    """Every live row of ``table``: the stored ``columns``, then the row id when ``rid_cid``;
    as it was at ``as_of`` (a commit stamp or time) when set, through a view of the past."""

    __slots__ = ("as_of", "columns", "rid_cid", "table")

    def __init__(
        self,
        table: str,
        columns: tuple[str, ...],
        fields: tuple[Field, ...],
        rid_cid: int | None = None,
        estimated_rows: float = 0.0,
        as_of: int | str | None = None,
    ) -> None:
        super().__init__(fields, (), estimated_rows)
        self.table = table
        self.columns = columns
        self.rid_cid = rid_cid
        self.as_of = as_of

    def describe(self) -> str:
        rid = " +rowid" if self.rid_cid is not None else ""
        past = f" as of {self.as_of!r}" if self.as_of is not None else ""
        return f"{self.table} [{', '.join(self.columns)}]{rid}{past}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        # a generator: the view is taken at the first batch, inside the caller's reading block
        snapshots = ctx.store.snapshots
        if self.as_of is None:
            yield from self._scan(ctx, ctx.store.current_view())
            return
        view = snapshots.open_past(self.as_of)
        try:
            yield from self._scan(ctx, view)
        finally:
            snapshots.close_view(view)

    def _scan(self, ctx: ExecContext, view: ReadView | None) -> Iterator[Batch]:
        store = ctx.store
        data = store.data(self.table)
        if view is not None:
            view.saw(data)
        positions = _column_positions(data, self.columns)
        epoch = data.epoch
        total = len(data.alive)
        with_rid = self.rid_cid is not None
        for start in range(0, total, BATCH_SIZE):
            # Between batches the consumer or other threads may write to the table: each
            # batch is read as the view sees it (scan_slice); a compaction renumbers rows,
            # which a scan cannot follow (it waits for readers to finish, but a consumer of
            # db.iter may compact in its own thread), so it is reported, not mis-read.
            if data.epoch != epoch:
                raise OperationalError(
                    f"table {self.table} was compacted while a query was reading it; "
                    "finish iterating before deleting many rows"
                )
            columns, count, selection = scan_slice(data, positions, start, start + BATCH_SIZE, view)
            if count <= 0:
                return
            if selection is not None:
                if 1 not in selection:
                    continue
                if 0 not in selection:
                    selection = None
            if with_rid:
                # A range is a read-only sequence: cheaper than materialising the row ids.
                columns.append(cast(list[Any], range(start, start + count)))
            yield Batch(columns, count, selection)


class IndexScanOp(Operator):
    """Rows of ``table`` found through index ``index``.

    Access, as on the logical node: equality probes (``keys``: one tuple of expressions per
    probe, rows in probe order), a range (``low``/``high`` bound a prefix of the index columns),
    or, with neither, every row in index order. Key expressions are row-independent; they are
    evaluated once per execution.
    """

    explain_name = "IndexScan"

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
        keys: tuple[tuple[PlanExpr, ...], ...] = (),
        low: tuple[PlanExpr, ...] | None = None,
        low_inclusive: bool = True,
        high: tuple[PlanExpr, ...] | None = None,
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
        store = ctx.store
        data = store.data(self.table)
        index = data.indexes.get(self.index)
        if index is None:
            raise ProgrammingError(f"table {self.table} has no index {self.index}")
        view = store.current_view()
        if view is not None:
            view.saw(data)
        positions = _column_positions(data, self.columns)
        with_rid = self.rid_cid is not None
        for chunk in self._chunks(data, index, view, ctx):
            columns = gather_in_view(data, positions, chunk, view)
            if with_rid:
                columns.append(chunk)
            yield Batch(columns, len(chunk))

    def _chunks(
        self, data: TableData, index: AnyIndex, view: ReadView | None, ctx: ExecContext
    ) -> Iterator[list[int]]:
        """The matching row ids, BATCH_SIZE at a time, as ``view`` sees the table.

        Ranges and ordered scans are read lazily (LIMIT can stop early) while the table has
        no versions to correct; from the first pull that finds versions (or finds the index
        changed) the rest is computed in the view at once. What was handed out is a prefix
        of the view's order (nothing differed from it), so the rest is the tail after it.
        """
        given = 0
        with data.latch:
            rids = self._row_ids(index, ctx)
            if self._keys:
                rids = iter(self._in_view(data, index, list(rids), view, ctx))
        while True:
            with data.latch:
                if self._keys or view is None or not data.versioned:
                    try:
                        chunk = list(islice(rids, BATCH_SIZE))
                    except InternalError:
                        chunk = None  # the index changed between pulls
                else:
                    chunk = None
                if chunk is None:
                    fresh = list(self._row_ids(index, ctx))
                    rest = self._in_view(data, index, fresh, view, ctx)[given:]
                    break
            if not chunk:
                return
            given += len(chunk)
            yield chunk
        for start in range(0, len(rest), BATCH_SIZE):
            yield rest[start : start + BATCH_SIZE]

    def _in_view(
        self,
        data: TableData,
        index: AnyIndex,
        rids: list[int],
        view: ReadView | None,
        ctx: ExecContext,
    ) -> list[int]:
        """``rids`` (found in the newest state) corrected to ``view`` (caller holds the
        latch)."""
        if view is None or not data.versioned:
            return rids
        if self._keys:
            probes = [_key([fn(ctx) for fn in key], index.composite) for key in self._keys]
            return _by_probe(data, index, rids, view, probes)
        low = None if self._low is None else _key([f(ctx) for f in self._low], index.composite)
        high = None if self._high is None else _key([f(ctx) for f in self._high], index.composite)
        matches = _range_test(low, self.low_inclusive, high, self.high_inclusive, index)
        ordered = self._low is None and self._high is None
        return order_in_view(
            data,
            index,
            rids,
            view,
            matches,
            by_key=True,
            reverse=self.descending,
            nulls_first=None if ordered else False,
        )

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


def _by_probe(
    data: TableData, index: AnyIndex, rids: list[int], view: ReadView, probes: list[Any]
) -> list[int]:
    """Equality probes corrected to ``view``: rows in probe order, ascending within one."""
    composite = index.composite
    positions = data.key_positions(index.name)
    out: list[int] = []
    seen: set[Any] = set()
    for probe in probes:
        if key_is_null(probe, composite) or probe in seen:
            continue
        seen.add(probe)
        width = len(probe) if composite else 0

        def matches(key: Any, probe: Any = probe, width: int = width) -> bool:
            return bool((key[:width] if width else key) == probe)

        found = [rid for rid in rids if matches(data.key_of(positions, rid))]
        out.extend(order_in_view(data, index, found, view, matches, by_key=False))
    return out


def _range_test(
    low: Any, low_inclusive: bool, high: Any, high_inclusive: bool, index: AnyIndex
) -> Callable[[Any], bool]:
    """Whether a visible key lies in the scan's range (bounds may be prefixes on composite
    indexes, compared on the leading components); NULL keys never match a bound."""
    composite = index.composite

    def matches(key: Any) -> bool:
        if low is None and high is None:
            return True
        if key_is_null(key, composite):
            return False
        if low is not None:
            part = key[: len(low)] if composite else key
            if part < low or (part == low and not low_inclusive):
                return False
        if high is not None:
            part = key[: len(high)] if composite else key
            if part > high or (part == high and not high_inclusive):
                return False
        return True

    return matches


def _key(values: list[Any], composite: bool) -> Any:
    """An index key or range bound from evaluated values (a tuple, possibly a shorter prefix
    for bounds, on composite indexes)."""
    return tuple(values) if composite else values[0]
