"""How much history a table keeps for time travel (see :mod:`pyram.storage.history`)."""

from __future__ import annotations

from datetime import timedelta

import attrs

from pyram.errors import ProgrammingError

__all__ = ["Retention", "as_retention"]


@attrs.frozen
class Retention:
    """How much history a table keeps: versions younger than ``time`` and/or of the newest
    ``commits`` commits that wrote it (when both are given, the tighter limit prunes).

    Example:
        >>> from datetime import timedelta
        >>> Retention(time=timedelta(hours=1)).seconds
        3600.0
    """

    time: timedelta | None = None
    commits: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.time is None and self.commits is None:
            raise ProgrammingError("a history retention needs a time, a number of commits or both")
        if self.time is not None and (
            not isinstance(self.time, timedelta) or self.time <= timedelta(0)
        ):
            raise ProgrammingError(f"history time must be a positive timedelta, got {self.time!r}")
        if self.commits is not None and (
            isinstance(self.commits, bool) or not isinstance(self.commits, int) or self.commits < 1
        ):
            raise ProgrammingError(
                f"history commits must be a positive integer, got {self.commits!r}"
            )

    @property
    def seconds(self) -> float | None:
        """The time limit in seconds, or None."""
        return None if self.time is None else self.time.total_seconds()


def as_retention(value: Retention | timedelta | int | None) -> Retention | None:
    """A retention from what users write: a :class:`Retention`, a ``timedelta`` (keep that
    long), an int (keep that many commits) or None (no history)."""
    if value is None or isinstance(value, Retention):
        return value
    if isinstance(value, timedelta):
        return Retention(time=value)
    if isinstance(value, int) and not isinstance(value, bool):
        return Retention(commits=value)
    raise ProgrammingError(
        f"history must be a timedelta, a number of commits or pyram.Retention, got {value!r}"
    )
