"""Build model instances from stored column values, at the edge where rows leave the database.

Stored values are already validated, so the builder skips ``__init__`` (and its converters) and
writes the attrs slots directly. The builder is generated once per class from a fixed template:
parameter and helper names are positional (``v0``, ``_s0``), never derived from user text, and the
slot setters and decoders travel as bound values in the function's globals.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable
from typing import Any

from pyram.catalog import TableSchema

__all__ = ["make_row_builder", "make_row_reader", "row_values"]

_counter = itertools.count()

_TEMPLATE = """def build({params}):
    o = _new(_cls)
{body}
    return o
"""


def make_row_builder(cls: type, schema: TableSchema) -> Callable[..., Any]:
    """A function ``build(*stored_values) -> instance`` for a table class.

    Values are given in column order, in their stored form; encoded types (Enum, JSON) are
    decoded on the way in.
    """
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = []
    for i, col in enumerate(schema.columns):
        namespace[f"_s{i}"] = cls.__dict__[col.name].__set__  # the attrs slot's member descriptor
        decoder = col.dtype.decoder()
        if decoder is None:
            lines.append(f"    _s{i}(o, v{i})")
        else:
            namespace[f"_d{i}"] = decoder
            lines.append(f"    _s{i}(o, _d{i}(v{i}))")
    params = ", ".join(f"v{i}" for i in range(len(schema.columns)))
    source = _TEMPLATE.format(params=params, body="\n".join(lines))
    filename = f"<pyram row builder {next(_counter)}>"
    code = compile(source, filename, "exec")
    # Registered so tracebacks and profilers show the generated source (as attrs does).
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)
    build: Callable[..., Any] = namespace["build"]
    return build


_READER_TEMPLATE = """def read(cols, rid):
    o = _new(_cls)
{body}
    return o
"""


def make_row_reader(cls: type, schema: TableSchema) -> Callable[[Any, int], Any]:
    """A function ``read(columns, rid) -> instance`` reading one row straight from storage.

    The point-lookup path uses it: no intermediate list of values, no star-call; each slot is
    set from ``cols[i][rid]`` (decoded for Enum/JSON columns).
    """
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = []
    for i, col in enumerate(schema.columns):
        namespace[f"_s{i}"] = cls.__dict__[col.name].__set__
        decoder = col.dtype.decoder()
        if decoder is None:
            lines.append(f"    _s{i}(o, cols[{i}][rid])")
        else:
            namespace[f"_d{i}"] = decoder
            lines.append(f"    _s{i}(o, _d{i}(cols[{i}][rid]))")
    source = _READER_TEMPLATE.format(body="\n".join(lines))
    filename = f"<pyram row reader {next(_counter)}>"
    code = compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)
    read: Callable[[Any, int], Any] = namespace["read"]
    return read


def row_values(obj: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The user-facing values of ``obj``'s columns, in the given order."""
    return tuple(getattr(obj, name) for name in names)
