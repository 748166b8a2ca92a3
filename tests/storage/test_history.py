"""History retention and time travel: every committed state read back at random past points.

The hypothesis test keeps a model of the table after every commit (and the clock at it), then
reads the past three ways (``db.all(..., as_of=stamp)``, ``db.get(..., as_of=...)`` with a
datetime, SQL ``FOR SYSTEM_TIME AS OF``) and compares; points the retention pruned must raise
HistoryError, never answer wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pyram


class Clock:
    """A hand-driven clock (seconds), injected as ``Database(clock=...)``."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pyram.table(name="item")
class Item(pyram.Table):
    id: pyram.Col[int] = pyram.column(primary_key=True)
    val: pyram.Col[str]


@pyram.table(name="other")
class Other(pyram.Table):
    id: pyram.Col[int] = pyram.column(primary_key=True)


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


keys = st.integers(0, 6)
writes = st.one_of(
    st.tuples(st.just("upsert"), keys, st.text("abc", max_size=2)),
    st.tuples(st.just("delete"), keys, st.just("")),
)
steps = st.lists(
    st.tuples(
        st.lists(writes, min_size=1, max_size=3),  # one commit (a transaction of 1-3 writes)
        st.booleans(),  # rolled back instead
        st.sampled_from([0.0, 0.5, 2.0, 7.0]),  # clock advance before it
    ),
    max_size=25,
)


def _apply(db: pyram.Database, state: dict[int, str], op: tuple[str, int, str]) -> bool:
    """Run one write on the database and the model; True when it changed a row (what
    leaves a version behind)."""
    kind, key, val = op
    if kind == "upsert":
        db.upsert(Item(id=key, val=val))
        changed = state.get(key) != val
        state[key] = val
        return changed
    if key in state:
        db.delete(Item, key)
        del state[key]
        return True
    return False


@settings(max_examples=60, deadline=None)
@given(
    steps=steps,
    retention=st.one_of(
        st.builds(pyram.Retention, commits=st.integers(1, 8)),
        st.builds(pyram.Retention, time=st.sampled_from([timedelta(seconds=s) for s in (3, 10)])),
        st.builds(
            pyram.Retention,
            time=st.just(timedelta(seconds=6)),
            commits=st.integers(2, 5),
        ),
    ),
    other_writes=st.booleans(),
)
def test_as_of_reads_match_every_committed_state(
    steps: list[tuple[list[tuple[str, int, str]], bool, float]],
    retention: pyram.Retention,
    other_writes: bool,
) -> None:
    clock = Clock()
    db = pyram.Database(clock=clock)
    db.create(Item, Other)
    db.set_history(Item, retention)
    state: dict[int, str] = {}
    # (stamp, clock, state) after every commit since history began
    states: list[tuple[int, float, dict[int, str]]] = [(db.commit_stamp, clock.now, {})]
    writes: list[int] = []  # stamps of commits that wrote item
    # the first commit writes item: a table nobody wrote is readable at any time the
    # history still dates, a case of its own (test_untouched_table_reads_as_it_is)
    for ops, rollback, tick in [([("upsert", 0, "a")], False, 0.0), *steps]:
        clock.now += tick
        before = dict(state)
        touched = False
        try:
            with db.transaction("snapshot"):
                for op in ops:
                    touched = _apply(db, state, op) or touched
                if other_writes:
                    db.upsert(Other(id=len(writes)))
                if rollback:
                    raise KeyError("roll back")
        except KeyError:
            state = before
            touched = False
        if db.commit_stamp != states[-1][0]:
            if touched:
                writes.append(db.commit_stamp)
            states.append((db.commit_stamp, clock.now, dict(state)))
    by_stamp = {stamp: s for stamp, _t, s in states}
    oldest = _oldest_readable(states, writes, retention, clock.now)
    last = db.commit_stamp
    for stamp in range(states[0][0], last + 1):
        expected = by_stamp.get(stamp, _state_at(states, stamp))
        if stamp < oldest:
            with pytest.raises(pyram.HistoryError, match="pruned"):
                db.all(Item.select(), as_of=stamp)
            continue
        rows = db.all(Item.select().order_by(Item.id), as_of=stamp)
        assert {r.id: r.val for r in rows} == expected, stamp
        sql = db.sql(f"SELECT id, val FROM item FOR SYSTEM_TIME AS OF {stamp} ORDER BY id")
        assert dict(sql.raw_rows) == expected
        assert db.count(Item, as_of=stamp) == len(expected)
    # wall-clock points: the state of the newest commit at or before that time
    for _stamp, when, _state in states:
        newest = [(ts, s) for ts, t, s in states if t <= when][-1]
        expected = newest[1]
        if newest[0] >= oldest:
            for key in range(7):
                got = db.get(Item, key, as_of=_when(when))
                assert (got.val if got else None) == expected.get(key)
    _check_row_history(db, states, oldest)


