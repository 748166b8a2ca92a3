"""``python -m pyram`` (and the ``pyram`` command): argument parsing and the two ways of
reading input.

With a terminal on stdin the shell is interactive (banner, prompts, readline editing, history
and Tab completion, Ctrl-C cancels the current input or the running statement, Ctrl-D leaves);
otherwise stdin is read as a script, without prompts, and the exit status tells whether any
statement or command failed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from argparse import SUPPRESS
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pyram
from pyram.api import Database
from pyram.errors import Error
from pyram.shell.args import unescape
from pyram.shell.commands import COMMANDS
from pyram.shell.commands_files import switch_database
from pyram.shell.completion import install as install_completion
from pyram.shell.core import InputSource, QuitShell, Shell
from pyram.shell.style import MODES

__all__ = ["CONTINUATION_PROMPT", "PROMPT", "history_path", "main"]

PROMPT = "pyram> "
CONTINUATION_PROMPT = "   ...> "
HISTORY_LENGTH = 2000

_DESCRIPTION = """\
An interactive SQL shell for PyRAM (SQLite's dialect), in the style of the sqlite3 program.

FILE, when given, is the database: a durable PyRAM database (made by the shell or by
pyram.Database(path=...); a new one is created when FILE does not exist), every commit saved
to it; or an export (snapshot, JSON Lines, CSV directory), loaded into memory. Without FILE the
database is in memory and starts empty. A SQL script runs with -init SCRIPT (before anything
else) or .read SCRIPT. SQL arguments after FILE run, print their results and the shell exits.
With a terminal the shell is interactive; otherwise it reads statements from stdin. Enter
".help" in the shell for the dot-commands.
"""
_EPILOG = """\
exit status: 0, or 1 when any statement or command failed (outside interactive mode).
sqlite3's spellings work too: -csv, -box, ... (any mode), -header, -noheader.
environment: PYRAM_HISTORY sets the history file (default ~/.pyram_history).
examples: pyram app.pyram          open (or create) a durable database
          pyram -init schema.sql   a fresh in-memory database set up by a script
          pyram app.pyram "SELECT count(*) FROM t"
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyram",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # "-col" must not quietly mean "-column"
    )
    parser.add_argument(
        "file", nargs="?", metavar="FILE", help="the database: a .pyram file or an export"
    )
    parser.add_argument(
        "sql", nargs="*", metavar="SQL", help="statements or dot-commands to run, then exit"
    )
    parser.add_argument(
        "-init",
        "--init",
        metavar="SCRIPT",
        help="run a SQL script (statements and dot-commands) first",
    )
    parser.add_argument("-bail", "--bail", action="store_true", help="stop at the first error")
    parser.add_argument(
        "-c",
        "--command",
        action="append",
        default=[],
        metavar="SQL",
        help="run SQL (statements or a dot-command) and exit; may be repeated",
    )
    parser.add_argument(
        "-cmd",
        dest="setup",
        action="append",
        default=[],
        metavar="COMMAND",
        help="run COMMAND (SQL or a dot-command) before reading input; may be repeated",
    )
    parser.add_argument("--mode", choices=MODES, default="table", help="output mode")
    for mode in MODES:  # sqlite3's -csv, -box, ... spellings of --mode
        parser.add_argument(
            f"-{mode}", dest="mode", action="store_const", const=mode, help=SUPPRESS
        )
    parser.add_argument(
        "--no-headers",
        "-noheader",
        dest="no_headers",
        action="store_true",
        help="results without their header line",
    )
    parser.add_argument("-header", dest="no_headers", action="store_false", help=SUPPRESS)
    parser.add_argument("-nullvalue", metavar="TEXT", help="print NULL as TEXT")
    parser.add_argument("-separator", metavar="SEP", help="the column separator (list, csv, ...)")
    parser.add_argument("-echo", action="store_true", help="print each input before running it")
    parser.add_argument("--version", action="version", version=f"PyRAM {pyram.__version__}")
    return parser


def history_path() -> Path:
    """The readline history file: ``$PYRAM_HISTORY`` or ``~/.pyram_history``."""
    configured = os.environ.get("PYRAM_HISTORY")
    return Path(configured) if configured else Path.home() / ".pyram_history"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the shell; returns the exit status."""
    args = _parser().parse_intermixed_args(argv)
    if args.file is not None and _is_dot_command(args.file):
        # `pyram ".tables"`: a command, not a database to create under that name
        args.sql.insert(0, args.file)
        args.file = None
    commands = [*args.sql, *args.command]
    interactive = not commands and sys.stdin.isatty()
    shell = Shell(Database(), sys.stdout, sys.stderr)
    shell.mode = args.mode
    shell.headers = not args.no_headers
    shell.bail = args.bail
    shell.echo = args.echo
    shell.nullvalue = args.nullvalue
    shell.colsep = None if args.separator is None else unescape(args.separator)
    shell.interactive = interactive
    try:
        return _run(shell, args, commands)
    finally:
        _close(shell)


def _run(shell: Shell, args: argparse.Namespace, commands: list[str]) -> int:
    interactive = shell.interactive
    try:
        if args.file is not None:
            try:
                switch_database(shell, args.file)
            except Error as exc:
                shell.error(f"Error: {exc}")
                return 1
        if args.init is not None:
            try:
                script = Path(args.init).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                shell.error(f"Error: cannot read {args.init}: {exc}")
                return 1
            shell.run_script(script, args.init)
        for text in args.setup:
            shell.run_script(text)
        if commands:
            for text in commands:
                shell.run_script(text)
        elif interactive:
            _interactive(shell, args.init)
            return 0
        else:
            shell.run_script(sys.stdin)
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


def _is_dot_command(argument: str) -> bool:
    """Whether a FILE argument is really a dot-command (and no such file exists)."""
    name = argument.lstrip()[1:].split(None, 1)[0].lower() if argument.startswith(".") else ""
    return name in COMMANDS and not Path(argument).exists()


def _close(shell: Shell) -> None:
    """Close the database (a durable one is checkpointed) and any output file."""
    try:
        shell.close()
    except Error as exc:
        shell.error(f"Error: closing the database: {exc}")


def _interactive(shell: Shell, init: str | None) -> None:
    """The read-eval-print loop on a terminal."""
    readline = _setup_readline()
    if readline is not None:
        install_completion(shell, readline)
    where = "in memory" if shell.db_name == ":memory:" else shell.db_name
    shell.write(
        f"PyRAM {pyram.__version__}: a SQL database (SQLite dialect), {where}.\n"
        + (f"Ran {init} into the database.\n" if init else "")
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


def _setup_readline() -> ModuleType | None:
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
