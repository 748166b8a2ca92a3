"""Tests of SortedIndex: unit tests per method, a model-based state machine, a 200k-entry soak."""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from pyram.errors import InternalError
from pyram.storage.indexes import UNBOUNDED, Index, SortedIndex, key_is_null
from pyram.storage.indexes import sorted_index as sorted_mod


@pytest.fixture
def small_chunks() -> Iterator[None]:
    """Shrink chunks so a handful of entries exercises splits, merges and cross-chunk runs."""
    old = sorted_mod._LOAD
    sorted_mod._LOAD = 2
    yield
    sorted_mod._LOAD = old


def check_structure(idx: SortedIndex) -> None:
    """Internal invariants: chunk shapes, maxima, global (key, rid) order, counters."""
    load = sorted_mod._LOAD
    assert len(idx._keys) == len(idx._rids) == len(idx._max_keys) == len(idx._max_rids)
    flat: list[tuple[Any, int]] = []
    maxes = zip(idx._max_keys, idx._max_rids, strict=True)
    for keys, rids, mx in zip(idx._keys, idx._rids, maxes, strict=True):
        assert keys and len(keys) == len(rids) <= 2 * load
        assert mx == (keys[-1], rids[-1])
        flat.extend(zip(keys, rids, strict=True))
    assert flat == sorted(flat)
    assert idx._size == len(flat)
    assert idx._distinct == len({k for k, _ in flat})


def make(unique: bool = False, columns: tuple[str, ...] = ("a",)) -> SortedIndex:
    return SortedIndex("ix", columns, unique=unique)


# ---------------------------------------------------------------- unit tests


def test_attributes_and_protocol() -> None:
    idx = SortedIndex("by_ab", ("a", "b"), unique=True)
    assert (idx.name, idx.columns, idx.unique, idx.composite, idx.kind) == (
        "by_ab",
        ("a", "b"),
        True,
        True,
        "sorted",
    )
    assert not make().composite
    assert isinstance(idx, Index)


def test_empty_index() -> None:
    idx = make()
    assert len(idx) == 0 and idx.distinct_keys() == 0
    assert idx.lookup(1) == [] and idx.get(1) is None and not idx.contains(1)
    assert idx.lookup_many([1, 2]) == [] and idx.null_rids() == []
    assert list(idx.range()) == [] and list(idx.range(1, 5, reverse=True)) == []
    assert list(idx.ordered()) == [] and list(idx.ordered(reverse=True)) == []
    assert idx.min_key() is UNBOUNDED and idx.max_key() is UNBOUNDED
    with pytest.raises(InternalError):
        idx.remove(1, 0)


def test_insert_lookup_duplicates_in_rid_order() -> None:
    idx = make()
    for rid, key in [(5, "b"), (1, "a"), (3, "b"), (0, "c"), (4, "b")]:
        idx.insert(key, rid)
    assert idx.lookup("b") == [3, 4, 5]
    assert idx.get("b") == 3 and idx.get("z") is None
    assert idx.contains("a") and not idx.contains("z")
    assert idx.lookup_many(["c", "a", "a", "zz"]) == [0, 1]
    assert len(idx) == 5 and idx.distinct_keys() == 3
    assert list(idx.ordered()) == [1, 3, 4, 5, 0]
    assert list(idx.ordered(reverse=True)) == [0, 5, 4, 3, 1]
    assert (idx.min_key(), idx.max_key()) == ("a", "c")


def test_nulls_are_separate() -> None:
    idx = make(unique=True)
    idx.insert(None, 7)
    idx.insert(None, 2)
    idx.insert(10, 1)
    assert idx.null_rids() == [2, 7]
    assert idx.lookup(None) == [] and idx.get(None) is None and not idx.contains(None)
    assert list(idx.range(None, 100)) == [] and list(idx.range(0, None)) == []
    assert len(idx) == 3 and idx.distinct_keys() == 1
    assert list(idx.ordered()) == [2, 7, 1]
    assert list(idx.ordered(reverse=True)) == [1, 7, 2]
    assert list(idx.ordered(nulls_first=False)) == [1, 2, 7]
    assert list(idx.ordered(reverse=True, nulls_first=True)) == [7, 2, 1]
    assert idx.min_key() == 10
    idx.remove(None, 7)
    assert idx.null_rids() == [2]
    with pytest.raises(InternalError):
        idx.remove(None, 7)
    with pytest.raises(InternalError):
        idx.insert(None, 2)


