"""Preparing and running queries: bind -> optimize -> physical plan, cached by query shape.

A :class:`Prepared` query holds the physical operator tree (immutable, reusable across
executions and threads), the types of its parameters and how to shape result rows. The
:class:`PlanCache` maps a query's structural key to its prepared form, so a repeated query with
new parameter values skips binding, optimizing and physical planning entirely.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pyram.api.shaping import column_builder, one_row_builder, row_builder
from pyram.catalog import Catalog, TableSchema
from pyram.engine import (
    Batch,
    BulkInsert,
    ExecContext,
    Operator,
    OperatorProfile,
    PointDelete,
    PointLookup,
    PointUpdate,
    QueryPlanRow,
    execute,
    format_plan_tree,
    install_subquery_runner,
    match_bulk_insert,
    match_point_delete,
    match_point_lookup,
    match_point_update,
    plan_physical,
    plan_tree,
    query_plan_rows,
)
from pyram.errors import DataError, ProgrammingError
from pyram.limits import MAX_INTEGER, MIN_INTEGER
from pyram.optimizer import RuleContext, optimize
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.plan.builder import literal_type
from pyram.storage import NEEDS_VIEW, Store, read_unversioned
from pyram.types import INTEGER, NULLTYPE, REAL, DataType

__all__ = [
    "PlanCache",
    "Prepared",
    "StoreStatistics",
    "prepare_plan",
    "run_columns",
    "run_prepared",
    "run_with_context",
]

_MISSING: Any = object()

#: Prepared queries kept per database (least recently used are dropped first).
PLAN_CACHE_SIZE = 512


class StoreStatistics:
    """Row counts and index cardinalities for the optimizer, read live from storage."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def row_count(self, table: str) -> int:
        """Live rows of a table."""
        return self._store.data(table).live_count

    def distinct_keys(self, table: str, index: str) -> int:
        """Distinct non-NULL keys of an index."""
        return self._store.data(table).indexes[index].distinct_keys()


