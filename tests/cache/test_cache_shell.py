"""The shell's ``.stats`` and how ``.schema`` shows a cache table."""

from __future__ import annotations

import io

import pyram
from pyram.shell import Shell


def run(db: pyram.Database, script: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    Shell(db, out, err).run_script(script)
    return out.getvalue(), err.getvalue()


def test_stats_prints_counters_and_resets() -> None:
    now = [0.0]
    db = pyram.Database(clock=lambda: now[0])
    db.sql("CREATE TABLE s (k TEXT PRIMARY KEY, v INTEGER) WITH (ttl = 30, max_rows = 1)")
    db.sql("INSERT INTO s VALUES ('a', 1)")
    db.sql("INSERT INTO s VALUES ('b', 2)")  # evicts 'a'
    now[0] = 31.0
    out, err = run(db, "SELECT count(*) FROM s;\n.stats reset\n.stats\n")
    assert err == ""
    lines = out.splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith("table")) - 1 :]
    assert lines[1].split() == [
        "table", "rows", "bytes", "hits", "misses", "loads", "load_errors", "expirations",
        "evictions",
    ]
    assert lines[2].split() == ["s", "0", "0", "0", "0", "0", "0", "1", "1"]
    assert lines[4].split() == ["s", "0", "0", "0", "0", "0", "0", "0", "0"]  # after reset


def test_stats_refuses_other_arguments() -> None:
    _, err = run(pyram.Database(), ".stats everything\n")
    assert "usage: .stats [reset]" in err


def test_schema_shows_the_with_clause_and_it_reads_back() -> None:
    db = pyram.Database()
    db.sql(
        "CREATE TABLE s (k TEXT PRIMARY KEY, until REAL) "
        "WITH (ttl = 2.5, expire_after = 'access', expires = 'until', max_rows = 9, evict = 'lfu')"
    )
    out, _ = run(db, ".schema s\n")
    assert out.endswith(
        ") WITH (ttl = 2.5, expire_after = 'access', expires = 'until', max_rows = 9, "
        "evict = 'lfu');\n"
    )
    again = pyram.Database()
    again.sql(out)
    assert again.schema("s").cache == db.schema("s").cache


def test_schema_keeps_a_sorted_key_index_and_reads_back() -> None:
    db = pyram.Database()
    db.sql("CREATE TABLE s (k INTEGER PRIMARY KEY) WITH (ttl = 30, key_index = 'sorted')")
    db.sql("CREATE TABLE h (k INTEGER PRIMARY KEY) WITH (ttl = 30)")
    out, _ = run(db, ".schema s\n.schema h\n")
    assert "key_index = 'sorted'" in out and out.count("key_index") == 1
    again = pyram.Database()
    for statement in out.strip().split(";")[:-1]:
        again.sql(statement)
    for table in ("s", "h"):
        assert again.schema(table).indexes == db.schema(table).indexes