def test_composite_nulls_and_lookup() -> None:
    idx = make(unique=True, columns=("a", "b"))
    idx.insert((1, None), 0)
    idx.insert((None, "x"), 1)
    idx.insert((1, "x"), 2)
    idx.insert((1, None), 3)  # NULL keys never conflict, even in a unique index
    assert idx.null_rids() == [0, 1, 3]
    assert idx.lookup((1, "x")) == [2] and idx.lookup((1, None)) == []
    assert list(idx.prefix((1,))) == [2] and list(idx.prefix((None,))) == []
    with pytest.raises(InternalError):
        idx.insert((1, "x"), 9)


def test_unique_violation_and_exact_duplicates() -> None:
    idx = make(unique=True)
    idx.insert(1, 0)
    with pytest.raises(InternalError):
        idx.insert(1, 1)
    dup = make()
    dup.insert(1, 0)
    with pytest.raises(InternalError):
        dup.insert(1, 0)
    assert len(idx) == 1 and len(dup) == 1


def test_remove_and_missing(small_chunks: None) -> None:
    idx = make()
    idx.insert_many([3, 1, 2, 3, 3], [0, 1, 2, 3, 4])
    idx.remove(3, 3)
    assert idx.lookup(3) == [0, 4]
    for key, rid in [(3, 3), (3, 99), (7, 0), (0, 1)]:
        with pytest.raises(InternalError):
            idx.remove(key, rid)
    for key, rid in [(3, 0), (3, 4), (1, 1), (2, 2)]:
        idx.remove(key, rid)
        check_structure(idx)
    assert len(idx) == 0 and idx.distinct_keys() == 0 and idx.min_key() is UNBOUNDED


def test_range_bounds(small_chunks: None) -> None:
    idx = make()
    idx.insert_many([1, 2, 2, 3, 5, 8], [10, 20, 21, 30, 50, 80])
    assert list(idx.range(2, 5)) == [20, 21, 30, 50]
    assert list(idx.range(2, 5, low_inclusive=False)) == [30, 50]
    assert list(idx.range(2, 5, high_inclusive=False)) == [20, 21, 30]
    assert list(idx.range(2, 5, reverse=True)) == [50, 30, 21, 20]
    assert list(idx.range(high=2)) == [10, 20, 21]
    assert list(idx.range(low=4)) == [50, 80]
    assert list(idx.range(6, 7)) == [] and list(idx.range(5, 2)) == []
    assert list(idx.range(9)) == [] and list(idx.range(high=0)) == []


def test_composite_partial_bounds() -> None:
    idx = make(columns=("a", "b"))
    keys = [(1, "a"), (1, "b"), (2, "a"), (2, "c"), (3, "a")]
    idx.insert_many(keys, range(5))
    assert list(idx.range((2,), (2,))) == [2, 3]
    assert list(idx.range((1,), (2,), low_inclusive=False)) == [2, 3]
    assert list(idx.range((1,), (3,), high_inclusive=False)) == [0, 1, 2, 3]
    assert list(idx.range((1, "b"), (2, "a"))) == [1, 2]
    assert list(idx.range((1, "b"), (2,), low_inclusive=False)) == [2, 3]
    assert list(idx.prefix(())) == [0, 1, 2, 3, 4]
    assert list(idx.prefix((2, "c"))) == [3]
    assert list(idx.prefix((2,), reverse=True)) == [3, 2]
    with pytest.raises(InternalError):
        list(idx.range(2, 3))
    with pytest.raises(InternalError):
        idx.prefix(2)


def test_string_and_bytes_prefix() -> None:
    idx = make()
    words = ["ab", "abc", "abd", "ac", "b", "a\U0010ffff", "a\U0010ffffz", "a"]
    idx.insert_many(words, range(len(words)))
    assert list(idx.prefix("ab")) == [0, 1, 2]
    assert list(idx.prefix("ab", reverse=True)) == [2, 1, 0]
    assert list(idx.prefix("a\U0010ffff")) == [5, 6]
    assert sorted(idx.prefix("a")) == [0, 1, 2, 3, 5, 6, 7]
    assert list(idx.prefix("")) == list(idx.ordered())
    assert list(idx.prefix("zz")) == [] and list(idx.prefix(None)) == []
    raw = make()
    raw.insert_many([b"\xff\xff", b"\xff", b"a\xff", b"b"], range(4))
    assert list(raw.prefix(b"\xff")) == [1, 0] and list(raw.prefix(b"a")) == [2]
    ints = make()
    ints.insert(1, 0)
    with pytest.raises(InternalError):
        ints.prefix(1)


