"""IndexNestedLoopJoin: join an outer input to a table by probing one of the table's indexes.

Place in the pipeline: the physical planner picks it instead of a hash join when the inner side
is a plain table scan whose index covers exactly the join keys and the outer side is expected to
be much smaller than the table (no hash table over the whole table is built). Per outer batch
the keys are computed by one kernel call and probed with ``map(index.get, ...)`` (unique index)
or ``map(index.lookup, ...)``; the inner columns are gathered straight from the stored lists.
Kinds: inner, left, semi, anti. Left joins emit each batch's matched pairs, then its unmatched
outer rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, compress, repeat
from operator import is_not
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import compile_values
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import pull
from pyram.engine.operators.hash_join import key_list
from pyram.engine.operators.join_output import Residual, emit_pairs, output_fields, repeat_positions
from pyram.errors import ProgrammingError
from pyram.plan.expr import Field, PlanExpr
from pyram.plan.nodes import JoinKind
from pyram.storage.indexes import key_is_null
from pyram.storage.mvcc import ReadView, changed_rows
from pyram.storage.table_data import AnyIndex, TableData
from pyram.storage.visible import gather_in_view

__all__ = ["IndexNestedLoopJoin"]


class IndexNestedLoopJoin(Operator):
    """``outer kind JOIN table ON keys = index columns [AND residual]`` via ``index``.

    ``keys`` are expressions over the outer side, one per index column in index order;
    ``columns``/``inner_fields`` are the table's stored columns read and their fields (plus a
    trailing row-id field when ``rid_cid`` is set).
    """

    __slots__ = (
        "_kernels",
        "_residual",
        "columns",
        "index",
        "keys",
        "kind",
        "residual",
        "rid_cid",
        "table",
    )

    def __init__(
        self,
        kind: JoinKind,
        outer: Operator,
        table: str,
        index: str,
        keys: tuple[PlanExpr, ...],
        columns: tuple[str, ...],
        inner_fields: tuple[Field, ...],
        residual: PlanExpr | None = None,
        rid_cid: int | None = None,
        estimated_rows: float = 0.0,
    ) -> None:
        if kind not in ("inner", "left", "semi", "anti"):
            raise ValueError(f"an index join cannot do a {kind} join")
        super().__init__(output_fields(kind, outer.fields, inner_fields), (outer,), estimated_rows)
        self.kind = kind
        self.table = table
        self.index = index
        self.keys = keys
        self.columns = columns
        self.rid_cid = rid_cid
        self.residual = residual
        layout = outer.layout()
        self._kernels = [compile_values(e, layout) for e in keys]
        self._residual = (
            None if residual is None else Residual(residual, outer.fields, inner_fields)
        )

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        keys = ", ".join(map(format_expr, self.keys))
        extra = "" if self.residual is None else f" residual {format_expr(self.residual)}"
        return f"{self.kind.upper()} {self.table} USING {self.index} ({keys}){extra}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        store = ctx.store
        data = store.data(self.table)
        index = data.indexes.get(self.index)
        if index is None:
            raise ProgrammingError(f"table {self.table} has no index {self.index}")
        view = store.current_view()
        if view is not None:
            view.saw(data)
        schema = data.schema
        positions = [schema.position(c) for c in self.columns]
        for batch in pull(self.children[0], ctx):
            batch = batch.dense()
            if not batch.length:
                continue
            keys = key_list(self._kernels, batch, ctx)
            with data.latch:
                lp, rp = _probe(index, keys)
                if view is not None and data.versioned:
                    lp, rp = _probe_in_view(data, index, keys, lp, rp, view)
            # The matched rows, gathered as the view sees them; pairs then address them by
            # position (the residual and the output read these columns, not the table's).
            sources = gather_in_view(data, positions, rp, view)
            if self.rid_cid is not None:
                sources.append(list(rp))
            rp = list(range(len(rp)))
            if self._residual is not None:
                lp, rp = self._residual.apply(batch.columns, lp, sources, rp, ctx)
            yield from emit_pairs(self.kind, batch, lp, rp, sources, None)


def _probe_in_view(
    data: TableData,
    index: AnyIndex,
    keys: list[Any],
    lp: list[int],
    rp: list[Any],
    view: ReadView,
) -> tuple[list[int], list[Any]]:
    """Pairs corrected to ``view``: rows changed since its snapshot match by their visible
    key (caller holds the latch). Left positions stay ascending."""
    changed = changed_rows(data, view)
    if not changed:
        return lp, rp
    positions = data.key_positions(index.name)
    composite = index.composite
    by_key: dict[Any, list[int]] = {}
    for rid, image in changed.items():
        if image is not None:
            key = tuple(image[p] for p in positions) if composite else image[positions[0]]
            if not key_is_null(key, composite):
                by_key.setdefault(key, []).append(rid)
    pairs = [(left, r) for left, r in zip(lp, rp, strict=True) if r not in changed]
    for position, key in enumerate(keys):
        for rid in by_key.get(key, ()):
            pairs.append((position, rid))
    pairs.sort()
    return [left for left, _ in pairs], [r for _, r in pairs]


def _probe(index: AnyIndex, keys: list[Any]) -> tuple[list[int], list[Any]]:
    """(outer positions, row ids) of every match; NULL keys match nothing."""
    if index.unique:
        found: list[Any] = list(map(index.get, keys))
        mask = list(map(is_not, found, repeat(None)))
        return list(compress(range(len(keys)), mask)), list(compress(found, mask))
    lists = list(map(index.lookup, keys))
    return repeat_positions(list(map(len, lists))), list(chain.from_iterable(lists))
