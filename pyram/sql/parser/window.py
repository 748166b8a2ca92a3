"""SQL parser: window definitions (``OVER (...)``, the ``WINDOW`` clause) and frames.

``( [base] [PARTITION BY expr, ...] [ORDER BY term, ...] [frame] )`` where a frame is
``ROWS|RANGE|GROUPS {bound | BETWEEN bound AND bound} [EXCLUDE NO OTHERS|CURRENT ROW|GROUP|TIES]``
and a bound ``UNBOUNDED PRECEDING``, ``n PRECEDING``, ``CURRENT ROW``, ``n FOLLOWING`` or
``UNBOUNDED FOLLOWING`` (SQLite's grammar). Which bound pairs make sense is the binder's
concern.
"""

from __future__ import annotations

from pyram.sql import ast
from pyram.sql.parser.base import ParserBase

__all__ = ["WindowParser"]

_CLAUSE_START = ("PARTITION", "ORDER", "ROWS", "RANGE", "GROUPS")
_EXCLUDES = {"GROUP": "group", "TIES": "ties"}


class WindowParser(ParserBase):
    """Mixin: window definitions and the WINDOW clause."""

    def parse_window_def(self) -> ast.WindowDef:
        """Parse ``(definition)`` from its opening parenthesis."""
        open_token = self.expect_op("(", "to start a window definition")
        base = None
        if self.at_name() and not self.at_keyword(*_CLAUSE_START):
            base = self.parse_name("window name")
        partition: list[ast.SqlExpr] = []
        if self.accept_keyword("PARTITION"):
            self.expect_keyword("BY", "after PARTITION")
            partition.append(self.parse_expr())
            while self.accept_op(","):
                partition.append(self.parse_expr())
        order: tuple[ast.OrderingTerm, ...] = ()
        if self.accept_keyword("ORDER"):
            self.expect_keyword("BY", "after ORDER")
            order = self.parse_ordering_terms()
        frame = self._parse_frame() if self.at_keyword("ROWS", "RANGE", "GROUPS") else None
        self.expect_op(")", "to end the window definition")
        return ast.WindowDef(
            offset=open_token.offset,
            base=base,
            partition_by=tuple(partition),
            order_by=order,
            frame=frame,
        )

    def parse_window_clause(self) -> tuple[ast.NamedWindow, ...]:
        """Parse ``name AS (definition), ...`` after the WINDOW keyword."""
        windows = []
        while True:
            token = self.token
            name = self.parse_name("window name")
            self.expect_keyword("AS", "after the window name")
            windows.append(
                ast.NamedWindow(offset=token.offset, name=name, window=self.parse_window_def())
            )
            if not self.accept_op(","):
                return tuple(windows)

    def _parse_frame(self) -> ast.FrameSpec:
        unit_token = self.advance()
        if self.accept_keyword("BETWEEN"):
            start = self._parse_bound()
            self.expect_keyword("AND", "between frame bounds")
            end = self._parse_bound()
        else:
            start = self._parse_bound()
            end = ast.FrameBoundSpec(offset=start.offset, kind="current_row")
        exclude = "no_others"
        if self.accept_keyword("EXCLUDE"):
            if self.accept_keyword("NO"):
                self.expect_keyword("OTHERS", "after EXCLUDE NO")
            elif self.accept_keyword("CURRENT"):
                self.expect_keyword("ROW", "after EXCLUDE CURRENT")
                exclude = "current_row"
            elif self.at_keyword(*_EXCLUDES):
                exclude = _EXCLUDES[self.advance().value]
            else:
                self.error("expected NO OTHERS, CURRENT ROW, GROUP or TIES after EXCLUDE")
        return ast.FrameSpec(
            offset=unit_token.offset,
            unit=unit_token.value.lower(),
            start=start,
            end=end,
            exclude=exclude,
        )

    def _parse_bound(self) -> ast.FrameBoundSpec:
        token = self.token
        if self.accept_keyword("UNBOUNDED"):
            if self.accept_keyword("PRECEDING"):
                return ast.FrameBoundSpec(offset=token.offset, kind="unbounded_preceding")
            self.expect_keyword("FOLLOWING", "after UNBOUNDED")
            return ast.FrameBoundSpec(offset=token.offset, kind="unbounded_following")
        if self.accept_keyword("CURRENT"):
            self.expect_keyword("ROW", "after CURRENT")
            return ast.FrameBoundSpec(offset=token.offset, kind="current_row")
        amount = self.parse_expr()
        if self.accept_keyword("PRECEDING"):
            return ast.FrameBoundSpec(offset=token.offset, kind="preceding", amount=amount)
        self.expect_keyword("FOLLOWING", "after a frame offset")
        return ast.FrameBoundSpec(offset=token.offset, kind="following", amount=amount)
