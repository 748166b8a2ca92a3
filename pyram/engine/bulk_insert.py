"""Many parameter sets of one ``INSERT ... VALUES`` as a single column-wise insert.

``cursor.executemany("INSERT INTO t VALUES (?, ?)", rows)`` runs one statement per parameter
set in SQLite. Run that way here, each row pays the statement machinery (a write scope, an
execution context, an operator, a store call that validates one-element columns). When the
statement's source is one row of parameters and literals, the parameter sets themselves are the
columns: :class:`BulkInsert` transposes a chunk of them and makes one call to the store's
checked, column-wise insert (what ``db.insert_many`` uses), which validates each column with
one kernel and maintains each index once.

The batch is all or nothing. The caller (:meth:`pyram.statements.SqlSession.run_many`) falls
back to one statement per set when a batch fails, so the rows before a bad set are kept and the
error is the one that set raises alone, exactly as row by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyram.engine.operators.dml import InsertOp
from pyram.errors import ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.storage import Store

__all__ = ["BulkInsert", "match_bulk_insert"]

_PARAM, _LITERAL = 0, 1


class BulkInsert:
    """Insert many parameter sets of a single-row ``INSERT ... VALUES`` at once."""

    __slots__ = ("keys", "op", "sources")

    def __init__(self, op: InsertOp, sources: tuple[tuple[int, Any], ...]) -> None:
        self.op = op
        #: per named column: (_PARAM, key) or (_LITERAL, user-facing value)
        self.sources = sources
        #: the parameter keys a set must give, exactly
        self.keys = frozenset(value for kind, value in sources if kind == _PARAM)

    def columns(self, param_sets: Sequence[Mapping[str | int, Any]]) -> list[list[Any]] | None:
        """The named columns' user-facing values, or None when a set does not give exactly
        the statement's parameters (the row-by-row path then reports it)."""
        keys = self.keys
        for params in param_sets:
            if len(params) != len(keys) or not keys.issuperset(params):
                return None
        count = len(param_sets)
        out: list[list[Any]] = []
        for kind, value in self.sources:
            if kind == _PARAM:
                out.append([params[value] for params in param_sets])
            else:
                out.append([value] * count)
        return out

    def run(self, store: Store, param_sets: Sequence[Mapping[str | int, Any]]) -> tuple[int, Any]:
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
        with store.statement():
            return op.insert_columns(store, op.complete_columns(schema, named, len(param_sets)))


def match_bulk_insert(plan: pn.Plan, operator: Any, store: Store) -> BulkInsert | None:
    """A :class:`BulkInsert` for ``Insert(Values(one row of parameters and literals))``
    without ON CONFLICT, else None."""
    if not isinstance(plan, pn.Insert) or plan.on_conflict is not None:
        return None
    source = plan.source
    if not isinstance(source, pn.Values) or len(source.rows) != 1:
        return None
    if not isinstance(operator, InsertOp):
        return None
    schema = store.catalog.get(plan.table)
    sources: list[tuple[int, Any]] = []
    for name, expr in zip(plan.columns, source.rows[0], strict=True):
        if isinstance(expr, px.Param):
            sources.append((_PARAM, expr.key))
        elif isinstance(expr, px.Literal_):
            value = expr.value
            dtype = schema.column(name).dtype  # stored form of the column, as InsertOp reads it
            if value is not None and dtype.encodes:
                value = dtype.from_storage(value)
            sources.append((_LITERAL, value))
        else:
            return None
    return BulkInsert(operator, tuple(sources))
