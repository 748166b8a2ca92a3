"""The file methods of :class:`~pyram.Database`: a durable database's files, export and import.

A mixin, like :class:`~pyram.api.udf.FunctionsApi`: each method documents the API and
delegates to :class:`~pyram.api.durable.DurableFile` (the write-ahead log and checkpoints of a
durable database) or to :mod:`pyram.api.database_io` (export, load, import). The database sets
``_store``, ``_sql`` and ``_durable``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Self

from pyram.api.database_io import export_database, import_into
from pyram.api.durable import DurableFile
from pyram.api.statements import SqlSession
from pyram.errors import OperationalError
from pyram.model import Table
from pyram.persist import Durability, Format
from pyram.storage import Store

__all__ = ["FilesApi", "open_durable"]


def open_durable(
    db: FilesApi, path: str, durability: Durability, checkpoint_size: int, salvage: bool
) -> DurableFile:
    """Open (recovering) the files at ``path`` for the new, empty database ``db``, and set the
    PRAGMA values SQL reports for a file database."""
    durable = DurableFile(path, durability, db, checkpoint_size=checkpoint_size, salvage=salvage)
    db._sql.pragma_settings.update(
        file=os.path.abspath(path),
        journal_mode="wal",
        synchronous={"off": 0, "normal": 1, "full": 2}[durability],
    )
    return durable


class FilesApi:
    """The file methods of :class:`~pyram.Database` (a mixin: see the module docstring)."""

    _store: Store
    _sql: SqlSession
    _durable: DurableFile | None

    @property
    def path(self) -> str | None:
        """The database file of a durable database; None in memory."""
        return None if self._durable is None else self._durable.path

    def checkpoint(self) -> None:
        """Write the whole database to its file now and empty the log (durable only).

        Raises:
            OperationalError: a transaction is open, or the file cannot be written.
        """
        if self._durable is not None:
            self._durable.checkpoint()

    def close(self) -> None:
        """Checkpoint, close the files and release the lock of a durable database.

        Safe to call twice; a no-op in memory. Reads still work afterwards, but a write to a
        closed durable database fails (it could not be saved).

        Raises:
            OperationalError: this thread still has a transaction open.
        """
        if self._durable is not None:
            if self._store.transaction_thread == threading.get_ident():
                raise OperationalError("cannot close the database: a transaction is open")
            self._durable.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def export(
        self,
        path: str | os.PathLike[str],
        format: Format = "snapshot",
        *,
        tables: Sequence[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Write the database to a file: ``"snapshot"`` (compact, checksummed), ``"json"``
        (JSON Lines), ``"csv"`` (a directory) or ``"pickle"`` (unsafe to load from others).

        Committed rows only (not inside this thread's open transaction). ``tables`` writes
        some tables (with those they reference); views and triggers go with the whole
        database. ``progress(rows_done, rows_total)`` is called as rows are written. The file
        appears complete or not at all. See docs/persistence.md.

        Raises:
            ProgrammingError: an unknown format or table.
            PersistenceError: the file cannot be written.
        """
        export_database(self, path, format, tables=tables, progress=progress)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        format: Format | None = None,
        *,
        models: Iterable[type[Table]] = (),
        allow_pickle: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> Self:
        """A new database holding what an exported file holds (format detected by default).

        Tables whose model classes are given in ``models`` come back as those models (the
        file's schema must match them); others come back as plain SQL tables. Every value
        and constraint is checked. A pickle file is refused unless ``allow_pickle=True``:
        unpickling runs code from the file, UNSAFE for files you did not write.

        Raises:
            PersistenceError: no such file, or a pickle without ``allow_pickle``.
            CorruptFileError: a damaged, truncated or malformed file (file and place named).
            SchemaMismatchError: a table differs from its model class.
            DataError, IntegrityError: a bad value or a broken constraint in the file.
        """
        db = cls()
        import_into(db, path, format, models=models, allow_pickle=allow_pickle, progress=progress)
        return db

    def import_(
        self,
        path: str | os.PathLike[str],
        format: Format | None = None,
        *,
        models: Iterable[type[Table]] = (),
        allow_pickle: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Add an exported file's tables, rows, views and triggers to this database.

        A table the database lacks is created; one it has must have the file's schema and
        gets the file's rows added (its triggers fire). All or nothing: on any error the
        database is left as it was. Arguments and errors as for :meth:`load`.
        """
        import_into(self, path, format, models=models, allow_pickle=allow_pickle, progress=progress)
