"""Whole-database files in the shell: ``.export FILE``, ``.restore FILE`` and ``.backup FILE``,
with a progress bar on a terminal.

``.export FILE`` (no table or query) writes the whole database with :meth:`Database.export`;
the format follows the name (``.jsonl``/``.json``: JSON Lines, ``.csv``: a CSV directory,
``.pkl``/``.pickle``: pickle, anything else: snapshot) unless ``--format NAME`` is given.
``.restore FILE`` adds what such a file holds (:meth:`Database.import_`; pickle refused); a
durable ``.pyram`` database is opened with ``.open`` instead. ``.backup FILE`` writes a new
durable database file holding a copy of the open database (``python -m pyram FILE`` opens it).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from pyram.api import Database
from pyram.errors import Error
from pyram.persist import FORMATS, FileLock, Format
from pyram.shell.core import Shell
from pyram.shell.errors import ShellError
from pyram.shell.open_db import file_kind
from pyram.shell.progress import progress_bar

__all__ = ["backup", "export_with_progress", "format_for", "restore"]

_BY_SUFFIX: dict[str, Format] = {
    ".jsonl": "json",
    ".json": "json",
    ".csv": "csv",
    ".pkl": "pickle",
    ".pickle": "pickle",
}


def format_for(file: str, requested: str | None) -> Format:
    """The format to write ``file`` in: ``requested``, else by its suffix, else snapshot."""
    if requested is not None:
        for known in FORMATS:
            if requested == known:
                return known
        raise ShellError(f"unknown format {requested!r}: use one of {', '.join(FORMATS)}")
    return _BY_SUFFIX.get(Path(file).suffix.lower(), "snapshot")


def export_with_progress(shell: Shell, file: str, requested: str | None = None) -> None:
    """Write the whole database to ``file`` (progress bar on the error stream's terminal)."""
    bar = progress_bar(shell.err, f"exporting {file}", fancy=shell.fancy_progress)
    try:
        shell.db.export(file, format_for(file, requested), progress=bar)
    finally:
        bar.close()


def restore(shell: Shell, file: str) -> None:
    """Add the tables, rows, views and triggers of an exported file; all or nothing."""
    if file_kind(Path(file)) == "durable":
        raise ShellError(
            f"{file} is a durable PyRAM database, not an export: open it with .open {file} "
            "(or pyram.Database(path=...)); .restore adds the contents of exports"
        )
    bar = progress_bar(shell.err, f"reading {file}", fancy=shell.fancy_progress)
    try:
        shell.db.import_(file, progress=bar)
    finally:
        bar.close()


def backup(shell: Shell, file: str) -> None:
    """Write a copy of the database to ``file`` as a durable ``.pyram`` database.

    The copy is built beside the target (an export read into a new durable database) and
    renamed over it only when complete, so a failure leaves the target as it was.

    Raises:
        ShellError: ``file`` is the open database, or is something other than a PyRAM
            database (nothing is overwritten then), or cannot be written.
    """
    target = Path(file)
    if shell.db.path is not None and target.resolve() == Path(shell.db.path).resolve():
        raise ShellError(f"{file} is the open database: back it up to another file")
    try:
        kind = file_kind(target)
    except ShellError:  # a script, a SQLite file, ...
        kind = "other"
    if kind not in ("durable", "new"):
        raise ShellError(f"{file} exists and is not a PyRAM database: not overwritten")
    bar = progress_bar(shell.err, f"backing up to {file}", fancy=shell.fancy_progress)
    work: Path | None = None
    try:
        work = Path(tempfile.mkdtemp(prefix=".pyram-backup-", dir=target.parent))
        snapshot = work / "copy.snapshot"
        shell.db.export(snapshot, "snapshot", progress=bar)
        with Database(path=work / "copy.pyram") as copy:
            copy.import_(snapshot)
        # holding the target's lock: no other process has it open while it is replaced
        lock = FileLock(f"{target}-lock", file)
        try:
            Path(f"{target}-wal").unlink(missing_ok=True)  # a stale log would be replayed
            os.replace(work / "copy.pyram", target)
        finally:
            lock.release()
    except Error as exc:
        raise ShellError(f"cannot back up to {file}: {exc}") from None
    except OSError as exc:
        raise ShellError(f"cannot back up to {file}: {exc.strerror or exc}") from None
    finally:
        bar.close()
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
