"""The throwaway PostgreSQL server the PostgreSQL tests stand on (tests/pg_server.py)."""

from __future__ import annotations

from typing import Any


def test_server_runs_with_logical_wal_and_survives_restart(postgres: Any) -> None:
    assert postgres.psql("select 1 + 1").strip() == "2"
    assert postgres.psql("show wal_level").strip() == "logical"
    postgres.psql("create table if not exists smoke (id int primary key)")
    postgres.psql("insert into smoke values (1) on conflict do nothing")
    postgres.restart(mode="immediate")  # a crash: the committed row survives WAL recovery
    assert postgres.psql("select count(*) from smoke").strip() == "1"
    postgres.psql("drop table smoke")