def test_insert_many_bulk_paths_and_errors() -> None:
    idx = make(unique=True)
    idx.insert_many([5, None, 3, None, 9], [0, 1, 2, 3, 4])
    assert list(idx.ordered()) == [1, 3, 2, 0, 4] and idx.distinct_keys() == 3
    with pytest.raises(InternalError):
        idx.insert_many([1, 2], [5])
    with pytest.raises(InternalError):
        idx.insert_many([7, 7], [5, 6])  # repeats inside the batch (bulk path)
    with pytest.raises(InternalError):
        idx.insert_many([3], [7])  # repeats an existing key (one-by-one path, rolled back)
    with pytest.raises(InternalError):
        idx.insert_many([None], [1])
    big = [20 + i for i in range(10)]
    with pytest.raises(InternalError):
        idx.insert_many([*big, 3], range(100, 111))  # large batch: rebuild path
    assert list(idx.ordered()) == [1, 3, 2, 0, 4] and len(idx) == 5
    multi = make()
    multi.insert_many([1, 1, 2], [0, 1, 2])
    with pytest.raises(InternalError):
        multi.insert_many([1, 4], [1, 3])
    assert list(multi.ordered()) == [0, 1, 2]


def test_insert_many_small_batch_into_large(small_chunks: None) -> None:
    idx = make()
    idx.insert_many([i % 7 for i in range(100)], range(100))
    idx.insert_many([3, 3, None], [200, 150, 300])
    check_structure(idx)
    assert idx.lookup(3) == [*range(3, 100, 7), 150, 200] and idx.null_rids() == [300]


def test_clear_and_rebuild() -> None:
    idx = make()
    idx.insert_many([1, None, 2], [0, 1, 2])
    idx.rebuild([2, None], [0, 1])
    assert list(idx.ordered()) == [1, 0] and len(idx) == 2
    idx.clear()
    assert len(idx) == 0 and list(idx.ordered()) == [] and idx.null_rids() == []


def test_iterators_are_lazy_and_detect_changes(small_chunks: None) -> None:
    idx = make()
    idx.insert_many(range(50), range(50))
    scan = idx.range(10, 40)
    assert next(scan) == 10
    idx.insert(100, 100)
    with pytest.raises(InternalError):
        list(scan)
    stale = idx.ordered()
    idx.remove(100, 100)
    with pytest.raises(InternalError):
        list(stale)


# ---------------------------------------------------------------- model-based state machine


def model_range(
    entries: dict[int, Any], composite: bool, low: Any, high: Any, li: bool, hi: bool
) -> list[int]:
    """Brute force: every entry in bounds, ordered by (key, rid); partial tuple bounds allowed."""
    if key_is_null(low, composite) or key_is_null(high, composite):
        return []

    def cut(key: Any, bound: Any) -> Any:
        return key[: len(bound)] if composite else key

    out = []
    for rid, key in entries.items():
        if key_is_null(key, composite):
            continue
        if low is not UNBOUNDED and not (cut(key, low) >= low if li else cut(key, low) > low):
            continue
        if high is not UNBOUNDED and not (cut(key, high) <= high if hi else cut(key, high) < high):
            continue
        out.append((key, rid))
    return [rid for _, rid in sorted(out)]


