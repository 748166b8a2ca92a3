"""The session thread: jobs, cancelling one, and what a cancel must not leave behind."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pyram.server.worker import QueryCanceled, SessionWorker


@pytest.fixture
def traced() -> Iterator[None]:
    """New threads run under a trace function, as under coverage's tracer."""

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return tracer

    threading.settrace(tracer)
    try:
        yield
    finally:
        threading.settrace(None)  # type: ignore[arg-type]


def _spin() -> int:
    n = 0
    while True:  # only a cancel ends it
        n += 1


async def _jobs_after_a_cancel() -> list[Any]:
    worker = SessionWorker("test-session")
    try:
        results: list[Any] = [await asyncio.wait_for(worker.run(lambda: 1), 10)]
        running = asyncio.ensure_future(worker.run(_spin))
        while not worker.busy:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert worker.cancel()
        with pytest.raises(QueryCanceled):
            await asyncio.wait_for(running, 10)
        # the jobs after the cancel run normally: none is hit by a leftover interrupt, and
        # the thread does not spin at its next function call (it did under a tracer while
        # CPython's async-exception flag was left set by clearing it with NULL)
        for value in range(2, 6):
            results.append(await asyncio.wait_for(worker.run(lambda v=value: v), 10))
        return results
    finally:
        worker.close()
        worker.join(5)


def test_jobs_after_a_cancel_run_normally() -> None:
    assert asyncio.run(_jobs_after_a_cancel()) == [1, 2, 3, 4, 5]


def test_jobs_after_a_cancel_run_normally_under_a_tracer(traced: None) -> None:
    assert asyncio.run(_jobs_after_a_cancel()) == [1, 2, 3, 4, 5]


def test_a_job_that_ends_leaves_no_pending_interrupt_for_other_threads(traced: None) -> None:
    """Many short jobs, then a traced thread must still make progress at normal speed."""

    async def many() -> None:
        worker = SessionWorker("test-session")
        try:
            for value in range(50):
                assert await asyncio.wait_for(worker.run(lambda v=value: v), 10) == value
        finally:
            worker.close()
            worker.join(5)

    asyncio.run(many())
    done = threading.Event()

    def calls() -> None:
        for _ in range(1000):
            sys.getrecursionlimit()
            _noop()
        done.set()

    thread = threading.Thread(target=calls)
    start = time.monotonic()
    thread.start()
    assert done.wait(30), "a traced thread stopped making progress after the session's jobs"
    thread.join()
    assert time.monotonic() - start < 30


def _noop() -> None:
    pass
