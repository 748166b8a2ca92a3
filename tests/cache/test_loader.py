"""Read-through loading (single flight under threads), refresh, statistics."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import pyram
from pyram import Col, column

CALLS: list[Any] = []


def load_price(sku: str) -> Price | None:
    CALLS.append(sku)
    return None if sku == "missing" else Price(sku=sku, cents=len(sku) * 100)


@pyram.table(ttl=60, loader=load_price)
class Price(pyram.Table):
    sku: Col[str] = column(primary_key=True)
    cents: Col[int]


@pyram.table
class Country(pyram.Table):
    code: Col[str] = column(primary_key=True)
    name: Col[str]


@pytest.fixture
def db() -> pyram.Database:
    CALLS.clear()
    database = pyram.Database()
    database.create(Price, Country)
    return database


def test_a_miss_loads_and_stores_then_hits(db: pyram.Database) -> None:
    assert db.get_or_load(Price, "ab") == Price(sku="ab", cents=200)
    assert db.get(Price, "ab") == Price(sku="ab", cents=200)
    assert db.get_or_load(Price, "ab") == Price(sku="ab", cents=200)
    assert CALLS == ["ab"]
    stats = db.stats()["price"]
    assert (stats.hits, stats.misses, stats.loads, stats.rows) == (2, 1, 1, 1)


def test_a_loader_returning_none_stores_nothing(db: pyram.Database) -> None:
    assert db.get_or_load(Price, "missing") is None
    assert db.count(Price) == 0
    assert db.stats()["price"].loads == 0


def test_a_loader_error_propagates_and_caches_nothing(db: pyram.Database) -> None:
    def broken(sku: str) -> Price:
        raise ValueError("backend down")

    with pytest.raises(ValueError, match="backend down"):
        db.get_or_load(Price, "x", broken)
    assert db.count(Price) == 0
    assert db.stats()["price"].load_errors == 1
    assert db.get_or_load(Price, "x") == Price(sku="x", cents=100)  # the next miss retries


def test_a_loader_must_return_the_key_asked_for(db: pyram.Database) -> None:
    with pytest.raises(pyram.ProgrammingError, match="returned key"):
        db.get_or_load(Price, "a", lambda sku: Price(sku="b", cents=1))
    with pytest.raises(pyram.ProgrammingError, match="returned Country"):
        db.get_or_load(Price, "a", lambda sku: Country(code="a", name="x"))  # type: ignore[arg-type,return-value]
    with pytest.raises(pyram.ProgrammingError, match="needs a loader"):
        db.get_or_load(Country, "no")
    assert db.count(Price) == 0


def test_plain_tables_read_through_too(db: pyram.Database) -> None:
    assert db.get_or_load(Country, "no", lambda c: Country(code=c, name="Norway")).name == "Norway"
    assert db.get_or_load(Country, "no", lambda c: Country(code=c, name="?")).name == "Norway"
    stats = db.stats()["country"]
    assert (stats.hits, stats.misses, stats.loads) == (1, 1, 1)


def test_eight_threads_missing_one_key_call_the_loader_once(db: pyram.Database) -> None:
    started = threading.Barrier(8)
    calls: list[str] = []

    def slow(sku: str) -> Price:
        calls.append(sku)
        time.sleep(0.2)  # the others arrive while this load runs
        return Price(sku=sku, cents=1)

    results: list[Any] = []

    def worker() -> None:
        started.wait()
        results.append(db.get_or_load(Price, "hot", slow))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["hot"]
    assert results == [Price(sku="hot", cents=1)] * 8
    assert db.stats()["price"].loads == 1


def test_eight_threads_share_a_loader_error(db: pyram.Database) -> None:
    started = threading.Barrier(8)
    calls: list[str] = []

    def failing(sku: str) -> Price:
        calls.append(sku)
        time.sleep(0.2)
        raise ConnectionError("no backend")

    errors: list[BaseException] = []

    def worker() -> None:
        started.wait()
        try:
            db.get_or_load(Price, "k", failing)
        except ConnectionError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(errors) == 8
    assert db.count(Price) == 0


def test_refresh_replaces_atomically_and_reports_only_changes(db: pyram.Database) -> None:
    db.insert_many(
        [Country(code="no", name="Norway"), Country(code="se", name="Sweden"),
         Country(code="xx", name="Gone")]
    )
    changes: list[tuple[str, str]] = []
    db.on_change(Country, lambda c: changes.append((c.kind, (c.new or c.old).code)))
    result = db.refresh(
        Country,
        [Country(code="no", name="Norway"), Country(code="se", name="Sverige"),
         Country(code="fi", name="Finland")],
    )
    assert (result.inserted, result.updated, result.deleted) == (1, 1, 1)
    assert sorted(changes) == [("delete", "xx"), ("insert", "fi"), ("update", "se")]
    assert sorted(c.code for c in db.all(Country.select())) == ["fi", "no", "se"]


def test_a_failed_refresh_changes_nothing(db: pyram.Database) -> None:
    db.insert(Country(code="no", name="Norway"))
    with pytest.raises(pyram.IntegrityError, match="given twice"):
        db.refresh(Country, [Country(code="se", name="a"), Country(code="se", name="b")])
    assert db.all(Country.select()) == [Country(code="no", name="Norway")]


def test_stats_reset(db: pyram.Database) -> None:
    db.get_or_load(Price, "a")
    before = db.stats(reset=True)["price"]
    assert (before.misses, before.loads) == (1, 1)
    after = db.stats()["price"]
    assert (after.hits, after.misses, after.loads, after.rows) == (0, 0, 0, 1)
    assert after.bytes > 0


def test_a_lone_miss_makes_no_event_and_waiters_share_the_leaders_result() -> None:
    import threading

    from pyram.cache.loader import SingleFlight

    flights: SingleFlight[int] = SingleFlight()
    seen: list[object] = []

    def lone() -> int:
        seen.append(flights._flights["k"].done)
        return 1

    assert flights.run("k", lone) == 1
    assert seen == [None] and not flights._flights  # nobody waited: no Event made

    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return 42

    results: list[int] = []
    leader = threading.Thread(target=lambda: results.append(flights.run("k", slow)))
    leader.start()
    started.wait(5)
    waiters = [
        threading.Thread(target=lambda: results.append(flights.run("k", slow))) for _ in range(4)
    ]
    for t in waiters:
        t.start()
    while flights._flights["k"].done is None:  # the first waiter made the Event
        threading.Event().wait(0.001)
    threading.Event().wait(0.5)  # the other waiters reach the flight too
    release.set()
    for t in [leader, *waiters]:
        t.join(5)
    assert results == [42] * 5 and calls == [1] and not flights._flights
