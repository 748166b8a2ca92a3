"""SQL parser: BEGIN, COMMIT/END, ROLLBACK [TO], SAVEPOINT, RELEASE."""

from __future__ import annotations

from pyram.sql import ast
from pyram.sql.parser.base import ParserBase

__all__ = ["TransactionParser"]

_MODES = {mode.value: mode for mode in ast.TransactionMode}


class TransactionParser(ParserBase):
    """Mixin: transaction control statements."""

    def parse_begin(self) -> ast.Begin:
        """Parse ``BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION]``."""
        begin = self.expect_keyword("BEGIN")
        mode = _MODES[self.advance().value] if self.at_keyword(*_MODES) else None
        self.accept_keyword("TRANSACTION")
        return ast.Begin(offset=begin.offset, mode=mode)

    def parse_commit(self) -> ast.Commit:
        """Parse ``COMMIT [TRANSACTION]`` or ``END [TRANSACTION]``."""
        token = self.advance()
        self.accept_keyword("TRANSACTION")
        return ast.Commit(offset=token.offset)

    def parse_rollback(self) -> ast.Rollback:
        """Parse ``ROLLBACK [TRANSACTION] [TO [SAVEPOINT] name]``."""
        rollback = self.expect_keyword("ROLLBACK")
        self.accept_keyword("TRANSACTION")
        savepoint = None
        if self.accept_keyword("TO"):
            self.accept_keyword("SAVEPOINT")
            savepoint = self.parse_name("savepoint name")
        return ast.Rollback(offset=rollback.offset, savepoint=savepoint)

    def parse_savepoint(self) -> ast.Savepoint:
        """Parse ``SAVEPOINT name``."""
        token = self.expect_keyword("SAVEPOINT")
        return ast.Savepoint(offset=token.offset, name=self.parse_name("savepoint name"))

    def parse_release(self) -> ast.Release:
        """Parse ``RELEASE [SAVEPOINT] name``."""
        token = self.expect_keyword("RELEASE")
        self.accept_keyword("SAVEPOINT")
        return ast.Release(offset=token.offset, name=self.parse_name("savepoint name"))