def machine(
    unique: bool, keys: st.SearchStrategy[Any], composite: bool
) -> type[RuleBasedStateMachine]:
    """Build a state machine comparing a SortedIndex with a {rid: key} model."""
    bounds = st.one_of(st.just(UNBOUNDED), keys, keys.map(lambda k: k[:1] if composite else k))

    class SortedMachine(RuleBasedStateMachine):
        rids = Bundle("rids")

        def __init__(self) -> None:
            super().__init__()
            self.old_load = sorted_mod._LOAD
            sorted_mod._LOAD = 2
            cols = ("a", "b") if composite else ("a",)
            self.idx = SortedIndex("ix", cols, unique=unique)
            self.model: dict[int, Any] = {}
            self.next_rid = 0

        def teardown(self) -> None:
            sorted_mod._LOAD = self.old_load

        def conflicts(self, key: Any) -> bool:
            return unique and not key_is_null(key, composite) and key in self.model.values()

        @initialize(ks=st.lists(keys, max_size=12))
        def bulk(self, ks: list[Any]) -> None:
            rids = list(range(len(ks)))
            self.next_rid = len(ks)
            nonnull = [k for k in ks if not key_is_null(k, composite)]
            if unique and len(set(nonnull)) != len(nonnull):
                with pytest.raises(InternalError):
                    self.idx.insert_many(ks, rids)
            else:
                self.idx.insert_many(ks, rids)
                self.model.update(zip(rids, ks, strict=True))

        @rule(key=keys)
        def insert(self, key: Any) -> None:
            rid, self.next_rid = self.next_rid, self.next_rid + 1
            if self.conflicts(key):
                with pytest.raises(InternalError):
                    self.idx.insert(key, rid)
            else:
                self.idx.insert(key, rid)
                self.model[rid] = key

        @rule(ks=st.lists(keys, max_size=6))
        def insert_many(self, ks: list[Any]) -> None:
            rids = list(range(self.next_rid, self.next_rid + len(ks)))
            self.next_rid += len(ks)
            nonnull = [k for k in ks if not key_is_null(k, composite)]
            if unique and (len(set(nonnull)) != len(nonnull) or any(map(self.conflicts, ks))):
                with pytest.raises(InternalError):
                    self.idx.insert_many(ks, rids)
            else:
                self.idx.insert_many(ks, rids)
                self.model.update(zip(rids, ks, strict=True))

        @precondition(lambda self: bool(self.model))
        @rule(data=st.data())
        def remove(self, data: st.DataObject) -> None:
            rid = data.draw(st.sampled_from(sorted(self.model)))
            self.idx.remove(self.model.pop(rid), rid)

        @precondition(lambda self: bool(self.model))
        @rule(data=st.data())
        def remove_many(self, data: st.DataObject) -> None:
            # a batch in any order (an eviction's victims): unique indexes find each entry
            # and delete chunk by chunk, with merges; the invariants below check the shape
            rids = data.draw(st.lists(st.sampled_from(sorted(self.model)), unique=True))
            self.idx.remove_many([self.model[rid] for rid in rids], rids)
            for rid in rids:
                del self.model[rid]

        @rule(key=keys, data=st.data())
        def remove_missing(self, key: Any, data: st.DataObject) -> None:
            rid = data.draw(st.integers(0, self.next_rid))
            if self.model.get(rid, object()) == key:
                return
            if key_is_null(key, composite) and key_is_null(self.model.get(rid), composite):
                return  # NULL entries are identified by rid alone
            with pytest.raises(InternalError):
                self.idx.remove(key, rid)

        @precondition(lambda self: bool(self.model))
        @rule(data=st.data())
        def insert_existing(self, data: st.DataObject) -> None:
            rid = data.draw(st.sampled_from(sorted(self.model)))
            with pytest.raises(InternalError):
                self.idx.insert(self.model[rid], rid)

        @rule()
        def rebuild(self) -> None:
            ks = list(self.model.values())
            self.idx.rebuild(ks, range(len(ks)))
            self.model = dict(enumerate(ks))
            self.next_rid = len(ks)

        @rule(low=bounds, high=bounds)
        def check_range(self, low: Any, high: Any) -> None:
            for li in (True, False):
                for hi in (True, False):
                    want = model_range(self.model, composite, low, high, li, hi)
                    got = self.idx.range(low, high, low_inclusive=li, high_inclusive=hi)
                    assert list(got) == want
                    rev = self.idx.range(
                        low, high, low_inclusive=li, high_inclusive=hi, reverse=True
                    )
                    assert list(rev) == want[::-1]

        @rule(key=keys, data=st.data())
        def check_prefix(self, key: Any, data: st.DataObject) -> None:
            if composite:
                pre = key[: data.draw(st.integers(0, 2))]
            elif isinstance(key, str | bytes):
                pre = key[: data.draw(st.integers(0, len(key)))]
            else:
                return
            if key_is_null(pre, composite):
                want: list[int] = []
            else:
                want = [
                    r
                    for k, r in sorted(
                        (k, r)
                        for r, k in self.model.items()
                        if not key_is_null(k, composite)
                        and (k[: len(pre)] == pre if composite else k.startswith(pre))
                    )
                ]
            assert list(self.idx.prefix(pre)) == want
            assert list(self.idx.prefix(pre, reverse=True)) == want[::-1]

        @rule(key=keys, more=st.lists(keys, max_size=4))
        def check_lookup(self, key: Any, more: list[Any]) -> None:
            def want(k: Any) -> list[int]:
                if key_is_null(k, composite):
                    return []
                return sorted(r for r, mk in self.model.items() if mk == k)

            assert self.idx.lookup(key) == want(key)
            assert self.idx.contains(key) == bool(want(key))
            assert self.idx.get(key) == next(iter(want(key)), None)
            assert self.idx.lookup_many([key, *more, key]) == sorted(
                {r for k in [key, *more] for r in want(k)}
            )

        @invariant()
        def check_everything(self) -> None:
            check_structure(self.idx)
            nulls = sorted(r for r, k in self.model.items() if key_is_null(k, composite))
            body = model_range(self.model, composite, UNBOUNDED, UNBOUNDED, True, True)
            assert self.idx.null_rids() == nulls
            assert len(self.idx) == len(self.model)
            assert self.idx.distinct_keys() == len(
                {k for k in self.model.values() if not key_is_null(k, composite)}
            )
            assert list(self.idx.ordered()) == nulls + body
            assert list(self.idx.ordered(reverse=True)) == body[::-1] + nulls[::-1]
            assert list(self.idx.ordered(nulls_first=False)) == body + nulls
            assert list(self.idx.ordered(reverse=True, nulls_first=True)) == (
                nulls[::-1] + body[::-1]
            )
            keys_present = [self.model[r] for r in body]
            assert self.idx.min_key() == (keys_present[0] if body else UNBOUNDED)
            assert self.idx.max_key() == (max(keys_present) if body else UNBOUNDED)

    return SortedMachine


