"""Fixtures of the cache-table tests: a fake clock, so nothing sleeps."""

from __future__ import annotations

import pytest


class FakeClock:
    """A clock tests move by hand: ``clock()`` is the time, ``clock.advance(s)`` moves it."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
