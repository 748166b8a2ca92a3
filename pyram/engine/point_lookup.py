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

__all__ = [
    "PointDelete",
    "PointLookup",
    "PointUpdate",
    "match_point_delete",
    "match_point_lookup",
    "match_point_update",
]


class PointLookup:
    """Fetch the stored values of at most one row by a unique index key.

    It holds the table's data and index objects directly: both live as long as the table (the
    plan cache holding this object is cleared when tables are created or dropped), and
    compaction rebuilds the index in place and swaps only the column lists, read per call.
    """

    __slots__ = (
        "cache_table",
        "data",
        "dense_position",
        "index",
        "key",
        "key_types",
        "positions",
        "store",
        "table",
    )

    def __init__(
        self,
        store: Store,
        data: TableData,
        index: Any,
        key: px.PlanExpr,
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
        #: Python types a key value may have to be probed as it is (its stored form)
        key_type = data.schema.column(index.columns[0]).dtype
        self.key_types = frozenset() if key_type.encodes else key_type.exact_types
        #: a cache table's policy changes only by DDL, which drops the plans holding this
        self.cache_table = data.schema.cache is not None

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
        if self.cache_table:  # a read of a cache table's row is a use of it (LRU, LFU)
            hook = self.store.point_read
            if hook is not None:
                hook(self.data, self.index, key)
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
    """``UPDATE t SET ... WHERE key = ?`` on a unique key: probe, then update that one row.

    When every assignment is a parameter or a literal (``SET a = ?, b = 3``), :meth:`run_direct`
    skips the operator too: the parameters go straight to the store's one-row update, which
    validates them against the columns as the general path would.
    """

    __slots__ = ("direct", "lookup", "op", "row_positions")

    def __init__(
        self,
        lookup: PointLookup,
        op: Any,
        row_positions: tuple[int | None, ...],
        direct: _Assignments | None = None,
    ):
        self.lookup = lookup
        self.op = op
        #: per input field of the update: the stored column position, or None for the row id
        self.row_positions = row_positions
        self.direct = direct

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

    def run_direct(self, params: Mapping[str | int, Any]) -> int | None:
        """Execute with unbound ``params`` when they are plainly what the statement takes
        (else None: bind them and :meth:`run`); returns the matched rows."""
        direct = self.direct
        lookup = self.lookup
        if direct is None or len(params) != direct.count:
            return None
        key = lookup.key_value(params)
        if type(key) not in lookup.key_types:
            return None  # NULL, another type, or to be converted: the general path decides
        store = lookup.store
        with store.statement():  # the probe and the update see one state
            found = lookup.find(key)
            if found is None:
                return 0
            values = [params[v] if is_param else v for is_param, v in direct.sources]
            store.update_row(lookup.table, found[0], direct.positions, values)
            return 1


class PointDelete:
    """``DELETE FROM t WHERE key = ?`` on a unique key: probe, then delete that one row."""

    __slots__ = ("lookup",)

    def __init__(self, lookup: PointLookup) -> None:
        self.lookup = lookup

    def run_direct(self, params: Mapping[str | int, Any]) -> int | None:
        """As :meth:`PointUpdate.run_direct`: the rows deleted, or None."""
        lookup = self.lookup
        if len(params) != 1:
            return None
        key = lookup.key_value(params)
        if type(key) not in lookup.key_types:
            return None
        store = lookup.store
        with store.statement():  # the probe and the delete see one state
            found = lookup.find(key)
            if found is None:
                return 0
            return store.delete(lookup.table, (found[0],))


class _Assignments:
    """``SET`` targets (stored positions) and their sources: (True, parameter key) or
    (False, user-facing literal value)."""

    __slots__ = ("count", "positions", "sources")

    def __init__(self, positions: tuple[int, ...], sources: tuple[tuple[bool, Any], ...]):
        self.positions = positions
        self.sources = sources
        #: parameters a call must give: the key's and the assignments' (distinct)
        self.count = 0


def _unique_key_scan(plan: pn.Plan, store: Store) -> tuple[pn.IndexScan, PointLookup] | None:
    """The scan and a lookup when ``plan`` is an equality probe of one constant key on a
    unique single-column index (the input of a point update or delete)."""
    if not isinstance(plan, pn.IndexScan):
        return None
    scan = plan
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
    return scan, PointLookup(store, data, data.indexes[scan.index], key, ())


def match_point_update(plan: pn.Plan, op: Any, store: Store) -> PointUpdate | None:
    """A :class:`PointUpdate` for ``Update(IndexScan(unique key = constant))``, else None."""
    if not isinstance(plan, pn.Update):
        return None
    found = _unique_key_scan(plan.input, store)
    if found is None:
        return None
    scan, lookup = found
    schema = lookup.data.schema
    names = dict(zip((f.cid for f in scan.out), scan.columns, strict=False))
    positions = tuple(
        None if f.cid == scan.rid_cid else schema.position(names[f.cid]) for f in scan.out
    )
    return PointUpdate(lookup, op, positions, _direct_assignments(plan, lookup))


def _direct_assignments(plan: pn.Update, lookup: PointLookup) -> _Assignments | None:
    schema = lookup.data.schema
    sources: list[tuple[bool, Any]] = []
    keys: set[str | int] = set()
    if isinstance(lookup.key, px.Param):
        keys.add(lookup.key.key)
    for name, expr in plan.assignments:
        if isinstance(expr, px.Param):
            sources.append((True, expr.key))
            keys.add(expr.key)
        elif isinstance(expr, px.Literal_):
            value, dtype = expr.value, schema.column(name).dtype
            if value is not None and dtype.encodes:
                value = dtype.from_storage(value)  # literals are stored forms; the store takes
            sources.append((False, value))  # user-facing values
        else:
            return None
    direct = _Assignments(
        tuple(schema.position(name) for name, _ in plan.assignments), tuple(sources)
    )
    direct.count = len(keys)
    return direct


def match_point_delete(plan: pn.Plan, store: Store) -> PointDelete | None:
    """A :class:`PointDelete` for ``Delete(IndexScan(unique key = parameter))``, else None."""
    if not isinstance(plan, pn.Delete):
        return None
    found = _unique_key_scan(plan.input, store)
    if found is None or not isinstance(found[1].key, px.Param):
        return None
    return PointDelete(found[1])
