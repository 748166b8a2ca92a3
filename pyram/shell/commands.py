"""Dot-commands: ``.tables``, ``.schema``, ``.mode``, ``.import`` and the rest.

Each command is a function taking the shell and the text after the command name; it prints
through the shell and raises :class:`~pyram.shell.errors.ShellError` (or any PyRAM error) on
bad input, which the shell reports as ``Error: ...``. :data:`COMMANDS` lists them for ``.help``.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from pyram.shell.backup import export_database, restore
from pyram.shell.core import QuitShell, Shell
from pyram.shell.errors import ShellError
from pyram.shell.import_export import export_query, import_csv
from pyram.shell.render import MODES
from pyram.shell.schema_sql import render_create_table

__all__ = ["COMMANDS", "Command", "run_dot_command"]

_SWITCH = {"on": True, "yes": True, "true": True, "1": True}
_SWITCH |= {"off": False, "no": False, "false": False, "0": False}


class Command(NamedTuple):
    """A dot-command: its handler, argument synopsis and one-line description."""

    run: Callable[[Shell, str], None]
    usage: str
    help: str


def _words(args: str) -> list[str]:
    """Arguments split like a POSIX shell does (quotes group words with spaces)."""
    try:
        return shlex.split(args)
    except ValueError as exc:
        raise ShellError(f"bad arguments: {exc}") from None


def _first_word(args: str) -> tuple[str, str]:
    """The first (possibly quoted) word and the untouched rest of the line."""
    args = args.strip()
    if args[:1] in ("'", '"'):
        end = args.find(args[0], 1)
        if end == -1:
            raise ShellError("bad arguments: no closing quotation")
        return args[1:end], args[end + 1 :].strip()
    parts = args.split(None, 1)
    return (parts[0] if parts else ""), (parts[1] if len(parts) > 1 else "")


def _switch(shell: Shell, name: str, args: str, current: bool) -> bool:
    """Parse ``on``/``off``; no argument prints the current setting and keeps it."""
    if not args.strip():
        shell.write(f"{name}: {'on' if current else 'off'}\n")
        return current
    value = _SWITCH.get(args.strip().lower())
    if value is None:
        raise ShellError(f"usage: .{name} on|off")
    return value


def _tables(shell: Shell, args: str) -> None:
    if args.strip():
        raise ShellError("usage: .tables")
    names = [*shell.db.table_names(), *shell.db.view_names()]
    shell.write("".join(f"{n}\n" for n in sorted(names, key=lambda n: (n.lower(), n))))


def _schema(shell: Shell, args: str) -> None:
    words = _words(args)
    if len(words) > 1:
        raise ShellError("usage: .schema [TABLE]")
    tables, views = shell.db.table_names(), shell.db.view_names()
    if words:
        wanted = words[0].lower()
        tables = [t for t in tables if t.lower() == wanted]
        views = [v for v in views if v.lower() == wanted]
        if not tables and not views:
            raise ShellError(f"no such table: {words[0]}")
    texts = [render_create_table(shell.db.schema(t)) for t in tables]
    # the database keeps each view's text as it is now (ALTER TABLE ... RENAME rewrites it)
    current = {name.lower(): sql for kind, name, sql in shell.db._sql.definitions()}
    for view in views:
        sql = current.get(view.lower()) or shell.view_sql.get(view.lower())
        if sql is None:
            texts.append(f"-- view {view}: created outside this shell, its text is not known")
        else:
            texts.append(sql if sql.endswith(";") else sql + ";")
    shell.write("".join(f"{text}\n" for text in texts))


def _explain(shell: Shell, args: str) -> None:
    query = args.strip()
    if query.lower() in _SWITCH or not query:
        shell.explain = _switch(shell, "explain", query, shell.explain)
        return
    for (line,) in shell.db.sql("EXPLAIN " + query):
        shell.write(f"{line}\n")


def _timer(shell: Shell, args: str) -> None:
    shell.timer = _switch(shell, "timer", args, shell.timer)


def _headers(shell: Shell, args: str) -> None:
    shell.headers = _switch(shell, "headers", args, shell.headers)


def _mode(shell: Shell, args: str) -> None:
    words = _words(args)
    if not words:
        shell.write(f"current output mode: {shell.mode}\n")
        return
    for mode in MODES:
        if len(words) == 1 and words[0].lower() == mode:
            shell.mode = mode
            return
    raise ShellError(f"usage: .mode {'|'.join(MODES)}")


def _import(shell: Shell, args: str) -> None:
    words = _words(args)
    if len(words) != 2:
        raise ShellError("usage: .import FILE TABLE")
    import_csv(shell.db, words[0], words[1])


def _export(shell: Shell, args: str) -> None:
    requested = None
    if args.strip().startswith("--format"):
        _, rest = _first_word(args)
        requested, args = _first_word(rest)
    file, target = _first_word(args)
    if not file:
        raise ShellError("usage: .export [--format F] FILE [TABLE|QUERY]")
    if not target:
        export_database(shell, file, requested)
    elif requested is not None:
        raise ShellError("--format applies to whole-database exports (no TABLE or QUERY)")
    else:
        export_query(shell.db, file, target)


def _restore(shell: Shell, args: str) -> None:
    words = _words(args)
    if len(words) != 1:
        raise ShellError("usage: .restore FILE")
    restore(shell, words[0])


def _read(shell: Shell, args: str) -> None:
    words = _words(args)
    if len(words) != 1:
        raise ShellError("usage: .read FILE")
    try:
        text = Path(words[0]).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ShellError(f"cannot read {words[0]}: {exc}") from None
    shell.run_script(text, words[0])


def _help(shell: Shell, args: str) -> None:
    width = max(len(f".{name} {c.usage}") for name, c in COMMANDS.items())
    lines = [f"{f'.{name} {c.usage}':<{width}}  {c.help}\n" for name, c in COMMANDS.items()]
    shell.write("".join(lines))


def _quit(shell: Shell, args: str) -> None:
    words = _words(args)
    if len(words) > 1 or (words and not words[0].lstrip("-").isdigit()):
        raise ShellError("usage: .exit [CODE]")
    raise QuitShell(int(words[0]) if words else None)


COMMANDS: dict[str, Command] = {
    "tables": Command(_tables, "", "list tables and views"),
    "schema": Command(_schema, "[TABLE]", "show CREATE statements (of every table, or one)"),
    "mode": Command(_mode, "|".join(MODES), "set the output mode of query results"),
    "headers": Command(_headers, "on|off", "csv output with or without a header line"),
    "timer": Command(_timer, "on|off", "print the run time of each statement"),
    "explain": Command(_explain, "on|off|QUERY", "show a query's plan, or every query's"),
    "import": Command(_import, "FILE TABLE", "load a CSV file (with a header) into a table"),
    "export": Command(
        _export,
        "[--format F] FILE [TABLE|QUERY]",
        "write rows to a .csv, .json or .jsonl file; no TABLE: the whole database",
    ),
    "restore": Command(_restore, "FILE", "add the tables and rows of a database export"),
    "read": Command(_read, "FILE", "run the SQL and dot-commands of a file"),
    "help": Command(_help, "", "show this list"),
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