def _state_at(states: list[tuple[int, float, dict[int, str]]], stamp: int) -> dict[int, str]:
    return [s for ts, _t, s in states if ts <= stamp][-1]


def _oldest_readable(
    states: list[tuple[int, float, dict[int, str]]],
    writes: list[int],
    retention: pyram.Retention,
    now: float,
) -> int:
    """The model of pruning: a commit that wrote the table is dropped when more than
    ``commits`` newer ones exist or it is older than ``time``; the oldest readable stamp is
    then the newest dropped commit."""
    clock_of = {stamp: t for stamp, t, _s in states}
    dropped = [
        w
        for i, w in enumerate(writes)
        if (retention.commits is not None and len(writes) - i > retention.commits)
        or (retention.seconds is not None and now - clock_of[w] > retention.seconds)
    ]
    return max(dropped) if dropped else 0


def _check_row_history(
    db: pyram.Database, states: list[tuple[int, float, dict[int, str]]], oldest: int
) -> None:
    """db.history lists exactly the changes of each key among the readable states."""
    readable = [(ts, s) for ts, _t, s in states if ts >= oldest]
    if oldest > states[0][0]:
        readable.insert(0, (oldest, _state_at(states, oldest)))
    for key in range(7):
        expected: list[tuple[int, str | None]] = []
        for ts, s in readable:
            value = s.get(key)
            if (not expected and value is not None) or (expected and expected[-1][1] != value):
                expected.append((ts, value))
        got = [(v.commit, None if v.row is None else v.row.val) for v in db.history(Item, key)]
        assert got == expected, key


def test_untouched_table_reads_as_it_is() -> None:
    clock = Clock()
    db = pyram.Database(clock=clock, history=timedelta(seconds=30))
    db.create(Item, Other)
    db.insert(Item(id=1, val="a"))
    start = db.commit_stamp
    for i in range(20):
        clock.now += 1
        db.insert(Other(id=i))
    assert db.all(Item.select(), as_of=start) == [Item(id=1, val="a")]
    assert db.get(Item, 1, as_of=_when(clock.now - 19.5)) == Item(id=1, val="a")
    assert db.count(Other, as_of=_when(clock.now - 5.5)) == 14


def test_errors_name_the_problem() -> None:
    clock = Clock()
    db = pyram.Database(clock=clock)
    db.create(Item, Other)
    with pytest.raises(pyram.HistoryError, match="no table keeps history"):
        db.all(Item.select(), as_of=0)
    db.set_history(Item, 2)
    start = db.commit_stamp
    for i in range(5):
        clock.now += 1
        db.insert(Item(id=i, val="x"))
    with pytest.raises(pyram.HistoryError, match="table other keeps no history"):
        db.sql(f"SELECT * FROM other FOR SYSTEM_TIME AS OF {start}")
    with pytest.raises(pyram.HistoryError, match="pruned: the oldest readable commit is"):
        db.all(Item.select(), as_of=start)
    with pytest.raises(pyram.HistoryError, match="in the future"):
        db.get(Item, 1, as_of=db.commit_stamp + 1)
    with pytest.raises(pyram.HistoryError, match="no history reaches back"):
        db.all(Item.select(), as_of=datetime(2000, 1, 1))
    with pytest.raises(pyram.ProgrammingError, match="cannot read 'yesterday' as a time"):
        db.all(Item.select(), as_of="yesterday")
    with pytest.raises(pyram.ProgrammingError, match="constant time text or commit stamp"):
        db.sql("SELECT * FROM item FOR SYSTEM_TIME AS OF ?", (1,))
    with pytest.raises(pyram.ProgrammingError, match="a positive integer"):
        pyram.Retention(commits=0)
    with pytest.raises(pyram.ProgrammingError, match="needs a time"):
        pyram.Retention()
    # the database is unchanged by the failed reads
    assert db.count(Item) == 5


