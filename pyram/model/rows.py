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

__all__ = ["make_row_builder", "make_row_reader"]

_counter = itertools.count()

# One template for both generated functions: ``{signature}`` is a fixed parameter list and
# ``{value}`` a fixed expression of the column index ``i`` (``v{i}`` or ``cols[{i}][rid]``).
_TEMPLATE = """def {name}({signature}):
    o = _new(_cls)
{body}
    return o
"""


def _generate(
    cls: type, schema: TableSchema, name: str, signature: str, value: str
) -> Callable[..., Any]:
    """Compile a function that sets every slot of a new instance from ``value`` per column."""
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = []
    for i, col in enumerate(schema.columns):
        namespace[f"_s{i}"] = cls.__dict__[col.name].__set__  # the attrs slot's member descriptor
        source_value = value.format(i=i)
        decoder = col.dtype.decoder()
        if decoder is None:
            lines.append(f"    _s{i}(o, {source_value})")
        else:
            namespace[f"_d{i}"] = decoder
            lines.append(f"    _s{i}(o, _d{i}({source_value}))")
    source = _TEMPLATE.format(name=name, signature=signature, body="\n".join(lines))
    filename = f"<pyram {name} {next(_counter)}>"
    code = compile(source, filename, "exec")
    # Registered so tracebacks and profilers show the generated source (as attrs does).
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)
    generated: Callable[..., Any] = namespace[name]
    return generated


def make_row_builder(cls: type, schema: TableSchema) -> Callable[..., Any]:
    """A function ``build(*stored_values) -> instance`` for a table class.

    Values are given in column order, in their stored form; encoded types (Enum, JSON) are
    decoded on the way in.
    """
    signature = ", ".join(f"v{i}" for i in range(len(schema.columns)))
    return _generate(cls, schema, "build", signature, "v{i}")


def make_row_reader(cls: type, schema: TableSchema) -> Callable[[Any, int], Any]:
    """A function ``read(columns, rid) -> instance`` reading one row straight from storage.

    The point-lookup path uses it: no intermediate list of values, no star-call; each slot is
    set from ``cols[i][rid]`` (decoded for Enum/JSON columns).
    """
    return _generate(cls, schema, "read", "cols, rid", "cols[{i}][rid]")
