"""Data-changing operators: :class:`InsertOp`, :class:`UpdateOp`, :class:`DeleteOp`.

Place in the pipeline: built from ``plan.nodes.Insert`` / ``Update`` / ``Delete``; they write
through :class:`pyram.storage.Store`, which validates values and checks constraints. Each one
reads its whole input first (so a statement never sees its own changes), holds the store's
write lock for the whole statement, and yields one batch with one column: the number of rows
affected.

Engine values are in stored form; the store takes user-facing values, so encoded types (Enum,
JSON) are converted back with ``dtype.from_storage`` before writing. All three are atomic:
INSERT and DELETE make a single store call (all or nothing), and UPDATE computes every new row
before writing any, then restores the rows already written if a later one fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyram.catalog import ColumnSchema, TableSchema
from pyram.engine.batch import Batch
from pyram.engine.compile.kernels import compile_values
from pyram.engine.operator import ExecContext, Operator
from pyram.engine.operators.common import (
    ValueKernel,
    dense_view,
    evaluate,
    gather,
    materialize,
    positions_for,
    pull,
)
from pyram.engine.operators.upsert import insert_resolving_conflicts
from pyram.errors import ProgrammingError
from pyram.plan.expr import Field, PlanExpr
from pyram.plan.nodes import OnConflict
from pyram.storage import Store
from pyram.storage.rowids import assign_rowids
from pyram.types import INTEGER

__all__ = ["COUNT_FIELD", "DeleteOp", "InsertOp", "UpdateOp"]

#: The one output column of a DML operator: rows affected.
COUNT_FIELD = Field(-1, "rows_affected", INTEGER, False)


def _to_user(column: ColumnSchema, values: list[Any]) -> list[Any]:
    """Stored-form values of a column as the store's write path takes them."""
    if not column.dtype.encodes:
        return values
    decode = column.dtype.from_storage
    return [None if v is None else decode(v) for v in values]


def _count(rows: int) -> Batch:
    return Batch([[rows]], 1)


class InsertOp(Operator):
    """Insert the rows of ``source`` into ``table``; ``columns`` name the target columns in the
    order of the source's fields, missing columns take their defaults (NULL without one).

    An ``INTEGER PRIMARY KEY`` column (the schema's ``rowid_column``) left out or NULL takes
    the next integers after the largest key, as SQLite's rowid does; the last row's key is left
    in ``ctx.cache["last_rowid"]`` (the DB-API ``lastrowid``). ``on_conflict`` resolves key
    conflicts (see :mod:`pyram.engine.operators.upsert`).
    """

    __slots__ = ("columns", "on_conflict", "table")

    def __init__(
        self,
        table: str,
        columns: tuple[str, ...],
        source: Operator,
        on_conflict: OnConflict | None = None,
    ) -> None:
        if len(columns) != len(source.fields):
            raise ProgrammingError(
                f"{len(columns)} columns named for {len(source.fields)} values per row"
            )
        super().__init__((COUNT_FIELD,), (source,))
        self.table = table
        self.columns = columns
        self.on_conflict = on_conflict

    def describe(self) -> str:
        text = f"{self.table} ({', '.join(self.columns)})"
        if self.on_conflict is not None:
            text += f" on conflict {self.on_conflict.action}"
        return text

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        store = ctx.store
        with store.statement():
            data = store.data(self.table)
            schema = data.schema
            values, count = materialize(pull(self.children[0], ctx), len(self.columns))
            if count:
                columns = self._user_columns(schema, values, count)
                if self.on_conflict is not None:
                    if schema.rowid_column is not None:
                        assign_rowids(data, columns)
                        position = schema.position(schema.rowid_column)
                        ctx.cache["last_rowid"] = columns[position][-1]
                    count = insert_resolving_conflicts(ctx, self.table, self.on_conflict, columns)
                else:
                    count, last_rowid = self.insert_columns(store, columns)
                    if last_rowid is not None:
                        ctx.cache["last_rowid"] = last_rowid
        yield _count(count)

    def _user_columns(
        self, schema: TableSchema, values: list[list[Any]], count: int
    ) -> list[list[Any]]:
        full = self.complete_columns(schema, values, count)
        for name in self.columns:  # the given values are stored forms; defaults are not
            position = schema.position(schema.column(name).name)
            full[position] = _to_user(schema.columns[position], full[position])
        return full

    def complete_columns(
        self, schema: TableSchema, values: list[list[Any]], count: int
    ) -> list[list[Any]]:
        """Whole rows, column-wise in table order, from user-facing ``values`` of the named
        columns (in the order of :attr:`columns`): the others take their defaults."""
        return schema.complete_columns(dict(zip(self.columns, values, strict=True)), count)

    def insert_columns(self, store: Store, columns: list[list[Any]]) -> tuple[int, Any]:
        """Insert whole rows given column-wise in table order (user-facing values), assigning
        ``INTEGER PRIMARY KEY`` values left NULL; (rows inserted, last row's key or None).
        The caller runs it inside a statement."""
        data = store.data(self.table)
        schema = data.schema
        last_rowid = None
        if schema.rowid_column is not None:
            assign_rowids(data, columns)
            last_rowid = columns[schema.position(schema.rowid_column)][-1]
        store.insert(self.table, columns)
        return (len(columns[0]) if columns else 0), last_rowid