INTS = st.one_of(st.none(), st.integers(0, 12))
TEXT = st.one_of(st.none(), st.text(alphabet="ab\U0010ffff", max_size=3))
RAW = st.one_of(st.none(), st.lists(st.sampled_from([0, 97, 255]), max_size=3).map(bytes))
PAIRS = st.tuples(
    st.one_of(st.none(), st.integers(0, 3)), st.one_of(st.none(), st.sampled_from("abc"))
)
MACHINE_SETTINGS = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def case(unique: bool, keys: st.SearchStrategy[Any], composite: bool) -> Any:
    test_case = machine(unique, keys, composite).TestCase
    test_case.settings = MACHINE_SETTINGS
    return test_case


TestSortedInts = case(False, INTS, False)
TestSortedIntsUnique = case(True, INTS, False)
TestSortedText = case(False, TEXT, False)
TestSortedBytesUnique = case(True, RAW, False)
TestSortedComposite = case(False, PAIRS, True)
TestSortedCompositeUnique = case(True, PAIRS, True)

# ---------------------------------------------------------------- soak at realistic size


def test_200k_bulk_then_random_changes() -> None:
    rng = random.Random(1234)
    n = 200_000
    keys = [rng.randrange(50_000) if rng.random() > 0.01 else None for _ in range(n)]
    order = list(range(n))
    rng.shuffle(order)  # rows not in rid order: exercises the two-pass bulk sort
    idx = make()
    idx.insert_many([keys[r] for r in order], order)
    model = dict(enumerate(keys))
    next_rid = n
    for _ in range(20_000):
        if rng.random() < 0.5:
            rid = rng.randrange(next_rid)
            if rid in model:
                idx.remove(model.pop(rid), rid)
        else:
            key = rng.randrange(60_000)
            idx.insert(key, next_rid)
            model[next_rid] = key
            next_rid += 1
    check_structure(idx)
    assert len(idx) == len(model)
    nulls = sorted(r for r, k in model.items() if k is None)
    body = [r for _, r in sorted((k, r) for r, k in model.items() if k is not None)]
    assert list(idx.ordered()) == nulls + body
    pairs = sorted((k, r) for r, k in model.items() if k is not None)
    for _ in range(300):
        low = rng.randrange(60_000)
        high = low + rng.randrange(600)
        lo, hi = bisect_left(pairs, (low,)), bisect_left(pairs, (high,))
        assert list(idx.range(low, high, high_inclusive=False)) == [r for _, r in pairs[lo:hi]]
        eq = bisect_left(pairs, (low + 1,))
        assert idx.lookup(low) == [r for _, r in pairs[lo:eq]]


