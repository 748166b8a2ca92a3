"""``db.add_stats_provider``: components that fill tables from elsewhere add fields to
``db.stats()`` (the PostgreSQL mirror's lag) without the api package importing them."""

from __future__ import annotations

import pyram


def test_a_provider_sets_fields_of_the_tables_it_names_until_removed() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE Feed (id INTEGER PRIMARY KEY)")
    db.sql("CREATE TABLE other (id INTEGER PRIMARY KEY)")
    calls: list[int] = []

    def provider() -> dict[str, dict[str, object]]:
        calls.append(1)
        return {"feed": {"lag_bytes": 120, "lag_seconds": 0.5}, "gone": {"lag_bytes": 1}}

    remove = db.add_stats_provider(provider)
    stats = db.stats()
    assert (stats["Feed"].lag_bytes, stats["Feed"].lag_seconds) == (120, 0.5)  # any case
    assert stats["other"].lag_bytes is None and "gone" not in stats
    assert calls == [1]  # asked once per stats() call, fresh each time
    remove()
    remove()  # removing twice is harmless
    assert db.stats()["Feed"].lag_bytes is None and calls == [1]