class UpdateOp(Operator):
    """Set ``assignments`` on the rows ``child`` yields: the table's fields plus a row id."""

    __slots__ = ("_kernels", "_positions", "_rid_position", "assignments", "table")

    def __init__(
        self,
        table: str,
        child: Operator,
        assignments: tuple[tuple[str, PlanExpr], ...],
        rid_cid: int,
    ) -> None:
        super().__init__((COUNT_FIELD,), (child,))
        layout = child.layout()
        if rid_cid not in layout:
            raise ProgrammingError("UPDATE input lacks its row-id column")
        self.table = table
        self.assignments = assignments
        self._rid_position = layout[rid_cid]
        self._kernels: list[ValueKernel] = [compile_values(e, layout) for _, e in assignments]
        self._positions = sorted(
            set(positions_for([e for _, e in assignments], layout)) | {self._rid_position}
        )

    def describe(self) -> str:
        from pyram.plan.display import format_expr

        sets = ", ".join(f"{name} = {format_expr(e)}" for name, e in self.assignments)
        return f"{self.table} SET {sets}"

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        store = ctx.store
        with store.statement():
            rids, new_values = self._collect(ctx)
            yield _count(self.apply(store, rids, new_values))

    def update_one(self, ctx: ExecContext, rid: int, row: list[list[Any]]) -> int:
        """Update one row whose input columns (this operator's child layout, one value each)
        are already known: the point-update path, which skips running the child."""
        batch = Batch(row, 1)
        values = [evaluate(kernel, batch, ctx) for kernel in self._kernels]
        return self.apply(ctx.store, [rid], values)

    def apply(self, store: Store, rids: list[int], new_values: list[list[Any]]) -> int:
        """Write the computed values (stored form, one list per assignment) to rows ``rids``
        through the store's checked, all-or-nothing set update; returns the matched rows."""
        if not rids:
            return 0
        schema = store.data(self.table).schema
        targets = [schema.position(name) for name, _ in self.assignments]
        user_values = []
        for position, values in zip(targets, new_values, strict=True):
            dtype = schema.columns[position].dtype
            if dtype.encodes:  # kernels compute stored forms; the store takes user values
                values = [None if v is None else dtype.from_storage(v) for v in values]
            user_values.append(values)
        if len(rids) == 1:
            store.update_row(self.table, rids[0], targets, [values[0] for values in user_values])
        else:
            store.update_many(self.table, rids, targets, user_values)
        return len(rids)

    def _collect(self, ctx: ExecContext) -> tuple[list[int], list[list[Any]]]:
        """Row ids (first occurrence of each) and the assigned values per assignment."""
        rids: list[int] = []
        values: list[list[Any]] = [[] for _ in self._kernels]
        for batch in pull(self.children[0], ctx):
            view = dense_view(batch, self._positions)
            if not view.length:
                continue
            rids.extend(view.columns[self._rid_position])
            for acc, kernel in zip(values, self._kernels, strict=True):
                acc.extend(evaluate(kernel, view, ctx))
        if len(set(rids)) != len(rids):
            # a join may yield a row twice: SQL updates it once, with its first values
            first: dict[int, int] = {}
            for i, rid in enumerate(rids):
                first.setdefault(rid, i)
            keep = list(first.values())
            rids = list(first)
            values = [gather(col, keep) for col in values]
        return rids, values


class DeleteOp(Operator):
    """Delete the rows ``child`` yields, by their row-id column."""

    __slots__ = ("_rid_position", "table")

    def __init__(self, table: str, child: Operator, rid_cid: int) -> None:
        super().__init__((COUNT_FIELD,), (child,))
        layout = child.layout()
        if rid_cid not in layout:
            raise ProgrammingError("DELETE input lacks its row-id column")
        self.table = table
        self._rid_position = layout[rid_cid]

    def describe(self) -> str:
        return self.table

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        store = ctx.store
        with store.statement():
            columns, _ = materialize(
                pull(self.children[0], ctx), len(self.children[0].fields), [self._rid_position]
            )
            rids = set(columns[self._rid_position])
            count = store.delete(self.table, rids) if rids else 0
        yield _count(count)
