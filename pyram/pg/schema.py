"""Which PostgreSQL tables are mirrored into which PyRAM tables, and how they are made.

A :class:`Source` names a PostgreSQL table and optionally a model class, a row filter and a
column list. :func:`resolve` reads PostgreSQL's catalog into :class:`MirroredTable` mappings;
:func:`create_tables` makes the PyRAM tables (from the model, or from PostgreSQL's columns,
types, primary key, NOT NULL and non-deferrable UNIQUE constraints); :func:`publication_sql`
writes the ``CREATE PUBLICATION`` that streams exactly those rows and columns.

Foreign keys are not recreated: PostgreSQL checks them at the end of a statement (or at commit),
while the stream replays rows one by one, so an intermediate order may break them; PostgreSQL
has already enforced them on the data that arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg import sql

from pyram.errors import NotSupportedError, ProgrammingError
from pyram.model import Table, schema_of
from pyram.pg.pgtypes import LOADED_AS_TEXT, load_oid, pyram_type_name

if TYPE_CHECKING:
    import psycopg

    from pyram import Database

__all__ = ["MirroredColumn", "MirroredTable", "Source", "create_tables", "resolve"]


@dataclass(frozen=True, slots=True)
class Source:
    """One PostgreSQL table to mirror.

    Attributes:
        table: ``"schema.name"`` or ``"name"`` (schema ``public``) in PostgreSQL.
        model: the PyRAM model class to fill (its columns are the column list); by default a
            PyRAM table of the same name is created from PostgreSQL's schema.
        where: a row filter, PostgreSQL SQL over the table's columns (a publication row
            filter: for UPDATE and DELETE it may use replica identity columns only).
        columns: the columns to mirror (must include the primary key); by default all, and
            columns added later in PostgreSQL are added in PyRAM too.
    """

    table: str
    model: type[Table] | None = None
    where: str | None = None
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class MirroredColumn:
    """A mirrored column: its name, PyRAM type, psycopg loader OID, and NOT NULL (``error``
    says why a column of an unmapped type cannot be mirrored)."""

    name: str
    type_name: str
    load_oid: int
    not_null: bool
    error: str = ""


@dataclass(slots=True)
class MirroredTable:
    """A PostgreSQL table and the PyRAM table that mirrors it."""

    schema: str
    name: str
    oid: int
    target: str
    columns: list[MirroredColumn]
    primary_key: tuple[str, ...]
    uniques: list[tuple[str, ...]]
    source: Source

    @property
    def qualified(self) -> sql.Composed:
        """``"schema"."name"`` for PostgreSQL SQL."""
        return sql.SQL(".").join([sql.Identifier(self.schema), sql.Identifier(self.name)])

    @property
    def follows_new_columns(self) -> bool:
        """True when columns added in PostgreSQL are added in PyRAM (no column list)."""
        return self.source.model is None and self.source.columns is None


def as_source(item: Source | str | type[Table]) -> Source:
    """A :class:`Source` for a model class, a table name or a Source."""
    if isinstance(item, Source):
        return item
    if isinstance(item, str):
        return Source(item)
    if isinstance(item, type) and issubclass(item, Table):
        return Source(schema_of(item).name, model=item)
    raise ProgrammingError(f"mirror tables: expected a model class, a name or Source, got {item!r}")


def expand(conn: psycopg.Connection[Any], items: Any) -> list[Source]:
    """Sources for ``tables=``: a list, or ``"schema.*"`` for every table of a schema."""
    if isinstance(items, str) and items.endswith(".*"):
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
            (items[:-2],),
        ).fetchall()
        return [Source(f"{items[:-2]}.{name}") for (name,) in rows]
    if isinstance(items, str | Source | type):
        items = [items]
    return [as_source(item) for item in items]


def resolve(conn: psycopg.Connection[Any], sources: list[Source]) -> list[MirroredTable]:
    """Read each source's columns, key and unique constraints from PostgreSQL's catalog.

    Raises:
        ProgrammingError: no such table or column, no primary key, a key column left out.
        NotSupportedError: a column of a type the mirror does not map.
    """
    tables = [_resolve_one(conn, source) for source in sources]
    targets = [t.target.lower() for t in tables]
    if len(set(targets)) != len(targets):
        raise ProgrammingError(f"two mirrored tables map to one PyRAM table: {targets}")
    return tables


def _resolve_one(conn: psycopg.Connection[Any], source: Source) -> MirroredTable:
    schema, _, name = source.table.rpartition(".")
    schema = schema or "public"
    row = conn.execute(
        "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')",
        (schema, name),
    ).fetchone()
    if row is None:
        raise ProgrammingError(f"mirror: PostgreSQL has no table {schema}.{name}")
    oid = int(row[0])
    where = f"{schema}.{name}"
    all_columns = _columns(conn, oid, where)
    primary_key = _key_columns(conn, oid, "p")
    if not primary_key:
        raise ProgrammingError(f"mirror: table {where} has no primary key (the mirror needs one)")
    wanted = _wanted_columns(source, all_columns, primary_key, where)
    columns = [all_columns[c] for c in wanted]
    uniques = [u for u in _unique_constraints(conn, oid) if set(u) <= set(wanted)]
    target = schema_of(source.model).name if source.model is not None else name
    return MirroredTable(schema, name, oid, target, columns, primary_key, uniques, source)


def _columns(conn: psycopg.Connection[Any], oid: int, where: str) -> dict[str, MirroredColumn]:
    rows = conn.execute(
        "SELECT a.attname, a.atttypid, t.typtype, a.attnotnull,"
        " format_type(a.atttypid, a.atttypmod)"
        " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
        " WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (oid,),
    ).fetchall()
    found: dict[str, MirroredColumn] = {}
    for name, type_oid, typtype, not_null, pg_name in rows:
        column_where = f"{where}.{name}"
        try:
            type_name = pyram_type_name(type_oid, typtype, pg_name, column_where)
        except NotSupportedError as exc:  # an error only if the column is mirrored
            found[name] = MirroredColumn(name, "", 0, False, str(exc))
            continue
        found[name] = MirroredColumn(name, type_name, load_oid(type_oid, typtype), not_null)
    return found


def _wanted_columns(
    source: Source, columns: dict[str, MirroredColumn], key: tuple[str, ...], where: str
) -> list[str]:
    if source.model is not None:
        wanted = list(schema_of(source.model).column_names)
    elif source.columns is not None:
        wanted = list(source.columns)
    else:
        wanted = list(columns)
    for name in wanted:
        if name not in columns:
            raise ProgrammingError(f"mirror: PostgreSQL table {where} has no column {name!r}")
        if columns[name].error:
            raise NotSupportedError(columns[name].error)
    missing = [k for k in key if k not in wanted]
    if missing:
        raise ProgrammingError(
            f"mirror: the columns of {where} must include its primary key {missing}"
        )
    return wanted


def _key_columns(conn: psycopg.Connection[Any], oid: int, kind: str) -> tuple[str, ...]:
    row = conn.execute(
        "SELECT array_agg(a.attname ORDER BY array_position(c.conkey, a.attnum))"
        " FROM pg_constraint c JOIN pg_attribute a"
        " ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
        " WHERE c.conrelid = %s AND c.contype = %s GROUP BY c.oid",
        (oid, kind),
    ).fetchone()
    return tuple(row[0]) if row else ()


def _unique_constraints(conn: psycopg.Connection[Any], oid: int) -> list[tuple[str, ...]]:
    rows = conn.execute(
        "SELECT array_agg(a.attname ORDER BY array_position(c.conkey, a.attnum))"
        " FROM pg_constraint c JOIN pg_attribute a"
        " ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
        " WHERE c.conrelid = %s AND c.contype = 'u' AND NOT c.condeferrable GROUP BY c.oid",
        (oid,),
    ).fetchall()
    return [tuple(names) for (names,) in rows]


# ---------------------------------------------------------------------- PyRAM side
def quote(name: str) -> str:
    """A PyRAM SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def create_tables(db: Database, tables: list[MirroredTable]) -> None:
    """Create the PyRAM tables that do not exist yet (models through ``db.create``).

    Raises:
        ProgrammingError: an existing table or a model whose column types differ from
            PostgreSQL's.
    """
    existing = {name.lower() for name in db.table_names()}
    for table in tables:
        model = table.source.model
        if table.target.lower() not in existing:
            if model is not None:
                db.create(model)
            else:
                db.sql(create_table_sql(table))
        elif model is not None and db.schema(table.target).row_class is not model:
            db.migrate(model)  # a durable database reopened: attach the class
        _check_types(db, table)


