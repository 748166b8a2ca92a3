"""The physical operator protocol and the per-execution context.

An operator is an immutable, plan-time object: it knows its output ``fields`` (the batch column
order), its children and how to describe itself for EXPLAIN. ``execute`` is a generator of
:class:`~pyram.engine.batch.Batch` objects; all run-time state lives in that generator (or in the
:class:`ExecContext`), so one operator tree can run many times, concurrently, with different
parameters: that is what the plan cache stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from pyram.engine.batch import Batch
from pyram.plan.expr import Field
from pyram.storage import Store

__all__ = ["ExecContext", "Operator", "OperatorProfile"]


class OperatorProfile:
    """What one operator did in an EXPLAIN ANALYZE run: rows and batches it produced, and the
    seconds spent producing them (its inputs included)."""

    __slots__ = ("batches", "rows", "seconds")

    def __init__(self) -> None:
        self.rows = 0
        self.batches = 0
        self.seconds = 0.0


class ExecContext:
    """What one execution of an operator tree needs.

    Attributes:
        store: the database's storage (tables are looked up by name).
        params: parameter values by key (name or 0-based position), already in stored form.
        outer: values of outer columns (cid -> value) while a correlated subquery runs.
        cache: per-execution memo (results of uncorrelated subqueries, keyed by id of the plan).
        rows_out: per-operator output row counts (id(operator) -> rows), for EXPLAIN ANALYZE.
        profile: per-operator rows, batches and time (id(operator) -> profile), for EXPLAIN
            ANALYZE; operators are measured only while it is non-empty.
    """

    __slots__ = ("cache", "outer", "params", "profile", "rows_out", "store", "subquery_runner")

    def __init__(
        self,
        store: Store,
        params: Mapping[str | int, Any] | None = None,
        outer: Mapping[int, Any] | None = None,
    ) -> None:
        self.store = store
        self.params: Mapping[str | int, Any] = params or {}
        self.outer: Mapping[int, Any] = outer or {}
        self.cache: dict[Any, Any] = {}
        self.rows_out: dict[int, int] = {}
        self.profile: dict[int, OperatorProfile] = {}
        #: runs a subquery plan: (plan, ctx, max_rows or None) -> rows as tuples
        self.subquery_runner: (
            Callable[[Any, ExecContext, int | None], list[tuple[Any, ...]]] | None
        ) = None

    def with_outer(self, outer: Mapping[int, Any]) -> ExecContext:
        """A context for a correlated subquery: same store and params, more outer values."""
        ctx = ExecContext(self.store, self.params, {**self.outer, **outer})
        ctx.cache = self.cache
        ctx.subquery_runner = self.subquery_runner
        ctx.profile = self.profile
        ctx.rows_out = self.rows_out
        return ctx


class Operator:
    """Base class of physical operators.

    Subclasses set ``fields`` and ``children`` in ``__init__`` and implement :meth:`execute`
    and :meth:`describe`.
    """

    __slots__ = ("children", "estimated_rows", "fields")

    def __init__(
        self,
        fields: tuple[Field, ...],
        children: tuple[Operator, ...] = (),
        estimated_rows: float = 0.0,
    ) -> None:
        self.fields = fields
        self.children = children
        self.estimated_rows = estimated_rows

    #: The name EXPLAIN shows, when it differs from the class name: operators are named
    #: ``FilterOp``, ``SortOp`` ... apart from the logical nodes, but EXPLAIN says ``Filter``.
    explain_name: ClassVar[str] = ""

    @property
    def name(self) -> str:
        """Operator name for EXPLAIN (:attr:`explain_name`, else the class name)."""
        return self.explain_name or type(self).__name__

    def describe(self) -> str:
        """Operator-specific EXPLAIN details (columns, predicate, index...)."""
        return ""

    def execute(self, ctx: ExecContext) -> Iterator[Batch]:
        """Yield the operator's output batches."""
        raise NotImplementedError

    def layout(self) -> dict[int, int]:
        """Column id -> position in this operator's batches."""
        return {f.cid: i for i, f in enumerate(self.fields)}