def test_history_off_keeps_no_versions_and_switching_off_frees_them() -> None:
    db = pyram.Database()
    db.create(Item, Other)
    db.set_history(Item, 100)
    for i in range(50):
        db.insert(Item(id=i, val="x"))
        db.insert(Other(id=i))
    item, other = db._store.data("item"), db._store.data("other")
    assert item.versioned and not other.versioned  # only the history table keeps versions
    assert db._store.snapshots.history is not None
    assert db._store.snapshots.history.kept_commits("item") == 50
    db.set_history(Item, None)
    assert not item.versioned  # nobody reads them: freed at once
    with pytest.raises(pyram.HistoryError, match="keeps no history"):
        db.all(Item.select(), as_of=3)


def test_time_retention_prunes_incrementally_and_bounds_memory() -> None:
    clock = Clock()
    db = pyram.Database(clock=clock, history=timedelta(seconds=10))
    db.create(Item)
    history = db._store.snapshots.history
    assert history is not None
    for i in range(200):
        clock.now += 1
        db.upsert(Item(id=i % 5, val=str(i)))
        assert history.kept_commits("item") <= 11  # never more than the window holds
    ten_ago = _when(clock.now - 10)
    assert [r.val for r in db.all(Item.select().order_by(Item.id), as_of=ten_ago)] == [
        "185",
        "186",
        "187",
        "188",
        "189",
    ]
    with pytest.raises(pyram.HistoryError, match="pruned"):
        db.all(Item.select(), as_of=_when(clock.now - 12))


def test_an_open_past_read_holds_its_versions_while_pruning_goes_on() -> None:
    db = pyram.Database(history=1)
    db.create(Item)
    db.insert(Item(id=1, val="a"))
    stamp = db.commit_stamp
    rows = db.iter(pyram.select(Item.val).order_by(Item.id))  # ordinary snapshot iterator
    past = db._store.reading_past(stamp)
    view = past.__enter__()
    try:
        for i in range(5):
            db.upsert(Item(id=1, val=str(i)))  # retention 1 would prune commit `stamp`...
        assert db.all(Item.select(), as_of=stamp) == [Item(id=1, val="a")]  # ...but not yet
        assert view.ts == stamp
    finally:
        past.__exit__(None, None, None)
    assert list(rows) == [("4",)]
    db.upsert(Item(id=1, val="z"))
    with pytest.raises(pyram.HistoryError, match="pruned"):
        db.all(Item.select(), as_of=stamp)


def test_sql_mixes_past_and_present_and_joins_them() -> None:
    db = pyram.Database(history=10)
    db.sql("CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER)")
    db.sql("INSERT INTO acct VALUES (1, 100), (2, 50)")
    before = db.commit_stamp
    db.sql("UPDATE acct SET balance = balance - 30 WHERE id = 1")
    db.sql("DELETE FROM acct WHERE id = 2")
    result = db.sql(
        "SELECT now.id, old.balance, now.balance "
        f"FROM acct FOR SYSTEM_TIME AS OF {before} AS old "
        "LEFT JOIN acct AS now ON now.id = old.id ORDER BY old.id"
    )
    assert result.raw_rows == [(1, 100, 70), (None, 50, None)]
    when = _when(db._store.snapshots.history.time_of(before))  # type: ignore[union-attr]
    text = when.strftime("%Y-%m-%d %H:%M:%S.%f")
    past = db.sql(f"SELECT sum(balance) FROM acct FOR SYSTEM_TIME AS OF '{text}' WHERE id > 0")
    assert past.raw_rows == [(150,)]
    plan = db.sql(f"EXPLAIN QUERY PLAN SELECT * FROM acct FOR SYSTEM_TIME AS OF {before}")
    assert "SCAN acct" in str(plan.raw_rows)


def test_model_history_option_and_altered_tables() -> None:
    @pyram.table(name="note", history=timedelta(hours=1))
    class Note(pyram.Table):
        id: pyram.Col[int] = pyram.column(primary_key=True)
        body: pyram.Col[str]

    db = pyram.Database()
    db.create(Note)
    db.insert(Note(id=1, body="a"))
    first = db.commit_stamp
    db.update(Note(id=1, body="b"))
    assert db.get(Note, 1, as_of=first) == Note(id=1, body="a")
    db.sql("ALTER TABLE note ADD COLUMN extra INTEGER")
    db.sql("UPDATE note SET body = 'c'")
    # the history restarts at a schema change: reading before it is refused, after it works
    with pytest.raises(pyram.HistoryError):
        db.sql(f"SELECT * FROM note FOR SYSTEM_TIME AS OF {first}")
    now = db.sql(f"SELECT body FROM note FOR SYSTEM_TIME AS OF {db.commit_stamp}")
    assert now.raw_rows == [("c",)]


