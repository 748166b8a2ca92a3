"""HashJoin: equi-joins of every kind (inner, left, right, full, semi, anti).

Place in the pipeline: the physical planner picks it when the ON condition has equalities
between an expression of the left side and one of the right side; the other conjuncts form the
residual. The right side is the build side: it is materialised once per execution and hashed on
its key (a tuple for several keys). NULL keys are never hashed, so they never match.

Build and probe follow kernels.md section 6: ``dict(zip(keys, range(m)))`` when keys are unique
(probed with ``map(ht.get, ...)``), else ``setdefault(k, []).append(i)`` lists of positions
expanded with ``chain.from_iterable``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain, compress, repeat
from operator import is_not
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import compile_values
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import (
    ValueKernel,
    evaluate,
    materialize,
    positions_for,
    pull,
)
from pyram.engine.operators.join_output import (
    Residual,
    emit_pairs,
    emit_unmatched_right,
    output_fields,
    repeat_positions,
)
from pyram.plan.expr import PlanExpr
from pyram.plan.nodes import JoinKind

__all__ = ["HashJoin", "HashTable", "key_list"]


class HashTable:
    """The build side hashed on its key: key -> position (``unique``) or list of positions."""

    __slots__ = ("map", "unique")

    def __init__(self, keys: list[Any], composite: bool) -> None:
        valid = _non_null(keys, composite)
        count = len(keys) if valid is None else len(valid)
        positions: Sequence[int] = range(len(keys)) if valid is None else valid
        if valid is not None:
            keys = [keys[i] for i in valid]
        table: dict[Any, Any] = dict(zip(keys, positions, strict=True))
        self.unique = len(table) == count
        if not self.unique:
            table = {}
            setdefault = table.setdefault
            for key, position in zip(keys, positions, strict=True):
                setdefault(key, []).append(position)
        self.map = table

    def pairs(self, probe: list[Any], pad: int | None) -> tuple[list[int], list[Any]]:
        """(probe positions, build positions) of matches; with ``pad`` every probe row without
        a match pairs with build position ``pad`` instead of being dropped."""
        get = self.map.get
        n = len(probe)
        if self.unique:
            if pad is not None:
                return list(range(n)), list(map(get, probe, repeat(pad)))
            found = list(map(get, probe))
            if None not in found:
                return list(range(n)), found
            mask = list(map(is_not, found, repeat(None)))
            return list(compress(range(n), mask)), list(compress(found, mask))
        lists = list(map(get, probe, repeat(() if pad is None else (pad,))))
        return repeat_positions(list(map(len, lists))), list(chain.from_iterable(lists))


def _non_null(keys: list[Any], composite: bool) -> list[int] | None:
    """Positions of non-NULL keys, or None when every key is non-NULL."""
    if not composite:
        if None not in keys:
            return None
        return [i for i, k in enumerate(keys) if k is not None]
    flags = [None not in k for k in keys]
    if False not in flags:
        return None
    return list(compress(range(len(keys)), flags))


def key_list(kernels: Sequence[ValueKernel], batch: Batch, ctx: ExecContext) -> list[Any]:
    """Join key values of a dense batch: plain values for one key, tuples for several."""
    if len(kernels) == 1:
        return evaluate(kernels[0], batch, ctx)
    return list(zip(*(evaluate(k, batch, ctx) for k in kernels), strict=True))


class HashJoin(Operator):
    """``left kind JOIN right ON left_keys = right_keys [AND residual]``, building on the right."""

    __slots__ = (
        "_build_positions",
        "_left_kernels",
        "_residual",
        "_right_kernels",
        "kind",
        "left_keys",
        "residual",
        "right_keys",
    )

    def __init__(
        self,
        kind: JoinKind,
        left: Operator,
        right: Operator,
        left_keys: tuple[PlanExpr, ...],
        right_keys: tuple[PlanExpr, ...],
        residual: PlanExpr | None = None,
        estimated_rows: float = 0.0,
    ) -> None:
        if kind == "cross" or not left_keys or len(left_keys) != len(right_keys):
            raise ValueError("a hash join needs equal, non-empty key lists and a non-cross kind")
        super().__init__(
            output_fields(kind, left.fields, right.fields), (left, right), estimated_rows
        )
        self.kind = kind
        self.left_keys = left_keys
        self.right_keys = right_keys
        self.residual = residual
        left_layout, right_layout = left.layout(), right.layout()
        self._left_kernels = [compile_values(e, left_layout) for e in left_keys]
        self._right_kernels = [compile_values(e, right_layout) for e in right_keys]
        self._residual = None if residual is None else Residual(residual, left.fields, right.fields)
        self._build_positions: list[int] | None = None
        if kind in ("semi", "anti"):
            # only the key and residual columns of the build side are ever read
            wanted = positions_for(right_keys, right_layout)
            if self._residual is not None:
                wanted = sorted(set(wanted) | set(self._residual.right_positions))
            self._build_positions = wanted

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        keys = " AND ".join(
            f"{format_expr(a)} = {format_expr(b)}"
            for a, b in zip(self.left_keys, self.right_keys, strict=True)
        )
        extra = "" if self.residual is None else f" residual {format_expr(self.residual)}"
        return f"{self.kind.upper()} ON {keys}{extra}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        left, right = self.children
        kind, residual = self.kind, self._residual
        columns, m = materialize(pull(right, ctx), len(right.fields), self._build_positions)
        table = HashTable(
            key_list(self._right_kernels, Batch(columns, m), ctx), len(self.right_keys) > 1
        )
        null_row: int | None = None
        if kind in ("left", "full"):
            for col in columns:
                col.append(None)
            null_row = m
        pad = null_row if residual is None else None
        matched: set[int] | None = set() if kind in ("right", "full") else None
        for batch in pull(left, ctx):
            batch = batch.dense()
            if not batch.length:
                continue
            probe = key_list(self._left_kernels, batch, ctx)
            if residual is None and kind in ("semi", "anti"):
                yield from _semi_anti(kind, batch, probe, table)
                continue
            lp, rp = table.pairs(probe, pad)
            if residual is not None:
                lp, rp = residual.apply(batch.columns, lp, columns, rp, ctx)
            if matched is not None:
                matched.update(rp)
            yield from emit_pairs(
                kind if pad is None else "inner", batch, lp, rp, columns, null_row
            )
        if matched is not None:
            yield from emit_unmatched_right(len(left.fields), columns, m, matched)


def _semi_anti(kind: JoinKind, batch: Batch, probe: list[Any], table: HashTable) -> Iterator[Batch]:
    """Semi/anti join without residual: a membership mask over the probe keys."""
    contains = table.map.__contains__
    mask = list(map(contains, probe))
    if kind == "anti":
        mask = [not hit for hit in mask]
    if True in mask:
        yield Batch(batch.columns, batch.length, mask)
