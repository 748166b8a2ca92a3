"""Unit tests of the server's pure parts: wire codecs, SCRAM (RFC 7677's vector), statement
splitting, COPY formats, settings and SQLSTATE mapping."""

from __future__ import annotations

import base64
import datetime as dt
import math
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pyram.errors import DataError, IntegrityError, ProgrammingError, SerializationFailure
from pyram.server import load_users, make_verifier
from pyram.server.auth import AuthFailed, ScramExchange, Verifier
from pyram.server.copy import copy_command
from pyram.server.copy_format import (
    BINARY_HEADER,
    BINARY_TRAILER,
    binary_row,
    format_row,
    parse_binary,
    parse_rows,
)
from pyram.server.pgtypes import OIDS, wire_type
from pyram.server.settings import new_settings, parse_isolation, reported, statement_timeout
from pyram.server.splitter import first_words, split_statements
from pyram.server.sqlstate import sqlstate_of
from pyram.types import (
    BLOB,
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    REAL,
    TEXT,
    TIME,
    TIMESTAMP,
    TIMESTAMPTZ,
    UUID_TYPE,
)

VALUES: list[tuple[Any, Any]] = [
    (INTEGER, -(2**63)),
    (INTEGER, 2**63 - 1),
    (REAL, -1.5e-300),
    (TEXT, "ünï\tcode"),
    (BLOB, bytes(range(256))),
    (BOOLEAN, False),
    (DATE, dt.date(1, 1, 1)),
    (DATE, dt.date(9999, 12, 31)),
    (TIMESTAMP, dt.datetime(1999, 12, 31, 23, 59, 59, 999999)),
    (TIMESTAMPTZ, dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=dt.UTC)),
    (TIME, dt.time(23, 59, 59, 1)),
    (DECIMAL, Decimal("-0.000123")),
    (DECIMAL, Decimal("98765432109876543210.0123456789")),
    (UUID_TYPE, uuid.UUID(int=12345)),
]


@pytest.mark.parametrize(("dtype", "value"), VALUES)
@pytest.mark.parametrize("binary", [False, True])
def test_wire_codecs_round_trip(dtype: Any, value: Any, binary: bool) -> None:
    wire = wire_type(dtype)
    assert wire.decode(wire.encode(value, binary), binary) == value


def test_wire_text_forms_match_postgresql() -> None:
    assert wire_type(BOOLEAN).encode(True, False) == b"t"
    assert wire_type(BLOB).encode(b"\x01\xab", False) == b"\\x01ab"
    assert wire_type(TIMESTAMP).encode(dt.datetime(2024, 1, 2, 3, 4, 5), False) == (
        b"2024-01-02 03:04:05"
    )
    assert wire_type(REAL).encode(math.inf, False) == b"Infinity"
    assert math.isnan(wire_type(REAL).decode(b"NaN", False))
    assert wire_type(BLOB).decode(b"a\\\\b\\001", False) == b"a\\b\x01"  # escape format
    assert wire_type(DATE).encode(dt.date(2000, 1, 2), True) == b"\x00\x00\x00\x01"
    assert {wire_type(t).oid for t, _ in VALUES} <= set(OIDS)


@pytest.mark.parametrize(
    ("dtype", "data"),
    [(INTEGER, b"12x"), (BOOLEAN, b"maybe"), (DATE, b"2024-13-01"), (UUID_TYPE, b"nope")],
)
def test_malformed_parameters_are_data_errors(dtype: Any, data: bytes) -> None:
    with pytest.raises(DataError, match="invalid input for type"):
        wire_type(dtype).decode(data, False)
    with pytest.raises(DataError):
        wire_type(dtype).decode(b"\x01\x02\x03", True)