@pytest.mark.parametrize("unique", [True, False])
def test_rising_batches_append_without_rebuilding(small_chunks: None, unique: bool) -> None:
    """Batches sorting after the last entry (auto-increment keys) take the append path; the
    index stays exactly what a bulk build of everything gives."""
    idx, reference = make(unique), make(unique)
    keys: list[int] = []
    for batch in range(8):
        # unique: disjoint rising runs; not unique: each batch starts on the last key
        new = [batch * 100 + 2 * i if unique else batch + i // 4 for i in range(7)]
        rids = list(range(len(keys), len(keys) + len(new)))
        idx.insert_many(new, rids)
        keys += new
        check_structure(idx)
    reference.insert_many(keys, range(len(keys)))
    assert list(idx.ordered()) == list(reference.ordered())
    assert idx.distinct_keys() == reference.distinct_keys() == len(set(keys))
    if unique:  # a batch overlapping the tail is not appended: it is refused as a duplicate
        with pytest.raises(InternalError):
            idx.insert_many([keys[-1], 1000], [900, 901])
        assert list(idx.ordered()) == list(reference.ordered())


def test_remove_many_refuses_an_entry_that_is_not_there_and_empties_chunks() -> None:
    idx = SortedIndex("pk", ("k",), unique=True, int_keys=True)
    idx.insert_many(list(range(5000)), list(range(5000)))
    with pytest.raises(InternalError):
        idx.remove_many([1, 2, 3, 4, 9999], [1, 2, 3, 4, 9999])
    with pytest.raises(InternalError):
        idx.remove_many([10, 11, 12, 13], [10, 11, 12, 99])  # the key's row is another
    gone = list(range(0, 5000, 2)) + list(range(1, 4000, 2))
    idx.remove_many([k for k in reversed(gone)], list(reversed(gone)))
    check_structure(idx)
    assert list(idx.ordered()) == list(range(4001, 5000, 2))
    assert idx.get(4001) == 4001 and idx.get(4000) is None


def test_remove_many_finds_every_entry_before_removing_any() -> None:
    # entries over several chunks, the wrong one in the first: nothing may go
    idx = SortedIndex("pk", ("k",), unique=True, int_keys=True)
    idx.insert_many(list(range(5000)), list(range(5000)))
    before = list(idx.ordered())
    with pytest.raises(InternalError):
        idx.remove_many([3, 2500, 2501, 4999], [7, 2500, 2501, 4999])
    assert list(idx.ordered()) == before
    check_structure(idx)


def test_remove_many_of_neighbours_and_scattered_keys() -> None:
    # a run of neighbours (keys that grow with time, evicted oldest first) and scattered
    # keys in one batch, given in any order
    idx = SortedIndex("pk", ("k",), unique=True, int_keys=True)
    idx.insert_many(list(range(5000)), list(range(5000)))
    gone = list(range(100, 400)) + list(range(1000, 5000, 7)) + [4998, 4999]
    idx.remove_many(list(reversed(gone)), list(reversed(gone)))
    check_structure(idx)
    kept = sorted(set(range(5000)) - set(gone))
    assert list(idx.ordered()) == kept
    assert all(idx.get(k) == k for k in kept) and all(idx.get(k) is None for k in gone)


def test_remove_many_when_a_merge_splits_a_chunk_still_losing_entries() -> None:
    # chunk 1 falls below half a load and merges into a nearly full chunk 0, which then
    # splits; chunk 0's own victim sat past the split point and must still be the one removed
    idx = SortedIndex("pk", ("k",), unique=True, int_keys=True)
    idx.insert_many([k * 10 for k in range(3000)], list(range(3000)))
    for n, key in enumerate(range(5, 9000, 10)):  # 900 more entries in chunk 0
        idx.insert(key, 3000 + n)
    assert [len(chunk) for chunk in idx._keys] == [1900, 1000, 1000]
    victims = [(idx._keys[0][1800], idx._rids[0][1800])]
    victims += [(idx._keys[1][i], idx._rids[1][i]) for i in range(600)]
    kept = {
        key: rid
        for keys, rids in zip(idx._keys, idx._rids, strict=True)
        for key, rid in zip(keys, rids, strict=True)
    }
    for key, _ in victims:
        del kept[key]
    idx.remove_many([key for key, _ in victims], [rid for _, rid in victims])
    check_structure(idx)
    assert len(idx) == len(kept) == 3299
    assert all(idx.get(key) == rid for key, rid in kept.items())
    assert all(idx.get(key) is None for key, _ in victims)
