"""A cache table's policy: expiry, capacity and eviction, as metadata (no rows, no clock).

Both front ends make one: ``@pyram.table(ttl=..., max_rows=..., evict=...)`` and SQL's
trailing ``CREATE TABLE ... WITH (ttl = 300, max_rows = 1000, evict = 'lru')``. The rules
that act on it live in :mod:`pyram.cache`; a table without a policy pays nothing for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, cast

import attrs

from pyram.errors import ProgrammingError

if TYPE_CHECKING:
    from pyram.catalog.schema import TableSchema

__all__ = ["EVICT_POLICIES", "KEY_INDEXES", "CachePolicy", "EvictPolicy", "ExpireAfter",
           "KeyIndex", "attach_cache_options", "attach_cache_policy", "check_cache_policy",
           "make_cache_policy"]

ExpireAfter = Literal["write", "access"]
EvictPolicy = Literal["lru", "lfu", "fifo", "ttl", "random", "none"]
EVICT_POLICIES: tuple[str, ...] = ("lru", "lfu", "fifo", "ttl", "random", "none")
KeyIndex = Literal["hash", "sorted"]
KEY_INDEXES: tuple[str, ...] = ("hash", "sorted")


@attrs.frozen
class CachePolicy:
    """How a table expires and bounds its rows.

    Attributes:
        ttl: seconds a row lives after its last write (or access), or None.
        expire_after: ``"write"`` (a write restarts the clock) or ``"access"`` (a point
            read by key restarts it too).
        expires_column: a column whose value (a ``datetime`` or seconds since the epoch) is
            the row's own expiry time; NULL there means "no expiry of its own".
        max_rows: the most rows the table keeps, or None.
        max_bytes: the most estimated bytes the table keeps, or None.
        evict: what makes room when a limit is reached (``"none"`` refuses the write).
    """

    ttl: float | None = None
    expire_after: ExpireAfter = "write"
    expires_column: str | None = None
    max_rows: int | None = None
    max_bytes: int | None = None
    evict: EvictPolicy = "lru"

    @property
    def expires(self) -> bool:
        """True when rows of the table can expire."""
        return self.ttl is not None or self.expires_column is not None

    @property
    def bounded(self) -> bool:
        """True when the table has a row or byte limit."""
        return self.max_rows is not None or self.max_bytes is not None


def make_cache_policy(
    table: str,
    *,
    ttl: float | dt.timedelta | None = None,
    expire_after: str = "write",
    expires_column: str | None = None,
    max_rows: int | None = None,
    max_bytes: int | None = None,
    evict: str | None = None,
) -> CachePolicy | None:
    """Check cache options and make the policy (None when no option is set).

    Raises:
        ProgrammingError: an option of the wrong type or out of range (named, with the table).
    """
    where = f"table {table}"
    seconds = ttl.total_seconds() if isinstance(ttl, dt.timedelta) else ttl
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0
    ):
        raise ProgrammingError(f"{where}: ttl must be a positive number of seconds or timedelta")
    if expire_after not in ("write", "access"):
        raise ProgrammingError(f"{where}: expire_after must be 'write' or 'access'")
    for option, value in (("max_rows", max_rows), ("max_bytes", max_bytes)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value <= 0):
            raise ProgrammingError(f"{where}: {option} must be a positive integer")
    if evict is not None and evict not in EVICT_POLICIES:
        raise ProgrammingError(f"{where}: evict must be one of {', '.join(EVICT_POLICIES)}")
    if (seconds, expires_column, max_rows, max_bytes, evict) == (None, None, None, None, None):
        if expire_after != "write":
            raise ProgrammingError(f"{where}: expire_after needs a ttl")
        return None
    return CachePolicy(
        ttl=None if seconds is None else float(seconds),
        expire_after=cast(ExpireAfter, expire_after),
        expires_column=expires_column,
        max_rows=max_rows,
        max_bytes=max_bytes,
        evict=cast(EvictPolicy, evict or "lru"),
    )


def attach_cache_options(schema: TableSchema, options: Mapping[str, object]) -> TableSchema:
    """``schema`` made a cache table by SQL's ``WITH (name = value, ...)`` options (names
    case-insensitive): the policy, and ``key_index`` (see :func:`attach_cache_policy`).

    Raises:
        ProgrammingError: an unknown option or a bad value.
    """
    table = schema.name
    known = {"ttl", "expire_after", "expires", "max_rows", "max_bytes", "evict", "key_index"}
    lowered = {name.lower(): value for name, value in options.items()}
    for name in lowered:
        if name not in known:
            raise ProgrammingError(
                f"table {table}: unknown table option {name!r} (known: {', '.join(sorted(known))})"
            )
    def text(name: str) -> str | None:
        value = lowered.get(name)
        if value is not None and not isinstance(value, str):
            raise ProgrammingError(f"table {table}: option {name} takes a string")
        return value
    policy = make_cache_policy(
        table,
        ttl=lowered.get("ttl"),  # type: ignore[arg-type]  # checked inside
        expire_after=text("expire_after") or "write",
        expires_column=text("expires"),
        max_rows=lowered.get("max_rows"),  # type: ignore[arg-type]
        max_bytes=lowered.get("max_bytes"),  # type: ignore[arg-type]
        evict=text("evict"),
    )
    return attach_cache_policy(schema, policy, text("key_index"))


#: types an ``expires`` column may have: a point in time, or seconds since the epoch
_EXPIRES_TYPES = ("TIMESTAMP", "DATE", "INTEGER", "REAL")


def check_cache_policy(schema: TableSchema) -> None:
    """Check that ``schema`` can carry its cache policy: a primary key (a cache is keyed, and
    the policy's bookkeeping follows rows by key) and a suitable ``expires`` column.

    Raises:
        ProgrammingError: the table cannot be a cache table, and why.
    """
    policy = schema.cache
    if policy is None:
        return
    if not schema.primary_key:
        raise ProgrammingError(f"table {schema.name}: a cache table needs a primary key")
    column = policy.expires_column
    if column is not None:
        if column not in schema.column_names:
            raise ProgrammingError(f"table {schema.name}: no column {column!r} for expires")
        dtype = schema.columns[schema.position(column)].dtype.name
        if dtype not in _EXPIRES_TYPES:
            raise ProgrammingError(
                f"table {schema.name}: expires column {column} must be a TIMESTAMP, DATE, "
                f"INTEGER or REAL (seconds), not {dtype}"
            )


def attach_cache_policy(
    schema: TableSchema, policy: CachePolicy | None, key_index: str | None = None
) -> TableSchema:
    """``schema`` made a cache table of ``policy`` (checked; unchanged when None), its
    primary key indexed by ``key_index``.

    A cache table's primary key gets a hash index unless ``key_index="sorted"``: a cache is
    read and written by key, and a hash index finds, adds and evicts a key in O(1) where the
    sorted one pays two binary searches and an array shift each (in a cache that evicts, a
    write removes one key for each it adds). The sorted index keeps range scans and ORDER BY
    on the key without a sort; a table that needs them asks for it. Both front ends call
    this: ``@pyram.table(key_index=...)`` and SQL's ``WITH (key_index = 'sorted')``
    (through :func:`attach_cache_options`).

    Raises:
        ProgrammingError: the table cannot carry the policy, or ``key_index`` is not
            ``"hash"`` or ``"sorted"`` (or is given without a policy).
    """
    if key_index is not None and key_index not in KEY_INDEXES:
        raise ProgrammingError(
            f"table {schema.name}: key_index must be 'hash' or 'sorted', not {key_index!r}"
        )
    if policy is None:
        if key_index is not None:
            raise ProgrammingError(f"table {schema.name}: key_index applies to cache tables")
        return schema
    schema = attrs.evolve(schema, cache=policy)
    check_cache_policy(schema)
    kind: KeyIndex = "sorted" if key_index == "sorted" else "hash"
    key = schema.primary_key
    indexes = tuple(
        attrs.evolve(spec, kind=kind) if spec.unique and spec.columns == key else spec
        for spec in schema.indexes
    )
    return attrs.evolve(schema, indexes=indexes)
