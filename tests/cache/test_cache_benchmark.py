"""The cache benchmark suite runs (small), and its engines agree on what they cached."""

from __future__ import annotations

from benchmarks.cache import format_cache, run_cache
from benchmarks.suites import SUITES, load_suite


def test_the_suite_is_registered() -> None:
    assert SUITES["cache"] == "benchmarks.cache:run_suite"
    assert callable(load_suite("cache"))


def test_a_small_run_measures_every_engine() -> None:
    data = run_cache(2_000, 6_000, lambda message: None, seed=3)
    engines = {r["engine"]: r for r in data["mixed"]}
    assert set(engines) == {"pyram", "cachetools TTLCache", "cachetools LRUCache", "sqlite3"}
    # the same trace, capacity and TTL: PyRAM's sampled LRU hits as often as the exact ones
    assert abs(engines["pyram"]["hit_ratio"] - engines["cachetools TTLCache"]["hit_ratio"]) < 0.02
    assert abs(engines["sqlite3"]["hit_ratio"] - engines["cachetools TTLCache"]["hit_ratio"]) < 0.02
    assert all(r["ops_per_s"] > 0 for r in data["mixed"])
    assert data["bytes_per_entry"]["pyram"] > 0
    text = format_cache(data)
    assert "| hit (us) |" in text
    assert "| bytes per entry |" in text
    paths = data["paths"]
    assert set(paths) == {"db.*", "DSL", "db.sql", "DB-API", "sqlite3"}
    assert all(cell["hit"] > 0 for cell in paths.values())
    assert all("write" in paths[p] for p in ("db.*", "db.sql", "DB-API", "sqlite3"))
    assert "| DB-API |" in text
