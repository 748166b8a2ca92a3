"""Encoding a statement's outcome as backend messages: RowDescription, DataRows, the tag.

Encoding runs on the session's thread (it is CPU work proportional to the rows), so the event
loop only writes finished bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyram.server import messages as m
from pyram.server.outcome import Outcome
from pyram.server.pgtypes import WireType, wire_type

__all__ = ["Encoder", "Layout", "result_formats"]

#: each column's wire type, and whether it is sent in binary
Layout = tuple[list[WireType], list[bool]]


def result_formats(codes: Sequence[int], count: int) -> list[bool]:
    """Whether each of ``count`` columns is sent in binary, from Bind's format codes
    (none: all text; one: all the same; else one per column)."""
    if not codes:
        return [False] * count
    if len(codes) == 1:
        return [codes[0] == 1] * count
    if len(codes) != count:
        raise m.ProtocolViolation(
            f"bind message has {len(codes)} result formats but query has {count} columns"
        )
    return [c == 1 for c in codes]


class Encoder:
    """Turns an outcome's rows into DataRow messages in the requested formats."""

    def __init__(
        self,
        outcome: Outcome,
        formats: Sequence[int] = (),
        layout: Layout | None = None,
        description: bytes | None = None,
    ) -> None:
        self.outcome = outcome
        if layout is None:
            layout = self.layout(outcome, formats)
        self.wire, self.binary = layout
        self._description = description  #: RowDescription made already (a prepared statement's)
        self.sent = 0  #: rows encoded so far (a portal resumes from here)

    @staticmethod
    def layout(outcome: Outcome, formats: Sequence[int]) -> Layout:
        """Each column's wire type and whether it is sent in binary (a prepared statement
        keeps its layout: it is the same on every run)."""
        wire = [wire_type(t) for t in outcome.types]
        return wire, result_formats(formats, len(outcome.columns))

    def description(self) -> bytes:
        """RowDescription (or NoData for a statement without rows)."""
        if self._description is not None:
            return self._description
        if not self.outcome.is_query:
            return m.NO_DATA
        fields = [
            (name, w.oid, w.size, 1 if b else 0)
            for name, w, b in zip(self.outcome.columns, self.wire, self.binary, strict=True)
        ]
        return m.row_description(fields)

    def rows(self, limit: int = 0) -> tuple[bytes, bool]:
        """DataRows of the next ``limit`` rows (0: all); True when rows remain after them."""
        rows = self.outcome.rows
        end = len(rows) if limit <= 0 else min(len(rows), self.sent + limit)
        pieces = [self._row(rows[i]) for i in range(self.sent, end)]
        self.sent = end
        return b"".join(pieces), end < len(rows)

    def _row(self, row: tuple[Any, ...]) -> bytes:
        return m.data_row(
            None if value is None else w.encode(value, b)
            for value, w, b in zip(row, self.wire, self.binary, strict=True)
        )

    def complete(self) -> bytes:
        """CommandComplete (a query's tag counts the rows sent, as PostgreSQL's does)."""
        tag = self.outcome.tag
        if self.outcome.is_query and tag.startswith("SELECT"):
            tag = f"SELECT {self.sent}"
        return m.command_complete(tag)

    def everything(self) -> bytes:
        """RowDescription, every DataRow and CommandComplete (the simple query protocol)."""
        head = self.description() if self.outcome.is_query else b""
        body, _ = self.rows()
        return head + body + self.complete()