def test_as_of_inside_transactions_at_every_isolation_level() -> None:
    db = pyram.Database(history=100)
    db.create(Item)
    db.insert(Item(id=1, val="a"))
    stamp = db.commit_stamp
    db.update(Item(id=1, val="b"))
    for level in ("read_committed", "snapshot", "serializable"):
        with db.transaction(level):  # type: ignore[arg-type]
            db.update(Item(id=1, val="mine"))  # uncommitted: invisible to the past
            assert db.get(Item, 1, as_of=stamp) == Item(id=1, val="a")
            assert db.all(Item.select(), as_of=stamp) == [Item(id=1, val="a")]
            assert db.get(Item, 1) == Item(id=1, val="mine")
        assert db.get(Item, 1, as_of=db.commit_stamp) == Item(id=1, val="mine")
        db.update(Item(id=1, val="b"))


def test_durable_database_history_is_in_memory_and_starts_at_opening(tmp_path: Any) -> None:
    clock = Clock()
    path = tmp_path / "app.pyram"
    db = pyram.Database(path, clock=clock, history=100)
    db.create(Item)
    db.insert(Item(id=1, val="a"))
    first = db.commit_stamp
    clock.now += 10
    db.update(Item(id=1, val="b"))
    assert db.get(Item, 1, as_of=first) == Item(id=1, val="a")  # within the session: readable
    before_close = _when(clock.now - 5)
    db.close()
    clock.now += 10
    db = pyram.Database(path, clock=clock, history=100)
    db.create(Item)  # attaches the stored table
    assert db.get(Item, 1) == Item(id=1, val="b")  # the data survived, the history did not
    with pytest.raises(pyram.HistoryError, match="history then had not begun"):
        db.get(Item, 1, as_of=before_close)
    db.update(Item(id=1, val="c"))
    assert db.get(Item, 1, as_of=_when(clock.now)) == Item(id=1, val="c")
    db.close()


def test_time_travel_benchmark_suite_measures_and_checks_its_answers() -> None:
    from benchmarks.time_travel import run_time_travel

    ratios = run_time_travel([500], 50, 1, lambda message: None)
    assert [r.workload for r in ratios] == [
        "update (history off)",
        "update tx (history off)",
        "update (history on)",
        "update tx (history on)",
        "scan now (history on)",
        "scan as of the start",
    ]
    assert all(r.pyram is not None and r.pyram > 0 and r.sqlite for r in ratios)


def test_a_recreated_table_does_not_answer_for_the_dropped_one() -> None:
    db = pyram.Database(history=10)
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    db.sql("INSERT INTO t VALUES (1), (2)")
    full = db.commit_stamp
    db.sql("DROP TABLE t")
    db.sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    with pytest.raises(pyram.HistoryError, match="dropped and created again"):
        db.sql(f"SELECT * FROM t FOR SYSTEM_TIME AS OF {full}")
    db.sql("INSERT INTO t VALUES (3)")
    assert db.sql(f"SELECT id FROM t FOR SYSTEM_TIME AS OF {db.commit_stamp}").raw_rows == [(3,)]
    with pytest.raises(pyram.HistoryError):
        db.sql(f"SELECT * FROM t FOR SYSTEM_TIME AS OF {full}")


def test_every_query_method_reads_the_past() -> None:
    db = pyram.Database(history=10)
    db.create(Item)
    db.insert(Item(id=1, val="a"))
    then = db.commit_stamp
    db.update(Item(id=1, val="b"))
    db.insert(Item(id=2, val="c"))
    by_id = pyram.select(Item.val).where(Item.id == pyram.param("k"))
    assert db.first(by_id, k=1, as_of=then) == ("a",)
    assert db.first(by_id, k=2, as_of=then) is None
    assert db.one(Item.select(), as_of=then) == Item(id=1, val="a")
    assert db.one_or_none(by_id, {"k": 2}, as_of=then) is None
    assert db.scalars(pyram.select(Item.val), as_of=then) == ["a"]
    assert db.scalar(by_id, k=1, as_of=then) == "a"
    assert db.scalar(by_id, k=1) == "b"
