"""HashAggregate: GROUP BY with aggregate functions (and aggregates over the whole input).

Place in the pipeline: built from ``plan.nodes.Aggregate``. Group keys and the first argument of
every aggregate are computed per input batch by compiled kernels and appended to run-local
lists; then rows are grouped with a dict of key -> positions (a tuple key for several group
expressions; NULL keys group together, as SQL wants) and each aggregate's implementation from
:mod:`pyram.functions` is called once per group on the group's non-NULL values (kernels.md
section 5). ``count(*)`` receives the group's positions. Further aggregate arguments (the
separator of ``group_concat``) must be row-independent; they are evaluated once per execution.
An aggregate with ``FILTER (WHERE ...)`` reads its argument as NULL (``count(*)``: 1 or NULL)
on rows the filter does not keep. Without groups exactly one row comes out, even for empty
input.

``any_value`` (SQLite's bare column) reads one row per group, the same row for every such
column, the row SQLite 3.40 picks: with a ``min``/``max`` call (the last one when there are
several), the first row holding its result (the last row when every argument is NULL), else
the first row of the group.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import compile_values
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import (
    compile_constant,
    dense_view,
    evaluate,
    gather,
    positions_for,
    pull,
    referenced_cids,
)
from pyram.errors import NotSupportedError
from pyram.plan.expr import AggCall, Field, PlanExpr

__all__ = ["HashAggregate"]


class _Aggregate:
    """One aggregate call: its implementation, constant extra arguments and NULL handling."""

    __slots__ = ("call", "constants", "impl", "skip_nulls", "source")

    def __init__(self, call: AggCall, source: int | None) -> None:
        from pyram.functions import aggregate_function

        self.call = call
        #: index of the first argument's values among the collected columns (None: count(*))
        self.source = source
        self.impl: Callable[..., Any] = (call.udf or aggregate_function(call.name)).impl
        for extra in call.args[1:]:
            if referenced_cids(extra):
                raise NotSupportedError(
                    f"{call.name}(): only the first argument may depend on the row"
                )
        self.constants = [compile_constant(e) for e in call.args[1:]]
        # a user aggregate sees every row's value, NULLs included (sqlite3's step protocol);
        # FILTER reads the rows it does not keep as NULL, so those are skipped (for a user
        # aggregate too: its NULL arguments on kept rows are then skipped as well)
        self.skip_nulls = call.filter is not None or (
            bool(call.args) and call.args[0].nullable and call.udf is None
        )

    def compute(self, groups: Iterable[Sequence[Any]], ctx: ExecContext) -> list[Any]:
        """The aggregate's value per group, given each group's first-argument values (for
        count(*): any sequence with one entry per row)."""
        impl = self.impl
        extra = [f(ctx) for f in self.constants]
        if self.source is None:
            return [impl(group, *extra) for group in groups]
        out = []
        distinct, skip_nulls = self.call.distinct, self.skip_nulls
        for group in groups:
            if skip_nulls and None in group:
                group = [v for v in group if v is not None]
            if distinct:
                group = list(dict.fromkeys(group))
            out.append(impl(group, *extra))
        return out


class HashAggregate(Operator):
    """Group ``child`` by ``groups`` and compute ``aggregates``; output groups then aggregates.

    Grouping picks the cheapest form for the aggregates' inputs (kernels.md section 5): a
    ``Counter`` of keys when only ``count(*)`` is asked, ``key -> list of values`` when all
    aggregates read the same argument, else ``key -> list of positions`` and one
    ``itemgetter`` gather per group and argument.
    """

    __slots__ = (
        "_aggregates",
        "_arg_kernels",
        "_group_kernels",
        "_has_bare",
        "_picker",
        "_positions",
        "aggregates",
        "groups",
    )

    def __init__(
        self,
        child: Operator,
        groups: tuple[PlanExpr, ...],
        aggregates: tuple[AggCall, ...],
        fields: tuple[Field, ...],
        estimated_rows: float = 0.0,
    ) -> None:
        super().__init__(fields, (child,), estimated_rows)
        layout = child.layout()
        self.groups = groups
        self.aggregates = aggregates
        self._group_kernels = [compile_values(g, layout) for g in groups]
        # distinct (first argument, filter) pairs (structural equality of expressions)
        args: list[tuple[PlanExpr | None, PlanExpr | None]] = []
        sources: list[int | None] = []
        for call in aggregates:
            source = (call.args[0] if call.args else None, call.filter)
            if source == (None, None):
                sources.append(None)
                continue
            if source not in args:
                args.append(source)
            sources.append(args.index(source))
        self._arg_kernels = [
            (
                None if arg is None else compile_values(arg, layout),
                None if where is None else compile_values(where, layout),
            )
            for arg, where in args
        ]
        self._aggregates = [_Aggregate(c, s) for c, s in zip(aggregates, sources, strict=True)]
        read = [e for pair in args for e in pair if e is not None]
        self._positions = positions_for(groups + tuple(read), layout)
        self._picker = _driver(self._aggregates)
        self._has_bare = any(c.name == "any_value" for c in aggregates)

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        aggs = ", ".join(map(format_expr, self.aggregates))
        if not self.groups:
            return aggs
        return f"GROUP BY {', '.join(map(format_expr, self.groups))}: {aggs}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        keys, args, total = self._collect(ctx)
        if not self.groups:
            if self._has_bare:
                columns = self._compute(_one_group(args, total), ctx)
            else:
                columns = [
                    a.compute([range(total) if a.source is None else args[a.source]], ctx)
                    for a in self._aggregates
                ]
            yield Batch(columns, 1)
            return
        key_list: list[Any] = keys[0] if len(keys) == 1 else list(zip(*keys, strict=True))
        group_keys, per_source = _group(key_list, args)
        if not group_keys:
            return
        single = len(keys) == 1
        out = [group_keys] if single else [list(c) for c in zip(*group_keys, strict=True)]
        out.extend(self._compute(per_source, ctx))
        yield Batch(out, len(group_keys))

    def _compute(
        self, per_source: dict[int | None, list[Sequence[Any]]], ctx: ExecContext
    ) -> list[list[Any]]:
        """Each aggregate's column, given each group's argument values per source."""
        chosen: list[int] | None = None
        out = []
        for agg in self._aggregates:
            if agg.call.name != "any_value":
                out.append(agg.compute(per_source[agg.source], ctx))
                continue
            if chosen is None:
                chosen = self._chosen_rows(per_source)
            groups = per_source[agg.source]
            rows = zip(groups, chosen, strict=True)
            out.append([values[i] if values else None for values, i in rows])
        return out

    def _chosen_rows(self, per_source: dict[int | None, list[Sequence[Any]]]) -> list[int]:
        """The row (position within its group) bare columns read, per group."""
        if self._picker is None:
            return [0] * len(per_source[None])
        source, pick = self._picker
        return [_row_of(values, pick) for values in per_source[source]]

    def _collect(self, ctx: ExecContext) -> tuple[list[list[Any]], list[list[Any]], int]:
        """Group key values, values of each distinct aggregate argument, input row count."""
        keys: list[list[Any]] = [[] for _ in self._group_kernels]
        args: list[list[Any]] = [[] for _ in self._arg_kernels]
        total = 0
        for batch in pull(self.children[0], ctx):
            view = dense_view(batch, self._positions)
            if not view.length:
                continue
            total += view.length
            for acc, kernel in zip(keys, self._group_kernels, strict=True):
                acc.extend(evaluate(kernel, view, ctx))
            for acc, (arg, where) in zip(args, self._arg_kernels, strict=True):
                values = [1] * view.length if arg is None else evaluate(arg, view, ctx)
                if where is not None:
                    keep = evaluate(where, view, ctx)
                    values = [v if k is True else None for v, k in zip(values, keep, strict=True)]
                acc.extend(values)
        return keys, args, total


def _one_group(args: list[list[Any]], total: int) -> dict[int | None, list[Sequence[Any]]]:
    """The whole input as one group, per argument source (None: count(*)'s rows)."""
    per_source: dict[int | None, list[Sequence[Any]]] = {None: [range(total)]}
    for i, values in enumerate(args):
        per_source[i] = [values]
    return per_source


def _driver(aggregates: list[_Aggregate]) -> tuple[int | None, Callable[..., Any]] | None:
    """The source and ``min``/``max`` of the call whose row bare columns read (SQLite: the
    last such call), or None."""
    found = None
    for agg in aggregates:
        if agg.call.name in ("min", "max") and len(agg.call.args) == 1:
            found = (agg.source, min if agg.call.name == "min" else max)
    return found


def _row_of(values: Sequence[Any], pick: Callable[..., Any]) -> int:
    """The first position holding ``pick`` (min or max) of the non-NULL values; the last
    position when all are NULL (SQLite loads a bare column on each row until a value)."""
    positions = [i for i, v in enumerate(values) if v is not None]
    if not positions:
        return len(values) - 1
    # min/max return the first of equal candidates, as SQLite keeps the first extreme
    result: int = pick(positions, key=values.__getitem__)
    return result


def _group(
    keys: list[Any], args: list[list[Any]]
) -> tuple[list[Any], dict[int | None, list[Sequence[Any]]]]:
    """Distinct keys (first-seen order) and, per argument index (None: count(*)), each
    group's values in row order."""
    if not args:
        counts = Counter(keys)
        return list(counts), {None: [range(c) for c in counts.values()]}
    if len(args) == 1:
        by_key: defaultdict[Any, list[Any]] = defaultdict(list)
        for key, value in zip(keys, args[0], strict=True):
            by_key[key].append(value)
        lists: list[Sequence[Any]] = list(by_key.values())
        return list(by_key), {None: lists, 0: lists}
    positions: defaultdict[Any, list[int]] = defaultdict(list)
    for position, key in enumerate(keys):
        positions[key].append(position)
    groups = list(positions.values())
    per_source: dict[int | None, list[Sequence[Any]]] = {None: list(groups)}
    for i, values in enumerate(args):
        per_source[i] = [gather(values, group) for group in groups]
    return list(positions), per_source
