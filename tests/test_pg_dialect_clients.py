"""PostgreSQL clients introspecting PyRAM through the server (end to end): psql's \\dt, \\di,
\\dn and \\l print what they print against PostgreSQL 15 for the same tables; SQLAlchemy's
inspector and ``create_all``, psycopg's type lookup and asyncpg work."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from typing import Any

import asyncpg
import psycopg
import pytest
from psycopg.types import TypeInfo
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, inspect

import pyram
import pyram.server

_SCHEMA = [
    "CREATE TABLE t (id int4 PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', "
    "score float8, u int UNIQUE)",
    "CREATE TABLE c (id int PRIMARY KEY, t_id int REFERENCES t(id))",
    "CREATE INDEX c_t ON c(t_id)",
]


@pytest.fixture(scope="module")
def servers(postgres: Any) -> Iterator[tuple[str, str]]:
    """(PostgreSQL's DSN, PyRAM server's DSN), both holding the same tables."""
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        # an empty public schema: other modules share this PostgreSQL server and may leave
        # tables behind, which would show up in the listings compared here
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        for statement in _SCHEMA:
            conn.execute(statement)
    db = pyram.Database()
    for statement in _SCHEMA:
        db.sql(statement, dialect="postgres")
    handle = pyram.server.start(db, port=0, auth="trust")
    try:
        ours = f"host=127.0.0.1 port={handle.port} user={postgres.user} dbname=postgres"
        yield postgres.dsn, ours
    finally:
        handle.stop()
        with psycopg.connect(postgres.dsn, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS c, t, z")


def psql(dsn: str, command: str) -> str:
    result = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", command],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("command", [r"\dt", r"\di", r"\dt+ t", r"\d"])
def test_psql_lists_relations_as_postgresql_does(servers: tuple[str, str], command: str) -> None:
    pg, ours = servers
    if command == r"\dt+ t":  # sizes and access methods differ: compare the names only
        assert _first_columns(psql(ours, command), 2) == _first_columns(psql(pg, command), 2)
    else:
        assert psql(ours, command) == psql(pg, command)


@pytest.mark.parametrize("table", ["t", "c"])
def test_psql_describes_a_table(servers: tuple[str, str], table: str) -> None:
    pg, ours = servers
    expected, got = psql(pg, rf"\d {table}"), psql(ours, rf"\d {table}")
    assert f'Table "public.{table}"' in got
    # column types differ (int4 is stored as int8, varchar as text); what follows the columns
    # (indexes, foreign keys, referencing tables) is the same text
    assert got[got.index("Indexes:") :] == expected[expected.index("Indexes:") :]
    columns = [line.split("|")[0].strip() for line in got.splitlines()[3:] if "|" in line]
    assert columns == [line.split("|")[0].strip() for line in expected.splitlines()[3:]
                       if "|" in line]  # fmt: skip


def _first_columns(text: str, count: int) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("|")[:count]] for line in text.splitlines()
            if "|" in line]  # fmt: skip


def test_psql_lists_schemas_and_databases(servers: tuple[str, str]) -> None:
    _, ours = servers
    schemas = psql(ours, r"\dn")
    assert " public |" in schemas and "(1 row)" in schemas
    databases = psql(ours, r"\l")
    assert "UTF8" in databases and "(1 row)" in databases


def test_sqlalchemy_inspects_and_creates(servers: tuple[str, str], postgres: Any) -> None:
    _, ours = servers
    port = ours.split("port=")[1].split()[0]
    engine = create_engine(f"postgresql+psycopg://{postgres.user}@127.0.0.1:{port}/postgres")
    try:
        inspector = inspect(engine)
        assert sorted(inspector.get_table_names()) == ["c", "t"]
        columns = inspector.get_columns("t")
        assert [(c["name"], c["nullable"], c["default"]) for c in columns] == [
            ("id", False, None), ("name", False, "'x'"), ("score", True, None), ("u", True, None),
        ]  # fmt: skip
        assert [str(c["type"]) for c in columns] == ["BIGINT", "TEXT", "DOUBLE PRECISION",
                                                      "BIGINT"]  # fmt: skip
        (fk,) = inspector.get_foreign_keys("c")
        assert (fk["name"], fk["constrained_columns"], fk["referred_table"],
                fk["referred_columns"]) == ("c_t_id_fkey", ["t_id"], "t", ["id"])  # fmt: skip
        metadata = MetaData()
        Table("z", metadata, Column("id", Integer, primary_key=True), Column("s", String(10)))
        metadata.create_all(engine)
        metadata.create_all(engine)  # the table exists now: nothing to do
        assert sorted(inspect(engine).get_table_names()) == ["c", "t", "z"]
    finally:
        engine.dispose()


def test_psycopg_type_lookup(servers: tuple[str, str]) -> None:
    _, ours = servers
    with psycopg.connect(ours) as conn:
        info = TypeInfo.fetch(conn, "int4")
        assert info is not None and (info.oid, info.array_oid) == (23, 1007)
        assert TypeInfo.fetch(conn, "hstore") is None
        assert conn.execute("select current_setting('server_version')").fetchone() == ("15.0",)


def test_asyncpg_reads_catalogue_and_settings(servers: tuple[str, str], postgres: Any) -> None:
    _, ours = servers
    port = int(ours.split("port=")[1].split()[0])

    async def run() -> tuple[Any, ...]:
        conn = await asyncpg.connect(host="127.0.0.1", port=port, user=postgres.user,
                                     database="postgres")  # fmt: skip
        try:
            names = await conn.fetch(
                "SELECT relname FROM pg_catalog.pg_class WHERE relkind = $1 ORDER BY 1", "r"
            )
            user = await conn.fetchval("SELECT current_user")
            return tuple(r["relname"] for r in names if not r["relname"].startswith("pg_")), user
        finally:
            await conn.close()

    names, user = asyncio.run(run())
    assert "t" in names and "c" in names and user == postgres.user


def test_psql_other_listings(servers: tuple[str, str], postgres: Any) -> None:
    pg, ours = servers
    # one role (the session's user), no functions or extensions, PostgreSQL's two tablespaces
    assert f" {postgres.user} " in psql(ours, r"\du")
    assert "(0 rows)" in psql(ours, r"\df") and "(0 rows)" in psql(ours, r"\dx")
    assert psql(ours, r"\db") == psql(pg, r"\db")
    psql(ours, "CREATE VIEW tv AS SELECT id, name FROM t")
    try:
        assert " public | tv   | view |" in psql(ours, r"\dv")
        described = psql(ours, r"\d tv")
        assert 'View "public.tv"' in described
        assert [line.split("|")[0].strip() for line in described.splitlines()[3:]
                if "|" in line] == ["id", "name"]  # fmt: skip
    finally:
        psql(ours, "DROP VIEW tv")
