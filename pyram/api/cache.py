"""The cache-table methods of :class:`~pyram.Database` (a mixin: the facade stays small).

The rules live in :mod:`pyram.cache`; these methods only resolve model classes and keys and
delegate. ``_cache``, ``_store`` and the record methods are the database's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from pyram.api.files import FilesApi
from pyram.cache import (
    CacheManager,
    RefreshResult,
    SingleFlight,
    StatsProvider,
    TableStats,
    collect_stats,
)
from pyram.cache import refresh_rows as _refresh_rows
from pyram.errors import ProgrammingError
from pyram.model import Table, schema_of
from pyram.storage import NEEDS_VIEW

if TYPE_CHECKING:
    from collections.abc import Callable

    from pyram.api.records import Handle, Records

__all__ = ["CacheApi"]

T = TypeVar("T", bound=Table)

#: seconds between two background sweeps, by default
SWEEP_INTERVAL = 1.0


class CacheApi(FilesApi):
    """Read-through loading, refresh, statistics and sweeping (see docs/cache.md). It
    extends the file methods only to stop the background sweeper in :meth:`close`."""

    _cache: CacheManager
    _flights: SingleFlight[Any]
    _sweeper: _Sweeper | None
    _handles: dict[type, Handle]
    _records: Records

    def get(self, model: type[T], key: Any) -> T | None:  # pragma: no cover - Database's
        raise NotImplementedError

    def upsert(self, obj: Table) -> Any:  # pragma: no cover - Database's
        raise NotImplementedError

    def _get_plain(self, model: type[T], key: Any) -> T | None:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Stop the background sweeper (if any), then close as :class:`FilesApi` does."""
        self.stop_sweeper()
        super().close()

    def _sync_cache(self) -> None:
        """Follow the catalogue: bookkeeping per cache table, and the store hooks on only
        while some table has a policy (plain tables then pay nothing)."""
        cache = self._cache
        cache.sync(self._store.catalog)
        self._store.before_access = cache.before_access if cache.active else None
        self._store.point_read = cache.point_read if cache.active else None
        self._records.put = cache.put if cache.active else None

    def get_or_load(
        self, model: type[T], key: Any, loader: Callable[[Any], T | None] | None = None
    ) -> T | None:
        """The row with primary key ``key``; on a miss, ``loader(key)`` (default: the
        table's ``loader=``) makes it and the row is stored (``upsert``) before it is
        returned. Threads missing the same key at once call the loader once and share its
        result. A loader error propagates to every waiting caller and nothing is stored; a
        loader returning None stores nothing and returns None.

        Example:
            >>> import pyram
            >>> @pyram.table(ttl=60)
            ... class Price(pyram.Table):
            ...     sku: pyram.Col[str] = pyram.column(primary_key=True)
            ...     cents: pyram.Col[int]
            >>> db = pyram.Database()
            >>> db.create(Price)
            >>> db.get_or_load(Price, "a1", lambda sku: Price(sku=sku, cents=250))
            Price(sku='a1', cents=250)
            >>> db.stats()["price"].loads
            1

        Raises:
            ProgrammingError: no loader, or the loader returned a row of another table or
                with another key.
        """
        tracker = self._cache.by_model.get(model)
        lean: Any = NEEDS_VIEW
        if tracker is not None and type(key) in tracker.key_types:
            # the hit path, lean: get() without its checks (what read_key needs is known)
            lean = self._cache.read_key(tracker, key)
            if lean is not None and lean is not NEEDS_VIEW:
                return lean  # type: ignore[no-any-return]  # read_row builds a T
        found: T | None = self.get(model, key) if lean is NEEDS_VIEW else None
        if found is not None and tracker is not None:
            return found  # get() counted and ranked it
        load = loader if loader is not None else getattr(model, "__pyram_loader__", None)
        if load is None:
            raise ProgrammingError(
                f"get_or_load({model.__qualname__}, ...) needs a loader: pass one or declare "
                "@pyram.table(loader=...)"
            )
        schema = schema_of(model)
        name = schema.name.lower()
        counters = self._cache.counters(name)
        plain = name not in self._cache.trackers
        if found is not None:
            if plain:
                counters.hits += 1
            return found
        if plain:
            counters.misses += 1

        def lead() -> T | None:
            again = self._get_plain(model, key)
            if again is not None:
                return again
            try:
                made = load(key)
            except BaseException:
                counters.load_errors += 1
                raise
            if made is None:
                return None
            if type(made) is not model:
                raise ProgrammingError(
                    f"the loader of {model.__qualname__} returned {type(made).__qualname__}"
                )
            pk = schema.primary_key
            made_key = getattr(made, pk[0]) if len(pk) == 1 else tuple(
                getattr(made, column) for column in pk
            )
            if made_key != key:
                raise ProgrammingError(
                    f"the loader of {model.__qualname__} returned key {made_key!r} for {key!r}"
                )
            self.upsert(made)
            counters.loads += 1
            return made

        found = self._flights.run((name, key), lead)
        return found

    def refresh(self, model: type[Table], rows: Iterable[Table]) -> RefreshResult:
        """Make ``model``'s table hold exactly ``rows``, atomically, by primary key: new keys
        are inserted, changed rows updated, missing keys deleted, equal rows left alone (so
        ``on_change`` sees only real changes).

        Returns:
            How many rows were inserted, updated and deleted.

        Raises:
            ProgrammingError: a row of another table.
            IntegrityError, DataError: a key given twice, a constraint, a wrong type; then
                nothing changes.
        """
        schema = schema_of(model)
        names = schema.column_names
        values = []
        for row in rows:
            if type(row) is not model:
                raise ProgrammingError(
                    f"refresh({model.__qualname__}, ...) got a {type(row).__qualname__}"
                )
            values.append([getattr(row, name) for name in names])
        return _refresh_rows(self._store, schema.name, values)

    def stats(self, *, reset: bool = False) -> dict[str, TableStats]:
        """Per table (by name): rows, estimated bytes, hits, misses, loads, load errors,
        expirations and evictions; ``reset=True`` zeroes the counters after reading them."""
        return collect_stats(self._cache, self._cache.stats_providers, reset=reset)

    def add_stats_provider(self, provider: StatsProvider) -> Callable[[], None]:
        """Have ``db.stats()`` call ``provider()`` and set the :class:`TableStats` fields it
        returns per table name (how the PostgreSQL mirror reports its tables' lag, without
        this package knowing the mirror). Returns a function that removes the provider.
        """
        providers = self._cache.stats_providers
        providers.append(provider)

        def remove() -> None:
            if provider in providers:
                providers.remove(provider)

        return remove

    def sweep(self, max_rows: int = 1000) -> int:
        """Remove at most ``max_rows`` expired rows now; returns how many were removed. Reads
        remove due rows anyway; sweeping keeps memory down for tables nobody reads."""
        return self._cache.sweep(max_rows)

    def start_sweeper(self, interval: float = SWEEP_INTERVAL, max_rows: int = 1000) -> None:
        """Sweep in a background thread every ``interval`` seconds, at most ``max_rows`` rows
        a time, until :meth:`stop_sweeper` or ``close()``."""
        self.stop_sweeper()
        self._sweeper = _Sweeper(self, interval, max_rows)

    def stop_sweeper(self) -> None:
        """Stop the background sweeper, if any (waits for its current sweep)."""
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.stop()


class _Sweeper:
    """A daemon thread calling ``db.sweep(max_rows)`` every ``interval`` seconds."""

    def __init__(self, db: CacheApi, interval: float, max_rows: int) -> None:
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(db, interval, max_rows), name="pyram-sweeper", daemon=True
        )
        self._thread.start()

    def _run(self, db: CacheApi, interval: float, max_rows: int) -> None:
        while not self._stopped.wait(interval):
            try:
                db.sweep(max_rows)
            except Exception:  # a busy database: try again next time
                continue

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()