class Prepared:
    """A query ready to run: operator tree, parameter types, result shaping."""

    __slots__ = (
        "bulk_insert",
        "column_builder",
        "direct_write",
        "entity",
        "first_by_key",
        "logical",
        "numeric_params",
        "one_row",
        "operator",
        "param_types",
        "point",
        "point_update",
        "row_builder",
        "uniform_params",
    )

    def __init__(
        self,
        logical: pn.Plan,
        operator: Operator,
        param_types: dict[str | int, DataType],
        entity: Any,
        point: PointLookup | None = None,
        point_update: PointUpdate | None = None,
        bulk_insert: BulkInsert | None = None,
        numeric_params: frozenset[str | int] = frozenset(),
    ) -> None:
        self.logical = logical
        #: many parameter sets as one column-wise insert (``INSERT ... VALUES (?, ...)``)
        self.bulk_insert = bulk_insert
        self.operator = operator
        self.param_types = param_types
        #: (type, every one an operand) when all parameters share one type (an IN list's)
        self.uniform_params = _uniform(param_types, numeric_params)
        #: INTEGER parameters used only as operands of comparisons and arithmetic
        self.numeric_params = numeric_params
        self.entity = entity
        self.point = point
        self.point_update = point_update
        #: a one-row write by unique key that runs straight from unbound parameters
        #: (``run_direct(params) -> rows changed``, or None when the general path must run)
        self.direct_write: PointUpdate | PointDelete | None = point_update
        self.row_builder: Callable[[Batch], list[Any]] = row_builder(operator.fields, entity)
        #: a batch's output columns, decoded (the columnar form of ``row_builder``'s tuples)
        self.column_builder = column_builder(operator.fields)
        self.one_row: Callable[[list[Any]], Any] = one_row_builder(operator.fields, entity)
        #: the point-lookup path (``params -> row or None``) when :attr:`point` is set
        self.first_by_key: Callable[[Mapping[str | int, Any]], Any] = self._first_general
        if point is not None:
            self.first_by_key = _fast_point_first(self, point)

    def bind_params(self, params: Mapping[str | int, Any]) -> dict[str | int, Any]:
        """Validate parameter values against their inferred types; return stored forms."""
        types = self.param_types
        if len(params) >= _MANY_PARAMS and self.uniform_params is not None:
            checked = _bind_uniform(params, types, *self.uniform_params)
            if checked is not None:
                return checked
        stored: dict[str | int, Any] = {}
        for key, value in params.items():
            dtype = types.get(key)
            if dtype is None:
                raise _unknown_parameter(key, types, params)
            if type(value) is int and not MIN_INTEGER <= value <= MAX_INTEGER:
                # as sqlite3 refuses to bind it: no INTEGER past 64 bits enters the engine
                raise DataError(
                    f"parameter {parameter_name(key)}: integer out of range (INTEGER values "
                    "are signed 64-bit, as in SQLite)"
                )
            if value is None or type(value) in dtype.exact_types:
                stored[key] = value
            elif type(value) is float and key in self.numeric_params:
                # an INTEGER column's operand (``int_col > ?``, ``int_col - ?``) takes a
                # REAL too: SQLite compares and computes numerically (a write still refuses it)
                stored[key] = value
            elif dtype is REAL and type(value) is int:
                # SQLite keeps a value's storage class: an INTEGER given where a REAL fits
                # (CASE WHEN .. THEN :p ELSE real_column END) stays an integer; every REAL
                # operation treats it as the number it is, and a write converts it
                stored[key] = value
            elif dtype is NULLTYPE:
                # no context gave the parameter a type (``SELECT ? + ?``): SQL values are
                # dynamically typed there, any value the engine can hold is accepted
                literal_type(value)
                stored[key] = value
            else:
                where = f"parameter {parameter_name(key)}"
                stored[key] = dtype.validate(value, nullable=True, column=where)
        if len(stored) != len(types):
            raise _missing_parameters(types, stored)
        return stored

    def _first_general(self, params: Mapping[str | int, Any]) -> Any:
        """The point-lookup path: the one row (shaped) or None. Requires :attr:`point`."""
        point = self.point
        assert point is not None
        values = point.fetch(self.bind_params(params))
        return None if values is None else self.one_row(values)

    def explain(
        self, format: str = "text", profile: Mapping[int, OperatorProfile] | None = None
    ) -> str:
        """The physical plan as ``format`` ("text", "json", "dot" or "mermaid"), with the
        measurements of ``profile`` (see :func:`analyze`) when given."""
        return format_plan_tree(plan_tree(self.operator, profile), format)

    def query_plan(self, store: Store) -> list[QueryPlanRow]:
        """SQLite's EXPLAIN QUERY PLAN rows for this query."""

        def index_columns(table: str, index: str) -> tuple[str, ...]:
            schema = store.catalog.get(table)
            spec = next((i for i in schema.indexes if i.name == index), None)
            return () if spec is None else spec.columns

        return query_plan_rows(self.operator, index_columns)


#: from this many parameters on, a statement whose parameters share one type checks their
#: values a type at a time (``x IN (?, ?, ...)``), not one by one
_MANY_PARAMS = 32


def _uniform(
    types: Mapping[str | int, DataType], numeric: frozenset[str | int]
) -> tuple[DataType, bool] | None:
    """``(type, all operands)`` when every parameter has one type, operand or not alike."""
    if len(types) < _MANY_PARAMS or len(set(map(id, types.values()))) != 1:
        return None
    dtype = next(iter(types.values()))
    if dtype is NULLTYPE or (numeric and len(numeric) != len(types)):
        return None
    return dtype, bool(numeric)


def _bind_uniform(
    params: Mapping[str | int, Any],
    types: Mapping[str | int, DataType],
    dtype: DataType,
    operand: bool,
) -> dict[str | int, Any] | None:
    """What :meth:`Prepared.bind_params` returns when every value is already of the one type
    (screened at C speed), or None to let it check value by value."""
    if params.keys() != types.keys():
        return None
    values = params.values()
    kinds = set(map(type, values))
    allowed = {*dtype.exact_types, type(None)}
    if operand:
        allowed.add(float)
    if dtype is REAL:
        allowed.add(int)
    if not kinds <= allowed:
        return None
    if int in kinds:
        numbers = [v for v in values if v is not None] if type(None) in kinds else list(values)
        if min(numbers) < MIN_INTEGER or max(numbers) > MAX_INTEGER:
            return None  # checked one by one: the error names the parameter
    return dict(params)


