"""ALTER TABLE in durable databases: schema changes are checkpointed at commit, survive a reopen
and a crash (a simulated one, and kill -9 at random moments during ALTERs), and an ALTER not
committed is not there after a crash."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import test_durable_crash as crash

import pyram

SETUP = """
CREATE TABLE p (id INTEGER PRIMARY KEY, label TEXT);
CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT UNIQUE, c INTEGER CHECK (c > 0),
                pid INTEGER REFERENCES p (id));
INSERT INTO p VALUES (1, 'one');
INSERT INTO t VALUES (1, 'x', 10, 1), (2, 'y', 20, NULL);
CREATE INDEX t_c ON t (c);
CREATE VIEW v AS SELECT b, c FROM t;
CREATE TRIGGER tr AFTER UPDATE OF c ON t BEGIN UPDATE p SET label = new.b WHERE id = 1; END;
"""

ALTERS = [
    "ALTER TABLE t ADD COLUMN d REAL NOT NULL DEFAULT 1.5",
    "ALTER TABLE t RENAME COLUMN c TO cc",
    "ALTER TABLE t RENAME COLUMN d TO dd",
    "ALTER TABLE t ADD COLUMN e TEXT",
    "ALTER TABLE t DROP COLUMN e",
    "ALTER TABLE p RENAME TO parent",
    "ALTER TABLE t RENAME TO things",
]


def _state(db: pyram.Database) -> tuple[object, ...]:
    return (
        db.table_names(),
        {n: db.schema(n).column_names for n in db.table_names()},
        {n: db.sql(f"SELECT * FROM {n} ORDER BY 1").all() for n in db.table_names()},
        {n: [i.name for i in db.schema(n).indexes] for n in db.table_names()},
        db._sql.definitions(),
    )


def _check_behaviour(db: pyram.Database) -> None:
    """Constraints, the index, the view and the trigger all work after the reopen."""
    assert db.sql("SELECT b, cc FROM v ORDER BY b").all() == [("x", 10), ("y", 20)]
    with pytest.raises(pyram.IntegrityError):
        db.sql("INSERT INTO things (a, b, cc) VALUES (3, 'x', 1)")  # UNIQUE b
    with pytest.raises(pyram.IntegrityError):
        db.sql("INSERT INTO things (a, b, cc) VALUES (3, 'z', 0)")  # CHECK cc > 0
    with pytest.raises(pyram.IntegrityError):
        db.sql("INSERT INTO things (a, b, cc, pid) VALUES (3, 'z', 1, 9)")  # FOREIGN KEY
    db.sql("UPDATE things SET cc = 11 WHERE a = 1")
    assert db.sql("SELECT label FROM parent").scalar() == "x"  # the trigger fired
    assert "t_c" in db.sql("EXPLAIN SELECT a FROM things WHERE cc = 11").all()[-1][0]


@pytest.mark.parametrize("crash_it", [False, True])
def test_alters_survive_a_reopen_and_a_crash(tmp_path: Path, crash_it: bool) -> None:
    path = str(tmp_path / "alter.pyram")
    db = pyram.Database(path)
    db.sql(SETUP)
    for statement in ALTERS:
        db.sql(statement)
    expected = _state(db)
    if crash_it:
        db._durable.abandon()  # type: ignore[union-attr]
    else:
        db.close()
    db = pyram.Database(path)
    assert _state(db) == expected
    _check_behaviour(db)
    db.close()


def test_an_uncommitted_alter_is_gone_after_a_crash(tmp_path: Path) -> None:
    path = str(tmp_path / "alter.pyram")
    db = pyram.Database(path)
    db.sql(SETUP)
    before = _state(db)
    db.sql("BEGIN")
    db.sql("ALTER TABLE t ADD COLUMN d INTEGER DEFAULT 4")
    db.sql("ALTER TABLE t RENAME TO u")
    db._durable.abandon()  # type: ignore[union-attr]
    db = pyram.Database(path)
    assert _state(db) == before
    db.close()


def test_alter_in_a_transaction_is_checkpointed_at_commit(tmp_path: Path) -> None:
    path = str(tmp_path / "alter.pyram")
    db = pyram.Database(path)
    db.sql(SETUP)
    with db.transaction():
        db.sql("ALTER TABLE t ADD COLUMN d INTEGER DEFAULT 4")
        db.sql("INSERT INTO t (a, b, c, d) VALUES (3, 'z', 30, 5)")
    db.sql("INSERT INTO t (a, b, c) VALUES (4, 'w', 40)")  # logged after the checkpoint
    expected = _state(db)
    db._durable.abandon()  # type: ignore[union-attr]
    db = pyram.Database(path)
    assert _state(db) == expected
    assert db.sql("SELECT a, d FROM t ORDER BY a").all() == [(1, 4), (2, 4), (3, 5), (4, 4)]
    db.close()


# ---------------------------------------------------------------------------- kill -9

# Each transaction n adds column a<n> (default n), renames the column of n-1 when n is even,
# drops it when n is a multiple of 3, and inserts row n: the reopened table must have exactly
# the columns of the transactions present, every column a<m>/r<m> holding m in every row.
CHILD = """
import sys, time, pyram, pyram.api.durable
path, durability, slow = sys.argv[1], sys.argv[2], sys.argv[3] == "slow"
if slow:
    real = pyram.api.durable.write_checkpoint
    def stretched(path, seq, body):
        def slow_body(out):
            time.sleep(0.02)
            body(out)
        real(path, seq, slow_body)
        time.sleep(0.02)
    pyram.api.durable.write_checkpoint = stretched
