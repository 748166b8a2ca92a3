"""What one statement produced, as the protocol layer sends it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from pyram.types import DataType

__all__ = ["Outcome"]


@attrs.frozen
class Outcome:
    """What one statement produced: rows (a query) and the CommandComplete tag."""

    tag: str
    columns: tuple[str, ...] = ()
    types: tuple[DataType, ...] = ()
    rows: Sequence[tuple[Any, ...]] = ()
    notices: tuple[tuple[str, str], ...] = ()  #: (SQLSTATE, message)
    #: DEALLOCATE: the prepared statement to forget ("" for all)
    deallocate: str | None = None
    #: a point lookup (one key probe): cheap enough to run on the event loop next time
    key_lookup: bool = False

    @property
    def is_query(self) -> bool:
        """True when the statement returns rows (RowDescription is sent)."""
        return bool(self.columns)
