"""TableData: columnar layout, O(1) deletes by marking, in-place updates, compaction."""

from __future__ import annotations

import decimal
from array import array
from itertools import compress

from models import User

import pyram
from pyram import Col, column
from pyram.catalog import IndexSpec
from pyram.storage import TableData
from pyram.storage.table_data import COMPACT_MIN_DEAD


def make(n: int) -> TableData:
    data = TableData(pyram.schema_of(User))
    data.append([list(range(n)), ["n"] * n, [i % 7 for i in range(n)], [f"e{i}" for i in range(n)]])
    return data


def test_append_is_columnar_and_indexed() -> None:
    data = make(10)
    assert list(data.columns[0]) == list(range(10))  # the INTEGER key: packed ints
    assert data.row(3) == (3, "n", 3, "e3")
    assert data.live_count == 10 and data.slot_count == 10
    assert data.indexes["user_pkey"].get(4) == 4
    assert sorted(data.indexes["user_age_idx"].lookup(3)) == [3]


def test_delete_marks_dead_without_shifting() -> None:
    data = make(10)
    data.delete([2, 5])
    assert data.slot_count == 10  # nothing shifted: row ids stay stable
    assert data.row(6) == (6, "n", 6, "e6")
    assert data.row(2) == (0, None, None, None)  # values released (the packed key: 0)
    assert data.live_rids() == [0, 1, 3, 4, 6, 7, 8, 9]
    assert list(compress(data.columns[0], data.alive)) == [0, 1, 3, 4, 6, 7, 8, 9]
    assert data.indexes["user_pkey"].get(2) is None
    assert not data.is_live(2) and data.is_live(3)


def test_update_moves_index_entries() -> None:
    data = make(5)
    data.update(1, {2: 99, 3: "new"})
    assert data.row(1) == (1, "n", 99, "new")
    assert data.indexes["user_age_idx"].lookup(99) == [1]
    assert data.indexes["user_age_idx"].lookup(1) == []
    assert data.indexes["user_email_key"].get("e1") is None
    assert data.indexes["user_email_key"].get("new") == 1


def test_compaction_renumbers_and_rebuilds_indexes() -> None:
    n = COMPACT_MIN_DEAD * 3
    data = make(n)
    data.delete(range(0, n - 100))  # many more dead than live: compacts
    assert data.slot_count == 100 and data.live_count == 100
    assert list(data.columns[0]) == list(range(n - 100, n))
    assert data.indexes["user_pkey"].get(n - 1) == 99
    assert data.indexes["user_pkey"].get(0) is None
    assert len(data.indexes["user_age_idx"]) == 100


def test_compaction_renumbers_sorted_index_entries_like_a_rebuild() -> None:
    # scattered deletes (dead rows between live ones), repeated keys, random key order: the
    # renumbered entries must equal an index built afresh from the compacted columns
    n = COMPACT_MIN_DEAD * 3
    data = TableData(pyram.schema_of(User))
    order = [(i * 7919) % n for i in range(n)]
    data.append([order, ["n"] * n, [i % 13 for i in range(n)], [f"e{i}" for i in range(n)]])
    doomed = [rid for rid in range(n) if rid % 5 != 0]
    data.delete(doomed)
    assert data.slot_count == data.live_count == len(range(0, n, 5))  # compacted
    for name, index in data.indexes.items():
        fresh = type(index)(name, index.columns, unique=index.unique)
        positions = data.key_positions(name)
        fresh.insert_many(data.keys_of(positions, data.live_rids()), data.live_rids())
        assert list(index.ordered()) == list(fresh.ordered()), name
    assert data.indexes["user_pkey"].get(order[5]) == 1
    assert sorted(data.indexes["user_age_idx"].lookup(5)) == [
        rid for rid in range(data.live_count) if data.row(rid)[2] == 5
    ]


def test_few_deletes_do_not_compact() -> None:
    data = make(100)
    data.delete(range(60))
    assert data.slot_count == 100  # below the minimum: stays sparse


def test_add_index_over_existing_rows_and_clear() -> None:
    data = make(20)
    data.delete([0])
    index = data.add_index(IndexSpec("by_name_age", ("name", "age"), "sorted"))
    assert sorted(index.lookup(("n", 3))) == [3, 10, 17]
    assert len(index) == 19
    data.clear()
    assert data.live_count == 0 and data.live_rids() == [] and len(index) == 0


def test_low_cardinality_values_share_objects() -> None:
    data = TableData(pyram.schema_of(User))
    n = 5000
    names = ["".join(["na", "me", str(i % 4)]) for i in range(n)]  # equal strings, distinct objects
    assert names[0] is not names[4]
    data.append([list(range(n)), names, [i % 10 for i in range(n)], [f"e{i}" for i in range(n)]])
    stored = data.columns[1]
    assert stored[0] is stored[4] and stored == names  # deduplicated, values unchanged
    emails = data.columns[3]
    assert len({id(e) for e in emails}) == n  # unique values are left alone
    assert data._memos[3] is None  # ...and that column stops being examined


