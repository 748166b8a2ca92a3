"""Straight-line code for one row's worth of column stores, made once per row width.

A one-row write (``db.insert``, ``db.upsert``, the cache's own write) appends one value to
each column. A loop over ``zip(columns, row)`` pays the iterator and the loop per column: for
a 3-column row it costs ~0.45 us where three unrolled ``append`` calls cost ~0.18 us. So the
loop is generated unrolled, once per width, from a fixed template: the source holds only
positional names (``c0``, ``v0``) and the width, never any name or value of a table (nothing a
user wrote reaches ``compile``), and it is registered with :mod:`linecache` so tracebacks show it.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from functools import cache
from typing import Any

__all__ = ["row_appender"]

#: widths past this take the plain loop (long source for little gain: the per-column cost
#: dominates, not the loop's)
MAX_UNROLLED = 64

_APPEND = """def append_row(columns, row):
    {columns}, = columns
    {values}, = row
{body}
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
    filename = f"<pyram append_row {width}>"
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    appender: Callable[[list[Any], list[Any]], None] = namespace["append_row"]
    return appender
