"""The thread a session runs its statements on, and cancelling the statement it runs.

PyRAM binds an open transaction to the thread that began it, so a session cannot hop between
the threads of a shared pool: each session owns one thread for its lifetime (the number of
threads is bounded by the server's ``max_connections``). The event loop hands it one job at a
time and awaits the result, so the loop stays free to read CancelRequests, enforce timeouts and
serve other connections while a statement runs.

Cancelling raises an interrupt inside the running statement (``PyThreadState_SetAsyncExc``,
the same kind of asynchronous exception as Ctrl-C in the shell): PyRAM's statements undo
their partial work on any exception, so the session reports :class:`QueryCanceled` and the
database is left as before the statement.
"""

from __future__ import annotations

import asyncio
import ctypes
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from pyram.server.sqlstate import ServerError

__all__ = ["QueryCanceled", "SessionWorker"]

T = TypeVar("T")

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)


class QueryCanceled(ServerError):
    """The running statement was cancelled (SQLSTATE 57014)."""

    def __init__(self, message: str = "canceling statement due to user request") -> None:
        super().__init__(message, "57014")


class _Interrupt(BaseException):
    """What a cancel raises inside the statement: a BaseException, like KeyboardInterrupt,
    so no ``except Exception`` in the statement's path can swallow it."""


#: seconds between repeated interrupts of a job that did not stop
_AGAIN = 0.1

_Job = tuple[Callable[[], Any], asyncio.Future[Any], asyncio.AbstractEventLoop]


class SessionWorker:
    """One session's thread: runs jobs one at a time; can cancel the one running."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = False
        self._reason = ""
        self._submitted = 0  #: jobs handed over so far
        self._started = 0  #: jobs started so far
        #: a cancel came while the job it was meant for still waited in the queue
        self._cancel_waiting = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the session's thread and return its result (or raise its error)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._submitted += 1
        self._jobs.put((fn, future, loop))
        return await future

    @property
    def busy(self) -> bool:
        """True while a job runs or waits to."""
        return self._running or self._started < self._submitted

    def cancel(self, reason: str = "canceling statement due to user request") -> bool:
        """Interrupt the running job with :class:`QueryCanceled` (a job still queued fails
        as it starts: on a busy machine the thread may not have picked it up yet); False
        when no job is in flight."""
        with self._lock:
            if self._started < self._submitted:
                self._reason = reason
                self._cancel_waiting = True
                return True
            if not self._running or self._thread.ident is None:
                return False
            self._reason = reason
            _set_async_exc(self._thread.ident, _Interrupt)
            job = self._started
        # an interrupt that lands in a finaliser or a callback is printed and lost: raise it
        # again until the job has ended
        asyncio.get_running_loop().call_later(_AGAIN, self._again, job)
        return True

    def _again(self, job: int) -> None:
        with self._lock:
            if not self._running or self._started != job or self._thread.ident is None:
                return
            _set_async_exc(self._thread.ident, _Interrupt)
        asyncio.get_running_loop().call_later(_AGAIN, self._again, job)

    def close(self) -> None:
        """End the thread after the jobs already queued."""
        self._jobs.put(None)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end."""
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, future, loop = job
            outcome: tuple[Any, BaseException | None]
            try:
                outcome = (self._call(fn), None)
            except _Interrupt:
                outcome = (None, QueryCanceled(self._reason))
            except BaseException as exc:
                outcome = (None, exc)
            loop.call_soon_threadsafe(_settle, future, outcome)

    def _call(self, fn: Callable[[], Any]) -> Any:
        with self._lock:
            self._started += 1
            if self._cancel_waiting:
                self._cancel_waiting = False
                raise _Interrupt
            self._running = True
        try:
            return fn()
        finally:
            self._finish()

    def _finish(self) -> None:
        """Mark the job ended and absorb an interrupt sent just before it ended.

        No interrupt is sent once ``_running`` is False (senders check it under the lock), so
        one pending from before is raised at the latest when ``_absorb`` starts (a Python
        function's entry checks for asynchronous exceptions) and is caught here: it must not
        hit the next job. Clearing it instead with ``PyThreadState_SetAsyncExc(id, NULL)``
        leaves CPython's interpreter-wide "async exception pending" flag set with nothing to
        consume it: every thread then takes the slow path at each check, and under a tracer
        (coverage) the thread spins forever at its next function entry.
        """
        try:
            with self._lock:
                self._running = False
            _absorb()
        except _Interrupt:
            with self._lock:
                self._running = False


def _absorb() -> None:
    """Nothing: calling it gives a pending asynchronous exception its chance to be raised."""


def _settle(future: asyncio.Future[Any], outcome: tuple[Any, BaseException | None]) -> None:
    if future.cancelled():
        return
    value, error = outcome
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
