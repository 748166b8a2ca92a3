"""Dot-commands: the table of every command, and the ones that change settings.

Each command is a function taking the shell and the text after the command name; it prints
through the shell and raises :class:`~pyram.shell.errors.ShellError` (or any PyRAM error) on
bad input, which the shell reports as ``Error: ...``. :data:`COMMANDS` lists them for ``.help``
(and docs/shell.md documents every one: a test checks). The families live beside this module:
schema commands in :mod:`pyram.shell.commands_schema`, files in
:mod:`pyram.shell.commands_files`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from pyram.shell.args import switch, unescape, words
from pyram.shell.commands_files import (
    backup_command,
    export_command,
    import_command,
    once_command,
    open_command,
    output_command,
    read_command,
    restore_command,
)
from pyram.shell.commands_schema import (
    dump_command,
    indexes_command,
    schema_command,
    stats_command,
    tables_command,
)
from pyram.shell.core import QuitShell, Shell, draw_query_plan
from pyram.shell.errors import ShellError
from pyram.shell.style import MODES

__all__ = ["COMMANDS", "Command", "run_dot_command"]


class Command(NamedTuple):
    """A dot-command: its handler, argument synopsis and one-line description."""

    run: Callable[[Shell, str], None]
    usage: str
    help: str


def _toggle(shell: Shell, name: str, args: str, current: bool) -> bool:
    """Parse ``on``/``off``; no argument prints the current setting and keeps it."""
    if not args.strip():
        shell.write(f"{name}: {'on' if current else 'off'}\n")
        return current
    return switch(args, f".{name} on|off")


def _explain(shell: Shell, args: str) -> None:
    query = args.strip()
    first = query.split(None, 1)[0].lower() if query else ""
    if not query or (first in ("on", "off", "yes", "no", "true", "false", "1", "0")):
        shell.explain = _toggle(shell, "explain", query, shell.explain)
        return
    for (line,) in shell.db.sql("EXPLAIN " + query):
        shell.write(f"{line}\n")


def _eqp(shell: Shell, args: str) -> None:
    """``.eqp QUERY``: the EXPLAIN QUERY PLAN tree of one query."""
    if not args.strip():
        raise ShellError("usage: .eqp QUERY")
    shell.write(draw_query_plan(shell.db.sql("EXPLAIN QUERY PLAN " + args).all()))


def _timer(shell: Shell, args: str) -> None:
    shell.timer = _toggle(shell, "timer", args, shell.timer)


def _headers(shell: Shell, args: str) -> None:
    shell.headers = _toggle(shell, "headers", args, shell.headers)


def _bail(shell: Shell, args: str) -> None:
    shell.bail = _toggle(shell, "bail", args, shell.bail)


def _echo(shell: Shell, args: str) -> None:
    shell.echo = _toggle(shell, "echo", args, shell.echo)


def _mode(shell: Shell, args: str) -> None:
    given = words(args)
    if not given:
        shell.write(f"current output mode: {shell.mode}\n")
        return
    mode = next((m for m in MODES if m == given[0].lower()), None)
    if mode is None or len(given) > 2 or (len(given) == 2 and mode != "insert"):
        raise ShellError(f"usage: .mode {'|'.join(MODES)} (insert takes a TABLE name)")
    shell.mode = mode
    shell.colsep = shell.rowsep = None  # each mode brings its own separators, as in sqlite3
    if mode == "insert":
        shell.insert_table = given[1] if len(given) == 2 else "table"


def _nullvalue(shell: Shell, args: str) -> None:
    given = words(args)
    if len(given) > 1:
        raise ShellError("usage: .nullvalue TEXT")
    shell.nullvalue = given[0] if given else None


def _separator(shell: Shell, args: str) -> None:
    given = words(args)
    if not 1 <= len(given) <= 2:
        raise ShellError("usage: .separator COL [ROW]")
    shell.colsep = unescape(given[0])
    if len(given) == 2:
        shell.rowsep = unescape(given[1])


def _print(shell: Shell, args: str) -> None:
    shell.write(" ".join(words(args)) + "\n")


def _show(shell: Shell, args: str) -> None:
    if args.strip():
        raise ShellError("usage: .show")
    style = shell.style
    colsep, rowsep = style.separators()

    def shown(text: str) -> str:
        return '"' + text.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'

    settings = [
        ("echo", "on" if shell.echo else "off"),
        ("explain", "on" if shell.explain else "off"),
        ("headers", "on" if shell.headers else "off"),
        ("mode", shell.mode + (f" {shell.insert_table}" if shell.mode == "insert" else "")),
        ("nullvalue", shown(style.null_text())),
        ("output", shell.output_name),
        ("colseparator", shown(colsep)),
        ("rowseparator", shown(rowsep)),
        ("timer", "on" if shell.timer else "off"),
        ("bail", "on" if shell.bail else "off"),
        ("filename", shell.db_name),
    ]
    shell.write("".join(f"{name:>12}: {value}\n" for name, value in settings))


def _help(shell: Shell, args: str) -> None:
    wanted = args.strip().lstrip(".").lower()
    shown = {n: c for n, c in COMMANDS.items() if not wanted or n == wanted}
    if not shown:
        raise ShellError(f"no such command: .{wanted}")
    width = max(len(f".{name} {c.usage}".rstrip()) for name, c in shown.items())
    lines = [f"{f'.{name} {c.usage}'.rstrip():<{width}}  {c.help}\n" for name, c in shown.items()]
    shell.write("".join(lines))


def _quit(shell: Shell, args: str) -> None:
    given = words(args)
    if len(given) > 1 or (given and not given[0].lstrip("-").isdigit()):
        raise ShellError("usage: .exit [CODE]")
    raise QuitShell(int(given[0]) if given else None)


COMMANDS: dict[str, Command] = {
    "tables": Command(tables_command, "[TABLE]", "list tables and views (matching a LIKE pattern)"),
    "schema": Command(schema_command, "[TABLE]", "show CREATE statements (of every table, or one)"),
    "indexes": Command(indexes_command, "[TABLE]", "list the indexes (of every table, or one)"),
    "dump": Command(dump_command, "[TABLE]", "the database (or a table) as SQL text"),
    "stats": Command(
        stats_command, "[reset]", "rows, estimated bytes and cache counters of every table"
    ),
    "mode": Command(_mode, "MODE [TABLE]", "set the output mode: " + ", ".join(MODES)),
    "headers": Command(_headers, "on|off", "show or hide the header line of results"),
    "nullvalue": Command(_nullvalue, "TEXT", "print NULL as TEXT (no TEXT: the mode's default)"),
    "separator": Command(_separator, "COL [ROW]", "column and row separators (\\t, \\n escapes)"),
    "timer": Command(_timer, "on|off", "print the real, user and sys time of each statement"),
    "explain": Command(_explain, "on|off|QUERY", "show a query's plan, or every query's"),
    "eqp": Command(_eqp, "QUERY", "show the EXPLAIN QUERY PLAN tree of a query"),
    "bail": Command(_bail, "on|off", "stop a script at its first error"),
    "echo": Command(_echo, "on|off", "print each statement and command before running it"),
    "show": Command(_show, "", "show the current settings"),
    "print": Command(_print, "TEXT...", "print the words of TEXT"),
    "open": Command(
        open_command, "[--readonly] [FILE]", "open a .pyram database or an export (none: memory)"
    ),
    "read": Command(read_command, "FILE", "run the SQL and dot-commands of a file"),
    "output": Command(output_command, "[FILE]", "send results to FILE (none or stdout: back)"),
    "once": Command(once_command, "FILE", "send the next result only to FILE"),
    "import": Command(
        import_command,
        "[--csv|--ascii] [--skip N] FILE TABLE",
        "load a CSV (or separated) file into a table",
    ),
    "export": Command(
        export_command,
        "[--format F] FILE [TABLE|QUERY]",
        "write rows to a .csv, .json or .jsonl file; no TABLE: the whole database",
    ),
    "backup": Command(backup_command, "FILE", "copy the database into a new .pyram file"),
    "save": Command(backup_command, "FILE", "the same as .backup"),
    "restore": Command(restore_command, "FILE", "add the tables and rows of a database export"),
    "help": Command(_help, "[COMMAND]", "show this list (or one command)"),
    "quit": Command(_quit, "", "leave the shell"),
    "exit": Command(_quit, "[CODE]", "leave the shell (with an exit status)"),
}


def run_dot_command(shell: Shell, line: str) -> None:
    """Run one dot-command line (``.name args``).

    Raises:
        ShellError: unknown command or bad arguments.
        QuitShell: ``.quit`` / ``.exit``.
    """
    parts = line.strip().removeprefix(".").split(None, 1)
    name = parts[0] if parts else ""
    args = parts[1] if len(parts) > 1 else ""
    command = COMMANDS.get(name.lower())
    if command is None:
        raise ShellError(f'unknown command: .{name} (enter ".help" for the list)')
    command.run(shell, args)
