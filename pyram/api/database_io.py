"""Export, load and import of whole databases: :mod:`pyram.persist` wired to a Database.

The persistence layer knows the store; this module adds what only the database knows: the
views and triggers (kept as their SQL text), compiling SQL CHECK text again, model classes,
and telling the SQL session the schema changed. See docs/persistence.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from pyram.api.statements import SqlSession
from pyram.catalog import TableSchema
from pyram.errors import CorruptFileError, Error
from pyram.model import Table, schema_of
from pyram.persist import Definition, SnapshotContents, export_store, load_contents, read_file
from pyram.storage import Store

__all__ = [
    "DatabaseParts",
    "definitions_of",
    "export_database",
    "import_into",
    "load_contents_into",
    "restore_definitions",
]

Progress = Callable[[int, int], None]


class DatabaseParts(Protocol):
    """What these functions use of a :class:`~pyram.Database`: its store and SQL session (a
    protocol, so this module does not import the database module that imports it)."""

    _store: Store
    _sql: SqlSession


def definitions_of(db: DatabaseParts) -> list[Definition]:
    """The database's views and triggers as SQL text, in creation order."""
    return [
        Definition("view" if kind == "view" else "trigger", name, sql)
        for kind, name, sql in db._sql.definitions()
    ]


def export_database(
    db: DatabaseParts,
    path: str | os.PathLike[str],
    format: str = "snapshot",
    *,
    tables: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the database (or some tables) to ``path``; see :meth:`Database.export`."""
    # views and triggers may use any table: they go with the whole database only
    definitions = definitions_of(db) if tables is None else []
    export_store(db._store, path, format, definitions=definitions, tables=tables, progress=progress)


def import_into(
    db: DatabaseParts,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    models: Iterable[type[Table]] = (),
    allow_pickle: bool = False,
    progress: Progress | None = None,
) -> None:
    """Read a file and add its tables, rows, views and triggers; all or nothing."""
    schemas = [schema_of(m) for m in models]
    contents = read_file(path, format, allow_pickle=allow_pickle, progress=progress)
    load_contents_into(db, contents, str(path), schemas)


def load_contents_into(
    db: DatabaseParts,
    contents: SnapshotContents,
    path: str,
    model_schemas: Sequence[TableSchema] = (),
) -> None:
    """Load read contents into ``db`` (tables, rows, then views and triggers); all or
    nothing. Also what a durable database uses to recover from its checkpoint."""
    created_views: list[str] = []
    try:
        load_contents(
            contents,
            db._store,
            path=path,
            models=model_schemas,
            compile_check=db._sql.compile_check_text,
            finish=lambda: restore_definitions(db, contents.definitions, created_views),
        )
    except BaseException:
        for name in created_views:  # views are not transactional: take them back by hand
            db._sql.run(f'DROP VIEW IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')
        raise
    finally:
        db._sql.schema_changed()


def restore_definitions(
    db: DatabaseParts, definitions: Sequence[Definition], created_views: list[str] | None = None
) -> None:
    """Create the views and triggers a file holds, skipping names the database has.

    Raises:
        Error: a definition does not compile against the loaded tables.
    """
    sql = db._sql
    views = {name.lower() for name in sql.view_names()}
    triggers = {name.lower() for name in sql.trigger_names()}
    for definition in definitions:
        existing = views if definition.kind == "view" else triggers
        if definition.name.lower() in existing:
            continue
        try:
            sql.run(definition.sql)
        except Error as exc:
            raise CorruptFileError(f"{definition.kind} {definition.name}: {exc}") from exc
        if definition.kind == "view" and created_views is not None:
            created_views.append(definition.name)
