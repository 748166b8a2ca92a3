"""asyncpg against the server: it describes every statement and uses binary formats for
parameters and results, so this covers the binary codecs and Describe of prepared statements."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from server.server_helpers import Served

CREATE = (
    "CREATE TABLE every (id INTEGER PRIMARY KEY, t TEXT, r REAL, b BLOB, flag BOOLEAN, d DATE,"
    " ts TIMESTAMP, tz TIMESTAMPTZ, tm TIME, n DECIMAL, u UUID)"
)
ROWS: list[tuple[Any, ...]] = [
    (
        1,
        "naïve",
        -0.125,
        b"\x00\x01",
        True,
        dt.date(1999, 12, 31),
        dt.datetime(1970, 1, 1, 0, 0, 0, 1),
        dt.datetime(2038, 1, 19, 3, 14, 7, tzinfo=dt.UTC),
        dt.time(0, 0),
        Decimal("0.0001"),
        uuid.UUID(int=7),
    ),
    (
        2,
        "",
        1e300,
        b"",
        False,
        dt.date(2000, 1, 1),
        dt.datetime(2000, 1, 1),
        dt.datetime(1900, 6, 1, 12, tzinfo=dt.UTC),
        dt.time(12, 30, 1, 999999),
        Decimal("-123456789012345678901234567890.5"),
        uuid.UUID(int=2**128 - 1),
    ),
    (3, None, None, None, None, None, None, None, None, Decimal(10) ** 20, None),
]


def test_binary_round_trip_of_every_type(served: Served) -> None:
    async def main() -> list[tuple[Any, ...]]:
        con = await asyncpg.connect(served.url)
        try:
            await con.execute(CREATE)
            await con.executemany(
                "INSERT INTO every VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)", ROWS
            )
            stmt = await con.prepare("SELECT * FROM every WHERE id >= $1 ORDER BY id")
            assert [t.name for t in stmt.get_parameters()] == ["int8"]
            assert [a.type.name for a in stmt.get_attributes()][:3] == ["int8", "text", "float8"]
            return [tuple(r) for r in await stmt.fetch(1)]
        finally:
            await con.close()

    assert asyncio.run(main()) == ROWS


def test_transactions_errors_and_copy(served: Served) -> None:
    async def main() -> None:
        con = await asyncpg.connect(served.url)
        try:
            await con.execute("CREATE TABLE acct (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
            async with con.transaction(isolation="serializable"):
                await con.execute("INSERT INTO acct VALUES ($1, $2)", 1, 100)
            with pytest.raises(asyncpg.UniqueViolationError):
                async with con.transaction():
                    await con.execute("INSERT INTO acct VALUES (2, 1)")
                    await con.execute("INSERT INTO acct VALUES (1, 1)")
            assert await con.fetchval("SELECT count(*) FROM acct") == 1
            with pytest.raises(asyncpg.NotNullViolationError):
                await con.execute("INSERT INTO acct VALUES ($1, $2)", 5, None)
            with pytest.raises(asyncpg.PostgresSyntaxError):
                await con.execute("SELEC 1")
            count = await con.copy_records_to_table("acct", records=[(10, 1), (11, 2)])
            assert count == "COPY 2"
            assert await con.fetchval("SELECT sum(n) FROM acct") == 103
        finally:
            await con.close()

    asyncio.run(main())


def test_cursor_with_prefetch(served: Served) -> None:
    async def main() -> list[int]:
        con = await asyncpg.connect(served.url)
        try:
            await con.execute("CREATE TABLE s (id INTEGER PRIMARY KEY)")
            await con.executemany("INSERT INTO s VALUES ($1)", [(i,) for i in range(300)])
            async with con.transaction():
                return [r["id"] async for r in con.cursor("SELECT id FROM s", prefetch=64)]
        finally:
            await con.close()

    assert sorted(asyncio.run(main())) == list(range(300))
