"""choose_index_scan: answer filters (and ORDER BY ... LIMIT) through a table index.

Rewrites ``Filter`` directly over ``Scan`` when conjuncts compare indexed columns with values
fixed for one execution: literals, parameters, expressions over them, uncorrelated subqueries,
and, inside a correlated subquery, the enclosing query's columns (so ``EXISTS (... WHERE
o.user_id = u.id)`` probes an index once per outer row instead of scanning):

* ``=`` on every column of an index (hash or sorted) -> ``IndexScan`` with one key tuple;
  ``col IN (values)`` gives one key tuple per value (literal duplicates and NULLs dropped);
* ``<``, ``<=``, ``>``, ``>=``, ``BETWEEN`` on the leading column of a sorted index -> a range
  ``IndexScan`` (``low``/``high``); ``=`` on a leading prefix of a composite sorted index -> a
  range with equal bounds.

The consumed conjuncts leave the Filter; the rest stay above the IndexScan as a residual Filter.
Among several usable indexes the one with the fewest estimated rows wins (ties: unique, then
hash, then declaration order). Separately, ``Limit`` over ``Sort`` on one plain column of a
sorted single-column index over a (filtered) Scan, with column-passing Projects allowed between
them (the front ends' ``Limit(Project(Sort(...)))``), drops the Sort and reads the index in order
(descending per the key), so the limit stops the scan early.

Why cheaper: a probe or range scan touches only matching rows instead of every row, and an
ordered index scan under a limit reads only as many rows as the limit needs.

Must not fire when the compared value's type family differs from the column's (the index holds
values of the column's type), on NOT IN / NOT BETWEEN / ``!=`` / OR, or for the ordered scan
when the ORDER BY's NULL placement differs from the index's (SQLite's default: first ascending,
last descending) on a nullable column without a range bound. IN lists may repeat a value and
parameters may be NULL: the IndexScan deduplicates its probes and never matches a NULL key.

Before / after::

    Filter ((id = 5) AND (name = 'x'))        Filter (name = 'x')
      Scan user [id, name]             ->       IndexScan user.user_pkey eq (5) [id, name]
"""

from __future__ import annotations

import itertools
from typing import Literal

import attrs

from pyram.catalog import IndexSpec, TableSchema
from pyram.optimizer.rewrite import (
    conjoin,
    conjuncts,
    map_subquery_plans,
    subqueries_in,
    with_inputs,
)
from pyram.optimizer.rule import RuleContext
from pyram.optimizer.stats import EQ_SELECTIVITY, RANGE_SELECTIVITY
from pyram.optimizer.volatility import is_deterministic
from pyram.plan.builder import literal_type
from pyram.plan.expr import (
    AggCall,
    Between,
    ColumnRef,
    Compare,
    Field,
    InList,
    InValues,
    Literal_,
    Param,
    PlanExpr,
    SortKey,
    walk,
)
from pyram.plan.nodes import (
    Filter,
    IndexScan,
    Limit,
    Plan,
    Project,
    Scan,
    Sort,
    inputs,
    outer_references,
    produced_cids,
)

__all__ = ["apply", "name"]

name = "choose_index_scan"

#: More probes than this (IN lists multiplied over index columns) are not worth an index.
MAX_PROBE_KEYS = 1000

TermKind = Literal["eq", "in", "low", "high", "between"]
_FLIPPED: dict[str, str] = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@attrs.frozen
class _Term:
    """One usable conjunct: ``position`` in the Filter's conjunct list, the column it tests."""

    position: int
    column: str
    kind: TermKind
    values: tuple[PlanExpr, ...]
    inclusive: bool = True


@attrs.frozen
class _Access:
    """A way to read the table through ``index``, with the conjuncts it makes redundant."""

    index: IndexSpec
    order: int
    rows: float
    used: frozenset[int]
    keys: tuple[tuple[PlanExpr, ...], ...] = ()
    low: tuple[PlanExpr, ...] | None = None
    low_inclusive: bool = True
    high: tuple[PlanExpr, ...] | None = None
    high_inclusive: bool = True

    def rank(self) -> tuple[float, bool, bool, int]:
        return (self.rows, not self.index.unique, self.index.kind != "hash", self.order)


