"""Read-through loading with single flight: concurrent misses of one key load it once.

:class:`SingleFlight` is the Go ``singleflight`` idea: the first thread to miss a key becomes
its leader and runs the loader; threads that miss the same key meanwhile wait for the leader's
outcome instead of calling the loader again. An error reaches every waiter and nothing is
stored; the next miss tries again.

A miss nobody else shares (the common case) makes no :class:`threading.Event`: the first
thread to wait for a flight makes it, under the registry's lock, and the leader sets it if
one was made (making an Event costs more than the rest of a miss's bookkeeping).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["SingleFlight"]

T = TypeVar("T")


class _Flight(Generic[T]):
    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        #: made by the first waiter (under the registry's lock); None while nobody waits
        self.done: threading.Event | None = None
        self.value: T | None = None
        self.error: BaseException | None = None


class SingleFlight(Generic[T]):
    """Runs at most one call per key at a time; callers arriving meanwhile share its result."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[Any, _Flight[T]] = {}

    def run(self, key: Any, load: Callable[[], T]) -> T:
        """``load()``'s result for ``key``: run here, or awaited from the thread already
        running it (its exception is raised here too).

        ``load`` should check the cache again first: a thread can miss just as the previous
        leader finishes.
        """
        with self._lock:
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = _Flight()
            elif flight.done is None:
                flight.done = threading.Event()
            done = flight.done
        if done is not None:  # not the leader
            done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[return-value]  # set by the leader
        try:
            flight.value = load()
            return flight.value
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[key]
                done = flight.done  # a waiter that came later finds no flight: it leads
            if done is not None:
                done.set()