def create_table_sql(table: MirroredTable) -> str:
    """The PyRAM ``CREATE TABLE`` for a table made from PostgreSQL's schema."""
    parts = [
        f"{quote(c.name)} {c.type_name}" + (" NOT NULL" if c.not_null else "")
        for c in table.columns
    ]
    parts.append("PRIMARY KEY (" + ", ".join(map(quote, table.primary_key)) + ")")
    parts += ["UNIQUE (" + ", ".join(map(quote, u)) + ")" for u in table.uniques]
    return f"CREATE TABLE {quote(table.target)} (" + ", ".join(parts) + ")"


def _check_types(db: Database, table: MirroredTable) -> None:
    schema = db.schema(table.target)
    for column in table.columns:
        if column.name not in schema.column_names:
            raise ProgrammingError(
                f"mirror: PyRAM table {table.target} has no column {column.name!r}"
            )
        have = schema.column(column.name).dtype.name
        if have != column.type_name:
            raise ProgrammingError(
                f"mirror: {table.schema}.{table.name}.{column.name} is {column.type_name} in "
                f"PostgreSQL's mapping but {have} in PyRAM table {table.target}"
            )


# ---------------------------------------------------------------------- publication
def publication_sql(name: str, tables: list[MirroredTable]) -> sql.Composed:
    """``CREATE PUBLICATION`` for exactly the mirrored rows and columns."""
    items = []
    for table in tables:
        item: sql.Composable = table.qualified
        if not table.follows_new_columns:
            names = sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns)
            item = sql.Composed([item, sql.SQL(" ("), names, sql.SQL(")")])
        if table.source.where:
            # the filter is the application's own PostgreSQL SQL, sent to its own server
            item = sql.Composed([item, sql.SQL(" WHERE (" + table.source.where + ")")])
        items.append(item)
    return sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(
        sql.Identifier(name), sql.SQL(", ").join(items)
    )


def select_sql(table: MirroredTable) -> sql.Composed:
    """The ``SELECT`` of the initial load (the same rows and columns as the publication).

    The load reads binary results: the columns of :data:`LOADED_AS_TEXT` are cast to ``text``
    (their binary form decodes differently from the stream's text)."""
    names = sql.SQL(", ").join(
        sql.SQL("{}::text").format(sql.Identifier(c.name))
        if c.load_oid in LOADED_AS_TEXT
        else sql.Identifier(c.name)
        for c in table.columns
    )
    query = sql.SQL("SELECT {} FROM {}").format(names, table.qualified)
    if table.source.where:
        query = sql.Composed([query, sql.SQL(" WHERE (" + table.source.where + ")")])
    return query
