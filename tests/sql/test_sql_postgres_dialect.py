"""PostgreSQL's dialect (``db.sql(..., dialect="postgres")``): lexical forms, operators, casts,
session statements; and SQLite's dialect left as it was."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

import pyram
from pyram.sql.parser import parse
from pyram.sql.pg_settings import PgSettings
from pyram.sql.tokenizer import TokenKind, tokenize


@pytest.fixture
def db() -> pyram.Database:
    db = pyram.Database()
    db.sql(
        "CREATE TABLE people (id int4 PRIMARY KEY, name varchar(40) NOT NULL, "
        "active bool, score float8, data bytea)",
        dialect="postgres",
    )
    db.sql(
        "INSERT INTO people VALUES (1, 'Ann', true, 1.5, NULL), (2, 'bob', false, NULL, NULL), "
        "(3, 'Carl', NULL, 2.0, NULL)",
        dialect="postgres",
    )
    return db


def rows(db: pyram.Database, sql: str, params: Any = None, **kw: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in db.sql(sql, params, dialect="postgres", **kw).raw_rows]


def test_tokens_of_the_postgres_dialect() -> None:
    tokens = tokenize(r"E'a\n\'b\x41' x::int4 a !~* b [1]", "postgres")
    assert [(t.kind, t.value) for t in tokens[:3]] == [
        (TokenKind.STRING, "a\n'bA"),
        (TokenKind.IDENTIFIER, "x"),
        (TokenKind.OPERATOR, "::"),
    ]
    assert [t.value for t in tokens[4:9]] == ["a", "!~*", "b", "[", "1"]
    # SQLite's dialect is unchanged: [x] is a quoted identifier, E'..' an alias and a string
    assert tokenize("[x]")[0].kind is TokenKind.IDENTIFIER
    assert [t.kind for t in tokenize("E'a'")[:2]] == [TokenKind.IDENTIFIER, TokenKind.STRING]


def test_parameters_casts_and_strings(db: pyram.Database) -> None:
    assert rows(db, "SELECT name FROM people WHERE id = $1", [2]) == [("bob",)]
    assert rows(db, "SELECT name FROM people WHERE id = $1::int4", {"1": 3}) == [("Carl",)]
    assert rows(db, "SELECT $1::text || $2::varchar", ["a", "b"]) == [("ab",)]
    assert rows(db, "SELECT '7'::int8 + 1, '2.5'::float8, E'a\\tb', 'x'::pg_catalog.text") == [
        (8, 2.5, "a\tb", "x")
    ]


def test_casts_of_parameters_and_text_to_typed_columns(db: pyram.Database) -> None:
    """``$1::TIMESTAMP`` and the like (SQLAlchemy casts every typed parameter this way): text
    is read by the type, a value of the type passes, anything else is a clear error."""
    db.sql(
        "CREATE TABLE ev (id int4 PRIMARY KEY, at timestamp, atz timestamptz, d date, "
        "t time, u uuid, j json, n numeric(10, 2), i interval)",
        dialect="postgres",
    )
    at = dt.datetime(2024, 1, 2, 3, 4, 5)
    u = uuid.UUID(int=7)
    insert = (
        "INSERT INTO ev VALUES ($1, $2::TIMESTAMP, CAST($3 AS TIMESTAMPTZ), $4::DATE, "
        "$5::TIME, $6::UUID, $7::JSON, $8::NUMERIC, CAST($9 AS INTERVAL))"
    )
    db.sql(
        insert,
        [
            1,
            at,
            "2024-01-02 03:04:05+00:00",
            "2024-01-02",
            "03:04:05",
            str(u),
            '{"a": [1]}',
            "12.50",
            "1 day",
        ],
        dialect="postgres",
    )
    db.sql(
        insert,
        [
            2,
            "2024-01-02 03:04:05",
            None,
            dt.date(2024, 1, 2),
            dt.time(3, 4, 5),
            u,
            None,
            Decimal("1.5"),
            dt.timedelta(days=1),
        ],
        dialect="postgres",
    )
    got = rows(db, "SELECT * FROM ev ORDER BY id")
    utc = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    common = (at,)
    assert got[0] == (
        1,
        *common,
        utc,
        at.date(),
        at.time(),
        u,
        {"a": [1]},
        Decimal("12.50"),
        dt.timedelta(days=1),
    )
    assert got[1] == (
        2,
        *common,
        None,
        at.date(),
        at.time(),
        u,
        None,
        Decimal("1.5"),
        dt.timedelta(days=1),
    )
    # a text column read as a date when the query runs; SQLite's NUMERIC affinity stays there
    assert rows(db, "SELECT CAST(CAST(d AS TEXT) AS DATE) FROM ev WHERE id = 1") == [(at.date(),)]
    assert db.sql("SELECT CAST('12.5' AS NUMERIC)").raw_rows[0][0] == 12.5
    with pytest.raises(pyram.DataError, match="as TIMESTAMP"):
        rows(db, "SELECT $1::TIMESTAMP", ["not a time"])
    with pytest.raises(pyram.DataError, match="to DATE"):
        rows(db, "SELECT $1::DATE", [5])
    assert rows(db, "SELECT count(*) FROM ev") == [(2,)]


def test_booleans_are_boolean(db: pyram.Database) -> None:
    result = db.sql("SELECT true, 1 = 1, active FROM people WHERE id = 1", dialect="postgres")
    assert [t.name for t in result.types] == ["BOOLEAN", "BOOLEAN", "BOOLEAN"]
    assert result.raw_rows == [(True, True, True)]
    assert rows(db, "SELECT id FROM people WHERE active IS NOT TRUE ORDER BY id") == [(2,), (3,)]


def test_pattern_operators(db: pyram.Database) -> None:
    query = "SELECT name FROM people WHERE {} ORDER BY id"
    assert rows(db, query.format("name LIKE 'a%'")) == []  # case-sensitive, as in PostgreSQL
    assert rows(db, query.format("name ILIKE 'a%'")) == [("Ann",)]
    assert rows(db, query.format("name NOT ILIKE '%B%'")) == [("Ann",), ("Carl",)]
    assert rows(db, query.format("name ~ '^[A-Z]'")) == [("Ann",), ("Carl",)]
    assert rows(db, query.format("name !~ 'n'")) == [("bob",), ("Carl",)]
    assert rows(db, query.format("name ~* '^b'")) == [("bob",)]
    assert rows(db, query.format("name !~* 'A'")) == [("bob",)]
    assert rows(db, query.format("name OPERATOR(pg_catalog.~) '^(Ann)$' COLLATE "
                                 "pg_catalog.default")) == [("Ann",)]  # fmt: skip
    assert rows(db, query.format("name LIKE 'a\\_%' ESCAPE '\\'")) == []
    with pytest.raises(pyram.DataError, match="invalid regular expression"):
        rows(db, query.format("name ~ '('"))
    # SQLite's dialect: LIKE ignores ASCII case, ~ is no infix operator
    assert db.sql("SELECT count(*) FROM people WHERE name LIKE 'a%'").raw_rows == [(1,)]
    with pytest.raises(pyram.ProgrammingError):
        db.sql("SELECT name ~ 'a' FROM people")


def test_any_all_arrays_and_schemas(db: pyram.Database) -> None:
    assert rows(db, "SELECT id FROM people WHERE name = ANY (ARRAY[$1, $2]) ORDER BY id",
                ["bob", "Carl"]) == [(2,), (3,)]  # fmt: skip
    assert rows(db, "SELECT id FROM public.people WHERE id <> ALL (ARRAY[1, 2])") == [(3,)]
    assert rows(db, "SELECT public.people.name FROM public.people WHERE id = 1") == [("Ann",)]
    assert rows(db, "SELECT pg_catalog.lower(name) FROM people WHERE id = 1") == [("ann",)]
    with pytest.raises(pyram.ProgrammingError, match="no schema"):
        rows(db, "SELECT other.lower(name) FROM people")
    with pytest.raises(pyram.ProgrammingError, match='schema "other" does not exist'):
        rows(db, "SELECT * FROM other.people")


def test_type_names_map_to_pyram_types(db: pyram.Database) -> None:
    db.sql(
        "CREATE TABLE typed (a int2, b int8, c text, d numeric, e timestamptz, "
        "f timestamp with time zone, g uuid, h jsonb, i double precision, j serial)",
        dialect="postgres",
    )
    schema = db.schema("typed")
    assert [c.dtype.name for c in schema.columns] == [
        "INTEGER", "INTEGER", "TEXT", "DECIMAL", "TIMESTAMPTZ", "TIMESTAMPTZ", "UUID", "JSON",
        "REAL", "INTEGER",
    ]  # fmt: skip
    with pytest.raises(pyram.ProgrammingError, match="array types"):
        db.sql("CREATE TABLE arr (a int4[])", dialect="postgres")


def test_session_functions(db: pyram.Database) -> None:
    settings = PgSettings(user="ann", database="shop")
    assert rows(
        db, "SELECT current_user, session_user, current_database(), current_schema(), "
        "current_setting('server_version'), pg_catalog.version() LIKE 'PostgreSQL 15%'",
        pg_settings=settings,
    ) == [("ann", "ann", "shop", "public", "15.0", True)]  # fmt: skip
    with pytest.raises(pyram.ProgrammingError, match="unrecognized configuration parameter"):
        rows(db, "SELECT current_setting('nope')")
    assert rows(db, "SELECT current_setting('nope', true)") == [(None,)]


def test_set_show_reset_discard(db: pyram.Database) -> None:
    settings = PgSettings()

    def run(sql: str) -> list[tuple[Any, ...]]:
        return rows(db, sql, pg_settings=settings)

    run("SET application_name = 'web'")
    assert run("SHOW application_name") == [("web",)]
    assert run("SELECT current_setting('application_name')") == [("web",)]
    run('SET SESSION search_path TO "$user", public')
    assert run("SHOW search_path") == [('"$user", public',)]
    run("SET TIME ZONE 'UTC'")
    run("SET extra_float_digits TO 3")
    run("SET myapp.tenant = 42")
    assert run("SHOW myapp.tenant") == [("42",)]
    run("RESET application_name")
    assert run("SHOW application_name") == [("",)]
    run("SET application_name TO DEFAULT")
    run("DISCARD ALL")
    assert run("SHOW extra_float_digits") == [("1",)]
    assert ("client_encoding", "UTF8", "") in run("SHOW ALL")
    for bad, message in [
        ("SHOW nope", "unrecognized configuration parameter"),
        ("SET nope = 1", "unrecognized configuration parameter"),
        ("SET client_encoding = 'LATIN1'", "UTF-8 only"),
        ("SET server_version = '16'", "cannot be changed"),
        ("SET standard_conforming_strings = off", "always on"),
    ]:
        with pytest.raises(pyram.ProgrammingError, match=message):
            run(bad)


def test_set_config(db: pyram.Database) -> None:
    settings = PgSettings()
    assert rows(
        db, "SELECT set_config('application_name', 'job', false), "
        "current_setting('application_name')", pg_settings=settings,
    ) == [("job", "job")]  # fmt: skip
    assert settings.show("application_name") == "job"
    with pytest.raises(pyram.ProgrammingError, match="unrecognized configuration parameter"):
        rows(db, "SELECT set_config('nope', 'x', false)", pg_settings=settings)
    with pytest.raises(pyram.ProgrammingError, match="constant text"):
        rows(db, "SELECT set_config(name, 'x', false) FROM people", pg_settings=settings)


def test_isolation_levels(db: pyram.Database) -> None:
    settings = PgSettings()

    def run(sql: str) -> list[tuple[Any, ...]]:
        return rows(db, sql, pg_settings=settings)

    assert run("SHOW transaction isolation level") == [("serializable",)]
    run("BEGIN ISOLATION LEVEL REPEATABLE READ")
    assert db.in_transaction
    assert run("SHOW transaction_isolation") == [("repeatable read",)]
    with pytest.raises(pyram.ProgrammingError, match="use BEGIN ISOLATION LEVEL"):
        run("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
    run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    run("COMMIT")
    run("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED")
    run("START TRANSACTION")
    assert run("SELECT current_setting('transaction_isolation')") == [("read committed",)]
    run("ROLLBACK")
    run("BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY")
    with pytest.raises(pyram.Error):
        run("INSERT INTO people (id, name) VALUES (9, 'x')")
    run("ROLLBACK")
    assert rows(db, "SELECT count(*) FROM people") == [(3,)]


def test_syntax_errors_point_at_the_token() -> None:
    with pytest.raises(pyram.ProgrammingError, match=r"expected an isolation level"):
        parse("BEGIN ISOLATION LEVEL SOMETIMES", "postgres")
    with pytest.raises(pyram.ProgrammingError, match=r"unknown SQL dialect"):
        parse("SELECT 1", "oracle")
    with pytest.raises(pyram.ProgrammingError, match=r"expected type name at line 1, column 11"):
        parse("SELECT 1::", "postgres")


def test_same_text_is_cached_per_dialect(db: pyram.Database) -> None:
    sql = "SELECT count(*) FROM people WHERE name LIKE 'b%'"
    assert db.sql(sql).raw_rows == [(1,)]
    assert db.sql(sql, dialect="postgres").raw_rows == [(1,)]
    sql = "SELECT count(*) FROM people WHERE name LIKE 'B%'"
    assert db.sql(sql).raw_rows == [(1,)]  # SQLite: case-insensitive
    assert db.sql(sql, dialect="postgres").raw_rows == [(0,)]


def test_arrays_in_text_form_and_set_returning_functions(db: pyram.Database) -> None:
    assert rows(db, "SELECT ARRAY(SELECT name FROM people ORDER BY id DESC)") == [
        ("{Carl,bob,Ann}",)
    ]
    assert rows(db, "SELECT ARRAY(SELECT name FROM people WHERE id > 9)") == [("{}",)]
    assert rows(db, "SELECT 2 = ANY('{1,2}'), 'f' = ANY('{d}'), 3 <> ALL('{1,2}')") == [
        (True, False, True)
    ]
    assert rows(db, "SELECT ('{5,7}'::int2[])[2], ('5 7'::text)[1], ('{5}'::int4[])[9]") == [
        (7, 5, None)
    ]
    with pytest.raises(pyram.DataError, match="integer arrays"):
        rows(db, "SELECT ('{a,b}'::text[])[1]")
    assert rows(db, "SELECT string_agg(name, ', ') FROM people") == [("Ann, bob, Carl",)]
    assert rows(db, "SELECT s FROM generate_series(1, 3) s") == [(1,), (2,), (3,)]
    assert rows(
        db, "SELECT a.n, a.i FROM generate_series(10, 30, 10) WITH ORDINALITY AS a(n, i)"
    ) == [(10, 1), (20, 2), (30, 3)]
    # over another table's columns: a LATERAL join PyRAM has not; it fails only when read
    sql = "SELECT count(*) FROM people p, generate_series(1, p.id) s"
    with pytest.raises(pyram.DataError, match="LATERAL"):
        rows(db, sql)
