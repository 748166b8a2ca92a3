"""Batch kernels: compiled once per expression shape, run once per batch.

A kernel is a generated function ``kernel(cols, n, k, x)`` over a batch's column lists ``cols``
(``n`` positions), the resolved constants ``k`` and the execution context ``x``. Its body is one
list comprehension over the zipped columns it reads (kernels.md: comprehensions over ``zip`` are
within a few percent of the best pure-Python idiom, and generated code with bound constants is
best or tied). Compiled code objects are cached by source text, so a query shape compiles once
per process; literal and parameter values only change the constants tuple.
"""

from __future__ import annotations

import itertools
import linecache
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pyram.engine.batch import Batch
from pyram.engine.compile.codegen import Constant, Translator
from pyram.engine.operator import ExecContext
from pyram.errors import DataError, ProgrammingError
from pyram.plan.expr import ColumnRef, Exists, InSubquery, PlanExpr, ScalarSubquery

__all__ = [
    "Kernel",
    "compile_filter",
    "compile_filter_column",
    "compile_values",
    "define_kernel",
    "evaluate_subquery",
    "resolve_constants",
    "value_error",
]

_TEMPLATE = """def kernel(cols, n, k, x):
{bindings}
    return {body}
"""

_code_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()
_counter = itertools.count()


class Kernel:
    """A compiled expression kernel bound to its constants.

    Calling it with a batch and a context returns one list of ``batch.length`` values (a mask
    of bools for filters). The batch's selection is ignored: callers combine.
    """

    __slots__ = ("constants", "fn", "source")

    def __init__(self, fn: Callable[..., list[Any]], constants: tuple[Constant, ...], source: str):
        self.fn = fn
        self.constants = constants
        self.source = source

    def __call__(self, batch: Batch, ctx: ExecContext) -> list[Any]:
        k = resolve_constants(self.constants, ctx) if self.constants else ()
        try:
            return self.fn(batch.columns, batch.length, k, ctx)
        except (TypeError, OverflowError) as exc:
            raise value_error(exc) from None


def value_error(exc: Exception) -> DataError:
    """A kernel's Python error as a DataError. Typed columns never get here: only a value an
    untyped parameter brought (``SELECT abs(?)`` given text) that its operation cannot take."""
    return DataError(f"a value of the wrong type for this operation: {exc}")


def resolve_constants(constants: Sequence[Constant], ctx: ExecContext) -> tuple[Any, ...]:
    """The values behind a kernel's constants for one execution."""
    out = []
    for constant in constants:
        if constant.kind == "literal":
            out.append(constant.value)
        elif constant.kind == "outer":
            out.append(ctx.outer[constant.value])
        elif constant.kind == "param":
            try:
                out.append(ctx.params[constant.value])
            except KeyError:
                key = constant.value
                name = f"?{key + 1}" if isinstance(key, int) else f":{key}"
                raise ProgrammingError(f"no value given for parameter {name}") from None
        elif constant.kind == "probe":
            out.append(_probe_value(constant, ctx))
        elif constant.kind == "in_params":
            out.append(_in_params_value(constant, ctx))
        else:
            out.append(_subquery_value(constant.value, ctx))
    return tuple(out)


def _probe_value(constant: Constant, ctx: ExecContext) -> tuple[Any, bool]:
    """An IN list's ``(members, has_null)``, built once per execution (kernels run per batch).
    A set probes as ``in3`` compares: by ``==``, so 1 and 1.0 match as SQLite's numbers do."""
    key = id(constant)
    cached: tuple[Any, bool] | None = ctx.cache.get(key)
    if cached is None:
        values = resolve_constants(constant.value, ctx)
        present = [v for v in values if v is not None]
        members: Any
        try:
            members = frozenset(present)
        except TypeError:  # an unhashable value: compare one by one, as in3 would
            members = tuple(present)
        cached = ctx.cache[key] = (members, len(present) != len(values))
    return cached


def _in_params_value(constant: Constant, ctx: ExecContext) -> tuple[Any, bool]:
    """An :class:`~pyram.plan.expr.InValues` list's ``(members, has_null)``: its constants
    with its parameters' values added, built once per execution."""
    key = id(constant)
    cached: tuple[Any, bool] | None = ctx.cache.get(key)
    if cached is None:
        members, has_null, keys = constant.value
        params = ctx.params
        try:
            given = list(map(params.__getitem__, keys))
        except KeyError as exc:
            name = f"?{exc.args[0] + 1}" if isinstance(exc.args[0], int) else f":{exc.args[0]}"
            raise ProgrammingError(f"no value given for parameter {name}") from None
        present = [v for v in given if v is not None]
        try:
            members = members.union(present)
        except (TypeError, AttributeError):  # unhashable: compared one by one
            members = (*members, *present)
        cached = ctx.cache[key] = (members, has_null or len(present) != len(given))
    return cached


