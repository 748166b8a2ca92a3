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

from collections.abc import Sequence

from pyram.catalog import TableSchema
from pyram.errors import NotSupportedError
from pyram.pg.compile_expr import ExprCompiler
from pyram.pg.ddl import pg_type, quote_ident
from pyram.plan import nodes as pn

__all__ = ["conflict_clause", "replace_statement"]


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
    column_of = {c: f"{own}.{quote_ident(c)}" for c in schema.column_names}
    columns = ", ".join(quote_ident(c) for c in plan.columns)
    values = ", ".join(f"s.{names[c]}" for c in plan.columns)
    lasts, survives = _survivors(keys, names)
    # the uncorrelated count(*) of pyram_del gates the INSERT's rows: PostgreSQL runs the
    # DELETE to its end before the first row is inserted, so the keys it frees are free
    gate = "(SELECT count(*) FROM pyram_del) >= 0"
    return (
        f"WITH pyram_src AS MATERIALIZED ({rows}), "
        f"pyram_del AS (DELETE FROM {own} WHERE {_in_the_way(keys, column_of, names)} "
        "RETURNING 1), "
        f"pyram_ins AS (INSERT INTO {own} ({columns}) SELECT {values} FROM "
        f"(SELECT s.*{lasts} FROM pyram_src AS s) AS s "
        f"WHERE {survives} AND {gate} RETURNING 1) "
        "SELECT count(*) FROM pyram_src WHERE (SELECT count(*) FROM pyram_ins) >= 0"
    )


def _survivors(keys: Sequence[tuple[str, ...]], names: dict[str, str]) -> tuple[str, str]:
    """The window columns numbering, per key, the last source row holding each value, and the
    condition a source row no later row replaces meets (window partitions: n log n, where
    comparing every pair of rows would be quadratic). A NULL in a key matches nothing."""
    lasts = "".join(
        f", max(s.pyram_n) OVER (PARTITION BY {', '.join(f's.{names[c]}' for c in key)}) "
        f"AS pyram_last{i}"
        for i, key in enumerate(keys)
    )
    survives = " AND ".join(
        "("
        + " OR ".join(f"s.{names[c]} IS NULL" for c in key)
        + f" OR s.pyram_last{i} = s.pyram_n)"
        for i, key in enumerate(keys)
    )
    return lasts, survives or "TRUE"


def _in_the_way(
    keys: Sequence[tuple[str, ...]], column_of: dict[str, str], names: dict[str, str]
) -> str:
    """The table's rows sharing a key value with a source row, as conditions an index answers
    (``col = ANY(ARRAY(SELECT ...))``, OR-ed: a bitmap OR of index scans; a NULL matches
    nothing). A composite key's first column finds candidates, EXISTS checks the whole key."""
    if not keys:
        return "FALSE"
    arms = []
    for key in keys:
        first = key[0]
        arm = f"{column_of[first]} = ANY(ARRAY(SELECT s.{names[first]} FROM pyram_src AS s))"
        if len(key) > 1:
            same = " AND ".join(f"s.{names[c]} = {column_of[c]}" for c in key)
            arm = f"({arm} AND EXISTS (SELECT 1 FROM pyram_src AS s WHERE {same}))"
        arms.append(arm)
    return " OR ".join(arms)
