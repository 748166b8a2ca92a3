"""Dot-commands that read and write files: ``.open``, ``.read``, ``.output``, ``.once``,
``.import``, ``.export``, ``.backup`` and ``.restore``."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from pyram.api import Database
from pyram.shell.args import first_word, words
from pyram.shell.backup import backup, export_with_progress, restore
from pyram.shell.core import Shell
from pyram.shell.errors import ShellError
from pyram.shell.import_csv import ImportOptions, import_csv
from pyram.shell.import_export import export_query
from pyram.shell.open_db import open_database
from pyram.shell.progress import progress_bar

__all__ = [
    "backup_command",
    "export_command",
    "import_command",
    "once_command",
    "open_command",
    "output_command",
    "read_command",
    "restore_command",
    "switch_database",
]


def switch_database(shell: Shell, file: str | None, *, readonly: bool = False) -> None:
    """Make ``file`` (None or ``:memory:``: a fresh in-memory database) the shell's database.

    The old database is closed (a durable one checkpointed) only once the new one is open, so
    a file that fails to open leaves the shell as it was.
    """
    if file is None or file == ":memory:":
        db, name, note = Database(), ":memory:", ""
    else:
        db, name, note = open_database(file, readonly=readonly)
    old = shell.db
    shell.db, shell.db_name = db, name
    old.close()
    if note and shell.interactive:
        shell.err.write(note + "\n")


def open_command(shell: Shell, args: str) -> None:
    """``.open [--readonly] [FILE]``."""
    given = words(args)
    readonly = bool(given) and given[0] == "--readonly"
    if readonly:
        given.pop(0)
    if len(given) > 1 or (given and given[0].startswith("-")) or (readonly and not given):
        raise ShellError("usage: .open [--readonly] [FILE]")
    switch_database(shell, given[0] if given else None, readonly=readonly)


def read_command(shell: Shell, args: str) -> None:
    """``.read FILE``."""
    given = words(args)
    if len(given) != 1:
        raise ShellError("usage: .read FILE")
    try:
        text = Path(given[0]).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ShellError(f"cannot read {given[0]}: {exc}") from None
    shell.run_script(text, given[0])


def _open_for_output(file: str) -> TextIO:
    try:
        return open(file, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ShellError(f"cannot write {file}: {exc.strerror or exc}") from None


def output_command(shell: Shell, args: str) -> None:
    """``.output [FILE]``: results to FILE until the next ``.output``; none or ``stdout``
    brings them back."""
    given = words(args)
    if len(given) > 1:
        raise ShellError("usage: .output [FILE]")
    if not given or given[0] == "stdout":
        shell.end_redirect()
        return
    shell.redirect(_open_for_output(given[0]), given[0])


def once_command(shell: Shell, args: str) -> None:
    """``.once FILE``: the next statement's (or command's) output to FILE."""
    given = words(args)
    if len(given) != 1:
        raise ShellError("usage: .once FILE")
    shell.redirect(_open_for_output(given[0]), given[0], once=True)


def import_command(shell: Shell, args: str) -> None:
    """``.import [--csv|--ascii] [--skip N] FILE TABLE``."""
    given = words(args)
    usage = "usage: .import [--csv|--ascii] [--skip N] FILE TABLE"
    csv_mode = shell.mode == "csv"
    ascii_mode = shell.mode == "ascii"
    skip = 0
    while given and given[0].startswith("--"):
        option = given.pop(0)
        if option == "--csv":
            csv_mode, ascii_mode = True, False
        elif option == "--ascii":
            csv_mode, ascii_mode = False, True
        elif option == "--skip" and given and given[0].isdigit():
            skip = int(given.pop(0))
        else:
            raise ShellError(f"{usage} (unknown option {option})")
    if len(given) != 2:
        raise ShellError(usage)
    options = ImportOptions(_delimiter(shell, csv_mode), skip, ascii_mode)
    bar = progress_bar(shell.err, f"importing {given[0]}", unit="bytes", fancy=shell.fancy_progress)
    try:
        import_csv(shell.db, given[0], given[1], options, bar)
    finally:
        bar.close()


def _delimiter(shell: Shell, csv_mode: bool) -> str:
    """``,`` for CSV; else the ``.separator`` in force or the list or tabs mode's (``|``, a
    tab), else ``,``."""
    if csv_mode:
        return ","
    separated = shell.colsep is not None or shell.mode in ("list", "tabs")
    colsep = shell.style.separators()[0] if separated else ","
    if len(colsep) != 1:
        raise ShellError(f".import needs a one-character separator, not {colsep!r}")
    return colsep


def export_command(shell: Shell, args: str) -> None:
    """``.export [--format F] FILE [TABLE|QUERY]``."""
    requested = None
    if args.strip().startswith("--format"):
        _, rest = first_word(args)
        requested, args = first_word(rest)
    file, target = first_word(args)
    if not file:
        raise ShellError("usage: .export [--format F] FILE [TABLE|QUERY]")
    if not target:
        export_with_progress(shell, file, requested)
    elif requested is not None:
        raise ShellError("--format applies to whole-database exports (no TABLE or QUERY)")
    else:
        bar = progress_bar(shell.err, f"exporting {file}", fancy=shell.fancy_progress)
        try:
            export_query(shell.db, file, target, bar)
        finally:
            bar.close()


def backup_command(shell: Shell, args: str) -> None:
    """``.backup FILE`` (and ``.save FILE``)."""
    given = words(args)
    if len(given) != 1:
        raise ShellError("usage: .backup FILE")
    backup(shell, given[0])


def restore_command(shell: Shell, args: str) -> None:
    """``.restore FILE``."""
    given = words(args)
    if len(given) != 1:
        raise ShellError("usage: .restore FILE")
    restore(shell, given[0])
