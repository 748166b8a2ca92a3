"""Many parameter sets of one ``INSERT ... VALUES`` as a single column-wise insert.

``cursor.executemany("INSERT INTO t VALUES (?, ?)", rows)`` runs one statement per parameter
set in SQLite. Run that way here, each row pays the statement machinery (a write scope, an
execution context, an operator, a store call that validates one-element columns). When the
statement's source is one row of parameters and literals, the parameter sets themselves are the
columns: :class:`BulkInsert` transposes a chunk of them and makes one call to the store's
checked, column-wise insert (what ``db.insert_many`` uses), which validates each column with
one kernel and maintains each index once.

The batch is all or nothing. The caller (:meth:`pyram.api.statements.SqlSession.run_many`) falls
back to one statement per set when a batch fails, so the rows before a bad set are kept and the
error is the one that set raises alone, exactly as row by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyram.engine.operators.dml import InsertOp
from pyram.errors import DataError, IntegrityError, ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.storage import Store

__all__ = ["BULK_REFUSALS", "BulkInsert", "match_bulk_insert"]

#: What a refused bulk insert raises (having changed nothing): the caller then runs the rows
#: the general way, which reports the error exactly as it always has. Anything else (a lock
#: timeout, a serialization failure) is not retried.
BULK_REFUSALS = (DataError, IntegrityError, ProgrammingError, TypeError, ValueError)

_PARAM, _LITERAL = 0, 1


class BulkInsert:
    """Insert many parameter sets of an ``INSERT ... VALUES`` of parameters and literals at
    once (each set gives one row per row of the statement's VALUES)."""

    __slots__ = ("by_column", "keys", "op", "rows")

    def __init__(self, op: InsertOp, rows: tuple[tuple[tuple[int, Any], ...], ...]) -> None:
        self.op = op
        #: per VALUES row, per named column: (_PARAM, key) or (_LITERAL, user-facing value)
        self.rows = rows
        #: the same sources column by column: per named column, one per VALUES row
        self.by_column = tuple(zip(*rows, strict=True))
        #: the parameter keys a set must give, exactly
        self.keys = frozenset(value for row in rows for kind, value in row if kind == _PARAM)

    @property
    def positional(self) -> bool:
        """True for one VALUES row of ``?`` markers 0..n-1: sets may then be plain tuples,
        transposed at C speed."""
        return len(self.rows) == 1 and self.keys == frozenset(range(len(self.keys)))

    def columns(
        self, param_sets: Sequence[Mapping[str | int, Any]] | Sequence[Sequence[Any]]
    ) -> list[list[Any]] | None:
        """The named columns' user-facing values, or None when a set does not give exactly
        the statement's parameters (the row-by-row path then reports it). Sets are mappings
        (key -> value), or sequences of a positional statement's values."""
        keys = self.keys
        count = len(param_sets)
        if count and not isinstance(param_sets[0], Mapping):
            if not self.positional or set(map(len, param_sets)) != {len(keys)}:
                return None
            transposed = list(zip(*param_sets, strict=True))
            return [
                list(transposed[value]) if kind == _PARAM else [value] * count
                for kind, value in self.rows[0]
            ]
        mappings: list[Mapping[str | int, Any]] = []
        for params in param_sets:
            if not isinstance(params, Mapping):
                return None
            if len(params) != len(keys) or not keys.issuperset(params):
                return None
            mappings.append(params)
        out: list[list[Any]] = []
        for sources in self.by_column:
            values: list[Any] = []
            for params in mappings:
                values.extend([params[v] if kind == _PARAM else v for kind, v in sources])
            out.append(values)
        return out

    def run(
        self,
        store: Store,
        param_sets: Sequence[Mapping[str | int, Any]] | Sequence[Sequence[Any]],
    ) -> tuple[int, Any]:
        """Insert the rows (all or nothing); (rows inserted, last row's key or None).

        Raises:
            ProgrammingError: a set does not give exactly the statement's parameters.
            DataError, IntegrityError: as for :meth:`pyram.storage.Store.insert`.
        """
        named = self.columns(param_sets)
        if named is None:
            raise ProgrammingError("parameter sets do not match the statement's parameters")
        op = self.op
        schema = store.data(op.table).schema
        count = len(param_sets) * len(self.rows)
        with store.statement():
            return op.insert_columns(store, op.complete_columns(schema, named, count))


def match_bulk_insert(plan: pn.Plan, operator: Any, store: Store) -> BulkInsert | None:
    """A :class:`BulkInsert` for ``Insert(Values(rows of parameters and literals))`` without
    ON CONFLICT, else None."""
    if not isinstance(plan, pn.Insert) or plan.on_conflict is not None:
        return None
    source = plan.source
    if not isinstance(source, pn.Values) or not source.rows:
        return None
    if not isinstance(operator, InsertOp):
        return None
    schema = store.catalog.get(plan.table)
    # stored forms of the literals' columns, as InsertOp reads them: decoded to user values
    dtypes = [schema.column(name).dtype for name in plan.columns]
    rows: list[tuple[tuple[int, Any], ...]] = []
    for exprs in source.rows:
        row: list[tuple[int, Any]] = []
        for dtype, expr in zip(dtypes, exprs, strict=True):
            if isinstance(expr, px.Param):
                row.append((_PARAM, expr.key))
            elif isinstance(expr, px.Literal_):
                value = expr.value
                if value is not None and dtype.encodes:
                    value = dtype.from_storage(value)
                row.append((_LITERAL, value))
            else:
                return None
        rows.append(tuple(row))
    return BulkInsert(operator, tuple(rows))
