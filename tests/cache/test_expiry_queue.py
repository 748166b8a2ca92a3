"""The expiry queue on its own: deadlines in dict order, a side heap for the ones out of order.

A Hypothesis state machine sets, moves and removes deadlines (in order, out of order, tied),
restarts clocks as reads do, asks what is due at clocks moving both ways and requeues part of
it, and compares with a plain dict after every step: ``due`` finds exactly the due keys,
``soonest`` is a lower bound of every deadline, and a full round of removal leaves no due key
below the bound.
"""

from __future__ import annotations

import math

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pyram.cache.expiry_queue import ExpiryQueue

keys = st.integers(min_value=0, max_value=11)
#: few values, so deadlines tie, and both sides of the clock
times = st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, 5.0, 8.0, 13.0])


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.queue = ExpiryQueue()
        self.model: dict[int, float] = {}

    @rule(key=keys, deadline=times)
    def set(self, key: int, deadline: float) -> None:
        self.queue.set(key, deadline)
        self.model[key] = deadline

    @rule(key=keys, deadline=times)
    def touch(self, key: int, deadline: float) -> None:
        """A read restarting the key's clock: only ever later."""
        self.queue.touch(key, deadline)
        if key in self.model:
            self.model[key] = max(self.model[key], deadline)

    @rule(key=keys)
    def clear_deadline(self, key: int) -> None:
        self.queue.set(key, None)
        self.model.pop(key, None)

    @rule(key=keys)
    def pop(self, key: int) -> None:
        assert self.queue.pop(key) == self.model.pop(key, None)

    @rule(chosen=st.lists(keys, max_size=4, unique=True))
    def pop_many(self, chosen: list[int]) -> None:
        expected = [self.model.pop(key, None) for key in chosen]
        assert self.queue.pop_many(chosen) == expected

    @rule(now=times, limit=st.integers(1, 4), removed=st.integers(0, 4), retry=st.booleans())
    def due_some(self, now: float, limit: int, removed: int, retry: bool) -> None:
        """A capped expiry round: some rows removed, the rest held (requeued)."""
        due = self.queue.due(now, limit)
        assert len(due) <= limit
        assert all(self.model[key] == deadline <= now for key, deadline in due.items())
        assert len(due) == limit or due == {k: d for k, d in self.model.items() if d <= now}
        gone = list(due)[:removed]
        self.queue.pop_many(gone)
        for key in gone:
            del self.model[key]
        held = {key: deadline for key, deadline in due.items() if key not in gone}
        if retry:
            self.queue.requeue(held, now + 1.0)
            self.model.update(dict.fromkeys(held, now + 1.0))
        else:
            self.queue.requeue(held)

    @rule(now=times)
    def due_all(self, now: float) -> None:
        """An uncapped round removing everything due: exactly the model's due keys, and the
        bound is then past ``now`` (the next "anything due?" asks nothing)."""
        due = self.queue.due(now, 1 << 30)
        assert due == {key: d for key, d in self.model.items() if d <= now}
        self.queue.pop_many(list(due))
        for key in due:
            del self.model[key]
        assert self.queue.soonest > now

    @precondition(lambda self: len(self.model) > 0)
    @rule()
    def copy_on_next_due(self) -> None:
        self.queue.holes = 1 << 30  # as if many keys had gone: the next due copies the dict
        due = self.queue.due(-math.inf, 1)
        assert due == {}
        assert self.queue.holes == 0

    @invariant()
    def agrees(self) -> None:
        queue = self.queue
        assert {key: queue.get(key) for key in queue.deadlines} == self.model
        assert set(queue.moved) <= set(queue.deadlines)
        assert all(queue.moved[key] > queue.deadlines[key] for key in queue.moved)
        if self.model:
            assert queue.soonest <= min(self.model.values())
            assert queue.latest >= max(queue.deadlines.values())
        # the invariant of the order (of the placing deadlines): a key due before one ahead
        # of it is in the heap
        in_heap = {(deadline, key) for deadline, key in queue.heap}
        ahead = -math.inf
        for key, deadline in queue.deadlines.items():
            if deadline < ahead:
                assert (deadline, key) in in_heap
            ahead = max(ahead, deadline)


QueueMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=50, deadline=None)
TestQueueMachine = QueueMachine.TestCase


def test_in_order_deadlines_need_no_heap() -> None:
    queue = ExpiryQueue()
    for key in range(1000):
        queue.set(key, 100.0 + key // 10)  # ties and steps, never back
    assert queue.heap == []
    assert list(queue.due(104.0, 1 << 30)) == list(range(50))


def test_the_side_heap_stays_bounded_under_steady_out_of_order_writes() -> None:
    queue = ExpiryQueue()
    for key in range(20_000):
        queue.set(key, 1000.0 - key % 97)  # every deadline but a few out of order
        if key >= 100:
            queue.pop(key - 100)  # a hundred rows live: the others' entries went stale
        # rebuilt when a push makes it more than twice the deadlines (then 101) plus 64
        assert len(queue.heap) <= 2 * 101 + 64
    assert len(queue.deadlines) == 100
    due = queue.due(1000.0 - 50, 1 << 30)
    assert due == {key: d for key, d in queue.deadlines.items() if d <= 950.0}


def test_a_copy_drops_the_holes_of_many_removals() -> None:
    queue = ExpiryQueue()
    for key in range(100_000):
        queue.set(key, float(key))
    queue.pop_many(list(range(90_000)))  # the front removed: 90,000 deleted slots ahead
    assert queue.holes == 90_000
    assert queue.due(90_001.0, 10) == {90_000: 90_000.0, 90_001: 90_001.0}
    assert queue.holes == 0
    assert list(queue.deadlines)[:2] == [90_000, 90_001]  # the order survives the copy


def test_a_read_moves_a_deadline_later_and_due_moves_the_key_then() -> None:
    queue = ExpiryQueue()
    for key in range(5):
        queue.set(key, 10.0 + key)
    queue.touch(0, 20.0)  # a read: recorded beside the order, the dict untouched
    queue.touch(0, 15.0)  # never earlier
    assert queue.moved == {0: 20.0} and list(queue.deadlines) == [0, 1, 2, 3, 4]
    assert queue.due(12.0, 10) == {1: 11.0, 2: 12.0}  # 0's placing deadline passed, not 20
    assert list(queue.deadlines)[-1] == 0 and queue.deadlines[0] == 20.0 and not queue.moved
    assert queue.due(20.0, 10) == {1: 11.0, 2: 12.0, 3: 13.0, 4: 14.0, 0: 20.0}
