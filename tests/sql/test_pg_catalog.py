"""PostgreSQL clients' introspection queries on PyRAM's PostgreSQL dialect, compared with a real
PostgreSQL 15 holding the same tables.

The queries are the exact text psql 15, SQLAlchemy and psycopg send (tests/sql/
pg_client_queries.sql). Each must run on PyRAM and give the same shape of answer as on
PostgreSQL: the same number of columns and, for the columns listed in ``_SAME`` (those that do
not depend on what PyRAM stores differently, such as OIDs and ``int4`` read as ``bigint``),
the same rows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import psycopg
import pytest

import pyram
from pyram.sql.pg_settings import PgSettings

_QUERIES = Path(__file__).with_name("pg_client_queries.sql").read_text()
_SCHEMA = [
    "CREATE TABLE t (id int4 PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', "
    "score float8, u int UNIQUE)",
    "CREATE TABLE c (id int PRIMARY KEY, t_id int REFERENCES t(id))",
    "CREATE INDEX c_t ON c(t_id)",
]


def _load() -> dict[str, tuple[str, list[Any]]]:
    out: dict[str, tuple[str, list[Any]]] = {}
    for block in re.split(r"^-- query: ", _QUERIES, flags=re.M)[1:]:
        name, _, rest = block.partition("\n")
        params: list[Any] = []
        if rest.startswith("-- params: "):
            line, _, rest = rest.partition("\n")
            params = json.loads(line.removeprefix("-- params: "))
        out[name.strip()] = (rest.strip().rstrip(";"), params)
    return out


QUERIES = _load()

#: query -> the columns whose values must equal PostgreSQL's (None: every column)
_SAME: dict[str, tuple[int, ...] | None] = {
    "psql_dt": None,
    "psql_l": None,  # PyRAM's one database is PostgreSQL's ``postgres`` row
    "psql_dn": (0,),  # PostgreSQL 15's public schema belongs to pg_database_owner
    "psql_di": None,
    "psql_d_lookup": (1, 2),
    "psql_d_table": (1, 2, 3, 4, 5, 6, 7, 8),
    "psql_d_columns": (0, 3, 4, 5, 6),  # defaults: PostgreSQL adds ::character varying
    "psql_d_indexes": (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
    "psql_d_foreign_keys": None,
    "sqlalchemy_table_names": None,
    "sqlalchemy_columns": (0, 3, 4, 5, 6, 7, 8),
    "sqlalchemy_table_oids": (1,),
    "sqlalchemy_foreign_keys": None,
    "sqlalchemy_btree_am": None,
    "sqlalchemy_opclasses": (),
    "sqlalchemy_has_table": None,
    "psycopg_type_info": None,
    "sqlalchemy_connect_version": (),
    "sqlalchemy_connect_schema": None,
    "sqlalchemy_connect_strings": None,
    "sqlalchemy_connect_isolation": (),  # PostgreSQL's default is read committed, PyRAM's not
}


@pytest.fixture(scope="module")
def both(postgres: Any) -> Any:
    """(PostgreSQL connection, PyRAM database, PyRAM settings) holding the same tables."""
    conn = psycopg.connect(postgres.dsn, autocommit=True)
    # an empty public schema: other modules share this PostgreSQL server and may leave
    # tables behind, which would show up in the listings compared here
    conn.execute("DROP SCHEMA public CASCADE")
    conn.execute("CREATE SCHEMA public")
    db = pyram.Database()
    settings = PgSettings(user=postgres.user, database="postgres")
    for statement in _SCHEMA:
        conn.execute(statement)
        db.sql(statement, dialect="postgres", pg_settings=settings)
    yield conn, db, settings
    # an empty public schema: other modules share this PostgreSQL server and may leave
    # tables behind, which would show up in the listings compared here
    conn.execute("DROP SCHEMA public CASCADE")
    conn.execute("CREATE SCHEMA public")
    conn.close()


def _table_oid(run: Any) -> str:
    (row,) = run("SELECT oid FROM pg_catalog.pg_class WHERE relname = 't'", [])
    return str(row[0])


def test_every_captured_query_has_an_expectation() -> None:
    assert set(QUERIES) == set(_SAME)


@pytest.mark.parametrize("name", sorted(_SAME))
def test_query_gives_postgresql_shape(both: Any, name: str) -> None:
    conn, db, settings = both

    def on_pg(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with conn.cursor() as cur:
            cur.execute(re.sub(r"\$\d+", "%s", sql) if params else sql, params or None)
            return cur.fetchall() if cur.description else []

    def on_pyram(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        result = db.sql(sql, params, dialect="postgres", pg_settings=settings)
        return [tuple(row) for row in result.raw_rows]

    sql, params = QUERIES[name]
    expected = on_pg(sql.replace("'16384'", f"'{_table_oid(on_pg)}'"), params)
    got = on_pyram(sql.replace("'16384'", f"'{_table_oid(on_pyram)}'"), params)
    same = _SAME[name]
    if name == "psql_l":  # PostgreSQL has its template databases too
        expected = [row for row in expected if row[0] == "postgres"]
    if same != ():
        assert len(got) == len(expected), (got, expected)
    if got and expected:
        assert len(got[0]) == len(expected[0])
    if same == ():
        return
    columns = range(len(got[0])) if same is None and got else same or ()
    project = [tuple(row[i] for i in columns) for row in got]
    assert project == [tuple(row[i] for i in columns) for row in expected]


def test_version_is_one_sqlalchemy_reads_as_15() -> None:
    db = pyram.Database()
    (version,) = db.sql("select pg_catalog.version()", dialect="postgres").raw_rows[0]
    match = re.match(r".*(?:PostgreSQL|EnterpriseDB) (\d+)\.?(\d+)?(?:\.(\d+))?", version)
    assert match is not None and match.group(1) == "15"


def test_catalogue_follows_schema_changes() -> None:
    db = pyram.Database()
    settings = PgSettings()

    def tables() -> list[str]:
        sql = QUERIES["psql_dt"][0]
        return [row[1] for row in db.sql(sql, dialect="postgres", pg_settings=settings).raw_rows]

    assert tables() == []
    db.sql("CREATE TABLE a (x int8)", dialect="postgres")
    assert tables() == ["a"]
    db.sql("ALTER TABLE a RENAME TO b")
    assert tables() == ["b"]
    db.sql("DROP TABLE b")
    assert tables() == []


def test_regclass_casts_and_lookups() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE t (id int PRIMARY KEY)", dialect="postgres")
    run = lambda sql: db.sql(sql, dialect="postgres").raw_rows  # noqa: E731
    ((oid,),) = run("SELECT 't'::regclass")
    assert run(f"SELECT {oid}::regclass::text, 'public.t'::regclass = {oid}") == [("t", True)]
    assert run("SELECT 'pg_class'::regclass, 'int4'::regtype, 23::regtype") == [
        (1259, 23, "integer")
    ]
    assert run("SELECT to_regclass('nope'), to_regtype('nope')") == [(None, None)]
    with pytest.raises(pyram.ProgrammingError, match='relation "nope" does not exist'):
        run("SELECT 'nope'::regclass")


def test_information_schema() -> None:
    db = pyram.Database()
    for statement in _SCHEMA:
        db.sql(statement, dialect="postgres")
    run = lambda sql: db.sql(sql, dialect="postgres").raw_rows  # noqa: E731
    assert run(
        "SELECT table_name, table_type FROM information_schema.tables ORDER BY 1"
    ) == [("c", "BASE TABLE"), ("t", "BASE TABLE")]
    assert run(
        "SELECT column_name, is_nullable, data_type, column_default FROM "
        "information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position"
    ) == [
        ("id", "NO", "bigint", None),
        ("name", "NO", "text", "'x'"),
        ("score", "YES", "double precision", None),
        ("u", "YES", "bigint", None),
    ]
    assert run(
        "SELECT constraint_name, constraint_type FROM information_schema.table_constraints "
        "ORDER BY 1"
    ) == [("c_pkey", "PRIMARY KEY"), ("c_t_id_fkey", "FOREIGN KEY"), ("t_pkey", "PRIMARY KEY"),
          ("t_u_key", "UNIQUE")]  # fmt: skip
    assert run(
        "SELECT constraint_name, column_name, position_in_unique_constraint FROM "
        "information_schema.key_column_usage WHERE table_name = 'c' ORDER BY 1"
    ) == [("c_pkey", "id", None), ("c_t_id_fkey", "t_id", 1)]
    assert run("SELECT schema_name FROM information_schema.schemata ORDER BY 1") == [
        ("information_schema",), ("pg_catalog",), ("public",)
    ]


def test_catalogue_is_read_only_and_unknown_catalogue_tables_are_errors() -> None:
    db = pyram.Database()
    with pytest.raises(pyram.ProgrammingError, match=r"pg_catalog\.pg_nope"):
        db.sql("SELECT * FROM pg_catalog.pg_nope", dialect="postgres")
    with pytest.raises(pyram.ProgrammingError):
        db.sql("DELETE FROM pg_class", dialect="postgres")


def test_sqlite_dialect_has_no_pg_catalog() -> None:
    db = pyram.Database()
    with pytest.raises(pyram.ProgrammingError, match="no such table: pg_class"):
        db.sql("SELECT * FROM pg_class")
