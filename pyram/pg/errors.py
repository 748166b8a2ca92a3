"""The mirror's errors: part of PyRAM's one error tree (subclasses of :mod:`pyram.errors`)."""

from __future__ import annotations

from pyram.errors import OperationalError, ProgrammingError

__all__ = ["MirrorError", "MirrorWarning", "ReadOnlyTableError"]


class MirrorError(OperationalError):
    """The mirror stopped: a change it cannot follow (a dropped column, a changed type), rows
    that diverged from PostgreSQL, or a setup problem (no logical WAL, missing privilege)."""


class ReadOnlyTableError(ProgrammingError):
    """A write to a mirrored table: it is read-only to the application (write to PostgreSQL;
    the change arrives through the mirror)."""


class MirrorWarning(UserWarning):
    """The replication slot retains more WAL than ``max_retained_wal`` (the mirror is paused,
    stuck or too slow); also logged on the ``pyram.pg`` logger, as are reconnects."""
