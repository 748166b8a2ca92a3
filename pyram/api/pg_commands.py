"""Running the PostgreSQL dialect's session statements (``SHOW``, ``SET``, ``RESET``,
``DISCARD``, ``SET TRANSACTION``) against one session's :class:`~pyram.sql.pg_settings.PgSettings`.

A transaction's isolation level is fixed when it starts in PyRAM: ``SET TRANSACTION ISOLATION
LEVEL`` inside a transaction is accepted when it names the level the transaction already has
(PyRAM's default, serializable, is PostgreSQL's strictest), and is otherwise an error asking
for ``BEGIN ISOLATION LEVEL ...``; outside a transaction it does nothing (as in PostgreSQL).
"""

from __future__ import annotations

from pyram.api.result import SqlResult
from pyram.errors import ProgrammingError
from pyram.sql import ast, ast_pg
from pyram.sql.pg_settings import PgSettings, isolation_name
from pyram.storage import Store
from pyram.types import TEXT

__all__ = ["PG_STATEMENTS", "run_pg_statement"]

#: The statements :func:`run_pg_statement` runs.
PG_STATEMENTS = (
    ast_pg.ShowSetting,
    ast_pg.SetSetting,
    ast_pg.ResetSetting,
    ast_pg.SetTransaction,
    ast_pg.Discard,
)


def run_pg_statement(stmt: ast.Statement, settings: PgSettings, store: Store) -> SqlResult:
    """Run one of :data:`PG_STATEMENTS` for the session whose settings are ``settings``.

    Raises:
        ProgrammingError: an unknown setting or a value PyRAM cannot honour.
    """
    if isinstance(stmt, ast_pg.ShowSetting):
        if stmt.name == "all":
            rows = [(k, v, "") for k, v in sorted(settings.snapshot().items())]
            return SqlResult(("name", "setting", "description"), (TEXT,) * 3, rows)
        return SqlResult((stmt.name,), (TEXT,), [(settings.show(stmt.name),)])
    if isinstance(stmt, ast_pg.SetSetting):
        if stmt.name == "transaction_isolation" and stmt.value is not None:
            _set_transaction(settings, store, stmt.value, None)
        else:
            settings.set(stmt.name, stmt.value)
    elif isinstance(stmt, ast_pg.ResetSetting):
        settings.reset(stmt.name)
    elif isinstance(stmt, ast_pg.SetTransaction):
        if stmt.session:
            if stmt.isolation is not None:
                settings.set("default_transaction_isolation", stmt.isolation)
            if stmt.read_only is not None:
                settings.set("default_transaction_read_only", "on" if stmt.read_only else "off")
        else:
            _set_transaction(settings, store, stmt.isolation, stmt.read_only)
    elif isinstance(stmt, ast_pg.Discard):
        if stmt.what != "all" and stmt.what not in ("plans", "sequences", "temp", "temporary"):
            raise ProgrammingError(f"DISCARD {stmt.what.upper()} is not supported")
        if stmt.what == "all":
            if store.in_transaction:
                raise ProgrammingError("DISCARD ALL cannot run inside a transaction block")
            settings.reset("all")
    return SqlResult()


def _set_transaction(
    settings: PgSettings, store: Store, level: str | None, read_only: bool | None
) -> None:
    if not store.in_transaction:
        return  # PostgreSQL warns and ignores it
    current = store.isolation
    if level is not None and current is not None and isolation_name(level) != isolation_name(
        current
    ):
        raise ProgrammingError(
            f"this transaction is {isolation_name(current)}: PyRAM fixes the isolation level "
            "when a transaction starts; use BEGIN ISOLATION LEVEL ..."
        )
    if read_only is not None:
        store.read_only = read_only
