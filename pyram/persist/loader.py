"""Load what a file holds (:class:`SnapshotContents`) into a store, all or nothing.

Every format reads into the same contents and loads through here, so the rules are one:

- A table the store lacks is created: from its model class when one is given (the file's
  description must then equal the model's, else :class:`~pyram.errors.SchemaMismatchError`
  names the file, table and difference), else as a plain table
  (:func:`~pyram.persist.schema_codec.schema_from_description`).
- A table the store has must have the file's schema; the rows are added to its rows.
- Rows go through the store's checked write path: every value is validated against its
  column type and every constraint (NOT NULL, CHECK, UNIQUE, PRIMARY KEY, FOREIGN KEY) is
  checked. Tables are filled referenced-first.
- Everything runs in one savepoint: any failure (bad value, constraint, schema) undoes all of
  it, tables created included, and the error names the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from pyram.catalog import TableSchema
from pyram.errors import (
    CorruptFileError,
    DatabaseError,
    SchemaMismatchError,
)
from pyram.persist.contents import SnapshotContents, TableImage
from pyram.persist.schema_codec import (
    CheckCompiler,
    compare_descriptions,
    describe_table,
    schema_from_description,
)
from pyram.storage import Store

__all__ = ["load_contents"]

_SAVEPOINT = "pyram_load"


def load_contents(
    contents: SnapshotContents,
    store: Store,
    *,
    path: str = "<file>",
    models: Sequence[TableSchema] = (),
    compile_check: CheckCompiler | None = None,
    progress: Callable[[int, int], None] | None = None,
    finish: Callable[[], None] | None = None,
) -> None:
    """Create the file's tables and insert its rows; all or nothing.

    Args:
        contents: what a file held.
        store: the store to load into (empty for a fresh database; for an import, tables it
            has already receive the rows).
        path: the file's name for error messages.
        models: schemas of model classes (``schema_of(Model)``) to create tables from.
        compile_check: compiles SQL CHECK text (needed when a plain table has SQL checks).
        progress: called with (rows done, rows total) after each table.
        finish: called last, inside the same savepoint (to create views and triggers).

    Raises:
        SchemaMismatchError: a table differs from its model or from the existing table.
        CorruptFileError: a malformed table description.
        DataError, IntegrityError: a bad value or a violated constraint (message names the
            file); the store is then unchanged.
    """
    by_name = {m.name.lower(): m for m in models}
    store.savepoint(_SAVEPOINT)
    try:
        _load(contents, store, path, by_name, compile_check, progress)
        if finish is not None:
            finish()
    except BaseException as exc:
        store.rollback_to(_SAVEPOINT)
        store.release(_SAVEPOINT)
        if isinstance(exc, DatabaseError) and not str(exc).startswith(path):
            raise _naming_file(exc, path) from exc
        raise
    store.release(_SAVEPOINT)


def _load(
    contents: SnapshotContents,
    store: Store,
    path: str,
    models: dict[str, TableSchema],
    compile_check: CheckCompiler | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    new: list[TableSchema] = []
    plain: set[str] = set()  # built from the file's own description: nothing to compare
    for image in contents.tables:
        key = image.name.lower()
        if key in store.catalog:
            continue
        model = models.get(key)
        if model is None:
            plain.add(key)
        new.append(model if model is not None else _plain(image, path, compile_check))
    if new:
        store.create(new)
    for image in contents.tables:
        if image.name.lower() in plain:
            continue
        mismatch = compare_descriptions(image.description, describe_table(_schema(store, image)))
        if mismatch is not None:
            raise SchemaMismatchError(
                f"{path}: table {image.name}: {mismatch}", path=path, table=image.name
            )
    total, done = contents.row_count, 0
    for image in _parents_first(contents.tables):
        schema = _schema(store, image)
        if image.row_count:
            store.insert(schema.name, _user_columns(schema, image, path))
        done += image.row_count
        if progress is not None:
            progress(done, total)


def _schema(store: Store, image: TableImage) -> TableSchema:
    return store.catalog.get(image.name)


def _plain(image: TableImage, path: str, compile_check: CheckCompiler | None) -> TableSchema:
    try:
        return schema_from_description(image.description, compile_check)
    except (ValueError, KeyError, TypeError, AttributeError, DatabaseError) as exc:
        # DatabaseError: a name no column has, a CHECK whose SQL does not compile, a bad default
        raise CorruptFileError(
            f"{path}: table {image.name}: malformed table description ({exc})",
            path=path,
            table=image.name,
        ) from None


def _user_columns(schema: TableSchema, image: TableImage, path: str) -> list[list[Any]]:
    """The image's stored values as the write path takes them (Enum members, JSON documents);
    a stored value that is not a member or not JSON is a damaged file."""
    out = []
    for column, values in zip(schema.columns, image.columns, strict=True):
        decode = column.dtype.decoder()
        if decode is None:
            out.append(values)
            continue
        try:
            out.append([None if v is None else decode(v) for v in values])
        except (KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
            raise CorruptFileError(
                f"{path}: table {schema.name}, column {column.name}: "
                f"not a {column.dtype.name} value ({exc})",
                path=path,
                table=schema.name,
            ) from None
    return out


def _parents_first(tables: Sequence[TableImage]) -> list[TableImage]:
    """Tables ordered so that a referenced table is filled before its referrers (creation
    order otherwise; tables referencing each other keep it)."""
    by_name = {t.name.lower(): t for t in tables}
    ordered: list[TableImage] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(image: TableImage) -> None:
        key = image.name.lower()
        if key in placed or key in visiting:
            return
        visiting.add(key)
        for fk in image.description.get("foreign_keys", ()):
            parent = by_name.get(str(fk.get("ref_table", "")).lower())
            if parent is not None and parent is not image:
                place(parent)
        visiting.discard(key)
        placed.add(key)
        ordered.append(image)

    for image in tables:
        place(image)
    return ordered


def _naming_file(exc: DatabaseError, path: str) -> DatabaseError:
    """The same error (class and attributes) with the file's name before its message."""
    # keyword-only constructor arguments defeat copy.copy: make the object and copy its state
    named = type(exc).__new__(type(exc))
    named.__dict__.update(exc.__dict__)
    named.args = (f"{path}: {exc}", *exc.args[1:])
    return named
