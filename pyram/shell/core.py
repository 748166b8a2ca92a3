"""The shell's state and how it runs input: SQL statements and dot-commands, line by line.

:class:`Shell` holds the database and the output settings, runs one statement or dot-command at
a time and reports every failure as a message (``Error: ...`` for PyRAM errors, ``Internal
error: ...`` for anything unexpected) without ever stopping. :class:`InputSource` turns lines of
one input (the terminal, a pipe, a script file) into complete statements and dot-commands.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TextIO

from pyram.database import Database
from pyram.errors import Error
from pyram.result import SqlResult
from pyram.shell.errors import ShellError
from pyram.shell.render import Mode, render
from pyram.shell.statement_splitter import Statement, StatementSplitter
from pyram.sql.errors import SqlError, caret_excerpt
from pyram.sql.tokenizer import TokenKind, tokenize

__all__ = ["InputSource", "QuitShell", "Shell"]

#: Statement kinds that EXPLAIN accepts (``.explain on`` explains these before running them).
_EXPLAINABLE = frozenset({"SELECT", "WITH", "VALUES", "INSERT", "REPLACE", "UPDATE", "DELETE"})
#: ``.read`` nesting limit (a script that reads itself stops here instead of recursing forever).
MAX_READ_DEPTH = 32


class QuitShell(Exception):
    """``.quit`` / ``.exit``: stop reading input and leave with ``code`` (None: the default)."""

    def __init__(self, code: int | None = None) -> None:
        super().__init__(code)
        self.code = code


class Shell:
    """One shell session over one database.

    Attributes:
        db: the database statements run against.
        mode: the output mode of query results.
        headers: whether csv output starts with a header line.
        timer: print ``Run Time: real S`` after each statement.
        explain: print each query's plan before running it.
        errors: how many statements or commands failed so far.
        view_sql: the ``CREATE VIEW`` text of views made in this session, by lower-case name.
    """

    def __init__(self, db: Database, out: TextIO, err: TextIO) -> None:
        self.db = db
        self.out = out
        self.err = err
        self.mode: Mode = "table"
        self.headers = True
        self.timer = False
        self.explain = False
        self.errors = 0
        self.view_sql: dict[str, str] = {}
        self.read_depth = 0

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

    def show(self, result: SqlResult) -> None:
        """Print the rows of a query result in the current mode (statements print nothing)."""
        if result.columns:
            self.write(render(self.mode, result.columns, result.all(), self.headers))

    # ------------------------------------------------------------------ running
    def run_statement(self, statement: Statement, source: InputSource) -> None:
        """Run one SQL statement and print its rows; failures are reported, never raised."""
        try:
            if self.explain and _first_keyword(statement.text) in _EXPLAINABLE:
                for (line,) in self.db.sql("EXPLAIN " + statement.text):
                    self.write(f"{line}\n")
            started = time.perf_counter()
            result = self.db.sql(statement.text)
            elapsed = time.perf_counter() - started
            self._remember_view(statement.text)
            self.show(result)
            if self.timer:
                self.write(f"Run Time: real {elapsed:.3f}\n")
        except Error as exc:
            self.error("Error: " + source.locate(exc, statement))
        except BrokenPipeError:  # the reader of our output is gone: stop, see app.main
            raise
        except Exception as exc:  # a PyRAM bug: report it and carry on
            self.error(f"Internal error: {type(exc).__name__}: {exc}")

    def run_command(self, line: str, where: str = "") -> None:
        """Run one dot-command line; failures are reported, never raised (``.quit`` is).

        ``where`` prefixes error messages (e.g. ``near line 3 of setup.sql: ``).
        """
        from pyram.shell.commands import run_dot_command  # commands import this module

        try:
            run_dot_command(self, line)
        except (QuitShell, BrokenPipeError):
            raise
        except Error as exc:
            self.error(f"Error: {where}{exc}")
        except Exception as exc:  # a bug: report it and carry on
            self.error(f"Internal error: {type(exc).__name__}: {exc}")

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

    def _remember_view(self, text: str) -> None:
        """Keep the text of a successful CREATE VIEW for ``.schema``."""
        try:
            tokens = [t for t in tokenize(text)[:8] if t.kind != TokenKind.EOF]
        except Error:
            return
        words = [t.value.upper() for t in tokens]
        if words[:1] != ["CREATE"]:
            return
        i = 2 if words[1:2] in (["TEMP"], ["TEMPORARY"]) else 1
        if words[i : i + 1] != ["VIEW"]:
            return
        guarded = words[i + 1 : i + 4] == ["IF", "NOT", "EXISTS"]
        i += 4 if guarded else 1
        if i < len(tokens):
            key = tokens[i].value.lower()
            if not (guarded and key in self.view_sql):
                self.view_sql[key] = text.strip()


def _first_keyword(text: str) -> str:
    """The first word of a statement, upper-cased ('' when it does not tokenize)."""
    try:
        return tokenize(text)[0].value.upper()
    except Error:
        return ""


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
            self.shell.run_command(line.strip(), where)
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
