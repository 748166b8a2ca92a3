"""Tests of HashIndex: unit tests per method, a model-based state machine, a 200k-entry soak."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pyram.errors import InternalError
from pyram.storage.indexes import HashIndex, Index, key_is_null


def make(unique: bool = False, columns: tuple[str, ...] = ("a",)) -> HashIndex:
    return HashIndex("ix", columns, unique=unique)


def check_structure(idx: HashIndex) -> None:
    """Internal invariants: sets hold >= 2 rids, NULL keys are never dict keys, sizes add up."""
    if idx.unique:
        assert not idx._multi
        entries = len(idx._unique_map)
        keys = list(idx._unique_map)
    else:
        assert not idx._unique_map
        entries = sum(len(v) if isinstance(v, set) else 1 for v in idx._multi.values())
        assert all(len(v) >= 2 for v in idx._multi.values() if isinstance(v, set))
        keys = list(idx._multi)
    assert not any(key_is_null(k, idx.composite) for k in keys)
    assert len(idx) == entries + len(idx._nulls)


# ---------------------------------------------------------------- unit tests


def test_attributes_and_protocol() -> None:
    idx = HashIndex("by_ab", ("a", "b"), unique=False)
    assert (idx.name, idx.columns, idx.unique, idx.composite, idx.kind) == (
        "by_ab",
        ("a", "b"),
        False,
        True,
        "hash",
    )
    assert not make().composite
    assert isinstance(idx, Index)


@pytest.mark.parametrize("unique", [False, True])
def test_empty_index(unique: bool) -> None:
    idx = make(unique)
    assert len(idx) == 0 and idx.distinct_keys() == 0
    assert idx.lookup(1) == [] and idx.get(1) is None and not idx.contains(1)
    assert idx.lookup_many([1, None]) == [] and idx.null_rids() == []
    with pytest.raises(InternalError):
        idx.remove(1, 0)
    with pytest.raises(InternalError):
        idx.remove(None, 0)


def test_unique_basics() -> None:
    idx = make(unique=True)
    idx.insert("x", 3)
    idx.insert("y", 1)
    assert idx.get("x") == 3 and idx.lookup("y") == [1] and idx.lookup("z") == []
    assert idx.contains("x") and not idx.contains("z")
    assert idx.lookup_many(["y", "x", "y", "q"]) == [1, 3]
    with pytest.raises(InternalError):
        idx.insert("x", 9)
    with pytest.raises(InternalError):
        idx.remove("x", 1)  # key exists but maps to another row
    idx.remove("x", 3)
    assert not idx.contains("x") and len(idx) == 1 and idx.distinct_keys() == 1


def test_non_unique_duplicates() -> None:
    idx = make()
    for rid in (9, 2, 5):
        idx.insert("k", rid)
    idx.insert("j", 1)
    assert idx.lookup("k") == [2, 5, 9] and idx.get("k") == 2
    assert idx.lookup_many(["k", "j", "k"]) == [1, 2, 5, 9]
    assert len(idx) == 4 and idx.distinct_keys() == 2
    with pytest.raises(InternalError):
        idx.insert("k", 5)
    with pytest.raises(InternalError):
        idx.insert("j", 1)
    with pytest.raises(InternalError):
        idx.remove("k", 1)
    idx.remove("k", 5)
    idx.remove("k", 9)
    check_structure(idx)
    assert idx.lookup("k") == [2] and idx.get("k") == 2
    idx.remove("k", 2)
    assert not idx.contains("k") and idx.distinct_keys() == 1
    with pytest.raises(InternalError):
        idx.remove("k", 2)


@pytest.mark.parametrize("unique", [False, True])
def test_nulls_and_composite(unique: bool) -> None:
    idx = make(unique, ("a", "b"))
    idx.insert((1, None), 0)
    idx.insert((1, None), 1)  # NULL keys never conflict
    idx.insert((None, None), 2)
    idx.insert((1, 2), 3)
    assert idx.null_rids() == [0, 1, 2]
    assert idx.lookup((1, None)) == [] and idx.get((1, None)) is None
    assert not idx.contains((1, None)) and idx.lookup((1, 2)) == [3]
    assert idx.lookup_many([(1, None), (1, 2)]) == [3]
    assert len(idx) == 4 and idx.distinct_keys() == 1
    idx.remove((None, 5), 1)  # a NULL entry is identified by its row
    assert idx.null_rids() == [0, 2]
    with pytest.raises(InternalError):
        idx.insert(None, 0)
    with pytest.raises(InternalError):
        idx.remove(None, 1)


def test_insert_many_paths_and_errors() -> None:
    uniq = make(unique=True)
    uniq.insert_many([1, None, 2, None], [0, 1, 2, 3])
    uniq.insert_many([5, 6], [4, 5])  # non-empty: disjointness check + update
    assert uniq.null_rids() == [1, 3] and uniq.lookup_many([1, 2, 5, 6]) == [0, 2, 4, 5]
    bad: list[tuple[list[int | None], list[int]]] = [
        ([7, 7], [8, 9]),
        ([2], [8]),
        ([None], [3]),
        ([None, None], [8, 8]),
    ]
    for keys, rids in bad:
        with pytest.raises(InternalError):
            uniq.insert_many(keys, rids)
    with pytest.raises(InternalError):
        uniq.insert_many([1], [])
    assert len(uniq) == 6
    multi = make()
    multi.insert_many([1, 2, 3], [0, 1, 2])  # distinct: single dict build
    multi.insert_many([1, 1, 4], [3, 4, 5])  # duplicates: per-entry path
    assert multi.lookup(1) == [0, 3, 4] and multi.distinct_keys() == 4
    with pytest.raises(InternalError):
        multi.insert_many([9, 8, 1], [6, 7, 3])  # last entry exists: rolled back
    assert not multi.contains(9) and len(multi) == 6
    fresh = make()
    fresh.insert_many([1, 1, 2], [0, 1, 2])  # empty but not distinct: falls back to loop
    assert fresh.lookup(1) == [0, 1] and len(fresh) == 3
    check_structure(fresh)


@pytest.mark.parametrize("unique", [False, True])
def test_clear_and_rebuild(unique: bool) -> None:
    idx = make(unique)
    idx.insert_many([1, None, 2], [0, 1, 2])
    idx.rebuild([2, None], [0, 1])
    assert idx.lookup(2) == [0] and not idx.contains(1) and idx.null_rids() == [1]
    idx.clear()
    assert len(idx) == 0 and idx.distinct_keys() == 0 and idx.null_rids() == []


@pytest.mark.parametrize("unique", [True, False])
def test_remove_many_removes_exactly_the_batch(unique: bool) -> None:
    idx = make(unique)
    idx.insert_many([10, 11, 12, None, 14], [0, 1, 2, 3, 4])
    idx.remove_many([10, 12], [0, 2])
    assert not idx.contains(10) and not idx.contains(12) and idx.get(11) == 1
    assert len(idx) == 3
    check_structure(idx)
    idx.remove_many([None, 14], [3, 4])  # NULL keys take the entry-by-entry path
    assert idx.null_rids() == [] and len(idx) == 1


def test_remove_many_of_a_missing_entry_changes_nothing() -> None:
    idx = make(unique=True)
    idx.insert_many([10, 11, 12], [0, 1, 2])
    for keys, rids in (([10, 99], [0, 5]), ([10, 11], [0, 7]), ([10, 10], [0, 0])):
        with pytest.raises(InternalError):
            idx.remove_many(keys, rids)
        assert sorted(idx.lookup_many([10, 11, 12])) == [0, 1, 2] and len(idx) == 3
        check_structure(idx)


@pytest.mark.parametrize("unique", [True, False])
def test_renumber_maps_every_entry_to_its_new_row_id(unique: bool) -> None:
    idx = make(unique)
    keys = [5, 6, None, 7, 5, 8] if not unique else [5, 6, None, 7, 9, 8]
    idx.insert_many(keys, range(6))
    new_rid = [0, -1, 1, 2, -1, 3]  # rows 1 and 4 dropped by a compaction
    idx.remove_many([keys[1], keys[4]], [1, 4])
    idx.renumber(new_rid)
    rebuilt = make(unique)
    rebuilt.insert_many([keys[0], keys[2], keys[3], keys[5]], range(4))
    for key in (5, 6, 7, 8, 9):
        assert idx.lookup(key) == rebuilt.lookup(key)
    assert idx.null_rids() == rebuilt.null_rids() == [1]
    assert len(idx) == len(rebuilt)
    check_structure(idx)


# ---------------------------------------------------------------- model-based state machine


def machine(
    unique: bool, keys: st.SearchStrategy[Any], composite: bool
) -> type[RuleBasedStateMachine]:
    """Build a state machine comparing a HashIndex with a {rid: key} model."""

    class HashMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            cols = ("a", "b") if composite else ("a",)
            self.idx = HashIndex("ix", cols, unique=unique)
            self.model: dict[int, Any] = {}
            self.next_rid = 0

        def conflicts(self, key: Any) -> bool:
            return unique and not key_is_null(key, composite) and key in self.model.values()

        def fresh_rids(self, n: int) -> list[int]:
            self.next_rid += n
            return list(range(self.next_rid - n, self.next_rid))

        @initialize(ks=st.lists(keys, max_size=12))
        def bulk(self, ks: list[Any]) -> None:
            self.insert_many(ks)

        @rule(key=keys)
        def insert(self, key: Any) -> None:
            (rid,) = self.fresh_rids(1)
            if self.conflicts(key):
                with pytest.raises(InternalError):
                    self.idx.insert(key, rid)
            else:
                self.idx.insert(key, rid)
                self.model[rid] = key

        @rule(ks=st.lists(keys, max_size=6))
        def insert_many(self, ks: list[Any]) -> None:
            rids = self.fresh_rids(len(ks))
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
            nonnull = {k for k in self.model.values() if not key_is_null(k, composite)}
            assert self.idx.null_rids() == sorted(
                r for r, k in self.model.items() if key_is_null(k, composite)
            )
            assert len(self.idx) == len(self.model)
            assert self.idx.distinct_keys() == len(nonnull)
            for k in nonnull:
                assert self.idx.lookup(k) == sorted(r for r, mk in self.model.items() if mk == k)

    return HashMachine


INTS = st.one_of(st.none(), st.integers(0, 12))
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


TestHashInts = case(False, INTS, False)
TestHashIntsUnique = case(True, INTS, False)
TestHashComposite = case(False, PAIRS, True)
TestHashCompositeUnique = case(True, PAIRS, True)


# ---------------------------------------------------------------- soak at realistic size


@pytest.mark.parametrize("unique", [False, True])
def test_200k_bulk_then_random_changes(unique: bool) -> None:
    rng = random.Random(99)
    n = 200_000
    if unique:
        keys: list[int | None] = [k if k % 97 else None for k in rng.sample(range(10**7), n)]
    else:
        keys = [rng.randrange(50_000) if rng.random() > 0.01 else None for _ in range(n)]
    idx = make(unique)
    idx.insert_many(keys, range(n))
    model = dict(enumerate(keys))
    by_key: dict[int, set[int]] = {}
    for rid, key in model.items():
        if key is not None:
            by_key.setdefault(key, set()).add(rid)
    next_rid = n
    for _ in range(20_000):
        if rng.random() < 0.5:
            rid = rng.randrange(next_rid)
            if rid in model:
                key = model.pop(rid)
                idx.remove(key, rid)
                if key is not None:
                    by_key[key].discard(rid)
        else:
            key = rng.randrange(10**7, 2 * 10**7) if unique else rng.randrange(60_000)
            if key in by_key and by_key[key] and unique:
                continue
            idx.insert(key, next_rid)
            model[next_rid] = key
            by_key.setdefault(key, set()).add(next_rid)
            next_rid += 1
    check_structure(idx)
    assert len(idx) == len(model)
    assert idx.null_rids() == sorted(r for r, k in model.items() if k is None)
    assert idx.distinct_keys() == sum(1 for rids in by_key.values() if rids)
    for key in rng.sample(sorted(by_key), 2000):
        assert idx.lookup(key) == sorted(by_key[key])
