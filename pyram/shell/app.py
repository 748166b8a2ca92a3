"""``python -m pyram``: argument parsing and the two ways of reading input.

With a terminal on stdin the shell is interactive (banner, prompts, readline editing and
history, Ctrl-C cancels the current input, Ctrl-D leaves); otherwise stdin is read as a script,
without prompts, and the exit status tells whether any statement or command failed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import pyram
from pyram.database import Database
from pyram.shell.core import InputSource, QuitShell, Shell
from pyram.shell.render import MODES

__all__ = ["CONTINUATION_PROMPT", "PROMPT", "history_path", "main"]

PROMPT = "pyram> "
CONTINUATION_PROMPT = "   ...> "
HISTORY_LENGTH = 2000

_DESCRIPTION = """\
An interactive SQL shell for PyRAM (SQLite's dialect), in the style of the sqlite3 program.

The database is in memory and starts empty. FILE, when given, is a SQL script (for example
schema.sql) whose statements and dot-commands run into that fresh database before the shell
starts; durable database files arrive with a later persistence feature. With a terminal the
shell is interactive; otherwise it reads statements from stdin. Enter ".help" in the shell for
the dot-commands.
"""
_EPILOG = """\
exit status: 0, or 1 when any statement or command failed (outside interactive mode).
environment: PYRAM_HISTORY sets the history file (default ~/.pyram_history).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pyram",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="a SQL script to run first")
    parser.add_argument(
        "-c",
        "--command",
        action="append",
        default=[],
        metavar="SQL",
        help="run SQL (statements or a dot-command) and exit; may be repeated",
    )
    parser.add_argument("--mode", choices=MODES, default="table", help="output mode")
    parser.add_argument(
        "--no-headers", action="store_true", help="csv output without a header line"
    )
    parser.add_argument("--version", action="version", version=f"PyRAM {pyram.__version__}")
    return parser


def history_path() -> Path:
    """The readline history file: ``$PYRAM_HISTORY`` or ``~/.pyram_history``."""
    configured = os.environ.get("PYRAM_HISTORY")
    return Path(configured) if configured else Path.home() / ".pyram_history"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the shell; returns the exit status."""
    args = _parser().parse_args(argv)
    shell = Shell(Database(), sys.stdout, sys.stderr)
    shell.mode = args.mode
    shell.headers = not args.no_headers
    stdin: TextIO = sys.stdin
    interactive = not args.command and stdin.isatty()
    try:
        if args.file is not None:
            try:
                script = Path(args.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                shell.error(f"Error: cannot read {args.file}: {exc}")
                return 1
            shell.run_script(script, args.file)
        if args.command:
            for text in args.command:
                shell.run_script(text)
        elif interactive:
            _interactive(shell, args.file)
            return 0
        else:
            shell.run_script(stdin)
    except QuitShell as stop:
        if stop.code is not None:
            return stop.code
        if interactive:
            return 0
    except KeyboardInterrupt:
        shell.error("Interrupted")
        return 130
    except BrokenPipeError:  # e.g. piped into `head`: quietly stop writing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 1 if shell.errors else 0


def _interactive(shell: Shell, file: str | None) -> None:
    """The read-eval-print loop on a terminal."""
    readline = _setup_readline()
    shell.write(
        f"PyRAM {pyram.__version__}: an in-memory SQL database (SQLite dialect).\n"
        + (f"Ran {file} into the database.\n" if file else "")
        + 'Enter ".help" for the dot-commands; end each SQL statement with ";".\n'
    )
    source = InputSource(shell, interactive=True)
    try:
        while True:
            try:
                line = input(CONTINUATION_PROMPT if source.pending else PROMPT)
            except EOFError:  # Ctrl-D
                shell.write("\n")
                return
            except KeyboardInterrupt:  # Ctrl-C: drop the line and any unfinished statement
                shell.write("\n")
                source.reset()
                continue
            try:
                source.feed_line(line)
            except KeyboardInterrupt:  # Ctrl-C while a statement runs
                source.reset()
                shell.error("\nInterrupted")
    finally:
        if readline is not None:
            try:
                readline.write_history_file(str(history_path()))
            except OSError as exc:
                shell.error(f"Error: cannot write the history file: {exc}")


def _setup_readline() -> Any:
    """Import readline (line editing for ``input``) and load the history; None without it."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return None
    readline.set_history_length(HISTORY_LENGTH)
    path = history_path()
    if path.exists():
        with contextlib.suppress(OSError):
            readline.read_history_file(str(path))
    return readline