def test_rows_appended_one_by_one_share_objects_too() -> None:
    """A cache is filled a row (or a few) at a time: those rows are deduplicated as well."""
    data = TableData(pyram.schema_of(User))
    for i in range(3000):
        data.append([[i], ["".join(["na", "me", str(i % 4)])], [i % 10], [f"e{i}"]])
    stored = data.columns[1]
    assert stored[0] is stored[4] and stored[1] == "name1"
    assert data._memos[3] is None  # the unique emails were given up on after the sample


def test_equal_values_that_read_differently_are_never_shared() -> None:
    """0.0 and -0.0, Decimal("1.0") and Decimal("1.00") are equal but not interchangeable."""

    @pyram.table
    class Measure(pyram.Table):
        id: Col[int] = column(primary_key=True)
        x: Col[float | None]
        d: Col[decimal.Decimal | None]

    data = TableData(pyram.schema_of(Measure))
    n = 4000
    xs = [0.0 if i % 2 else -0.0 for i in range(n)]
    ds = [decimal.Decimal("1.0") if i % 2 else decimal.Decimal("1.00") for i in range(n)]
    data.append([list(range(n)), xs, ds])
    for i in (0, 1, n - 1):
        assert repr(data.columns[1][i]) == repr(xs[i]) and str(data.columns[2][i]) == str(ds[i])


def test_an_integer_primary_key_is_packed_with_its_index() -> None:
    """No int object per row for the key: the column and its index hold machine ints; a key
    beyond 64 bits turns both back into objects, and everything still reads the same."""
    data = TableData(pyram.schema_of(User))
    data.append([list(range(3000)), ["n"] * 3000, [1] * 3000, [None] * 3000])
    index = data.indexes["user_pkey"]
    assert isinstance(data.columns[0], array) and data.columns[0].typecode == "q"
    assert all(isinstance(chunk, array) for chunk in index._keys)
    assert index.get(2999) == 2999 and list(index.range(10, 12)) == [10, 11, 12]
    big = 2**70
    data.append([[big, -big], ["b", "c"], [1, 1], [None, None]])
    assert isinstance(data.columns[0], list) and data.columns[0][3000] == big
    assert all(isinstance(chunk, list) for chunk in index._keys)
    assert index.get(big) == 3000 and index.get(-big) == 3001 and index.get(5) == 5
    data.update(5, {0: big + 1})
    assert data.columns[0][5] == big + 1 and index.get(big + 1) == 5


def test_not_null_real_columns_are_packed_doubles() -> None:
    @pyram.table
    class Reading(pyram.Table):
        id: Col[int] = column(primary_key=True)
        value: Col[float] = column(index=True)
        maybe: Col[float | None] = None

    data = TableData(pyram.schema_of(Reading))
    n = COMPACT_MIN_DEAD * 3
    data.append([list(range(n)), [i / 2 for i in range(n)], [None] * n])
    assert isinstance(data.columns[1], array) and data.columns[1].typecode == "d"
    assert isinstance(data.columns[2], list)  # nullable: objects (None needs a slot)
    data.update(5, {1: 99999.5})
    assert data.row(5) == (5, 99999.5, None)
    assert data.indexes["reading_value_idx"].lookup(99999.5) == [5]
    data.delete(range(0, n - 10))  # compacts
    assert isinstance(data.columns[1], array) and data.live_count == 10
    assert list(data.columns[1]) == [i / 2 for i in range(n - 10, n)]
    assert data.indexes["reading_value_idx"].lookup((n - 1) / 2) == [9]


def test_dense_integer_keys_are_found_by_arithmetic_and_verified() -> None:
    data = make(10)  # ids 0..9 at rows 0..9
    assert data.probe_dense(0, 7) == 7
    assert data.probe_dense(0, 10) is None and data.probe_dense(0, -1) is None
    data.delete([7])
    assert data.probe_dense(0, 7) is None  # dead row: not a match
    data.update(3, {0: 100})
    assert data.probe_dense(0, 3) is None  # the value moved: the guess is checked
    assert data.probe_dense(0, 100) is None  # ...and found by the index instead


def test_primary_key_lookups_stay_correct_for_sparse_and_moved_keys() -> None:
    db = pyram.Database()
    db.create(User)
    db.insert_many(User(id=i * 3, name="n", age=1) for i in range(50))  # sparse keys
    db.insert(User(id=1, name="one", age=1))
    assert db.get(User, 1) == User(id=1, name="one", age=1)
    assert db.get(User, 30) == User(id=30, name="n", age=1)
    assert db.get(User, 31) is None
    q = User.select().where(User.id.eq(pyram.param("id", int)))
    assert [u.id for u in (db.first(q, id=k) for k in (0, 1, 2, 147)) if u] == [0, 1, 147]
