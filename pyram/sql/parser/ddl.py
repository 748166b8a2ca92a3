"""SQL parser: CREATE TABLE / INDEX / VIEW / TRIGGER, DROP and ALTER TABLE.

Column definitions carry a declared type (``VARCHAR(20)``, ``DECIMAL(10, 2)``, several words) and
constraints; table constraints follow the columns. Virtual tables and generated columns are
rejected with a clear "not supported" error.

A trigger body is INSERT, UPDATE, DELETE and SELECT statements, each ended by ``;``, between
BEGIN and END. ``RAISE(action[, message])`` is an expression only there: before the WHEN clause
and the body are parsed, each ``RAISE`` followed by ``(`` up to the body's END is turned into a
plain name, so it parses as a function call ``RAISE(ABORT, 'message')`` (its first argument a
column reference spelling the action) that the trigger binder recognises. Elsewhere RAISE stays a
keyword the expression parser refuses.
"""

from __future__ import annotations

from pyram.sql import ast
from pyram.sql import ast_ddl as ddl
from pyram.sql.errors import SqlSyntaxError
from pyram.sql.parser.base import ParserBase
from pyram.sql.tokenizer import TokenKind

__all__ = ["DdlParser"]

_FK_ACTIONS = {
    "CASCADE": ddl.ForeignKeyAction.CASCADE,
    "RESTRICT": ddl.ForeignKeyAction.RESTRICT,
}
_TABLE_CONSTRAINT_START = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")
_DROP_KINDS = {kind.value: kind for kind in ddl.ObjectKind}


