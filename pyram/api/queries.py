"""The query API's work: DSL queries prepared once (cached) and run against the store.

:class:`~pyram.Database` keeps the public methods (``all``, ``first``, ``execute``,
``explain`` ...) with their typed overloads and documentation; :class:`Queries` binds a DSL
query to a plan, prepares it through :mod:`pyram.api.session` (optimise, physical plan, point
paths), caches it, and runs it under the right store context: a snapshot read for a query, a
write statement for an ``update()``/``delete()``/``insert()``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pyram.api.session import (
    PlanCache,
    Prepared,
    analyze,
    prepare_plan,
    run_batches,
    run_prepared,
    schema_lookup,
)
from pyram.api.udf import DatabaseFunctions
from pyram.dsl import Delete, Insert, Select, Update, bind_query, bind_statement
from pyram.engine import ExplainFormat, format_query_plan
from pyram.errors import ProgrammingError
from pyram.storage import Store

__all__ = ["AnyQuery", "Queries"]

#: What the query methods take: a DSL query or statement.
AnyQuery = Select[Any] | Update[Any] | Delete[Any] | Insert[Any]


class Queries:
    """Prepares and runs DSL queries of one database (its plan cache lives here)."""

    __slots__ = ("_functions", "plans", "schema_of", "store")

    def __init__(self, store: Store, functions: DatabaseFunctions) -> None:
        self.store = store
        self.plans = PlanCache()
        self.schema_of = schema_lookup(store.catalog)
        self._functions = functions

    def prepare(self, query: AnyQuery) -> Prepared:
        """The prepared form of ``query``, from the cache when it was prepared before."""
        if not isinstance(query, Select | Update | Delete | Insert):
            hint = " (SQL text goes to db.sql())" if isinstance(query, str) else ""
            raise ProgrammingError(
                "expected a query built with pyram.select(), Model.select(), update(), delete() "
                f"or insert(), got {type(query).__name__}{hint}"
            )
        prepared = self.plans.get_for(query)
        if prepared is None:
            with self._functions.active():
                prepared = self._prepare_new(query)
        return prepared

    def _prepare_new(self, query: AnyQuery) -> Prepared:
        try:
            if isinstance(query, Select):
                bound = bind_query(query, self.schema_of)
                prepared = prepare_plan(bound.plan, self.store, bound.entity)
            else:
                plan = bind_statement(query, self.schema_of)
                prepared = prepare_plan(plan, self.store)
        except RecursionError:
            # a backstop: chains are flattened and nesting is bounded, so only an absurdly
            # nested query gets here; nothing has run yet, the database is unchanged
            raise ProgrammingError("query too complex: nested too deeply") from None
        self.plans.put_for(query, prepared)
        return prepared

    def all(self, query: Select[Any], params: Mapping[str | int, Any]) -> list[Any]:
        """Every row, under one snapshot."""
        prepared = self.prepare(query)
        with self.store.reading():
            return run_prepared(prepared, self.store, params)

    def iter(self, query: Select[Any], params: Mapping[str | int, Any]) -> Iterator[Any]:
        """The rows batch by batch, all read from one snapshot (the open transaction's, or
        one held for the whole iteration)."""
        prepared = self.prepare(query)
        build = prepared.row_builder
        store = self.store
        batches = run_batches(prepared, store, params)
        if store.in_transaction:
            while True:
                with store.reading():
                    batch = next(batches, None)
                if batch is None:
                    return
                yield from build(batch)
        view = store.snapshots.open_view()  # one snapshot for the whole iteration
        try:
            while True:
                with store.using_view(view):
                    batch = next(batches, None)
                if batch is None:
                    return
                yield from build(batch)
        finally:
            store.snapshots.close_view(view)

    def first(self, prepared: Prepared, params: Mapping[str | int, Any]) -> Any:
        """The first row of a prepared query that is not a point lookup, or None."""
        with self.store.reading():
            for batch in run_batches(prepared, self.store, params):
                rows = prepared.row_builder(batch)
                if rows:
                    return rows[0]
        return None

    def execute(self, statement: AnyQuery, params: Mapping[str | int, Any]) -> int:
        """Run a DSL statement as one write statement; the number of rows it affected."""
        if isinstance(statement, Select):
            raise ProgrammingError(
                "db.execute() runs update(), delete() and insert(); read a select() with "
                "db.all(), db.first(), db.one() or db.scalar()"
            )
        prepared = self.prepare(statement)
        with self.store.statement():
            rows = run_prepared(prepared, self.store, params)
        return int(rows[0][0]) if rows else 0

    def explain(
        self,
        query: AnyQuery,
        params: Mapping[str | int, Any],
        analyze_it: bool,
        format: ExplainFormat,
    ) -> str:
        """The operator tree, measured by running it when ``analyze_it``."""
        prepared = self.prepare(query)
        if not analyze_it:
            return prepared.explain(format)
        store = self.store
        with store.reading() if isinstance(query, Select) else store.statement():
            profile = analyze(prepared, store, params)
        return prepared.explain(format, profile)

    def query_plan(self, query: AnyQuery) -> str:
        """SQLite's EXPLAIN QUERY PLAN text of ``query``."""
        return format_query_plan(self.prepare(query).query_plan(self.store))