def parameter_name(key: str | int) -> str:
    """A parameter as the SQL text wrote it: ``?1`` for the first positional one (keys of
    positional parameters count from 0), ``:name`` for a named one."""
    return f"?{key + 1}" if isinstance(key, int) else f":{key}"


def _missing_parameters(
    types: Mapping[str | int, DataType], given: Mapping[str | int, Any]
) -> ProgrammingError:
    missing = [k for k in types if k not in given]
    names = ", ".join(parameter_name(k) for k in sorted(missing, key=str))
    return ProgrammingError(f"no value given for parameter {names}")


def _unknown_parameter(
    key: str | int, types: Mapping[str | int, DataType], given: Mapping[str | int, Any]
) -> ProgrammingError:
    missing = [k for k in types if k not in given]
    if isinstance(key, int):
        message = f"{len(given)} parameter values given, the statement has {len(types)}"
    else:
        message = f"the statement has no parameter {parameter_name(key)}"
    if missing:
        names = ", ".join(parameter_name(k) for k in sorted(missing, key=str))
        message += f"; no value given for {names}"
    return ProgrammingError(message)


def _fast_point_first(
    prepared: Prepared, point: PointLookup
) -> Callable[[Mapping[str | int, Any]], Any]:
    """A closure for the hottest path: a cached query fetching one row by one parameter.

    Everything resolvable at prepare time is bound here; per call it is one type test, one
    index probe and one gather. Any other call shape falls back to the general path.
    """
    slow = prepared._first_general
    key = point.key
    if not isinstance(key, px.Param):
        return slow
    name, exact = key.key, key.dtype.exact_types
    data, positions = point.data, point.positions
    one_row = prepared.one_row
    all_columns = positions == tuple(range(len(data.schema.columns)))
    read = prepared.entity.__pyram_read__ if prepared.entity is not None else None

    dense = point.dense_position
    index_get = point.index.get
    store = point.store
    # decided once: a table's cache policy changes only by DDL, which drops prepared plans
    cache_table = data.schema.cache is not None

    def first(params: Mapping[str | int, Any]) -> Any:
        if len(params) == 1:
            value = params.get(name, _MISSING)
            if type(value) in exact:
                if cache_table and store.before_access is not None:
                    store.before_access()  # due rows go first, as for any read
                # No snapshot needed when the table has no row versions (else the general
                # path reads a view)
                found = read_unversioned(store, data, probe, value)
                if found is not NEEDS_VIEW:
                    return found
        return slow(params)

    def probe(value: Any) -> Any:
        # TableData.probe_dense inlined: dense INTEGER keys sit at row key - first key
        rid = None
        if dense is not None:
            keys = data.columns[dense]
            start = keys[0] if keys else None
            if start is not None:
                guess = value - start
                if 0 <= guess < len(keys) and keys[guess] == value and data.alive[guess]:
                    rid = guess
        if rid is None:
            rid = index_get(value)
            if rid is None:
                return None
        if cache_table:  # a read of a cache table's row is a use of it (LRU, LFU)
            hook = store.point_read
            if hook is not None:
                hook(data, point.index, value)
        if read is not None and all_columns:
            return read(data.columns, rid)
        columns = data.columns
        return one_row([columns[p][rid] for p in positions])

    return first


def _param_types(plan: pn.Plan) -> dict[str | int, DataType]:
    """Each parameter's type: the type its typed uses agree on.

    An untyped use (NULLTYPE: ``:p IS NULL``, the untyped side of ``a IS :p``) takes any value,
    so it never conflicts with a typed use of the same parameter; typed uses must share a family.
    """
    found: dict[str | int, DataType] = {}
    for keys, dtype, _ in _param_uses(plan):
        if not found.keys() & keys:  # the IN list of 30,000 parameters: one update
            found.update(dict.fromkeys(keys, dtype))
            continue
        for key in keys:
            known = found.get(key)
            if known is None or known.family == "null":
                found[key] = dtype
            elif dtype.family not in ("null", known.family):
                raise ProgrammingError(
                    f"parameter {key!r} is used as {known.name} and {dtype.name}"
                )
    return found


