"""Opening a database file in the shell (``python -m pyram FILE`` and ``.open FILE``).

What a file is comes from its first bytes, not its name:

- a durable database (``PYRAMCKP``, the checkpoint written by ``pyram.Database(path=...)``),
  or a file that does not exist yet (or is empty): opened durable, every commit saved;
- an export (snapshot, JSON Lines, CSV directory): loaded into memory with
  :meth:`Database.load`; changes are not written back (``.backup`` or ``.export`` save them);
- anything else is refused with what it looks like: a SQLite database, a SQL script (run it
  with ``-init FILE`` or ``.read FILE``), or unknown bytes. Pickle exports are refused too
  (loading one runs code from the file).

``.open --readonly FILE`` reads a durable database's committed contents into memory without
taking its lock or writing its files (:func:`read_durable_copy`), so it works while another
process has the database open; changes then stay in memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

from pyram.api import Database
from pyram.errors import Error
from pyram.shell.errors import ShellError

__all__ = ["DURABLE_MAGIC", "Opened", "file_kind", "open_database", "read_durable_copy"]

#: The first bytes of a durable database file (its checkpoint header).
DURABLE_MAGIC = b"PYRAMCKP"
_EXPORT_MAGICS = {b"PYRAMSNP": "snapshot"}
_PICKLE_MAGIC = b"PYRAMPKL"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEAD = 64


class Opened(NamedTuple):
    """A database the shell opened, its name for ``.show`` and a note for the user (or '')."""

    db: Database
    name: str
    note: str


def file_kind(path: Path) -> str:
    """``"durable"``, ``"new"``, ``"export"``, or why the file cannot be opened (an error).

    Raises:
        ShellError: the file is not something PyRAM opens; the message says what it looks like.
    """
    if path.is_dir():
        if (path / "schema.json").exists():
            return "export"
        raise ShellError(f"{path} is a directory, not a PyRAM database or CSV export")
    if not path.exists():
        return "new"
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        raise ShellError(f"cannot open {path}: {exc.strerror or exc}") from None
    if not head:
        return "new"
    if head.startswith(DURABLE_MAGIC):
        return "durable"
    if head[:8] in _EXPORT_MAGICS or head.lstrip()[:1] == b"{":
        return "export"
    if head.startswith(_PICKLE_MAGIC):
        raise ShellError(
            f"{path} is a pickle export: loading one runs code from the file, so the shell "
            "does not (use pyram.Database.load(path, allow_pickle=True) for files you wrote)"
        )
    if head.startswith(_SQLITE_MAGIC):
        raise ShellError(f"{path} is a SQLite database, not a PyRAM one")
    if _looks_like_text(head):
        raise ShellError(
            f"{path} is not a PyRAM database file; if it is a SQL script, run it with "
            f"-init {path} (command line) or .read {path}"
        )
    raise ShellError(f"{path} is not a PyRAM database file (unknown format)")


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_durable_copy(path: Path) -> Database:
    """The committed contents of the durable database at ``path``, in memory.

    Its files are copied (the log first, then the checkpoint) and the copy opened: a checkpoint
    taken between the two copies only makes the copied log's records older than the copied
    checkpoint, and recovery skips those, so the copy is always one committed state.
    """
    with tempfile.TemporaryDirectory(prefix="pyram-readonly-") as work:
        copy = Path(work) / "copy.pyram"
        log = Path(f"{path}-wal")
        if log.exists():
            shutil.copyfile(log, f"{copy}-wal")
        shutil.copyfile(path, copy)
        snapshot = Path(work) / "copy.snapshot"
        with Database(path=copy) as durable:
            durable.export(snapshot)
        return Database.load(snapshot)


def open_database(file: str, *, readonly: bool = False) -> Opened:
    """Open ``file`` as :func:`file_kind` says: durable (or new), or an export in memory;
    ``readonly``: a durable database as a copy in memory (it must exist).

    Raises:
        ShellError: not a file PyRAM opens, or it is locked, damaged or unreadable (the
            message says which).
    """
    path = Path(file)
    kind = file_kind(path)
    if readonly and kind == "new":
        raise ShellError(f"cannot open {file} read-only: no such database file")
    try:
        if readonly and kind == "durable":
            db = read_durable_copy(path)
            note = f"Opened {file} read-only: a copy in memory, changes are not saved to it."
            return Opened(db, f"{file} (read-only copy, in memory)", note)
        if kind in ("durable", "new"):
            db = Database(path=os.fspath(path))
            note = f"Created the database {file}." if kind == "new" else ""
            return Opened(db, file, note)
        db = Database.load(path)
    except Error as exc:
        raise ShellError(f"cannot open {file}: {exc}") from None
    except OSError as exc:
        raise ShellError(f"cannot open {file}: {exc.strerror or exc}") from None
    note = (
        f"Loaded the export {file} into memory: changes are not saved to it "
        "(.backup FILE writes a .pyram database, .export FILE another export)."
    )
    return Opened(db, f"{file} (export, in memory)", note)