class DdlParser(ParserBase):
    """Mixin: CREATE and DROP statements."""

    # Provided by other mixins.
    def parse_type_name(self) -> ast.TypeName:
        """Parse a declared type (expressions mixin)."""
        raise NotImplementedError

    def parse_primary(self) -> ast.SqlExpr:
        """Parse a primary expression (expressions mixin)."""
        raise NotImplementedError

    def parse_indexed_columns(self, context: str) -> tuple[ast.IndexedColumn, ...]:
        """Parse an indexed column list (dml mixin)."""
        raise NotImplementedError

    def parse_conflict_action(self) -> ast.ConflictAction:
        """Parse a conflict resolution keyword (dml mixin)."""
        raise NotImplementedError

    def parse_insert(self, ctes: tuple[ast.Cte, ...] = (), recursive: bool = False) -> ast.Insert:
        """Parse INSERT/REPLACE (dml mixin)."""
        raise NotImplementedError

    def parse_update(self, ctes: tuple[ast.Cte, ...] = (), recursive: bool = False) -> ast.Update:
        """Parse UPDATE (dml mixin)."""
        raise NotImplementedError

    def parse_delete(self, ctes: tuple[ast.Cte, ...] = (), recursive: bool = False) -> ast.Delete:
        """Parse DELETE (dml mixin)."""
        raise NotImplementedError

    def parse_create(self) -> ast.Statement:
        """Parse ``CREATE [TEMP] TABLE|VIEW|TRIGGER ...`` or ``CREATE [UNIQUE] INDEX ...``."""
        create = self.expect_keyword("CREATE")
        temporary = self.accept_keyword("TEMP", "TEMPORARY") is not None
        unique = self.accept_keyword("UNIQUE") is not None
        if self.accept_keyword("INDEX"):
            if temporary:
                self.error("expected TABLE or VIEW after TEMP")
            return self._parse_create_index(create.offset, unique)
        if unique:
            self.error("expected INDEX after UNIQUE")
        if self.accept_keyword("TABLE"):
            return self._parse_create_table(create.offset, temporary)
        if self.accept_keyword("VIEW"):
            return self._parse_create_view(create.offset, temporary)
        if self.accept_keyword("TRIGGER"):
            return self._parse_create_trigger(create.offset, temporary)
        if self.at_keyword("VIRTUAL"):
            self.unsupported(f"CREATE {self.token.value}")
        self.error("expected TABLE, INDEX, VIEW or TRIGGER after CREATE")

    def _parse_if_not_exists(self) -> bool:
        if self.accept_keyword("IF"):
            self.expect_keyword("NOT", "after IF")
            self.expect_keyword("EXISTS", "after IF NOT")
            return True
        return False

    def _parse_create_table(self, offset: int, temporary: bool) -> ddl.CreateTable:
        if_not_exists = self._parse_if_not_exists()
        schema, name = self.parse_qualified_name("table name")
        if self.accept_keyword("AS"):
            return ddl.CreateTable(
                offset=offset,
                name=name,
                schema=schema,
                if_not_exists=if_not_exists,
                temporary=temporary,
                as_select=self.parse_select(),
            )
        self.expect_op("(", "after table name")
        columns: list[ddl.ColumnDef] = []
        constraints: list[ddl.TableConstraint] = []
        while True:
            if constraints or self.at_keyword(*_TABLE_CONSTRAINT_START):
                constraints.append(self._parse_table_constraint())
            else:
                columns.append(self._parse_column_def())
            if self.accept_op(","):
                continue
            if constraints and self.at_keyword(*_TABLE_CONSTRAINT_START):
                continue  # SQLite allows table constraints without separating commas
            break
        if not columns:
            self.error("expected at least one column definition")
        self.expect_op(")", "after column definitions")
        without_rowid = strict = False
        while True:
            if self.accept_keyword("WITHOUT"):
                word = self.parse_name("ROWID")
                if word.upper() != "ROWID":
                    self.error("expected ROWID after WITHOUT", self.tokens[self.pos - 1])
                without_rowid = True
            elif self.at_name() and self.token.value.upper() == "STRICT":
                self.advance()
                strict = True
            else:
                break
            if not self.accept_op(","):
                break
        options = self._parse_table_options() if self.accept_keyword("WITH") else ()
        return ddl.CreateTable(
            offset=offset,
            name=name,
            columns=tuple(columns),
            constraints=tuple(constraints),
            schema=schema,
            if_not_exists=if_not_exists,
            temporary=temporary,
            without_rowid=without_rowid,
            strict=strict,
            options=options,
        )

    def _parse_table_options(self) -> tuple[tuple[str, int | float | str], ...]:
        """``(name = value, ...)`` after ``WITH``: a number, a string or a bare word each."""
        self.expect_op("(", "after WITH")
        options: list[tuple[str, int | float | str]] = []
        while True:
            name = self.parse_name("table option name")
            self.expect_op("=", f"after table option {name}")
            token = self.token
            value: int | float | str
            if token.kind is TokenKind.INTEGER:
                value = int(token.value, 0)
            elif token.kind is TokenKind.REAL:
                value = float(token.value)
            elif token.kind is TokenKind.STRING:
                value = token.value
            elif self.at_name():
                value = self.name_of(token)
            else:
                self.error(f"expected a number, string or word for table option {name}")
            self.advance()
            options.append((name, value))
            if not self.accept_op(","):
                break
        self.expect_op(")", "after table options")
        return tuple(options)

    def _parse_column_def(self) -> ddl.ColumnDef:
        offset = self.token.offset
        name = self.parse_name("column name")
        type_name = None
        if self.at_name() and not self.at_keyword("CONSTRAINT", "GENERATED"):
            type_name = self.parse_type_name()
        constraints: list[ddl.ColumnConstraint] = []
        while True:
            constraint = self._parse_column_constraint()
            if constraint is None:
                break
            constraints.append(constraint)
        return ddl.ColumnDef(
            offset=offset, name=name, type=type_name, constraints=tuple(constraints)
        )

    def _parse_constraint_name(self) -> str | None:
        if self.accept_keyword("CONSTRAINT"):
            return self.parse_name("constraint name")
        return None

    def _parse_on_conflict(self) -> ast.ConflictAction | None:
        if self.at_keyword("ON") and self.peek().value == "CONFLICT":
            self.pos += 2
            return self.parse_conflict_action()
        return None

    def _parse_column_constraint(self) -> ddl.ColumnConstraint | None:
        offset = self.token.offset
        name = self._parse_constraint_name()
        if self.accept_keyword("PRIMARY"):
            self.expect_keyword("KEY", "after PRIMARY")
            descending = True if self.accept_keyword("DESC") else None
            if descending is None and self.accept_keyword("ASC"):
                descending = False
            on_conflict = self._parse_on_conflict()
            autoincrement = self.accept_keyword("AUTOINCREMENT") is not None
            return ddl.PrimaryKeyConstraint(
                offset=offset,
                name=name,
                descending=descending,
                autoincrement=autoincrement,
                on_conflict=on_conflict,
            )
        if self.accept_keyword("NOT"):
            self.expect_keyword("NULL", "after NOT")
            return ddl.NotNullConstraint(
                offset=offset, name=name, on_conflict=self._parse_on_conflict()
            )
        if self.accept_keyword("NULL"):
            return ddl.NullConstraint(offset=offset, name=name)
        if self.accept_keyword("UNIQUE"):
            return ddl.UniqueConstraint(
                offset=offset, name=name, on_conflict=self._parse_on_conflict()
            )
        if self.accept_keyword("CHECK"):
            expr, text = self._parse_check()
            return ddl.CheckConstraint(offset=offset, name=name, expr=expr, text=text)
        if self.accept_keyword("DEFAULT"):
            return ddl.DefaultConstraint(offset=offset, name=name, expr=self._parse_default())
        if self.accept_keyword("COLLATE"):
            collation = self.parse_name("collation name")
            return ddl.CollateConstraint(offset=offset, name=name, collation=collation)
        if self.at_keyword("REFERENCES"):
            references = self._parse_references()
            return ddl.ForeignKeyConstraint(offset=offset, name=name, references=references)
        if self.at_keyword("GENERATED", "AS"):
            self.unsupported("generated columns")
        if name is not None:
            self.error("expected a constraint after CONSTRAINT name")
        return None

    def _parse_check(self) -> tuple[ast.SqlExpr, str]:
        """Parse ``(expr)`` after CHECK; also return the text between the parentheses (kept
        so that the constraint can be written to a file and compiled again)."""
        start = self.token.end
        expr = self._parse_paren_expr()
        return expr, self.sql[start : self.tokens[self.pos - 1].offset].strip()

    def _parse_paren_expr(self) -> ast.SqlExpr:
        self.expect_op("(", "before expression")
        expr = self.parse_expr()
        self.expect_op(")", "after expression")
        return expr

    def _parse_default(self) -> ast.SqlExpr:
        """Parse ``literal | signed-number | (expr)`` after DEFAULT."""
        if self.at_op("("):
            return self._parse_paren_expr()
        token = self.token
        if self.at_op("-", "+"):
            self.advance()
            number = self.token
            if number.kind not in (TokenKind.INTEGER, TokenKind.REAL):
                self.error("expected a number after sign in DEFAULT")
            operand = self.parse_primary()
            op = ast.UnaryOp.NEG if token.value == "-" else ast.UnaryOp.POS
            return ast.Unary(offset=token.offset, op=op, operand=operand)
        literal_kinds = (TokenKind.INTEGER, TokenKind.REAL, TokenKind.STRING, TokenKind.BLOB)
        literal_words = (
            "NULL", "TRUE", "FALSE", "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"
        )  # fmt: skip
        if token.kind in literal_kinds or self.at_keyword(*literal_words):
            return self.parse_primary()
        self.error("expected a literal, a signed number or (expression) after DEFAULT")

    def _parse_references(self) -> ddl.ForeignKeyClause:
        references = self.expect_keyword("REFERENCES")
        table = self.parse_name("table name")
        columns = self.parse_name_list("referenced columns") if self.at_op("(") else ()
        on_delete = on_update = None
        deferrable = False
        while True:
            if self.at_keyword("ON") and self.peek().value in ("DELETE", "UPDATE"):
                self.advance()
                event = self.advance().value
                action = self._parse_fk_action()
                if event == "DELETE":
                    on_delete = action
                else:
                    on_update = action
            elif self.accept_keyword("MATCH"):
                self.parse_name("match type")
            elif self.at_keyword("DEFERRABLE") or (
                self.at_keyword("NOT") and self.peek().value == "DEFERRABLE"
            ):
                deferrable = self.accept_keyword("NOT") is None
                self.advance()
                initially = self.accept_keyword("INITIALLY") is not None
                if initially and self.accept_keyword("DEFERRED") is None:
                    self.expect_keyword("IMMEDIATE", "after INITIALLY")
            else:
                break
        return ddl.ForeignKeyClause(
            offset=references.offset,
            table=table,
            columns=columns,
            on_delete=on_delete,
            on_update=on_update,
            deferrable=deferrable,
        )

    def _parse_fk_action(self) -> ddl.ForeignKeyAction:
        if self.accept_keyword("SET"):
            if self.accept_keyword("NULL"):
                return ddl.ForeignKeyAction.SET_NULL
            self.expect_keyword("DEFAULT", "after SET")
            return ddl.ForeignKeyAction.SET_DEFAULT
        if self.accept_keyword("NO"):
            self.expect_keyword("ACTION", "after NO")
            return ddl.ForeignKeyAction.NO_ACTION
        if self.at_keyword(*_FK_ACTIONS):
            return _FK_ACTIONS[self.advance().value]
        self.error("expected CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION")

    def _parse_table_constraint(self) -> ddl.TableConstraint:
        offset = self.token.offset
        name = self._parse_constraint_name()
        if self.accept_keyword("PRIMARY"):
            self.expect_keyword("KEY", "after PRIMARY")
            columns = self.parse_indexed_columns("primary key columns")
            return ddl.TablePrimaryKey(
                offset=offset, name=name, columns=columns, on_conflict=self._parse_on_conflict()
            )
        if self.accept_keyword("UNIQUE"):
            columns = self.parse_indexed_columns("unique columns")
            return ddl.TableUnique(
                offset=offset, name=name, columns=columns, on_conflict=self._parse_on_conflict()
            )
        if self.accept_keyword("CHECK"):
            expr, text = self._parse_check()
            return ddl.TableCheck(offset=offset, name=name, expr=expr, text=text)
        if self.accept_keyword("FOREIGN"):
            self.expect_keyword("KEY", "after FOREIGN")
            fk_columns = self.parse_name_list("foreign key columns")
            references = self._parse_references()
            return ddl.TableForeignKey(
                offset=offset, name=name, columns=fk_columns, references=references
            )
        self.error("expected PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY")

    def _parse_create_index(self, offset: int, unique: bool) -> ddl.CreateIndex:
        if_not_exists = self._parse_if_not_exists()
        schema, name = self.parse_qualified_name("index name")
        self.expect_keyword("ON", "after index name")
        table = self.parse_name("table name")
        columns = self.parse_indexed_columns("index columns")
        where = self.parse_expr() if self.accept_keyword("WHERE") else None
        return ddl.CreateIndex(
            offset=offset,
            name=name,
            table=table,
            columns=columns,
            schema=schema,
            unique=unique,
            if_not_exists=if_not_exists,
            where=where,
        )

    def _parse_create_view(self, offset: int, temporary: bool) -> ddl.CreateView:
        if_not_exists = self._parse_if_not_exists()
        schema, name = self.parse_qualified_name("view name")
        columns = self.parse_name_list("view columns") if self.at_op("(") else ()
        self.expect_keyword("AS", "after view name")
        return ddl.CreateView(
            offset=offset,
            name=name,
            select=self.parse_select(),
            columns=columns,
            schema=schema,
            if_not_exists=if_not_exists,
            temporary=temporary,
        )

    def _parse_create_trigger(self, offset: int, temporary: bool) -> ddl.CreateTrigger:
        if_not_exists = self._parse_if_not_exists()
        schema, name = self.parse_qualified_name("trigger name")
        timing_offset = self.token.offset
        timing = ddl.TriggerTiming.BEFORE  # SQLite's default
        if self.accept_keyword("BEFORE"):
            pass
        elif self.accept_keyword("AFTER"):
            timing = ddl.TriggerTiming.AFTER
        elif self.accept_keyword("INSTEAD"):
            self.expect_keyword("OF", "after INSTEAD")
            timing = ddl.TriggerTiming.INSTEAD_OF
        if not self.at_keyword("INSERT", "UPDATE", "DELETE"):
            self.error("expected INSERT, UPDATE or DELETE")
        event = ddl.TriggerEvent(self.advance().value)
        columns: list[str] = []
        column_offsets: list[int] = []
        if event is ddl.TriggerEvent.UPDATE and self.accept_keyword("OF"):
            while True:
                column_offsets.append(self.token.offset)
                columns.append(self.parse_name("column name"))
                if not self.accept_op(","):
                    break
        self.expect_keyword("ON", "after the trigger event")
        table_offset = self.token.offset
        table = self.parse_name("table name")
        if self.accept_keyword("FOR"):
            self.expect_keyword("EACH", "after FOR")
            if not self.at_keyword("ROW"):
                self.unsupported("FOR EACH STATEMENT (triggers are FOR EACH ROW)")
            self.advance()
        self._prepare_trigger_tokens()
        when = self.parse_expr() if self.accept_keyword("WHEN") else None
        self.expect_keyword("BEGIN", "before the trigger body")
        body: list[ast.Statement] = []
        while not self.at_keyword("END") or not body:
            body.append(self._parse_trigger_step())
            self.expect_op(";", "after a statement of the trigger body")
        self.expect_keyword("END", "after the trigger body")
        return ddl.CreateTrigger(
            offset=offset,
            name=name,
            table=table,
            event=event,
            body=tuple(body),
            timing=timing,
            columns=tuple(columns),
            when=when,
            schema=schema,
            if_not_exists=if_not_exists,
            temporary=temporary,
            table_offset=table_offset,
            column_offsets=tuple(column_offsets),
            timing_offset=timing_offset,
        )

    def _prepare_trigger_tokens(self) -> None:
        """From the cursor to the END closing the trigger body: make ``RAISE (`` a name, so it
        parses as a function call, and refuse parameters (a trigger runs with none)."""
        tokens = self.tokens
        depth = 0  # CASE ... END nesting
        for i in range(self.pos, len(tokens) - 1):
            token = tokens[i]
            if token.kind is TokenKind.PARAMETER:
                raise SqlSyntaxError("a trigger cannot use parameters", self.sql, token.offset)
            if token.kind is not TokenKind.KEYWORD:
                continue
            if token.value == "CASE":
                depth += 1
            elif token.value == "END":
                if depth == 0:
                    return
                depth -= 1
            elif token.value == "RAISE" and tokens[i + 1].value == "(":
                tokens[i] = token._replace(kind=TokenKind.IDENTIFIER)

    def _parse_trigger_step(self) -> ast.Statement:
        """One statement of a trigger body: INSERT, UPDATE, DELETE or SELECT."""
        if self.at_keyword("SELECT", "VALUES"):
            return self.parse_select()
        if self.at_keyword("INSERT", "REPLACE"):
            return self.parse_insert()
        if self.at_keyword("UPDATE"):
            return self.parse_update()
        if self.at_keyword("DELETE"):
            return self.parse_delete()
        if self.at_keyword("WITH"):
            self.unsupported("WITH in a trigger body")
        self.error("expected INSERT, UPDATE, DELETE or SELECT in the trigger body")

    def parse_drop(self) -> ddl.Drop:
        """Parse ``DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] [schema.]name``."""
        drop = self.expect_keyword("DROP")
        if not self.at_keyword(*_DROP_KINDS):
            self.error("expected TABLE, INDEX, VIEW or TRIGGER after DROP")
        kind = _DROP_KINDS[self.advance().value]
        if_exists = False
        if self.accept_keyword("IF"):
            self.expect_keyword("EXISTS", "after IF")
            if_exists = True
        schema, name = self.parse_qualified_name(f"{kind.value.lower()} name")
        return ddl.Drop(
            offset=drop.offset, kind=kind, name=name, schema=schema, if_exists=if_exists
        )

    def parse_alter(self) -> ddl.AlterTable:
        """Parse ``ALTER TABLE [schema.]name ADD [COLUMN] def | DROP [COLUMN] name |
        RENAME [COLUMN] name TO new | RENAME TO new``."""
        alter = self.expect_keyword("ALTER")
        self.expect_keyword("TABLE", "after ALTER")
        schema, table = self.parse_qualified_name("table name")
        if self.accept_keyword("ADD"):
            self.accept_keyword("COLUMN")
            column = self._parse_column_def()
            return ddl.AlterTable(
                offset=alter.offset, table=table, schema=schema,
                action=ddl.AlterAction.ADD_COLUMN, column=column, name=column.name,
                name_offset=column.offset,
            )  # fmt: skip
        if self.accept_keyword("DROP"):
            self.accept_keyword("COLUMN")
            name_offset = self.token.offset
            name = self.parse_name("column name")
            return ddl.AlterTable(
                offset=alter.offset, table=table, schema=schema,
                action=ddl.AlterAction.DROP_COLUMN, name=name, name_offset=name_offset,
            )  # fmt: skip
        if self.accept_keyword("RENAME"):
            if self.accept_keyword("TO"):
                new_offset = self.token.offset
                new_name = self.parse_name("new table name")
                return ddl.AlterTable(
                    offset=alter.offset, table=table, schema=schema,
                    action=ddl.AlterAction.RENAME_TABLE, new_name=new_name,
                    name_offset=new_offset,
                )  # fmt: skip
            self.accept_keyword("COLUMN")
            name_offset = self.token.offset
            name = self.parse_name("column name")
            self.expect_keyword("TO", "after the column name")
            new_name = self.parse_name("new column name")
            return ddl.AlterTable(
                offset=alter.offset, table=table, schema=schema,
                action=ddl.AlterAction.RENAME_COLUMN, name=name, new_name=new_name,
                name_offset=name_offset,
            )  # fmt: skip
        self.error("expected ADD, DROP or RENAME after the table name")
