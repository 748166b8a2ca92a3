"""INSERT's conflict resolution (``insert(...).on_conflict(...)``) -> PostgreSQL, with the
in-memory engine's (SQLite's) meaning.

Part of the plan -> PostgreSQL compiler (:mod:`pyram.pg.compile` renders the INSERT itself):

- ``"ignore"`` is ``ON CONFLICT [(target)] DO NOTHING``: PostgreSQL skips a row whose key an
  existing row or an earlier row of the statement holds, as the engine does.
- ``"update"`` is ``ON CONFLICT (target) DO UPDATE SET ... [WHERE ...]``; the existing row is
  read by the table's name and the proposed one as ``EXCLUDED``. Both answer "cannot affect a
  row twice" when two rows of the statement meet one key (SQLSTATE 21000).
- ``"replace"`` (SQLite's ``INSERT OR REPLACE``) has no PostgreSQL clause: ``ON CONFLICT``
  watches one key, REPLACE every key, and it deletes (delete and insert events, ON DELETE
  actions) where DO UPDATE would update. It becomes one statement of data-changing CTEs,
  atomic as any statement: the source rows, numbered in statement order, are computed once
  (before any change, as in memory); every existing row sharing a key value with one of them
  is deleted; a source row is inserted unless a later source row shares a key value with it
  (row by row, SQLite's later row replaces the earlier one). The count is every source row,
  as SQLite counts a row a later one replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyram.catalog import TableSchema
from pyram.errors import NotSupportedError
from pyram.pg.compile_expr import ExprCompiler
from pyram.pg.ddl import pg_type, quote_ident
from pyram.plan import nodes as pn

__all__ = ["conflict_clause", "replace_statement"]

#: how one side of a key comparison names a column
_Namer = Callable[[str], str]


def conflict_clause(exprs: ExprCompiler, table: str, conflict: pn.OnConflict) -> str:
    """The ``ON CONFLICT`` clause of an ``"ignore"`` or ``"update"`` conflict action."""
    target = ""
    if conflict.target:
        target = " (" + ", ".join(quote_ident(c) for c in conflict.target) + ")"
    if conflict.action == "ignore":
        return f" ON CONFLICT{target} DO NOTHING"
    if conflict.action != "update":
        raise NotSupportedError(f"ON CONFLICT {conflict.action} has no PostgreSQL clause")
    own = quote_ident(table)
    for field in conflict.existing:
        exprs.names[field.cid] = f"{own}.{quote_ident(field.name)}"
    for field in conflict.excluded:
        exprs.names[field.cid] = f"EXCLUDED.{quote_ident(field.name)}"
    sets = ", ".join(f"{quote_ident(c)} = {exprs.expr(e)}" for c, e in conflict.assignments)
    text = f" ON CONFLICT{target} DO UPDATE SET {sets}"
    if conflict.where is not None:
        text += f" WHERE {exprs.expr(conflict.where)}"
    return text


def replace_statement(plan: pn.Insert, source: str, schema: TableSchema) -> str:
    """The statement of ``on_conflict("replace")``; it returns the row count as one row.

    Raises:
        NotSupportedError: a key column is not among the inserted columns (its default would
            have to be known here to find the rows in the way).
    """
    keys = [u.columns for u in schema.uniques]
    for key in keys:
        missing = [c for c in key if c not in plan.columns]
        if missing:
            raise NotSupportedError(
                f"on_conflict('replace') on PostgreSQL needs the key column {missing[0]!r} "
                f"of {schema.name} among the inserted columns"
            )
    own = quote_ident(schema.name)
    names = {
        name: f"c{field.cid}" for name, field in zip(plan.columns, plan.source.fields, strict=True)
    }
    # typed once here: a bare NULL or an untyped value would be text in a CTE
    typed = ", ".join(
        f"CAST(t.{names[c]} AS {pg_type(schema.column(c).dtype)}) AS {names[c]}"
        for c in plan.columns
    )
    rows = f"SELECT {typed}, row_number() OVER () AS pyram_n FROM ({source}) AS t"
    in_the_way = _any_key(keys, lambda c: f"{own}.{quote_ident(c)}", lambda c: f"s.{names[c]}")
    later = _any_key(keys, lambda c: f"l.{names[c]}", lambda c: f"s.{names[c]}")
    columns = ", ".join(quote_ident(c) for c in plan.columns)
    values = ", ".join(f"s.{names[c]}" for c in plan.columns)
    # the uncorrelated count(*) of pyram_del gates the INSERT's rows: PostgreSQL runs the
    # DELETE to its end before the first row is inserted, so the keys it frees are free
    return (
        f"WITH pyram_src AS MATERIALIZED ({rows}), "
        f"pyram_del AS (DELETE FROM {own} WHERE EXISTS "
        f"(SELECT 1 FROM pyram_src AS s WHERE {in_the_way}) RETURNING 1), "
        f"pyram_ins AS (INSERT INTO {own} ({columns}) SELECT {values} FROM pyram_src AS s "
        f"WHERE NOT EXISTS (SELECT 1 FROM pyram_src AS l WHERE l.pyram_n > s.pyram_n "
        f"AND ({later})) AND (SELECT count(*) FROM pyram_del) >= 0 RETURNING 1) "
        f"SELECT count(*) FROM pyram_src WHERE (SELECT count(*) FROM pyram_ins) >= 0"
    )


def _any_key(
    keys: Sequence[tuple[str, ...]],
    left: _Namer,
    right: _Namer,
) -> str:
    """Rows share a value of some unique key (``=``: a NULL in a key matches nothing)."""
    if not keys:
        return "FALSE"
    return " OR ".join(
        "(" + " AND ".join(f"{left(c)} = {right(c)}" for c in key) + ")" for key in keys
    )