db = pyram.Database(path, durability=durability, checkpoint_size=3000)
db.sql("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, n INTEGER)")
db.sql("CREATE VIEW IF NOT EXISTS tv AS SELECT id, n FROM t")
n = db.sql("SELECT coalesce(max(n), 0) FROM t").scalar()
print("ready", flush=True)
while True:
    n += 1
    with db.transaction():
        db.sql(f"ALTER TABLE t ADD COLUMN a{n} INTEGER DEFAULT {n}")
        if n % 2 == 0:
            db.sql(f"ALTER TABLE t RENAME COLUMN a{n - 1} TO r{n - 1}")
        if n % 3 == 0:
            db.sql(f"ALTER TABLE t DROP COLUMN {'r' if n % 2 == 0 else 'a'}{n - 1}")
        db.sql("INSERT INTO t (id, n) VALUES (?, ?)", (n, n))
    print(n, flush=True)
"""


def _expected_columns(top: int) -> list[str]:
    columns = ["id", "n"]
    for m in range(1, top + 1):
        columns.append(f"a{m}")
        if m % 2 == 0:
            columns[columns.index(f"a{m - 1}")] = f"r{m - 1}"
        if m % 3 == 0:
            columns.remove(f"{'r' if m % 2 == 0 else 'a'}{m - 1}")
    return columns


def _check(path: str, acknowledged: list[int], previous: int) -> int:
    db = pyram.Database(path)
    try:
        columns = list(db.schema("t").column_names)
        rows = db.sql("SELECT * FROM t ORDER BY id").all()
        view = db.sql("SELECT count(*) FROM tv").scalar()
    finally:
        db.close()
    top = len(rows)
    assert [r[0] for r in rows] == list(range(1, top + 1)), "a transaction is missing"
    assert columns == _expected_columns(top), "the schema disagrees with the rows present"
    for position, name in enumerate(columns[2:], 2):
        assert {r[position] for r in rows} <= {int(name[1:])}, f"column {name} holds wrong values"
    assert view == top
    lost = [n for n in acknowledged if n > top]
    assert not lost, f"acknowledged transactions lost: {lost}"
    assert previous <= top <= max([previous, *acknowledged]) + 1
    return top


def test_kill_during_alters_keeps_schema_and_rows_consistent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crash, "CHILD", CHILD)
    rng = random.Random(os.environ.get("PYRAM_CRASH_SEED", 4321))
    path = str(tmp_path / "alter-crash.pyram")
    top = 0
    acknowledged_total = 0
    for round_number in range(int(os.environ.get("PYRAM_CRASH_ROUNDS", 6))):
        acknowledged = crash._run_and_kill(path, "full", rng, slow=round_number % 2 == 1)
        acknowledged_total += len(acknowledged)
        top = _check(path, acknowledged, top)
    assert acknowledged_total > 0, "the child never committed: the test tested nothing"


def test_a_migration_survives_a_crash(tmp_path: Path) -> None:
    from pyram import Col, column

    @pyram.table(name="item")
    class ItemV1(pyram.Table):
        id: Col[int] = column(primary_key=True)
        qty: Col[int]
        note: Col[str | None] = None

    @pyram.table(name="item")
    class ItemV2(pyram.Table):
        id: Col[int] = column(primary_key=True)
        qty: Col[float] = column(index=True)
        price: Col[float] = 1.25

    path = str(tmp_path / "items.pyram")
    db = pyram.Database(path)
    db.create(ItemV1)
    db.insert_many([ItemV1(1, 3, "a"), ItemV1(2, 4)])
    db.migrate(ItemV2)
    db.insert(ItemV2(3, 0.5, 2.0))
    db._durable.abandon()  # type: ignore[union-attr]
    db = pyram.Database(path)
    assert db.migrate(ItemV2) == ["attached class ItemV2"]
    assert db.all(ItemV2.select().order_by(ItemV2.id)) == [
        ItemV2(1, 3.0, 1.25),
        ItemV2(2, 4.0, 1.25),
        ItemV2(3, 0.5, 2.0),
    ]
    assert [i.name for i in db.schema("item").indexes] == ["item_pkey", "item_qty_idx"]
    db.close()
