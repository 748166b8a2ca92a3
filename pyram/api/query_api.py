"""The query methods of :class:`~pyram.Database` (a mixin: the facade stays small).

They take DSL queries and statements and delegate to :class:`~pyram.api.queries.Queries`
(prepare, plan cache, run); ``as_of`` reads go through :class:`~pyram.api.history.HistoryApi`.
``_queries`` and ``_recent_plans`` are set by the database's constructor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, ParamSpec, TypeVar, overload

from typing_extensions import TypeVarTuple

from pyram.api.derived_reads import DerivedReads, rows_into
from pyram.api.history import AsOf, HistoryApi, QueryParams
from pyram.api.queries import Queries
from pyram.api.typed_query import TypedQuery
from pyram.dsl import Delete, Insert, Select, Update
from pyram.engine import ExplainFormat

__all__ = ["QueryApi", "merge_params"]

R = TypeVar("R")
T1 = TypeVar("T1")
Rest = TypeVarTuple("Rest")
P = ParamSpec("P")
X = TypeVar("X")


class QueryApi(HistoryApi, DerivedReads):
    """``all``, ``iter``, ``first``, ``execute``, ``explain`` and ``query_plan``; ``one``,
    ``one_or_none``, ``scalars`` and ``scalar`` come from :class:`DerivedReads`."""

    _queries: Queries
    _recent_plans: dict[int, Any]

    # ------------------------------------------------------------------ queries

    # ``into=Row`` is typed against the select's columns: ``Row(*values)`` must accept them
    # (a NamedTuple, an attrs or dataclass class, any callable). The second overload's
    # ``into: None`` keeps a mismatched ``into`` from falling through to ``**kw: Any``.
    @overload
    def all(
        self,
        query: Select[tuple[*Rest]],
        params: QueryParams = None,
        /,
        *,
        into: Callable[[*Rest], X],
        as_of: AsOf = None,
        **kw: Any,
    ) -> list[X]: ...
    @overload
    def all(
        self,
        query: Select[R],
        params: QueryParams = None,
        /,
        *,
        into: None = None,
        as_of: AsOf = None,
        **kw: Any,
    ) -> list[R]: ...
    def all(
        self,
        query: Select[Any],
        params: QueryParams = None,
        /,
        *,
        into: Callable[..., Any] | None = None,
        as_of: AsOf = None,
        **kw: Any,
    ) -> list[Any]:
        """Every row of a query: model instances for ``User.select()``, tuples otherwise, or
        ``into(*row)`` for each row with ``into=`` (a NamedTuple or attrs class of the row's
        columns: checkers match its fields against the select's column types).

        Parameters (``pyram.param("name")``) take their values from ``params`` and keywords
        (a parameter named ``into`` or ``as_of`` goes in ``params``). ``as_of`` reads the
        tables as they were at that commit stamp, datetime (naive: UTC) or time text
        (docs/time-travel.md); ``first``, ``one``, ``scalars``... take it too.

        Raises:
            ProgrammingError: an ill-formed or ill-typed query, missing parameters, or rows
                ``into`` cannot be built from.
            HistoryError: a table read keeps no history back to ``as_of``.
        """
        with self._as_of(as_of):
            rows = self._queries.all(query, merge_params(params, kw))
        return rows if into is None else rows_into(rows, into)

    def iter(
        self, query: Select[R], params: Mapping[str, Any] | None = None, /, **kw: Any
    ) -> Iterator[R]:
        """The rows of a query, produced batch by batch as they are consumed."""
        return self._queries.iter(query, merge_params(params, kw))

    def first(
        self, query: Select[R], params: QueryParams = None, /, *, as_of: AsOf = None, **kw: Any
    ) -> R | None:
        """The first row of a query, or None when it has no rows (``as_of``: as for :meth:`all`)."""
        if as_of is not None:
            with self._as_of(as_of):
                return self.first(query, params, **kw)
        # Inline identity probe of the plan cache: this is the application-cache hot path.
        entry = self._recent_plans.get(id(query))
        prepared = (
            entry[1] if entry is not None and entry[0] is query else self._queries.prepare(query)
        )
        if prepared.point is not None:
            found: R | None = prepared.first_by_key(
                kw if params is None else merge_params(params, kw)  # type: ignore[arg-type]
            )
            return found
        first: R | None = self._queries.first(prepared, merge_params(params, kw))
        return first

    def typed(self, query: Select[R], signature: Callable[P, object]) -> TypedQuery[P, R]:
        """The query with parameters typed by ``signature`` (a function naming them with their
        types): ``find = db.typed(q, by_id); find(id=3)`` (see ``pyram/api/typed_query.py``)."""
        return TypedQuery(self, query, signature)

    def execute(
        self,
        statement: Update[Any] | Delete[Any] | Insert[Any],
        params: Mapping[str, Any] | None = None,
        /,
        **kw: Any,
    ) -> int:
        """Run an ``update()``, ``delete()`` or ``insert().from_select()``; all or nothing.

        Returns:
            The number of rows affected.
        """
        return self._queries.execute(statement, merge_params(params, kw))

    def explain(
        self,
        query: Select[Any] | Update[Any] | Delete[Any] | Insert[Any],
        params: Mapping[str, Any] | None = None,
        /,
        *,
        analyze: bool = False,
        format: ExplainFormat = "text",
        **kw: Any,
    ) -> str:
        """The physical plan of a query as a tree of operators (indexes, row estimates).

        Args:
            query: a query or statement of the DSL.
            params: parameter values (also as keywords), needed with ``analyze``.
            analyze: run it and show, per operator, the rows and batches it produced and the
                time spent in it (its inputs included). A statement runs for real, as
                PostgreSQL's EXPLAIN ANALYZE does: an ``update()`` changes the rows.
            format: "text" (indented lines), "json", "dot" (Graphviz) or "mermaid".

        Raises:
            ProgrammingError: an unknown format, or missing parameters with ``analyze``.
        """
        return self._queries.explain(query, merge_params(params, kw), analyze, format)

    def query_plan(self, query: Select[Any] | Update[Any] | Delete[Any] | Insert[Any]) -> str:
        """How a query reads its tables, in SQLite's EXPLAIN QUERY PLAN words and shape
        (``QUERY PLAN`` / ``|--SCAN t`` / ``` `--SEARCH t USING INDEX i (a=?) ```)."""
        return self._queries.query_plan(query)


def merge_params(
    params: Mapping[str, Any] | None, keywords: dict[str, Any]
) -> Mapping[str | int, Any]:
    """Parameter values given as a mapping and as keywords, as one mapping (keywords win)."""
    if not params:
        return keywords  # type: ignore[return-value]
    merged: dict[str | int, Any] = {}
    merged.update(params)
    merged.update(keywords)
    return merged
