"""The time-travel methods of :class:`~pyram.Database` (a mixin: the facade stays small).

History is kept by storage (:mod:`pyram.storage.history`); these methods resolve model classes,
table names and keys, and open reads of the past. ``_store``, ``_records`` and ``_clock`` are
the database's. See docs/time-travel.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from datetime import timedelta
from typing import Any, TypeVar

from pyram.api.records import Records, stored_key
from pyram.cache import Clock
from pyram.catalog import Retention, as_retention
from pyram.model import Table, schema_of
from pyram.storage import PastPoint, RowVersion, Store, count_in_view, find_row, row_versions
from pyram.storage.indexes import key_is_null

__all__ = ["AsOf", "HistoryApi", "QueryParams"]

T = TypeVar("T", bound=Table)

#: The ``as_of`` argument of the query methods: a point to read the past at, or None (now).
AsOf = PastPoint | None
#: The ``params`` argument of the query methods.
QueryParams = Mapping[str, Any] | None


class HistoryApi:
    """Retention settings, the newest commit stamp, row histories and reads of the past."""

    _store: Store
    _records: Records
    _clock: Clock | None

    def _init_history(self, history: Retention | timedelta | int | None) -> None:
        if history is not None:
            self._store.snapshots.configure_history(None, as_retention(history), self._clock)

    def set_history(
        self, table: type[Table] | str, history: Retention | timedelta | int | None
    ) -> None:
        """Keep ``table``'s committed versions for reading the past: a ``timedelta`` (that
        long), an int (that many commits), a :class:`pyram.Retention` (both) or None (stop).
        History starts at the newest commit; see docs/time-travel.md."""
        name = table if isinstance(table, str) else schema_of(table).name
        data = self._store.data(name)
        self._store.snapshots.configure_history(
            data.schema.name.lower(), as_retention(history), self._clock
        )

    def _model_history(self, models: Iterable[type[Table]]) -> None:
        """Apply the ``@pyram.table(history=...)`` of created or attached models."""
        for model in models:
            retention = getattr(model, "__pyram_history__", None)
            if retention is not None:
                self.set_history(model, retention)

    @property
    def commit_stamp(self) -> int:
        """The stamp of the newest commit (what ``as_of`` takes to read this state later)."""
        return self._store.snapshots.last_commit

    def history(self, model: type[T], key: Any) -> list[RowVersion[T]]:
        """The versions of the row with primary key ``key`` kept in ``model``'s history,
        oldest first: each with the commit stamp and time it appeared and the row (None
        while the row did not exist).

        Raises:
            HistoryError: the table keeps no history.
        """
        handle = self._records.handle(model)
        key = stored_key(handle.data.schema, key)
        versions = row_versions(
            self._store.snapshots, handle.data, handle.pk_index, handle.dense_position, key
        )
        build = model.__pyram_build__
        return [
            RowVersion(v.commit, v.time, None if v.row is None else build(*v.row)) for v in versions
        ]

    def _as_of(self, as_of: AsOf) -> Any:
        """A ``with`` block reading the past at ``as_of`` (or nothing special when None)."""
        return nullcontext() if as_of is None else self._store.reading_past(as_of)

    def _get_past(self, model: type[T], key: Any, as_of: PastPoint) -> T | None:
        """``get`` as of a past point (no cache bookkeeping: reading the past is no use)."""
        handle = self._records.handle(model)
        key = stored_key(handle.data.schema, key)
        if key_is_null(key, len(handle.data.schema.primary_key) > 1):
            return None
        data = handle.data
        with self._store.reading_past(as_of) as past:
            past.saw(data)
            row = find_row(data, handle.pk_index, handle.dense_position, key, past)
        return None if row is None else model.__pyram_build__(*row[1])

    def _count_past(self, model: type[Table], as_of: PastPoint) -> int:
        """``count`` as of a past point."""
        data = self._records.data_for(model)
        with self._store.reading_past(as_of) as past:
            past.saw(data)
            return count_in_view(data, past)