def _subquery_value(expr: PlanExpr, ctx: ExecContext) -> Any:
    """An uncorrelated subquery's value, computed once per execution."""
    key = id(expr)
    if key in ctx.cache:
        return ctx.cache[key]
    value = evaluate_subquery(expr, ctx)
    ctx.cache[key] = value
    return value


def evaluate_subquery(expr: PlanExpr, ctx: ExecContext) -> Any:
    """Run a subquery: a scalar, an EXISTS truth value, or (members, has_null) for IN."""
    runner = ctx.subquery_runner
    if runner is None:
        raise ProgrammingError("subqueries need an engine runner")
    if isinstance(expr, ScalarSubquery):
        rows = runner(expr.plan, ctx, 1)  # SQLite: the first row's value, NULL without one
        value: Any = rows[0][0] if rows else None
    elif isinstance(expr, Exists):
        value = bool(runner(expr.plan, ctx, 1)) != expr.negated
    elif isinstance(expr, InSubquery):
        rows = runner(expr.plan, ctx, None)
        members = frozenset(r[0] for r in rows if r[0] is not None)
        value = (members, any(r[0] is None for r in rows))
    else:  # pragma: no cover - the translator only makes these three
        raise AssertionError(expr)
    return value


def _build(body: str, translator: Translator, keep: int | None = None) -> Kernel:
    bindings = [f"    c{p} = cols[{p}]" for p in translator.used]
    bindings += [f"    k{i} = k[{i}]" for i in range(len(translator.constants))]
    for function in translator.functions:
        bindings += ["    " + line for line in function.splitlines()]
    used = translator.used
    if keep is not None:
        # filter-and-keep: the values of column ``keep`` where the predicate holds
        expr_body = f"[v{keep} for v{keep} in c{keep} if {body}]"
    elif not used and translator.volatile:
        expr_body = f"[{body} for _ in range(n)]"  # random() must differ row by row
    elif not used:
        expr_body = f"[{body}] * n"
    elif len(used) == 1:
        expr_body = f"[{body} for v{used[0]} in c{used[0]}]"
    else:
        names = ", ".join(f"v{p}" for p in used)
        columns = ", ".join(f"c{p}" for p in used)
        expr_body = f"[{body} for {names} in zip({columns})]"
    source = _TEMPLATE.format(bindings="\n".join(bindings) or "    pass", body=expr_body)
    fn = define_kernel(source, translator.globals)
    return Kernel(fn, tuple(translator.constants), source)


def define_kernel(source: str, helpers: Mapping[str, Any]) -> Callable[..., Any]:
    """The function ``kernel`` that ``source`` (built from trusted templates only) defines,
    with ``helpers`` as its globals. Code objects are cached by source text and registered in
    linecache, so tracebacks and profilers show the generated code."""
    with _cache_lock:
        code = _code_cache.get(source)
        if code is None:
            filename = f"<pyram kernel {next(_counter)}>"
            try:
                code = compile(source, filename, "exec")
            except (SyntaxError, RecursionError, MemoryError) as exc:
                # a backstop: the translator keeps kernels small enough, so this means a bug
                raise ProgrammingError(f"expression too complex to compile: {exc}") from None
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            _code_cache[source] = code
    namespace: dict[str, Any] = dict(helpers)
    exec(code, namespace)
    fn: Callable[..., Any] = namespace["kernel"]
    return fn


def compile_filter(predicate: PlanExpr, layout: Mapping[int, int]) -> Kernel:
    """A kernel returning, per position, True when ``predicate`` is TRUE."""
    translator = Translator(layout)
    return _build(translator.truth(predicate), translator)


def compile_filter_column(predicate: PlanExpr, layout: Mapping[int, int]) -> Kernel | None:
    """For a one-column batch filtered on that column: a kernel returning the kept values
    directly (one comprehension: no mask, no compress). None for any other shape."""
    if len(layout) != 1:
        return None
    translator = Translator(layout)
    body = translator.truth(predicate)
    (position,) = layout.values()
    if translator.used != [position] or translator.volatile:
        return None
    return _build(body, translator, keep=position)


def compile_values(expr: PlanExpr, layout: Mapping[int, int]) -> Kernel | int:
    """A kernel computing ``expr`` per position, or the batch position when ``expr`` is a
    plain column reference (no work: the column list is reused as is)."""
    if isinstance(expr, ColumnRef) and expr.cid in layout:
        return layout[expr.cid]
    translator = Translator(layout)
    return _build(translator.value(expr), translator)
