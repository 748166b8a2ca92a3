"""A Hypothesis state machine: a cache table against a model cache, compared after every step.

Inserts, upserts, deletes, rolled-back transactions, point reads, clock moves (forwards and
back: deadlines out of order) and sweeps run on a TTL + LRU table and on a plain
``OrderedDict`` model of the same policy. The table is kept at most ``SAMPLE_SIZE`` rows,
where sampled LRU looks at every row and so must match exact LRU.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import pyram
from pyram import Col, column

TTL = 10.0
CAPACITY = 4


@pyram.table(ttl=TTL, max_rows=CAPACITY, evict="lru")
class Entry(pyram.Table):
    key: Col[int] = column(primary_key=True)
    value: Col[int]


keys = st.integers(min_value=0, max_value=7)


class _Abort(Exception):
    """Raised to roll a transaction back."""


class CacheMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.db = pyram.Database(clock=lambda: self.now)
        self.db.create(Entry)
        # key -> (value, deadline), least recently used first
        self.model: OrderedDict[int, tuple[int, float]] = OrderedDict()
        self.hits = self.misses = self.expired = self.evicted = 0

    def _expire(self) -> None:
        for key, (_, deadline) in list(self.model.items()):
            if deadline <= self.now:
                del self.model[key]
                self.expired += 1

    def _write(self, key: int, value: int) -> None:
        self._expire()
        self.model.pop(key, None)
        self.model[key] = (value, self.now + TTL)
        while len(self.model) > CAPACITY:
            self.model.popitem(last=False)
            self.evicted += 1

    @rule(key=keys, value=st.integers(0, 100))
    def upsert(self, key: int, value: int) -> None:
        self.db.upsert(Entry(key=key, value=value))
        self._write(key, value)

    @rule(key=keys, value=st.integers(0, 100))
    def insert(self, key: int, value: int) -> None:
        self._expire()
        if key in self.model:
            try:
                self.db.insert(Entry(key=key, value=value))
            except pyram.IntegrityError:
                return
            raise AssertionError("a duplicate key was inserted")
        self.db.insert(Entry(key=key, value=value))
        self._write(key, value)

    @rule(key=keys, value=st.integers(0, 100), other=keys)
    def rolled_back_writes(self, key: int, value: int, other: int) -> None:
        self._expire()  # starting the transaction removes what is due
        with contextlib.suppress(_Abort), self.db.transaction():
            self.db.upsert(Entry(key=key, value=value))  # may evict: undone below
            self.db.delete(Entry, other)
            raise _Abort

    @rule(key=keys)
    def delete(self, key: int) -> None:
        self._expire()
        assert self.db.delete(Entry, key) == (key in self.model)
        self.model.pop(key, None)

    @rule(key=keys)
    def get(self, key: int) -> None:
        self._expire()
        found = self.db.get(Entry, key)
        if key in self.model:
            self.hits += 1
            self.model.move_to_end(key)
            assert found == Entry(key=key, value=self.model[key][0])
        else:
            self.misses += 1
            assert found is None

    @rule(seconds=st.sampled_from([0.5, 1.0, 3.0, 9.5, 10.0, 25.0]))
    def advance(self, seconds: float) -> None:
        self.now += seconds

    @rule(seconds=st.sampled_from([0.5, 2.0, 9.5, 30.0]))
    def rewind(self, seconds: float) -> None:
        """The clock steps back: later writes get deadlines before earlier ones' (out of
        order), and rows not yet removed stay until their own deadline comes again."""
        self.now -= seconds

    @rule()
    def sweep(self) -> None:
        self.db.sweep(max_rows=2)
        # the sweep removes the two earliest due rows; the model's next read removes all
        # due ones, so compare only what reads show (the invariant below reads)

    @invariant()
    def same_rows_and_counts(self) -> None:
        self._expire()
        rows = {e.key: e.value for e in self.db.all(Entry.select())}
        assert rows == {key: value for key, (value, _) in self.model.items()}
        stats = self.db.stats()["entry"]
        assert (stats.hits, stats.misses) == (self.hits, self.misses)
        assert (stats.expirations, stats.evictions) == (self.expired, self.evicted)
        assert stats.rows == len(self.model)


CacheMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestCacheMachine = CacheMachine.TestCase
