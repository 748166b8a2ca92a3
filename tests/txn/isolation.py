"""A small isolation tester in the style of PostgreSQL's: sessions, steps, permutations.

Each session runs in its own thread (a transaction belongs to the thread that began it). A
permutation is the order in which steps are *issued*; the tester hands a step to its session
and waits a short while for it to finish. A step still running by then is **blocked** (waiting
for a lock): the tester goes on with the other sessions' steps and collects the blocked one
when it completes, exactly as ``isolationtester`` does. Every step's outcome (its result, or
the error class) is recorded, so a test can assert both what each session saw and that, for a
given isolation level, an anomaly did not happen or a conflict raised SerializationFailure.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

import attrs

import pyram

Step = Callable[[pyram.Database], Any]

#: How long a step may run before the tester calls it blocked (seconds).
BLOCK_WAIT = 0.3


@attrs.frozen
class Outcome:
    """What a step did: ``value`` it returned, or the name of the ``error`` it raised."""

    step: str
    value: Any = None
    error: str | None = None
    blocked: bool = False


class _Session:
    """A thread executing the steps handed to it, in order."""

    def __init__(self, db: pyram.Database) -> None:
        self.db = db
        self.inbox: queue.Queue[tuple[str, Step] | None] = queue.Queue()
        self.results: queue.Queue[Outcome] = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.inbox.get()
            if item is None:
                return
            name, step = item
            try:
                self.results.put(Outcome(name, value=step(self.db)))
            except pyram.Error as exc:
                self.results.put(Outcome(name, error=type(exc).__name__))

    def close(self) -> None:
        db = self.db
        if db.in_transaction:  # pragma: no cover - only after a failed test
            db.sql("ROLLBACK")
        self.inbox.put(None)


def run_permutation(
    db: pyram.Database,
    sessions: dict[str, dict[str, Step]],
    order: Sequence[str],
    block_wait: float = BLOCK_WAIT,
) -> dict[str, Outcome]:
    """Issue the steps named in ``order`` (each name unique across sessions); return every
    step's outcome by name. A blocked session's later steps wait behind it, in order."""
    owner = {step: session for session, steps in sessions.items() for step in steps}
    workers = {name: _Session(db) for name in sessions}
    pending: dict[str, list[str]] = {name: [] for name in sessions}  # issued, not finished
    outcomes: dict[str, Outcome] = {}

    def collect(session: str, wait: float) -> None:
        worker = workers[session]
        while pending[session]:
            try:
                outcome = worker.results.get(timeout=wait)
            except queue.Empty:
                return
            name = pending[session].pop(0)
            blocked = name in blocked_steps
            outcomes[name] = attrs.evolve(outcome, blocked=blocked)
            wait = 0.05

    blocked_steps: set[str] = set()
    try:
        for name in order:
            session = owner[name]
            workers[session].inbox.put((name, sessions[session][name]))
            pending[session].append(name)
            collect(session, block_wait)
            if pending[session]:
                blocked_steps.add(name)
            for other in sessions:
                if other != session:
                    collect(other, 0.05)
        for session in sessions:
            collect(session, 10.0)
    finally:
        for worker in workers.values():
            worker.close()
    missing = [name for name in order if name not in outcomes]
    assert not missing, f"steps never finished: {missing}"
    return outcomes