def apply(plan: Plan, ctx: RuleContext) -> Plan:
    """Replace filtered scans (and sorted limited scans) of ``plan`` by index scans."""
    plan = map_subquery_plans(plan, lambda sub: apply(sub, ctx))
    return _rewrite(plan, ctx, frozenset(produced_cids(plan)))


def _rewrite(plan: Plan, ctx: RuleContext, local: frozenset[int]) -> Plan:
    """``local``: the column ids this plan produces (others are outer, constant per run)."""
    if isinstance(plan, Limit):
        ordered = _ordered_scan(plan, ctx, local)
        if ordered is not None:
            return ordered
    if isinstance(plan, Filter) and isinstance(plan.input, Scan) and plan.input.as_of is None:
        return _filter_scan(plan, plan.input, ctx, local)
    return with_inputs(plan, [_rewrite(child, ctx, local) for child in inputs(plan)])


# ---------------------------------------------------------------------- conjunct analysis
def _is_constant(expr: PlanExpr, local: frozenset[int]) -> bool:
    """No column of this plan is read, so one value serves every row of one execution (outer
    columns of a correlated subquery are such values: fixed while the subquery runs)."""
    if type(expr) is Literal_ or type(expr) is Param:
        return True  # the common case, once per item of a long IN list: no walk
    for node in walk(expr):
        if isinstance(node, AggCall) or (isinstance(node, ColumnRef) and node.cid in local):
            return False
    if any(outer_references(sub.plan) & local for sub in subqueries_in(expr)):
        return False
    return is_deterministic(expr)


def _fits(column: Field, value: PlanExpr, local: frozenset[int]) -> bool:
    """Can ``value`` be looked up in an index over ``column``?"""
    if isinstance(value, Literal_) and value.value is None:
        return False  # = NULL never matches; fold_constants turns it into NULL anyway
    family = value.dtype.family
    return family != "null" and family == column.dtype.family and _is_constant(value, local)


def _term(
    position: int, conjunct: PlanExpr, columns: dict[int, Field], local: frozenset[int]
) -> _Term | None:
    """The index-usable reading of one conjunct, if it has one."""
    if isinstance(conjunct, Compare) and conjunct.op != "!=":
        op: str = conjunct.op
        left, right = conjunct.left, conjunct.right
        if not (isinstance(left, ColumnRef) and left.cid in columns):
            op, left, right = _FLIPPED[op], right, left
        if not (isinstance(left, ColumnRef) and left.cid in columns):
            return None
        field = columns[left.cid]
        if not _fits(field, right, local):
            return None
        if op == "=":
            return _Term(position, field.name, "eq", (right,))
        kind: TermKind = "low" if op in (">", ">=") else "high"
        return _Term(position, field.name, kind, (right,), inclusive=op in (">=", "<="))
    if isinstance(conjunct, InList | Between) and not conjunct.negated:
        arg = conjunct.arg
        if not (isinstance(arg, ColumnRef) and arg.cid in columns):
            return None
        field = columns[arg.cid]
        if isinstance(conjunct, Between):
            bounds = (conjunct.low, conjunct.high)
            ok = all(_fits(field, b, local) for b in bounds)
            return _Term(position, field.name, "between", bounds) if ok else None
        return _in_term(position, field, conjunct.items, local)
    if isinstance(conjunct, InValues) and not conjunct.negated and conjunct.size <= MAX_PROBE_KEYS:
        arg = conjunct.arg
        if not (isinstance(arg, ColumnRef) and arg.cid in columns):
            return None
        # a list short enough to probe: its items as the expressions an index scan takes
        literals = tuple(
            Literal_(v, arg.dtype if v is None else literal_type(v)) for v in conjunct.values
        )
        items = literals + conjunct.param_nodes()
        return _in_term(position, columns[arg.cid], items, local)
    return None


def _in_term(
    position: int, field: Field, items: tuple[PlanExpr, ...], local: frozenset[int]
) -> _Term | None:
    """``col IN (items)``: one probe per item; literal duplicates and NULLs are dropped here,
    values known only at run time (parameters) are deduplicated by the IndexScan itself."""
    distinct: dict[object, PlanExpr] = {}
    others: list[PlanExpr] = []
    for item in items:
        if isinstance(item, Literal_) and item.value is None:
            continue  # never matches
        if not _fits(field, item, local):
            return None
        if not isinstance(item, Literal_):
            others.append(item)
            continue
        try:
            distinct.setdefault(item.value, item)
        except TypeError:
            others.append(item)
    values = (*distinct.values(), *others)
    return _Term(position, field.name, "in", values) if values else None


