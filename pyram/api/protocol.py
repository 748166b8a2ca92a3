"""The typed database API as a Protocol: what :class:`~pyram.Database` (in memory) and
:class:`pyram.pg.PgDatabase` (PostgreSQL) both offer.

Part of the facade. Application code typed against :class:`TypedDatabase` runs on either
backend unchanged; ``typings/backends_ok.py`` checks with mypy and pyright that both classes
satisfy it and that their query methods give the same result types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Literal, Protocol, TypeVar, overload

from typing_extensions import TypeVarTuple

from pyram.dsl import Column, Delete, Insert, Select, Update
from pyram.model import Table
from pyram.txn import Change, Isolation

__all__ = ["TransactionLike", "TypedDatabase"]

T = TypeVar("T", bound=Table)
R = TypeVar("R")
T1 = TypeVar("T1")
K = TypeVar("K")
X = TypeVar("X")
Rest = TypeVarTuple("Rest")
Params = Mapping[str, Any] | None
Statement = Update[Any] | Delete[Any] | Insert[Any]


class TransactionLike(Protocol):
    """A transaction (or savepoint) of either backend."""

    @property
    def nested(self) -> bool:
        """True for a savepoint inside an enclosing transaction."""
        ...

    def commit(self) -> None:
        """Make the work permanent."""

    def rollback(self) -> None:
        """Undo the work."""

    def __enter__(self) -> Any: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class TypedDatabase(Protocol):
    """The methods the in-memory and the PostgreSQL database share, with the same types."""

    def create(self, *models: type[Table]) -> None:
        """Create the tables of model classes."""

    def insert(self, obj: Table) -> None:
        """Insert one row."""

    def insert_many(self, objs: Iterable[T]) -> int:
        """Insert many rows of one table; all or nothing."""
        ...

    def update(self, obj: Table) -> bool:
        """Write back the row with ``obj``'s primary key."""
        ...

    def upsert(self, obj: Table) -> Literal["insert", "update"]:
        """Insert or update by primary key."""
        ...

    @overload
    def delete(self, obj: Table, /) -> bool: ...
    @overload
    def delete(self, model: type[Table], key: Any, /) -> bool: ...

    @overload
    def get(self, model: Column[K, T], key: K) -> T | None: ...
    @overload
    def get(self, model: type[T], key: Any) -> T | None: ...
    def get(self, model: type[T] | Column[Any, T], key: Any) -> T | None:
        """The row with primary key ``key``, or None (``get(User.id, 3)``: the key typed by the
        primary-key column)."""
        ...

    def count(self, model: type[Table]) -> int:
        """Number of rows in a table."""
        ...

    @overload
    def all(
        self,
        query: Select[tuple[*Rest]],
        params: Params = None,
        /,
        *,
        into: Callable[[*Rest], X],
        **kw: Any,
    ) -> list[X]: ...
    @overload
    def all(
        self, query: Select[R], params: Params = None, /, *, into: None = None, **kw: Any
    ) -> list[R]: ...
    def all(
        self,
        query: Select[Any],
        params: Params = None,
        /,
        *,
        into: Callable[..., Any] | None = None,
        **kw: Any,
    ) -> list[Any]:
        """Every row of a query (``into=Row``: each row as ``Row(*values)``)."""
        ...

    def iter(self, query: Select[R], params: Params = None, /, **kw: Any) -> Iterator[R]:
        """The rows of a query, one by one."""
        ...

    def first(self, query: Select[R], params: Params = None, /, **kw: Any) -> R | None:
        """The first row, or None."""
        ...

    def one(self, query: Select[R], params: Params = None, /, **kw: Any) -> R:
        """The only row."""
        ...

    def one_or_none(self, query: Select[R], params: Params = None, /, **kw: Any) -> R | None:
        """The only row, or None."""
        ...

    @overload
    def scalars(
        self, query: Select[tuple[T1]], params: Params = None, /, **kw: Any
    ) -> list[T1]: ...
    @overload
    def scalars(self, query: Select[Any], params: Params = None, /, **kw: Any) -> list[Any]: ...

    @overload
    def scalar(
        self, query: Select[tuple[T1]], params: Params = None, /, **kw: Any
    ) -> T1 | None: ...
    @overload
    def scalar(self, query: Select[Any], params: Params = None, /, **kw: Any) -> Any: ...

    def execute(self, statement: Statement, params: Params = None, /, **kw: Any) -> int:
        """Run an update/delete/insert statement; rows affected."""
        ...

    def explain(
        self, query: Select[Any] | Statement, params: Params = None, /, *, analyze: bool = False
    ) -> str:
        """The backend's plan of a query."""
        ...

    def transaction(
        self,
        isolation: Isolation = "serializable",
        *,
        read_only: bool = False,
        timeout: float | None = None,
    ) -> TransactionLike:
        """A transaction for a ``with`` block (a savepoint when nested)."""
        ...

    @property
    def in_transaction(self) -> bool:
        """True while this thread has a transaction open."""
        ...

    def on_change(
        self, table: type[Table] | str, fn: Callable[[Change], object]
    ) -> Callable[[], None]:
        """Call ``fn(change)`` for every committed change of ``table``."""
        ...

    def table_names(self) -> list[str]:
        """Names of the tables."""
        ...
