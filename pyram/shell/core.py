"""The shell's state and how it runs input: SQL statements and dot-commands, line by line.

:class:`Shell` holds the database and the output settings, runs one statement or dot-command at
a time and reports every failure as a message (``Error: ...`` for PyRAM errors, ``Internal
error: ...`` for anything unexpected) without ever stopping, unless ``.bail on`` asks a script
to stop at its first error. :class:`InputSource` turns lines of one input (the terminal, a pipe,
a script file) into complete statements and dot-commands.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from pyram.api import Database, SqlResult
from pyram.engine import format_query_plan
from pyram.errors import Error
from pyram.shell.errors import ShellError
from pyram.shell.render import render_styled
from pyram.shell.statement_splitter import Statement, StatementSplitter
from pyram.shell.style import Mode, Style
from pyram.sql import SqlError, TokenKind, caret_excerpt, tokenize

__all__ = ["InputSource", "QuitShell", "Shell", "draw_query_plan"]

#: Statement kinds that EXPLAIN accepts (``.explain on`` explains these before running them).
_EXPLAINABLE = frozenset({"SELECT", "WITH", "VALUES", "INSERT", "REPLACE", "UPDATE", "DELETE"})
#: ``.read`` nesting limit (a script that reads itself stops here instead of recursing forever).
MAX_READ_DEPTH = 32
#: The columns of an EXPLAIN QUERY PLAN result (SQLite's), drawn as a tree.
QUERY_PLAN_COLUMNS = ("id", "parent", "notused", "detail")


class QuitShell(Exception):
    """``.quit`` / ``.exit``: stop reading input and leave with ``code`` (None: the default)."""

    def __init__(self, code: int | None = None) -> None:
        super().__init__(code)
        self.code = code


def _cpu_times() -> tuple[float, float]:
    """User and system CPU seconds of this process so far."""
    try:
        import resource  # POSIX; finer-grained than os.times()
    except ImportError:  # pragma: no cover - Windows
        import os

        times = os.times()
        return times.user, times.system
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


class Shell:
    """One shell session over one database.

    Attributes:
        db: the database statements run against.
        db_name: what ``.show`` calls it: its file, or ``:memory:``.
        out: where results go now (``.output``/``.once`` change it); ``stdout`` is the default.
        mode, headers, nullvalue, colsep, rowsep, insert_table: the output settings
            (see :class:`~pyram.shell.style.Style`; None means the mode's default).
        timer: print ``Run Time: real R user U sys S`` after each statement.
        explain: print each query's plan before running it.
        bail: stop a script (not the terminal) at its first error.
        echo: print each statement and command before running it.
        fancy_progress: draw progress bars with tqdm when installed (else a plain bar).
        interactive: a person at a terminal is reading (notes such as "created FILE" show).
        errors: how many statements or commands failed so far.
    """

    def __init__(self, db: Database, out: TextIO, err: TextIO, db_name: str = ":memory:") -> None:
        self.db = db
        self.db_name = db_name
        self.stdout = out
        self.out = out
        self.err = err
        self.output_name = "stdout"
        self.once = False  # ``out`` is a .once file: back to stdout after the next statement
        self.mode: Mode = "table"
        self.headers = True
        self.nullvalue: str | None = None
        self.colsep: str | None = None
        self.rowsep: str | None = None
        self.insert_table = "table"
        self.timer = False
        self.explain = False
        self.bail = False
        self.echo = False
        self.errors = 0
        self.read_depth = 0
        self.fancy_progress = True
        self.interactive = False

    @property
    def style(self) -> Style:
        """The current output settings as one value."""
        return Style(
            self.mode, self.headers, self.nullvalue, self.colsep, self.rowsep, self.insert_table
        )

    # ------------------------------------------------------------------ output
    def write(self, text: str) -> None:
        """Write to the output stream."""
        if text:
            self.out.write(text)
            self.out.flush()

    def error(self, message: str) -> None:
        """Report a failure on the error stream and count it."""
        self.errors += 1
        self.out.flush()
        self.err.write(message.rstrip("\n") + "\n")
        self.err.flush()

    def redirect(self, out: TextIO, name: str, *, once: bool = False) -> None:
        """Send results to ``out`` (an open file) from now on, or for one statement."""
        self.end_redirect()
        self.out, self.output_name, self.once = out, name, once

    def end_redirect(self) -> None:
        """Close a ``.output``/``.once`` file and write to standard output again."""
        if self.out is not self.stdout:
            self.out.close()
        self.out, self.output_name, self.once = self.stdout, "stdout", False

    def show(self, result: SqlResult, statement: str = "") -> None:
        """Print the rows of a query result in the current mode (statements print nothing).

        EXPLAIN QUERY PLAN results print as sqlite3 draws them (a tree under ``QUERY PLAN``)
        and EXPLAIN results as the plain operator lines, whatever the mode.
        """
        columns = result.columns
        if not columns:
            return
        rows = result.all()
        if columns == QUERY_PLAN_COLUMNS and _first_keyword(statement) == "EXPLAIN":
            self.write(draw_query_plan(rows))
        elif columns == ("plan",) and _first_keyword(statement) == "EXPLAIN":
            self.write("".join(f"{line}\n" for (line,) in rows))
        else:
            self.write(render_styled(columns, rows, self.style))

    # ------------------------------------------------------------------ running
    def run_statement(self, statement: Statement, source: InputSource) -> None:
        """Run one SQL statement and print its rows; failures are reported, never raised
        (except that ``.bail on`` stops a script with :class:`QuitShell`)."""
        if self.echo:
            self.write(statement.text + "\n")
        try:
            if self.explain and _first_keyword(statement.text) in _EXPLAINABLE:
                self.show(self.db.sql("EXPLAIN " + statement.text), "EXPLAIN")
            started, cpu = time.perf_counter(), _cpu_times()
            result = self.db.sql(statement.text)
            self.show(result, statement.text)
            if self.timer:
                self._print_time(started, cpu)
        except Error as exc:
            self.error("Error: " + source.locate(exc, statement))
            self._bail(source.interactive)
        except BrokenPipeError:  # the reader of our output is gone: stop, see app.main
            raise
        except Exception as exc:  # a PyRAM bug: report it and carry on
            self.error(f"Internal error: {type(exc).__name__}: {exc}")
            self._bail(source.interactive)
        finally:
            if self.once:
                self.end_redirect()

    def _print_time(self, started: float, cpu: tuple[float, float]) -> None:
        user, system = _cpu_times()
        real = time.perf_counter() - started
        self.write(
            f"Run Time: real {real:.3f} user {user - cpu[0]:.6f} sys {system - cpu[1]:.6f}\n"
        )

    def _bail(self, interactive: bool) -> None:
        if self.bail and not interactive:
            raise QuitShell(1)

    def run_command(self, line: str, where: str = "", interactive: bool = True) -> None:
        """Run one dot-command line; failures are reported, never raised (``.quit`` is, and
        so is a failure under ``.bail on`` outside the terminal).

        ``where`` prefixes error messages (e.g. ``near line 3 of setup.sql: ``).
        """
        from pyram.shell.commands import run_dot_command  # commands import this module

        if self.echo:
            self.write(line + "\n")
        once_file = self.out if self.once else None
        try:
            run_dot_command(self, line)
        except (QuitShell, BrokenPipeError):
            raise
        except Error as exc:
            self.error(f"Error: {where}{exc}")
            self._bail(interactive)
        except Exception as exc:  # a bug: report it and carry on
            self.error(f"Internal error: {type(exc).__name__}: {exc}")
            self._bail(interactive)
        finally:
            if once_file is not None and self.out is once_file:  # it took this command's output
                self.end_redirect()

    def run_script(self, text: str | Iterable[str], name: str | None = None) -> None:
        """Run every statement and dot-command of a script (a string or lines)."""
        if self.read_depth >= MAX_READ_DEPTH:
            raise ShellError(f".read nested more than {MAX_READ_DEPTH} deep")
        source = InputSource(self, name)
        lines = text.splitlines(keepends=True) if isinstance(text, str) else text
        self.read_depth += 1
        try:
            for line in lines:
                source.feed_line(line)
            source.finish()
        finally:
            self.read_depth -= 1

    def close(self) -> None:
        """End the session: close an output file and the database (a durable one is
        checkpointed); a transaction left open is rolled back, as sqlite3 does."""
        self.end_redirect()
        if self.db.in_transaction:
            self.db.sql("ROLLBACK")
        self.db.close()


def draw_query_plan(rows: Sequence[Sequence[Any]]) -> str:
    """EXPLAIN QUERY PLAN rows ``(id, parent, notused, detail)`` as sqlite3 draws them (the
    shell prints a line at a time: with its newline).

    >>> print(draw_query_plan([(1, 0, 0, "SCAN t"), (2, 0, 0, "USE TEMP B-TREE FOR ORDER BY")]))
    QUERY PLAN
    |--SCAN t
    `--USE TEMP B-TREE FOR ORDER BY
    <BLANKLINE>
    """
    return format_query_plan(rows) + "\n"


def _first_keyword(text: str) -> str:
    """The first word of a statement, upper-cased ('' when it does not tokenize)."""
    try:
        tokens = tokenize(text)
    except Error:
        return ""
    return tokens[0].value.upper() if tokens and tokens[0].kind != TokenKind.EOF else ""


class InputSource:
    """Lines of one input (terminal, pipe or file) turned into statements and dot-commands.

    A line starting with ``.`` is a dot-command when no statement is pending; every other line
    goes to a :class:`StatementSplitter`, and each statement it completes runs at once.
    Positions in error messages are the input's own (line numbers count from its start) unless
    ``interactive``, where they count from the statement's start.
    """

    def __init__(self, shell: Shell, name: str | None = None, interactive: bool = False) -> None:
        self.shell = shell
        self.name = name
        self.interactive = interactive
        self.splitter = StatementSplitter()

    @property
    def pending(self) -> bool:
        """True while a statement is unfinished (the continuation prompt shows)."""
        return self.splitter.pending or self.splitter.in_comment_or_string

    def feed_line(self, line: str) -> None:
        """Take one input line (with or without its newline)."""
        if not line.endswith("\n"):
            line += "\n"
        if not self.pending and line.lstrip().startswith("."):
            where = "" if self.interactive else self._near(self.splitter.line) + ": "
            self.splitter.feed("\n")  # keeps line numbers right
            self.shell.run_command(line.strip(), where, self.interactive)
            return
        for statement in self.splitter.feed(line):
            self.shell.run_statement(statement, self)

    def finish(self) -> None:
        """End of input: an unterminated last statement still runs (as sqlite3 does)."""
        last = self.splitter.finish()
        if last is not None:
            self.shell.run_statement(last, self)

    def reset(self) -> None:
        """Forget the unfinished statement (Ctrl-C)."""
        self.splitter.reset()

    def locate(self, exc: Error, statement: Statement) -> str:
        """The message of ``exc`` with positions counted in this input, not the statement."""
        if self.interactive:
            return str(exc)
        if isinstance(exc, SqlError):
            line = statement.line + exc.line - 1
            column = exc.column + (statement.column - 1 if exc.line == 1 else 0)
            where = f" of {self.name}" if self.name else ""
            excerpt = caret_excerpt(exc.sql, exc.offset)
            if exc.line == 1:  # the statement starts mid-line: indent it to its real column
                pad = " " * (statement.column - 1)
                excerpt = "\n".join(pad + part for part in excerpt.split("\n"))
            return f"{exc.reason} at line {line}, column {column}{where}\n{excerpt}"
        return f"{self._near(statement.line)}: {exc}"

    def _near(self, line: int) -> str:
        return f"near line {line}" + (f" of {self.name}" if self.name else "")
