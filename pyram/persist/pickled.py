"""The pickle format: UNSAFE for files you did not write yourself.

Unpickling runs whatever code the file asks for, so a pickle file from someone else can take
over the process. It is offered only because it is fast and keeps Python values exactly;
reading one needs ``allow_pickle=True`` (the caller checks). Prefer ``"snapshot"``.

Layout: ``b"PYRAMPKL"``, then a sequence of pickles: the schema document (:mod:`.header`),
then per table its chunks as lists of stored columns.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from pyram.errors import CorruptFileError
from pyram.persist.contents import Definition, SnapshotContents, TableImage
from pyram.persist.header import (
    export_scope,
    live_chunks,
    parse_schema_document,
    schema_document,
)
from pyram.storage import Store

__all__ = ["MAGIC", "read_pickle", "write_pickle"]

MAGIC = b"PYRAMPKL"
_CHUNK_ROWS = 65_536


def write_pickle(
    store: Store,
    stream: BinaryIO,
    *,
    definitions: Sequence[Definition] = (),
    tables: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write tables of ``store`` as pickles (see the module's warning)."""
    with export_scope(store, tables) as (schemas, counts):
        total, done = sum(counts), 0
        stream.write(MAGIC)
        pickle.dump(schema_document(schemas, counts, definitions), stream, protocol=5)
        if progress is not None:
            progress(0, total)
        for schema in schemas:
            for _, chunk in live_chunks(store, schema, _CHUNK_ROWS):
                pickle.dump(chunk, stream, protocol=5)
                done += len(chunk[0])
                if progress is not None:
                    progress(done, total)


def read_pickle(
    stream: BinaryIO,
    *,
    path: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SnapshotContents:
    """Read a pickle export. UNSAFE: only for files you trust (it runs their code).

    Raises:
        CorruptFileError: not a PyRAM pickle, or truncated or malformed.
    """
    name = path or str(getattr(stream, "name", "<stream>"))

    def fail(problem: str, table: str | None = None) -> CorruptFileError:
        return CorruptFileError(f"{name}: {problem}", path=name, table=table)

    if stream.read(len(MAGIC)) != MAGIC:
        raise fail("not a PyRAM pickle export (wrong magic bytes)")
    try:
        tables, definitions = parse_schema_document(pickle.load(stream))
    except Exception as exc:
        raise fail(f"malformed pickle header ({type(exc).__name__}: {exc})") from None
    total, done, images = sum(rows for _, rows in tables), 0, []
    for description, rows in tables:
        width = len(description["columns"])
        columns: list[list[Any]] = [[] for _ in range(width)]
        while len(columns[0]) < rows:
            try:
                chunk = pickle.load(stream)
            except Exception as exc:
                problem = f"truncated or malformed ({type(exc).__name__}: {exc})"
                raise fail(problem, description["name"]) from None
            if not isinstance(chunk, list) or len(chunk) != width:
                raise fail("a chunk does not match the table", description["name"])
            for column, values in zip(columns, chunk, strict=True):
                if not isinstance(values, list) or len(values) != len(chunk[0]):
                    raise fail("a chunk's columns disagree", description["name"])
                column.extend(values)
        if len(columns[0]) != rows:
            raise fail(f"{len(columns[0])} rows, the header says {rows}", description["name"])
        done += rows
        if progress is not None:
            progress(done, total)
        images.append(TableImage(description, columns))
    if stream.read(1):
        raise fail("data after the last table")
    return SnapshotContents(tuple(images), tuple(definitions), 1)
