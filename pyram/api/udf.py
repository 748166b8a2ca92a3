"""User-defined functions and procedures of one database: registration and the typed DSL call.

Place in the pipeline: on top, beside :mod:`pyram.api.database`. A :class:`DatabaseFunctions` holds
a database's :class:`~pyram.functions.registry.FunctionScope` (scalar functions, aggregates,
window functions, procedures); the database activates the scope while it binds statements, so
SQL and the DSL resolve the names (and the plan keeps the function records, see
:mod:`pyram.functions.user`). Nothing is process-global: two databases may give one name two
meanings.

:func:`udf` (and ``db.function``) turn a Python function into a :class:`SqlFunction`: called
with DSL expressions it builds the SQL call, typed ``Expr[R]`` from the function's return type,
so mypy and pyright check its use in queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar, overload

from pyram.dsl import Expr, FunctionCall, wrap
from pyram.errors import Error, OperationalError, ProgrammingError
from pyram.functions import (
    FunctionScope,
    use_functions,
    user_aggregate_function,
    user_scalar_function,
    user_window_function,
)
from pyram.txn import Transaction

__all__ = ["DatabaseFunctions", "FunctionsApi", "SqlFunction", "udf"]

R = TypeVar("R")


class SqlFunction(Generic[R]):
    """A Python function usable in queries: ``f(User.age)`` is the SQL call ``f(age)``, an
    ``Expr[R]``; ``f.fn`` is the Python function. Register it with ``db.create_function(f)``
    (``db.function`` does both at once)."""

    __slots__ = ("deterministic", "fn", "name", "nargs")

    def __init__(
        self, fn: Callable[..., R], name: str, nargs: int, deterministic: bool = True
    ) -> None:
        self.fn = fn
        self.name = name
        self.nargs = nargs
        self.deterministic = deterministic

    def __call__(self, *args: Expr[Any] | object) -> Expr[R]:
        """The SQL call of this function on ``args`` (expressions or Python values)."""
        return FunctionCall(self.name, tuple(wrap(a) for a in args))

    def __repr__(self) -> str:
        return f"SqlFunction({self.name!r}, nargs={self.nargs})"


@overload
def udf(fn: Callable[..., R], /) -> SqlFunction[R]: ...
@overload
def udf(
    *, name: str | None = None, deterministic: bool = True
) -> Callable[[Callable[..., R]], SqlFunction[R]]: ...
def udf(
    fn: Callable[..., R] | None = None,
    /,
    *,
    name: str | None = None,
    deterministic: bool = True,
) -> SqlFunction[R] | Callable[[Callable[..., R]], SqlFunction[R]]:
    """Make ``fn`` a :class:`SqlFunction` (as a decorator, with or without arguments).

    Its SQL name is ``name`` or the function's name; its arity the number of its parameters
    (-1 with ``*args``); its result type its return annotation (checked at run time). It is not
    registered anywhere: ``db.create_function(f)`` does that, per database.

    Example:
        >>> @udf
        ... def double(x: int) -> int:
        ...     return 2 * x
        >>> double.name, double.nargs
        ('double', 1)
    """

    def make(target: Callable[..., R]) -> SqlFunction[R]:
        return SqlFunction(target, name or target.__name__, _arity(target), deterministic)

    return make if fn is None else make(fn)


def _arity(fn: Callable[..., Any]) -> int:
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return -1
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return -1
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


class ProcedureHost(Protocol):
    """What a procedure runs on: the :class:`~pyram.Database` (a protocol, so this module
    does not import the database module that imports it)."""

    def transaction(self) -> Transaction:
        """A transaction (a savepoint inside an open one) for a ``with`` block."""
        ...


class DatabaseFunctions:
    """The functions and procedures one database has (see :class:`Database`'s methods)."""

    def __init__(self, db: ProcedureHost, changed: Callable[[], None]) -> None:
        self._db = db
        self._changed = changed  # forgets prepared statements, which hold resolved functions
        self.scope = FunctionScope()

    @contextmanager
    def active(self) -> Iterator[None]:
        """Resolve names through this database's functions in this block."""
        with use_functions(self.scope):
            yield

    def add_function(
        self,
        name: str,
        fn: Callable[..., Any],
        nargs: int,
        deterministic: bool,
        returns: Any = None,
    ) -> None:
        record = user_scalar_function(name, fn, nargs, deterministic=deterministic, returns=returns)
        self.scope.scalars[record.name] = record
        self._bump()

    def add_aggregate(self, name: str, cls: Callable[[], Any], nargs: int = 1) -> None:
        record = user_aggregate_function(name, cls, nargs)
        self.scope.aggregates[record.name] = record
        self._bump()

    def add_window_function(self, name: str, nargs: int, cls: Callable[[], Any]) -> None:
        window = user_window_function(name, nargs, cls)
        self.scope.windows[window.name] = window
        # usable as an aggregate today; the window operator reads ``scope.windows``
        self.scope.aggregates[window.name] = window.aggregate
        self._bump()

    def add_procedure(self, name: str, fn: Callable[..., Any]) -> None:
        lowered = name.lower()
        if not lowered.isidentifier():
            raise ProgrammingError(f"a procedure name must be an identifier, got {name!r}")
        self.scope.procedures[lowered] = fn
        self._bump()

    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        """Run procedure ``name`` with ``args`` in one transaction (a savepoint inside an open
        one): it receives the database first and may run statements; all or nothing."""
        fn = self.scope.procedures.get(name.lower())
        if fn is None:
            raise ProgrammingError(f"no such procedure: {name}")
        try:
            with self._db.transaction():
                return fn(self._db, *args)
        except Error:
            raise
        except Exception as exc:  # the procedure's own failure, named (its work is undone)
            raise OperationalError(
                f"procedure {name}() raised {type(exc).__name__}: {exc}"
            ) from exc

    def _bump(self) -> None:
        self.scope.version += 1
        self._changed()


class FunctionsApi:
    """The user-function methods of :class:`~pyram.Database` (a mixin: the facade stays
    small). ``_functions`` is set by the database."""

    _functions: DatabaseFunctions

    def create_function(
        self,
        name: str | SqlFunction[Any],
        fn: Callable[..., Any] | None = None,
        nargs: int = -1,
        deterministic: bool = True,
        *,
        returns: Any = None,
    ) -> None:
        """Make ``fn`` the SQL function ``name`` of this database (and of no other).

        Args:
            name: the SQL name, or a :class:`SqlFunction` (from :func:`pyram.udf`) to register.
            fn: called once per row with the argument values (NULL as None).
            nargs: the number of arguments; -1 for any number.
            deterministic: False for a function whose result may change between calls with
                the same arguments: queries then never fold it into a constant.
            returns: the result type (``int``, ``str`` ...; default ``fn``'s return
                annotation, else any SQLite value). Results are checked against it: a wrong
                type is a :class:`~pyram.DataError`.

        An exception raised by ``fn`` becomes an :class:`~pyram.OperationalError` naming the
        function; the statement fails and changes nothing.
        """
        if isinstance(name, SqlFunction):
            udf_ = name
            self._functions.add_function(
                udf_.name, udf_.fn, udf_.nargs, udf_.deterministic, returns
            )
            return
        if fn is None:
            raise ProgrammingError(f"create_function({name!r}): no function given")
        self._functions.add_function(name, fn, nargs, deterministic, returns)

    def function(self, fn: Callable[..., R]) -> SqlFunction[R]:
        """Decorator: register ``fn`` as a SQL function of this database under its own name
        and return it as a :class:`SqlFunction`, so DSL calls are typed ``Expr[R]``."""
        made = udf(fn)
        self.create_function(made)
        return made

    def create_aggregate(self, name: str, cls: Callable[[], Any], nargs: int = 1) -> None:
        """Make ``cls`` the aggregate function ``name`` (sqlite3's protocol: per group a new
        ``cls()``, ``step(value)`` per row, NULLs included, then ``finalize()`` for the result,
        checked against its return annotation)."""
        self._functions.add_aggregate(name, cls, nargs)

    def create_window_function(self, name: str, nargs: int, cls: Callable[[], Any]) -> None:
        """Register ``cls`` as the window function ``name`` (sqlite3's ``step``, ``inverse``,
        ``value``, ``finalize`` protocol). Until window clauses exist it works as an aggregate
        (``step`` per row, then ``finalize``)."""
        self._functions.add_window_function(name, nargs, cls)

    def create_procedure(self, name: str, fn: Callable[..., Any]) -> None:
        """Make ``fn`` the procedure ``name``: ``db.call(name, *args)`` and SQL
        ``CALL name(args)`` run ``fn(db, *args)`` in one transaction (all or nothing)."""
        self._functions.add_procedure(name, fn)

    def call(self, name: str, *args: Any) -> Any:
        """Run procedure ``name`` in one transaction (a savepoint inside an open one) and
        return what it returns.

        Raises:
            ProgrammingError: no such procedure.
            OperationalError: the procedure raised (its work is undone).
        """
        return self._functions.call(name, args)