def test_scram_matches_rfc_7677() -> None:
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    exchange = ScramExchange("user", make_verifier("pencil", salt=salt, iterations=4096))
    first = exchange.server_first(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
    assert first.startswith(b"r=rOprNGfwEbeRWgbNEkqO") and first.endswith(
        b",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    )
    # the RFC's server nonce instead of our random one, to replay its exact messages
    nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    exchange._nonce = nonce
    exchange._server_first = f"r={nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    final = exchange.server_final(
        f"c=biws,r={nonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".encode()
    )
    assert final == b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def test_scram_rejects_wrong_proofs_and_unknown_users() -> None:
    exchange = ScramExchange("user", make_verifier("pencil"))
    first = exchange.server_first(b"n,,n=user,r=abc").decode()
    nonce = first.split(",")[0][2:]
    with pytest.raises(AuthFailed) as info:
        exchange.server_final(f"c=biws,r={nonce},p={base64.b64encode(b'x' * 32).decode()}".encode())
    assert info.value.sqlstate == "28P01"
    with pytest.raises(AuthFailed):  # a nonce the server never sent
        ScramExchange("u", None).server_final(b"c=biws,r=zzz,p=AAAA")
    with pytest.raises(AuthFailed):  # channel binding asked for: not offered
        ScramExchange("u", None).server_first(b"p=tls-server-end-point,,n=u,r=abc")


def test_verifiers_and_users_file(tmp_path: Path) -> None:
    verifier = make_verifier("s3cret")
    assert str(Verifier.parse(str(verifier))) == str(verifier)
    users = tmp_path / "users"
    users.write_text(f"# comment\nalice:{verifier}\n\n")
    assert list(load_users(users)) == ["alice"]
    users.write_text("bob:md5abcdef\n")
    with pytest.raises(ValueError, match="line 1"):
        load_users(users)


def test_split_statements() -> None:
    text = (
        "SELECT ';' AS a; SELECT E'\\';' -- ;\n; /* ; /* nested ; */ */ SELECT $$;$$;"
        ' SELECT "a;b" FROM t;;'
    )
    assert split_statements(text) == [
        "SELECT ';' AS a",
        "SELECT E'\\';' -- ;",
        "/* ; /* nested ; */ */ SELECT $$;$$",
        'SELECT "a;b" FROM t',
    ]
    assert split_statements(" -- only a comment\n ; ") == []
    assert first_words("/* x */ begin isolation level serializable") == [
        "BEGIN",
        "ISOLATION",
        "LEVEL",
    ]


def test_copy_command_parsing() -> None:
    copy = copy_command("COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')")
    assert copy is not None
    assert (copy.table, copy.columns, copy.into, copy.csv, copy.header, copy.delimiter) == (
        "t",
        ("a", "b"),
        True,
        True,
        True,
        ";",
    )
    legacy = copy_command("copy t to stdout csv header")
    assert legacy is not None and legacy.csv and legacy.header and not legacy.into
    query = copy_command("COPY (SELECT 1) TO STDOUT")
    assert query is not None and query.query == "SELECT 1"
    assert copy_command("SELECT 1") is None
    with pytest.raises(Exception, match="FROM STDIN and TO STDOUT"):
        copy_command("COPY t FROM '/etc/passwd'")


def test_copy_text_and_csv_formats() -> None:
    text = copy_command("COPY t FROM STDIN")
    csv = copy_command("COPY t FROM STDIN CSV")
    assert text is not None and csv is not None
    data = b"1\ta\\tb\\\\c\t\\N\n2\t\\x41\\101\t\n"
    assert list(parse_rows(data, text)) == [(1, ["1", "a\tb\\c", None]), (2, ["2", "AA", ""])]
    assert list(parse_rows(b'1,"x,""y""\nz",\n2,"",\n', csv)) == [
        (1, ["1", 'x,"y"\nz', None]),
        (3, ["2", "", None]),
    ]
    assert format_row(["a\tb", None, ""], text) == "a\\tb\t\\N\t\n"
    assert format_row(['q"', None, ""], csv) == '"q""",,""\n'
    with pytest.raises(DataError, match="unterminated"):
        list(parse_rows(b'1,"open\n', csv))
    data = BINARY_HEADER + binary_row([b"\x00\x01", None]) + BINARY_TRAILER
    assert list(parse_binary(data)) == [(1, [b"\x00\x01", None])]
    with pytest.raises(DataError):
        list(parse_binary(data[:-5]))


def test_settings() -> None:
    settings = new_settings("me", "app", "web")
    assert settings.show("default_transaction_isolation") == "read committed"
    assert reported(settings)["application_name"] == "web"
    assert reported(settings)["TimeZone"] == "UTC"
    settings.set("statement_timeout", "1.5s")
    assert statement_timeout(settings) == 1.5
    settings.set("statement_timeout", "250")
    assert statement_timeout(settings) == 0.25
    settings.set("statement_timeout", "0")
    assert statement_timeout(settings) is None
    assert parse_isolation("begin isolation level repeatable  read read only") == (
        "repeatable read",
        True,
    )
    assert parse_isolation("BEGIN") == (None, None)


def test_sqlstate_mapping() -> None:
    def integrity(kind: str) -> IntegrityError:
        return IntegrityError("x", table="t", constraint=kind)

    assert sqlstate_of(integrity("unique")) == "23505"
    assert sqlstate_of(integrity("not null")) == "23502"
    assert sqlstate_of(integrity("foreign key")) == "23503"
    assert sqlstate_of(integrity("check")) == "23514"
    assert sqlstate_of(SerializationFailure("x")) == "40001"
    assert sqlstate_of(DataError("x")) == "22000"
    assert sqlstate_of(RuntimeError("bug")) == "XX000"
    assert sqlstate_of(ProgrammingError('unrecognized configuration parameter "x"')) == "42704"