# ---------------------------------------------------------------------- access paths
@attrs.frozen
class _Table:
    """The table being filtered: its schema and what the statistics say about it."""

    schema: TableSchema
    ctx: RuleContext

    @property
    def rows(self) -> float:
        return float(self.ctx.stats.row_count(self.schema.name))

    def per_key(self, index: IndexSpec) -> float:
        """Rows one equality probe of ``index`` is expected to return."""
        if index.unique:
            return min(self.rows, 1.0)
        return self.rows / max(self.ctx.stats.distinct_keys(self.schema.name, index.name), 1)

    def candidates(self, terms: list[_Term]) -> list[_Access]:
        found = []
        for order, index in enumerate(self.schema.indexes):
            access = self.equality(index, order, terms) or self.range(index, order, terms)
            if access is not None:
                found.append(access)
        return found

    def best(self, terms: list[_Term]) -> _Access | None:
        return min(self.candidates(terms), key=_Access.rank, default=None)

    def equality(self, index: IndexSpec, order: int, terms: list[_Term]) -> _Access | None:
        """Every index column pinned by ``=`` (or IN): probe the index with each key tuple."""
        chosen: list[_Term] = []
        for column in index.columns:
            options = [t for t in terms if t.column == column and t.kind in ("eq", "in")]
            if not options:
                return None
            chosen.append(min(options, key=lambda t: (t.kind != "eq", len(t.values))))
        count = 1
        for term in chosen:
            count *= len(term.values)
        if count > MAX_PROBE_KEYS:
            return None
        keys = tuple(itertools.product(*(t.values for t in chosen)))
        used = frozenset(t.position for t in chosen)
        return _Access(index, order, self.per_key(index) * len(keys), used, keys=keys)

    def range(self, index: IndexSpec, order: int, terms: list[_Term]) -> _Access | None:
        """Bounds on the leading column of a sorted index (or ``=`` on a prefix of it)."""
        if index.kind != "sorted":
            return None
        if len(index.columns) > 1 and any(self.schema.column(c).nullable for c in index.columns):
            # a composite key holding a NULL is kept apart from the ordered keys, so a prefix
            # or range scan would miss the row (``c = 0`` must find (0, NULL))
            return None
        prefix: list[_Term] = []
        for column in index.columns:
            eq = next((t for t in terms if t.column == column and t.kind == "eq"), None)
            if eq is None:
                break
            prefix.append(eq)
        if prefix:
            values = tuple(t.values[0] for t in prefix)
            used = frozenset(t.position for t in prefix)
            rows = self.rows * EQ_SELECTIVITY ** len(prefix)
            return _Access(index, order, rows, used, low=values, high=values)
        leading = [t for t in terms if t.column == index.columns[0]]
        between = next((t for t in leading if t.kind == "between"), None)
        low_t = between or next((t for t in leading if t.kind == "low"), None)
        high_t = between or next((t for t in leading if t.kind == "high"), None)
        if low_t is None and high_t is None:
            return None
        used = frozenset(t.position for t in (low_t, high_t) if t is not None)
        bounds = (low_t is not None) + (high_t is not None)
        return _Access(
            index,
            order,
            self.rows * RANGE_SELECTIVITY**bounds,
            used,
            low=None if low_t is None else (low_t.values[0],),
            low_inclusive=low_t is None or low_t.inclusive,
            high=None if high_t is None else (high_t.values[-1],),
            high_inclusive=high_t is None or high_t.inclusive,
        )


def _terms(conjunct_list: list[PlanExpr], scan: Scan, local: frozenset[int]) -> list[_Term]:
    columns = {f.cid: attrs.evolve(f, name=c) for f, c in zip(scan.out, scan.columns, strict=False)}
    found = (_term(i, c, columns, local) for i, c in enumerate(conjunct_list))
    return [t for t in found if t is not None]


def _index_scan(scan: Scan, access: _Access, descending: bool = False) -> IndexScan:
    return IndexScan(
        scan.table,
        access.index.name,
        scan.columns,
        scan.out,
        keys=access.keys,
        low=access.low,
        low_inclusive=access.low_inclusive,
        high=access.high,
        high_inclusive=access.high_inclusive,
        descending=descending,
        alias=scan.alias,
        rid_cid=scan.rid_cid,
    )


