"""A direct path for the commonest cached query: one row by a unique key.

``SELECT cols FROM t WHERE key = ?`` optimizes to ``Project(IndexScan(unique, one key))``. Run
through the generic operator pipeline it costs several generator frames and batch objects for a
single row; here it is one dict probe and one gather, which is what lets a cached DSL point
lookup beat a C engine that must still parse, bind and step a VM per call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.storage import Store, TableData
from pyram.storage.visible import find_row

__all__ = ["PointLookup", "PointUpdate", "match_point_lookup", "match_point_update"]


class PointLookup:
    """Fetch the stored values of at most one row by a unique index key.

    It holds the table's data and index objects directly: both live as long as the table (the
    plan cache holding this object is cleared when tables are created or dropped), and
    compaction rebuilds the index in place and swaps only the column lists, read per call.
    """

    __slots__ = ("data", "dense_position", "index", "key", "positions", "store", "table")

    def __init__(
        self,
        store: Store,
        data: TableData,
        index: Any,
        key: px.Expr,
        positions: tuple[int, ...],
    ) -> None:
        self.store = store
        self.data = data
        self.table = data.schema.name
        self.index = index
        self.key = key
        self.positions = positions
        #: the key column's position when it is INTEGER (dense keys are found by arithmetic)
        self.dense_position = data.dense_position_of(index)

    def key_value(self, params: Mapping[str | int, Any]) -> Any:
        """The probe key for one execution (a bound parameter or a literal)."""
        key = self.key
        if isinstance(key, px.Param):
            return params[key.key]
        assert isinstance(key, px.Literal_)
        return key.value

    def fetch(self, params: Mapping[str | int, Any]) -> list[Any] | None:
        """The row's stored values in output order, or None when no row has the key."""
        return self.fetch_key(self.key_value(params))

    def fetch_key(self, key: Any) -> list[Any] | None:
        """As :meth:`fetch`, for an already validated stored key."""
        if key is None:
            return None
        found = self.find(key)
        if found is None:
            return None
        row = found[1]
        return [row[p] for p in self.positions]

    def find(self, key: Any) -> tuple[int, tuple[Any, ...]] | None:
        """(row id, stored row) of the row holding ``key`` (a validated, non-NULL stored key)
        as the calling thread's snapshot sees it, or None."""
        with self.store.reading() as view:
            if view is not None:
                view.saw(self.data)
            return find_row(self.data, self.index, self.dense_position, key, view)


def match_point_lookup(plan: pn.Plan, store: Store) -> PointLookup | None:
    """A :class:`PointLookup` when ``plan`` is a projection of plain columns over an equality
    probe of one key on a unique single-column index; None otherwise."""
    if not isinstance(plan, pn.Project) or not isinstance(plan.input, pn.IndexScan):
        return None
    scan = plan.input
    if (
        len(scan.keys) != 1
        or len(scan.keys[0]) != 1
        or scan.low is not None
        or scan.high is not None
    ):
        return None
    key = scan.keys[0][0]
    if not isinstance(key, px.Param | px.Literal_) or scan.rid_cid is not None:
        return None
    schema = store.catalog.get(scan.table)
    spec = next((ix for ix in schema.indexes if ix.name == scan.index), None)
    if spec is None or not spec.unique or len(spec.columns) != 1:
        return None
    column_of = dict(zip((f.cid for f in scan.out), scan.columns, strict=True))
    positions = []
    for expr in plan.exprs:
        if not isinstance(expr, px.ColumnRef) or expr.cid not in column_of:
            return None
        positions.append(schema.position(column_of[expr.cid]))
    data = store.data(scan.table)
    return PointLookup(store, data, data.indexes[scan.index], key, tuple(positions))


class PointUpdate:
    """``UPDATE t SET ... WHERE key = ?`` on a unique key: probe, then update that one row."""

    __slots__ = ("lookup", "op", "row_positions")

    def __init__(self, lookup: PointLookup, op: Any, row_positions: tuple[int | None, ...]):
        self.lookup = lookup
        self.op = op
        #: per input field of the update: the stored column position, or None for the row id
        self.row_positions = row_positions

    def run(self, ctx: Any) -> int:
        """Execute for one context (parameters already bound); returns the matched rows."""
        lookup = self.lookup
        key = lookup.key_value(ctx.params)
        if key is None:
            return 0
        found = lookup.find(key)
        if found is None:
            return 0
        rid, values = found
        row = [[rid] if p is None else [values[p]] for p in self.row_positions]
        count: int = self.op.update_one(ctx, rid, row)
        return count


def match_point_update(plan: pn.Plan, op: Any, store: Store) -> PointUpdate | None:
    """A :class:`PointUpdate` for ``Update(IndexScan(unique key = constant))``, else None."""
    if not isinstance(plan, pn.Update) or not isinstance(plan.input, pn.IndexScan):
        return None
    scan = plan.input
    if len(scan.keys) != 1 or len(scan.keys[0]) != 1 or scan.low is not None:
        return None
    key = scan.keys[0][0]
    if not isinstance(key, px.Param | px.Literal_) or scan.high is not None:
        return None
    schema = store.catalog.get(scan.table)
    spec = next((ix for ix in schema.indexes if ix.name == scan.index), None)
    if spec is None or not spec.unique or len(spec.columns) != 1:
        return None
    data = store.data(scan.table)
    lookup = PointLookup(store, data, data.indexes[scan.index], key, ())
    names = dict(zip((f.cid for f in scan.out), scan.columns, strict=False))
    positions = tuple(
        None if f.cid == scan.rid_cid else schema.position(names[f.cid]) for f in scan.out
    )
    return PointUpdate(lookup, op, positions)
