"""One process at a time: an exclusive lock on ``<database>-lock``.

``fcntl.flock`` on POSIX and ``msvcrt.locking`` on Windows; either is released by the operating
system when the process dies, so a crash never leaves a stale lock behind. flock locks belong to
an open file, so a second ``Database`` on the same path in the same process is refused too.
"""

from __future__ import annotations

import os
import sys

from pyram.errors import PersistenceError

__all__ = ["FileLock"]


class FileLock:
    """An exclusive, non-blocking lock held until :meth:`release`."""

    def __init__(self, path: str, database: str) -> None:
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except OSError as exc:
            os.close(fd)
            raise PersistenceError(
                f"database {database} is locked: another process (or another Database object) "
                f"has it open (lock file {path})",
                path=database,
            ) from exc
        self._fd = fd

    def release(self) -> None:
        """Unlock and close (idempotent); the lock file itself stays, harmlessly."""
        if self._fd < 0:
            return
        try:
            _unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = -1


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
