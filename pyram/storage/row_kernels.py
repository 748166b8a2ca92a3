"""Straight-line code for one row's worth of column work, made once per row layout.

A one-row write (``db.insert``, ``db.upsert``, the cache's own write) appends one value to
each column. A loop over ``zip(columns, row)`` pays the iterator and the loop per column: for
a 3-column row it costs ~0.45 us where three unrolled ``append`` calls cost ~0.18 us. So the
loop is generated unrolled, once per width, from a fixed template: the source holds only
positional names (``c0``, ``v0``) and the width, never any name or value of a table (nothing a
user wrote reaches ``compile``), and it is registered with :mod:`linecache` so tracebacks show it.

:func:`stored_form_test` is made the same way per column layout (the types travel as values in
the function's globals, the source names them ``_t0``, ``_t1``): it tells whether a row's
values are already stored values, the test :func:`~pyram.storage.row_values.validate_row`
makes per value, in one call without a loop.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from pyram.limits import MAX_INTEGER, MIN_INTEGER

if TYPE_CHECKING:
    from pyram.catalog import TableSchema

__all__ = ["row_appender", "stored_form_test"]

_counter = itertools.count()

#: widths past this take the plain loop (long source for little gain: the per-column cost
#: dominates, not the loop's)
MAX_UNROLLED = 64

_APPEND = """def append_row(columns, row):
    {columns}, = columns
    {values}, = row
{body}
"""


_STORED = """def is_stored(row):
    {values}, = row
    return (
        {test}
    )
"""


def _append_loop(columns: list[Any], row: list[Any]) -> None:
    for col, value in zip(columns, row, strict=True):
        col.append(value)


@cache
def row_appender(width: int) -> Callable[[list[Any], list[Any]], None]:
    """``append_row(columns, row)``: append ``row[i]`` to ``columns[i]`` for every column of
    a ``width``-column table (both sequences exactly ``width`` long)."""
    if not 0 < width <= MAX_UNROLLED:
        return _append_loop
    names = range(width)
    source = _APPEND.format(
        columns=", ".join(f"c{i}" for i in names),
        values=", ".join(f"v{i}" for i in names),
        body="\n".join(f"    c{i}.append(v{i})" for i in names),
    )
    appender: Callable[[list[Any], list[Any]], None] = _compile(source, "append_row", {})
    return appender


def _never(row: list[Any]) -> bool:
    return False


def stored_form_test(schema: TableSchema) -> Callable[[list[Any]], bool]:
    """``is_stored(row)``: True when every value of ``row`` (exactly one per column of
    ``schema``) is already in stored form, as :func:`~pyram.storage.row_values.validate_row`
    would return it unchanged: of its column type's exact Python type, an INTEGER within 64
    bits, no NaN. False sends the row to ``validate_row`` (which converts or refuses; a NULL
    takes that path too). A table with a column type that encodes its values never passes."""
    columns = schema.columns
    if not 0 < len(columns) <= MAX_UNROLLED or any(
        c.dtype.encodes or not c.dtype.exact_types for c in columns
    ):
        return _never
    return _stored_test(tuple(c.dtype.exact_types for c in columns))


@cache
def _stored_test(layout: tuple[frozenset[type], ...]) -> Callable[[list[Any]], bool]:
    """:func:`stored_form_test` for the columns' exact types, made once per layout."""
    namespace: dict[str, Any] = {"_lo": MIN_INTEGER, "_hi": MAX_INTEGER}
    tests = []
    for i, types in enumerate(layout):
        if len(types) == 1:
            (namespace[f"_t{i}"],) = types
            test = f"type(v{i}) is _t{i}"
            if int in types:
                test += f" and _lo <= v{i} <= _hi"
            elif str not in types:
                test += f" and v{i} == v{i}"  # NaN is not equal to itself
        else:
            namespace[f"_t{i}"] = types
            test = (f"type(v{i}) in _t{i} and v{i} == v{i}"
                    f" and (type(v{i}) is not int or _lo <= v{i} <= _hi)")
        tests.append(f"({test})")
    source = _STORED.format(
        values=", ".join(f"v{i}" for i in range(len(layout))),
        test="\n        and ".join(tests),
    )
    tester: Callable[[list[Any]], bool] = _compile(source, "is_stored", namespace)
    return tester


def _compile(source: str, name: str, namespace: dict[str, Any]) -> Any:
    """Run a template's ``source`` (which defines function ``name``) in ``namespace``."""
    filename = f"<pyram {name} {next(_counter)}>"
    exec(compile(source, filename, "exec"), namespace)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return namespace[name]
