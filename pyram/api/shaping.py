"""Result shaping at the edge: a query's output batches made into what the caller gets
(tuples, model instances, or decoded columns), stored values decoded (Enum, JSON, ...).

Only here do rows exist; the engine below works on columns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyram.engine import Batch
from pyram.plan import expr as px

__all__ = ["column_builder", "one_row_builder", "row_builder"]


def column_builder(fields: tuple[px.Field, ...]) -> Callable[[Batch], list[list[Any]]]:
    """A function giving a batch's columns with stored values decoded (Enum, JSON, ...)."""
    decoders: list[tuple[int, Callable[[Any], Any]]] = []
    for i, field in enumerate(fields):
        decode = field.dtype.decoder()
        if decode is not None:
            decoders.append((i, decode))

    def decoded(batch: Batch) -> list[list[Any]]:
        columns = batch.dense().columns
        if decoders:
            columns = list(columns)
            for i, decode in decoders:
                columns[i] = [None if v is None else decode(v) for v in columns[i]]
        return columns

    return decoded


def row_builder(fields: tuple[px.Field, ...], entity: Any) -> Callable[[Batch], list[Any]]:
    """A function giving a batch's rows: ``entity`` instances, or tuples when it is None."""
    if entity is not None:
        build = entity.__pyram_build__  # decodes Enum/JSON itself

        def entities(batch: Batch) -> list[Any]:
            dense = batch.dense()
            return list(map(build, *dense.columns)) if dense.length else []

        return entities

    columns_of = column_builder(fields)

    def tuples(batch: Batch) -> list[Any]:
        return list(zip(*columns_of(batch), strict=True)) if batch.row_count else []

    return tuples


def one_row_builder(fields: tuple[px.Field, ...], entity: Any) -> Callable[[list[Any]], Any]:
    """Shape one row of stored values (the point-lookup path)."""
    if entity is not None:
        build = entity.__pyram_build__

        def entity_row(values: list[Any]) -> Any:
            return build(*values)

        return entity_row
    decoders = [f.dtype.decoder() for f in fields]
    if not any(decoders):
        return tuple

    def tuple_row(values: list[Any]) -> Any:
        return tuple(
            v if d is None or v is None else d(v) for v, d in zip(values, decoders, strict=True)
        )

    return tuple_row
