"""SQL parser: INSERT (with upsert), UPDATE and DELETE.

``INSERT [OR action] INTO t [(cols)] VALUES ... | SELECT ... | DEFAULT VALUES`` followed by
``ON CONFLICT [(cols) [WHERE ...]] DO NOTHING | DO UPDATE SET ... [WHERE ...]`` clauses;
``REPLACE INTO`` is ``INSERT OR REPLACE``. A leading WITH clause is read by the statement
dispatcher and handed in.
"""

from __future__ import annotations

from pyram.sql import ast
from pyram.sql.parser.base import ParserBase
from pyram.sql.tokenizer import TokenKind

__all__ = ["DmlParser"]

_CONFLICT_ACTIONS = {action.value: action for action in ast.ConflictAction}


class DmlParser(ParserBase):
    """Mixin: INSERT, UPDATE, DELETE."""

    def parse_indexed_columns(self, context: str) -> tuple[ast.IndexedColumn, ...]:
        """Parse ``(expr [COLLATE c] [ASC|DESC], ...)`` as in indexes and keys."""
        self.expect_op("(", context)
        columns = [self._parse_indexed_column()]
        while self.accept_op(","):
            columns.append(self._parse_indexed_column())
        self.expect_op(")", f"after {context}")
        return tuple(columns)

    def _parse_indexed_column(self) -> ast.IndexedColumn:
        offset = self.token.offset
        expr = self.parse_expr()
        collation = None
        if isinstance(expr, ast.Collate):
            collation = expr.collation
            expr = expr.operand
        descending: bool | None = None
        if self.accept_keyword("DESC"):
            descending = True
        elif self.accept_keyword("ASC"):
            descending = False
        return ast.IndexedColumn(
            offset=offset, expr=expr, collation=collation, descending=descending
        )

    def parse_conflict_action(self) -> ast.ConflictAction:
        """Parse one of ROLLBACK, ABORT, FAIL, IGNORE, REPLACE."""
        token = self.token
        action = _CONFLICT_ACTIONS.get(token.value) if token.kind is TokenKind.KEYWORD else None
        if action is None:
            self.error("expected ROLLBACK, ABORT, FAIL, IGNORE or REPLACE")
        self.advance()
        return action

    def _parse_or_action(self) -> ast.ConflictAction | None:
        if self.accept_keyword("OR"):
            return self.parse_conflict_action()
        return None

    def parse_insert(self, ctes: tuple[ast.Cte, ...] = (), recursive: bool = False) -> ast.Insert:
        """Parse INSERT/REPLACE (the WITH clause, if any, has already been read)."""
        first = self.token
        if self.accept_keyword("REPLACE"):
            or_action: ast.ConflictAction | None = ast.ConflictAction.REPLACE
        else:
            self.expect_keyword("INSERT")
            or_action = self._parse_or_action()
        self.expect_keyword("INTO", "after INSERT")
        schema, table = self.parse_qualified_name("table name")
        alias = self.parse_name("alias") if self.accept_keyword("AS") else None
        columns = self.parse_name_list("column list") if self.at_op("(") else ()
        source: ast.Values | ast.Select | ast.DefaultValues
        if self.at_keyword("DEFAULT"):
            default_token = self.advance()
            self.expect_keyword("VALUES", "after DEFAULT")
            source = ast.DefaultValues(offset=default_token.offset)
        elif self.at_keyword("SELECT", "VALUES", "WITH"):
            source = self.parse_select()
            plain = not (source.ctes or source.order_by) and source.limit is None
            if plain and isinstance(source.body, ast.Values):
                source = source.body  # plain VALUES rows, no ORDER BY/LIMIT/compound
        else:
            self.error("expected VALUES, SELECT or DEFAULT VALUES")
        upserts: list[ast.OnConflict] = []
        while self.at_keyword("ON"):
            upserts.append(self._parse_upsert())
        self._reject_returning()
        return ast.Insert(
            offset=first.offset,
            table=table,
            source=source,
            schema=schema,
            alias=alias,
            columns=columns,
            or_action=or_action,
            on_conflict=tuple(upserts),
            ctes=ctes,
            recursive=recursive,
        )

    def _parse_upsert(self) -> ast.OnConflict:
        on_token = self.expect_keyword("ON")
        self.expect_keyword("CONFLICT", "after ON")
        columns: tuple[ast.IndexedColumn, ...] = ()
        target_where = None
        if self.at_op("("):
            columns = self.parse_indexed_columns("conflict target")
            target_where = self.parse_expr() if self.accept_keyword("WHERE") else None
        self.expect_keyword("DO", "after ON CONFLICT")
        if self.accept_keyword("NOTHING"):
            return ast.OnConflict(
                offset=on_token.offset, columns=columns, target_where=target_where
            )
        self.expect_keyword("UPDATE", "after DO")
        self.expect_keyword("SET", "after DO UPDATE")
        assignments = self.parse_assignments()
        where = self.parse_expr() if self.accept_keyword("WHERE") else None
        return ast.OnConflict(
            offset=on_token.offset,
            columns=columns,
            target_where=target_where,
            do_nothing=False,
            assignments=assignments,
            where=where,
        )

    def parse_assignments(self) -> tuple[ast.Assignment, ...]:
        """Parse ``column = expr, ...``."""
        assignments = [self._parse_assignment()]
        while self.accept_op(","):
            assignments.append(self._parse_assignment())
        return tuple(assignments)

    def _parse_assignment(self) -> ast.Assignment:
        token = self.token
        if self.at_op("("):
            self.unsupported("assigning a column list")
        column = self.parse_name("column name")
        self.expect_op("=", "after column name in SET")
        return ast.Assignment(offset=token.offset, column=column, value=self.parse_expr())

    def parse_update(self, ctes: tuple[ast.Cte, ...] = (), recursive: bool = False) -> ast.Update:
        """Parse ``UPDATE [OR action] t [AS alias] SET ... [WHERE ...]``."""
        first = self.expect_keyword("UPDATE")
        or_action = self._parse_or_action()
        schema, table, alias = self._parse_target()
        self.expect_keyword("SET", "in UPDATE")
        assignments = self.parse_assignments()
        if self.at_keyword("FROM"):
            self.unsupported("UPDATE ... FROM")
        where = self._parse_where_tail("UPDATE")
        return ast.Update(
            offset=first.offset,
            table=table,
            assignments=assignments,
            schema=schema,
            alias=alias,
            where=where,
            or_action=or_action,
            ctes=ctes,
            recursive=recursive,
        )

    def parse_delete(self, ctes: tuple[ast.Cte, ...] = (), recursive: bool = False) -> ast.Delete:
        """Parse ``DELETE FROM t [AS alias] [WHERE ...]``."""
        first = self.expect_keyword("DELETE")
        self.expect_keyword("FROM", "after DELETE")
        schema, table, alias = self._parse_target()
        where = self._parse_where_tail("DELETE")
        return ast.Delete(
            offset=first.offset,
            table=table,
            schema=schema,
            alias=alias,
            where=where,
            ctes=ctes,
            recursive=recursive,
        )

    def _parse_target(self) -> tuple[str | None, str, str | None]:
        """``[schema.]table [AS alias] [INDEXED BY name | NOT INDEXED]`` of UPDATE/DELETE."""
        schema, table = self.parse_qualified_name("table name")
        alias = self.parse_name("alias") if self.accept_keyword("AS") else None
        self._skip_index_hint()
        return schema, table, alias

    def _parse_where_tail(self, statement: str) -> ast.SqlExpr | None:
        """``[WHERE expr]``, then refuse RETURNING and ORDER BY/LIMIT (not supported)."""
        where = self.parse_expr() if self.accept_keyword("WHERE") else None
        self._reject_returning()
        if self.at_keyword("ORDER", "LIMIT"):
            self.unsupported(f"{self.token.value} in {statement}")
        return where

    def _skip_index_hint(self) -> None:
        """Skip ``INDEXED BY name`` / ``NOT INDEXED``: hints that do not change results."""
        if self.accept_keyword("INDEXED"):
            self.expect_keyword("BY", "after INDEXED")
            self.parse_name("index name")
        elif self.at_keyword("NOT") and self.peek().value == "INDEXED":
            self.pos += 2

    def _reject_returning(self) -> None:
        if self.at_keyword("RETURNING"):
            self.unsupported("RETURNING")