def _param_uses(plan: pn.Plan) -> Iterator[tuple[tuple[str | int, ...], DataType, bool]]:
    """``(keys, type, operand)`` of each use of parameters in ``plan`` (see ``Param``): one
    key for a ``Param``, all the parameters of an IN list held as data (``InValues``)."""
    for node in pn.walk_plan(plan):
        exprs = pn.expressions_of(node)
        if isinstance(node, pn.Insert) and node.on_conflict is not None:
            exprs = (*exprs, *node.on_conflict.expressions)
        for expr in exprs:
            for sub in px.walk(expr):
                if isinstance(sub, px.Param):
                    yield (sub.key,), sub.dtype, sub.operand
                elif isinstance(sub, px.InValues) and sub.params:
                    yield sub.params, sub.param_type, sub.param_type is INTEGER


def _numeric_params(plan: pn.Plan) -> frozenset[str | int]:
    """The INTEGER parameters whose every use is a numeric operand (see ``Param.operand``)."""
    operand: set[str | int] = set()
    strict: set[str | int] = set()
    for keys, dtype, is_operand in _param_uses(plan):
        if dtype is INTEGER:
            (operand if is_operand else strict).update(keys)
    return frozenset(operand - strict)


def prepare_plan(
    plan: pn.Plan, store: Store, entity: Any = None, declared: Iterable[str | int] = ()
) -> Prepared:
    """Optimize a logical plan and build its physical operator tree.

    ``declared``: parameters the statement's text names; one the plan does not use (in a CTE
    nothing reads, say) still takes a value, of any type.
    """
    catalog: Catalog = store.catalog
    ctx = RuleContext(catalog=catalog.get, stats=StoreStatistics(store))
    optimized = optimize(plan, ctx)
    point = match_point_lookup(optimized, store)
    operator = plan_physical(optimized, store)
    point_update = match_point_update(optimized, operator, store)
    bulk_insert = match_bulk_insert(optimized, operator, store)
    # parameters as the statement was written: one the optimizer folded away still takes a value
    param_types = _param_types(plan)
    declared = tuple(declared)
    if not param_types.keys() >= set(declared):  # C-speed for 30,000 parameters all used
        for key in declared:
            param_types.setdefault(key, NULLTYPE)
    numeric = _numeric_params(plan)
    prepared = Prepared(
        optimized, operator, param_types, entity, point, point_update, bulk_insert, numeric
    )
    if point_update is None:
        prepared.direct_write = match_point_delete(optimized, store)
    return prepared