def _residual(plan: Plan, conjunct_list: list[PlanExpr], used: frozenset[int]) -> Plan:
    rest = conjoin([c for i, c in enumerate(conjunct_list) if i not in used])
    return plan if rest is None else Filter(plan, rest)


def _filter_scan(plan: Filter, scan: Scan, ctx: RuleContext, local: frozenset[int]) -> Plan:
    schema = ctx.table(scan.table)
    if schema is None:
        return plan
    parts = conjuncts(plan.predicate)
    best = _Table(schema, ctx).best(_terms(parts, scan, local))
    if best is None:
        return plan
    return _residual(_index_scan(scan, best), parts, best.used)


# ---------------------------------------------------------------------- ORDER BY ... LIMIT
def _ordered_scan(limit: Limit, ctx: RuleContext, local: frozenset[int]) -> Plan | None:
    """``Limit [Projects] Sort(col) [Projects] [Filter] Scan`` -> the same without the Sort,
    over an ordered IndexScan (Projects keep row order, so they may sit on either side)."""
    above, node = _projects(limit.input)
    if limit.limit is None or not isinstance(node, Sort) or len(node.keys) != 1:
        return None
    key = node.keys[0]
    below, bottom = _projects(node.input)
    ref = _resolve(key.expr, below)
    if ref is None:
        return None
    parts = conjuncts(bottom.predicate) if isinstance(bottom, Filter) else []
    scan = bottom.input if isinstance(bottom, Filter) else bottom
    if not isinstance(scan, Scan) or scan.as_of is not None:  # a past scan reads no index
        return None
    replaced = _ordered_access(scan, ref, key, parts, ctx, local)
    if replaced is None:
        return None
    for project in reversed(above + below):  # innermost first (the Sort between them is gone)
        replaced = attrs.evolve(project, input=replaced)
    return attrs.evolve(limit, input=replaced)


def _projects(plan: Plan) -> tuple[list[Project], Plan]:
    """The chain of Projects starting at ``plan`` (outermost first) and the node below it."""
    chain: list[Project] = []
    while isinstance(plan, Project):
        chain.append(plan)
        plan = plan.input
    return chain, plan


def _resolve(expr: PlanExpr, projects: list[Project]) -> ColumnRef | None:
    """The column below ``projects`` that ``expr`` (read above them) passes through, if any."""
    for project in projects:
        if not isinstance(expr, ColumnRef):
            return None
        found = [e for e, f in zip(project.exprs, project.out, strict=True) if f.cid == expr.cid]
        if not found:
            return None
        expr = found[0]
    return expr if isinstance(expr, ColumnRef) else None


def _ordered_access(
    scan: Scan,
    ref: ColumnRef,
    key: SortKey,
    parts: list[PlanExpr],
    ctx: RuleContext,
    local: frozenset[int],
) -> Plan | None:
    """``[Filter] IndexScan`` reading ``scan`` in the order of ``key`` (on column ``ref``)."""
    schema = ctx.table(scan.table)
    stored = dict(zip((f.cid for f in scan.out), scan.columns, strict=False))
    column = stored.get(ref.cid)
    if schema is None or column is None or not schema.has_column(column):
        return None
    indexes = [
        (not ix.unique, order, ix)
        for order, ix in enumerate(schema.indexes)
        if ix.kind == "sorted" and ix.columns == (column,)
    ]
    if not indexes:
        return None
    index = min(indexes, key=lambda entry: entry[:2])[2]
    table = _Table(schema, ctx)
    best = table.best(_terms(parts, scan, local))
    if best is not None and best.index.name != index.name:
        return None  # another index answers the filter: keep that plan and the Sort
    if best is not None and len(best.keys) > 1:
        return None  # several probes come in probe order, not key order
    if best is None:
        best = _Access(index, 0, table.rows, frozenset())
    bounded = best.keys or best.low is not None or best.high is not None
    default_nulls = key.effective_nulls_first == (not key.descending)
    if not (bounded or default_nulls or not schema.column(column).nullable):
        return None
    scanned = _index_scan(scan, best, descending=key.descending)
    return _residual(scanned, parts, best.used)
