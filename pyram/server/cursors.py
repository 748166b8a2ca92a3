"""SQL-level cursors: ``DECLARE name CURSOR FOR query``, ``FETCH``, ``MOVE``, ``CLOSE``.

psycopg's server-side cursors use these. The query runs at DECLARE (PyRAM materialises a
result anyway) and FETCH hands out slices of its rows. A cursor without ``WITH HOLD`` ends
with its transaction, as in PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from pyram.server.outcome import Outcome
from pyram.server.sqlstate import ServerError

__all__ = ["Cursors", "parse_declare", "parse_fetch"]

_DECLARE: Final = re.compile(
    r"DECLARE\s+(?P<name>\"[^\"]+\"|\w+)\s+(?P<opts>(?:\w+\s+)*?)CURSOR\s+"
    r"(?:(?P<hold>WITH|WITHOUT)\s+HOLD\s+)?FOR\s+(?P<query>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_FETCH: Final = re.compile(
    r"(?P<verb>FETCH|MOVE)\s+(?:(?P<dir>NEXT|FORWARD|ALL|ABSOLUTE|RELATIVE|FIRST|LAST|PRIOR|"
    r"BACKWARD)\s+)?(?P<count>ALL|-?\d+)?\s*(?:FROM|IN)?\s*(?P<name>\"[^\"]+\"|\w+)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


@attrs.define
class _Cursor:
    outcome: Outcome
    hold: bool
    position: int = 0


def parse_declare(text: str) -> tuple[str, str, bool, bool]:
    """(name, query, binary, with hold) of a DECLARE statement.

    Raises:
        ServerError: 42601, not a DECLARE ... CURSOR FOR statement.
    """
    match = _DECLARE.match(text.strip().rstrip(";"))
    if match is None:
        raise ServerError(f"syntax error in DECLARE: {text!r}", "42601")
    options = match.group("opts").upper().split()
    hold = (match.group("hold") or "").upper() == "WITH"
    return match.group("name").strip('"'), match.group("query"), "BINARY" in options, hold


def parse_fetch(text: str) -> tuple[str, str, int | None]:
    """(verb, cursor name, row count or None for ALL) of a FETCH or MOVE statement.

    Raises:
        ServerError: 42601 a malformed statement; 0A000 a backward or absolute fetch.
    """
    match = _FETCH.match(text.strip())
    if match is None:
        raise ServerError(f"syntax error in FETCH: {text!r}", "42601")
    direction = (match.group("dir") or "FORWARD").upper()
    if direction not in ("NEXT", "FORWARD", "ALL"):
        raise ServerError(f"FETCH {direction} is not supported (cursors scroll forward)", "0A000")
    count_text = (match.group("count") or ("ALL" if direction == "ALL" else "1")).upper()
    count = None if count_text == "ALL" else int(count_text)
    if count is not None and count < 0:
        raise ServerError("FETCH backward is not supported (cursors scroll forward)", "0A000")
    return match.group("verb").upper(), match.group("name").strip('"'), count


class Cursors:
    """The open cursors of one session."""

    def __init__(self) -> None:
        self._open: dict[str, _Cursor] = {}

    def declare(self, name: str, outcome: Outcome, hold: bool) -> None:
        """Open a cursor over a query's outcome.

        Raises:
            ServerError: 42P03, a cursor of that name is open.
        """
        if name in self._open:
            raise ServerError(f'cursor "{name}" already exists', "42P03")
        self._open[name] = _Cursor(outcome, hold)

    def find(self, name: str) -> Outcome | None:
        """The outcome of an open cursor (its columns describe it), or None."""
        cursor = self._open.get(name)
        return None if cursor is None else cursor.outcome

    def fetch(self, verb: str, name: str, count: int | None) -> Outcome:
        """The next ``count`` rows (None: all) of a cursor, or move past them (MOVE)."""
        cursor = self._open.get(name)
        if cursor is None:
            raise ServerError(f'cursor "{name}" does not exist', "34000")
        rows = cursor.outcome.rows
        start = cursor.position
        end = len(rows) if count is None else min(len(rows), start + count)
        cursor.position = end
        if verb == "MOVE":
            return Outcome(f"MOVE {end - start}")
        out = cursor.outcome
        return Outcome(f"FETCH {end - start}", out.columns, out.types, rows[start:end])

    def close(self, name: str) -> None:
        """CLOSE one cursor, or every one (``ALL``)."""
        if name.upper() == "ALL":
            self._open.clear()
        elif self._open.pop(name, None) is None:
            raise ServerError(f'cursor "{name}" does not exist', "34000")

    def transaction_ended(self) -> None:
        """Close the cursors not declared WITH HOLD."""
        self._open = {k: c for k, c in self._open.items() if c.hold}
