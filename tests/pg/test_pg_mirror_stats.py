"""``db.stats()`` carries a live mirror's lag per mirrored table (issue 14 via issue 12's
stats provider hook): the mirror registers itself, the api package never imports pyram.pg."""

from __future__ import annotations

import pytest
from pg_fixtures import PgDatabase, pgdb_fixture  # noqa: F401 (the pgdb fixture)

import pyram
import pyram.pg as pg

pytestmark = pytest.mark.usefixtures("postgres")


def test_stats_show_the_lag_of_mirrored_tables_only_while_mirroring(pgdb: PgDatabase) -> None:
    pgdb.run(
        "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);"
        "INSERT INTO users VALUES (1, 'ann')"
    )
    db = pyram.Database()
    db.sql("CREATE TABLE local (id INTEGER PRIMARY KEY)")
    mirror = pg.mirror(db, pgdb.dsn, ["users"], slot=pgdb.slot)
    try:
        pgdb.run("INSERT INTO users VALUES (2, 'bob')")
        assert mirror.wait_for(pgdb.lsn(), timeout=60)
        stats = db.stats()
        users = stats["users"]
        assert users.rows == 2
        assert isinstance(users.lag_bytes, int) and users.lag_bytes >= 0
        assert isinstance(users.lag_seconds, float) and users.lag_seconds >= 0.0
        # what the mirror itself reports, within what can arrive between the two reads
        assert users.lag_bytes <= pg.mirror_stats(db)[pgdb.slot]["lag_bytes"] + 1_000_000
        assert stats["local"].lag_bytes is None and stats["local"].lag_seconds is None
    finally:
        mirror.stop()
    after = db.stats()["users"]
    assert (after.lag_bytes, after.lag_seconds) == (None, None)  # the provider left with it
