"""Split SQL text into complete statements, fed line by line.

A statement is complete when a ``;`` appears outside string literals, quoted identifiers and
comments (SQLite's rule, as its shell applies it). :class:`StatementSplitter` scans each chunk
once, keeping its state (inside a string, a block comment, ...) between chunks, so an interactive
shell can tell "run this now" from "show the continuation prompt" without ever running half a
statement.

>>> splitter = StatementSplitter()
>>> splitter.feed("SELECT 'a;b'; SELECT\\n")
[Statement(text="SELECT 'a;b';", line=1, column=1)]
>>> splitter.pending
True
>>> splitter.feed("2;\\n")
[Statement(text='SELECT\\n2;', line=1, column=15)]
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Statement", "StatementSplitter", "split_statements"]

_CLOSERS = {"'": "'", '"': '"', "`": "`", "[": "]"}


class Statement(NamedTuple):
    """One complete statement and where it starts in the text fed so far.

    Attributes:
        text: the statement, from its first significant character through its ``;`` (or to
            the end of the input for the final statement of :meth:`StatementSplitter.finish`).
        line: 1-based line of the first character.
        column: 1-based column of the first character.
    """

    text: str
    line: int
    column: int


class StatementSplitter:
    """Incremental statement splitter (strings, quoted names and comments aware)."""

    def __init__(self) -> None:
        self._buffer: list[str] = []
        self._quote = ""  # closing character of the open quoted form, or ""
        self._comment = ""  # "--" or "/*" while inside a comment
        self._significant = False  # the buffer holds more than whitespace and comments
        self._start = (1, 1)  # position of the buffer's first significant character
        self._line = 1
        self._column = 1
        # words outside strings and comments, so a trigger body's ";" does not end the
        # CREATE TRIGGER (sqlite3_complete's rule: it ends at a ";" right after END)
        self._word: list[str] = []
        self._head: list[str] = []  # the statement's first three words, upper-cased
        self._last_word = ""

    @property
    def pending(self) -> bool:
        """True while an unfinished statement (not just blanks or comments) is buffered."""
        return self._significant

    @property
    def in_comment_or_string(self) -> bool:
        """True while a string, quoted identifier or block comment is open."""
        return bool(self._quote) or self._comment == "/*"

    @property
    def line(self) -> int:
        """The 1-based line the next character fed will be on."""
        return self._line

    def reset(self) -> None:
        """Drop whatever is buffered (e.g. on Ctrl-C); line numbering goes on."""
        self._buffer.clear()
        self._quote = ""
        self._comment = ""
        self._significant = False
        self._forget_words()

    def feed(self, chunk: str) -> list[Statement]:
        """Scan ``chunk`` and return the statements it completes, in order."""
        done: list[Statement] = []
        i, n = 0, len(chunk)
        while i < n:
            ch = chunk[i]
            nxt = chunk[i + 1] if i + 1 < n else ""
            step = 1
            code = not (self._comment or self._quote)  # this character is outside both
            if self._comment == "--":
                if ch == "\n":
                    self._comment = ""
            elif self._comment == "/*":
                if ch == "*" and nxt == "/":
                    self._comment, step = "", 2
            elif self._quote:
                if ch == self._quote:
                    if nxt == self._quote and self._quote != "]":
                        step = 2  # a doubled quote stays inside the literal
                    else:
                        self._quote = ""
            elif ch == "-" and nxt == "-":
                self._comment, step = "--", 2
            elif ch == "/" and nxt == "*":
                self._comment, step = "/*", 2
            elif not ch.isspace():
                if not self._significant:
                    self._significant = True
                    self._buffer.clear()
                    self._start = (self._line, self._column)
                if ch in _CLOSERS:
                    self._quote = _CLOSERS[ch]
            if code:
                self._track_word(ch)
            piece = chunk[i : i + step]
            if self._significant:
                self._buffer.append(piece)
            self._advance(piece)
            i += step
            if ch == ";" and code and step == 1 and not self._in_trigger_body():
                done.append(Statement("".join(self._buffer), *self._start))
                self._buffer.clear()
                self._significant = False
                self._forget_words()
        return done

    def _track_word(self, ch: str) -> None:
        if ch.isalnum() or ch == "_":
            self._word.append(ch)
        elif self._word:
            word = "".join(self._word).upper()
            self._word.clear()
            if len(self._head) < 3:
                self._head.append(word)
            self._last_word = word

    def _in_trigger_body(self) -> bool:
        """A CREATE TRIGGER whose last word is not yet END: its ";" separate body statements."""
        head = self._head
        if head[:1] != ["CREATE"]:
            return False
        trigger = head[1:2] == ["TRIGGER"] or (
            head[1:2] in (["TEMP"], ["TEMPORARY"]) and head[2:3] == ["TRIGGER"]
        )
        return trigger and self._last_word != "END"

    def _forget_words(self) -> None:
        self._word.clear()
        self._head.clear()
        self._last_word = ""

    def finish(self) -> Statement | None:
        """The unterminated final statement (input ended without ``;``), if any; resets."""
        if not self._significant:
            self.reset()
            return None
        statement = Statement("".join(self._buffer).rstrip(), *self._start)
        self.reset()
        return statement

    def _advance(self, piece: str) -> None:
        for ch in piece:
            if ch == "\n":
                self._line += 1
                self._column = 1
            else:
                self._column += 1


def split_statements(text: str) -> list[Statement]:
    """Every statement of ``text``, the last one even without its ``;``."""
    splitter = StatementSplitter()
    statements = splitter.feed(text)
    last = splitter.finish()
    if last is not None:
        statements.append(last)
    return statements