class PlanCache:
    """Prepared queries by structural key (LRU, thread-safe); cleared on schema changes."""

    def __init__(self, size: int = PLAN_CACHE_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[Any, Prepared] = OrderedDict()
        # Query objects seen recently, by identity: a reused query object skips even hashing
        # its structural key (a nested tuple whose hash CPython does not cache).
        self._by_identity: dict[int, tuple[Any, Prepared]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def identity_map(self) -> dict[int, tuple[Any, Prepared]]:
        """The identity map itself (id(query) -> (query, prepared)), for inlined probes.

        The dict object lives as long as the cache (it is cleared, never replaced).
        """
        return self._by_identity

    def get_for(self, query: Any) -> Prepared | None:
        """The prepared form of a query object: by identity first, then by structure."""
        entry = self._by_identity.get(id(query))
        if entry is not None and entry[0] is query:
            self.hits += 1
            return entry[1]
        found = self.get(query.cache_key())
        if found is not None:
            self._remember(query, found)
        return found

    def put_for(self, query: Any, prepared: Prepared) -> None:
        """Remember the prepared form of a query object."""
        self.put(query.cache_key(), prepared)
        self._remember(query, prepared)

    def _remember(self, query: Any, prepared: Prepared) -> None:
        with self._lock:
            if len(self._by_identity) >= self._size:
                self._by_identity.clear()
            self._by_identity[id(query)] = (query, prepared)

    def get(self, key: Any) -> Prepared | None:
        """The prepared query for ``key``, if cached.

        Hits take no lock (a dict read is atomic) and do not reorder: eviction is by insertion
        order, which keeps the hot path of a cached query to one dict probe.
        """
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(self, key: Any, prepared: Prepared) -> None:
        """Remember a prepared query (the oldest entry goes when the cache is full)."""
        with self._lock:
            self._entries[key] = prepared
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (the schema changed)."""
        with self._lock:
            self._entries.clear()
            self._by_identity.clear()

    def __len__(self) -> int:
        return len(self._entries)


def run_batches(
    prepared: Prepared, store: Store, params: Mapping[str | int, Any]
) -> Iterator[Batch]:
    """Execute a prepared query; yields its output batches."""
    ctx = ExecContext(store, prepared.bind_params(params))
    install_subquery_runner(ctx)
    yield from execute(prepared.operator, ctx)


def run_prepared(prepared: Prepared, store: Store, params: Mapping[str | int, Any]) -> list[Any]:
    """Execute a prepared query and shape all its rows."""
    return run_with_context(prepared, store, params)[0]


def run_with_context(
    prepared: Prepared, store: Store, params: Mapping[str | int, Any]
) -> tuple[list[Any], ExecContext | None]:
    """Execute a prepared query or statement: its shaped rows (a statement's one row holds the
    rows affected) and the execution context it ran in (None on the point-lookup path), where
    statements leave what they report besides (``ctx.cache["last_rowid"]``)."""
    direct = prepared.direct_write
    if direct is not None:
        count = direct.run_direct(params)
        if count is not None:
            return [(count,)], None
    if prepared.point_update is not None:
        ctx = ExecContext(store, prepared.bind_params(params))
        return [(prepared.point_update.run(ctx),)], ctx
    if prepared.point is not None:
        row = prepared.first_by_key(params)
        return ([] if row is None else [row]), None
    ctx = ExecContext(store, prepared.bind_params(params))
    install_subquery_runner(ctx)
    build = prepared.row_builder
    rows: list[Any] = []
    for batch in execute(prepared.operator, ctx):
        rows.extend(build(batch))
    return rows, ctx


def run_columns(
    prepared: Prepared, store: Store, params: Mapping[str | int, Any]
) -> tuple[list[list[Any]], int]:
    """Execute a prepared query (no point-lookup or write shortcut applies): its output as
    decoded columns and the row count. The caller makes rows from them once, in the shape it
    returns (a Row per row, not a tuple and then a Row)."""
    ctx = ExecContext(store, prepared.bind_params(params))
    install_subquery_runner(ctx)
    build = prepared.column_builder
    out: list[list[Any]] = [[] for _ in prepared.operator.fields]
    count = 0
    for batch in execute(prepared.operator, ctx):
        for column, values in zip(out, build(batch), strict=True):
            column.extend(values)  # copies: a batch may share its lists with the plan
        count += batch.row_count
    return out, count


def analyze(
    prepared: Prepared, store: Store, params: Mapping[str | int, Any]
) -> dict[int, OperatorProfile]:
    """Run a prepared query or statement through its operator tree (never the point-lookup
    shortcuts), measuring every operator: rows, batches, time (EXPLAIN ANALYZE)."""
    ctx = ExecContext(store, prepared.bind_params(params))
    install_subquery_runner(ctx)
    for _ in execute(prepared.operator, ctx, analyze=True):
        pass
    return ctx.profile


def schema_lookup(catalog: Catalog) -> Callable[[Any], TableSchema]:
    """Resolve a model class (or table name) to the schema of the table created for it."""
    from pyram.model import schema_of

    def lookup(model: Any) -> TableSchema:
        if isinstance(model, str):
            return catalog.get(model)
        declared = schema_of(model)
        created = catalog.get(declared.name)
        if created.row_class is not model:
            raise ProgrammingError(
                f"table {declared.name} of this database was not created from {model.__qualname__}"
            )
        return created

    return lookup
