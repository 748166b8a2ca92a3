"""Whole-database files in the shell: ``.export FILE`` and ``.restore FILE``, with a progress
bar on a terminal.

``.export FILE`` (no table or query) writes the whole database with :meth:`Database.export`;
the format follows the name (``.jsonl``/``.json``: JSON Lines, ``.csv``: a CSV directory,
``.pkl``/``.pickle``: pickle, anything else: snapshot) unless ``--format NAME`` is given.
``.restore FILE`` adds what such a file holds (:meth:`Database.import_`; pickle refused).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from pyram.persist import FORMATS, Format
from pyram.shell.core import Shell
from pyram.shell.errors import ShellError

__all__ = ["MIN_ROWS_FOR_BAR", "ProgressBar", "export_database", "format_for", "restore"]

#: Smaller exports finish before a bar would be seen: none is drawn.
MIN_ROWS_FOR_BAR = 50_000

_BY_SUFFIX: dict[str, Format] = {
    ".jsonl": "json",
    ".json": "json",
    ".csv": "csv",
    ".pkl": "pickle",
    ".pickle": "pickle",
}


class ProgressBar:
    """A progress callback drawing ``[#####-----]  52%  52000/100000 rows`` on a terminal
    (redrawn at most ten times a second); silent when the stream is not a terminal or the
    work is small."""

    def __init__(self, stream: TextIO, label: str, *, width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self.drawn = False
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < MIN_ROWS_FOR_BAR:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {100 * done // total:3d}%  {done}/{total} rows")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line (when one was drawn)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def format_for(file: str, requested: str | None) -> Format:
    """The format to write ``file`` in: ``requested``, else by its suffix, else snapshot."""
    if requested is not None:
        for known in FORMATS:
            if requested == known:
                return known
        raise ShellError(f"unknown format {requested!r}: use one of {', '.join(FORMATS)}")
    return _BY_SUFFIX.get(Path(file).suffix.lower(), "snapshot")


def export_database(shell: Shell, file: str, requested: str | None = None) -> None:
    """Write the whole database to ``file`` (progress bar on the error stream's terminal)."""
    bar = ProgressBar(shell.err, f"exporting {file}")
    try:
        shell.db.export(file, format_for(file, requested), progress=bar)
    finally:
        bar.close()


def restore(shell: Shell, file: str) -> None:
    """Add the tables, rows, views and triggers of an exported file; all or nothing."""
    bar = ProgressBar(shell.err, f"reading {file}")
    try:
        shell.db.import_(file, progress=bar)
    finally:
        bar.close()
