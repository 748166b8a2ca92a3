"""Shared vocabulary of the secondary-index structures: the ``Index`` protocol and NULL helpers.

Place in the pipeline: tables (``pyram.storage``) keep one index object per declared index and
call ``insert``/``remove`` as rows change; the constraint checker asks unique indexes with
``get``/``contains`` before a write; the planner/executor answer equality, IN, range, prefix,
``IS NULL`` and ``ORDER BY`` from them. An index only maps keys to integer row ids (rids); it
never sees rows, types or constraints, and it trusts its caller (misuse is an ``InternalError``).

Keys: one value for a one-column index, a tuple of values for a composite index. A key that is
``None``, or a composite tuple with any ``None`` component, is a NULL key: SQL says it equals
nothing, so it never matches a lookup or range and never conflicts in a unique index. Indexes
keep NULL-keyed rids in a separate set so ``IS NULL`` and NULL ordering remain cheap.

It also holds the ordering helpers of sorted indexes (``TOP``, ``prefix_successor``) and the
bulk-load helpers both kinds share. It imports nothing from PyRAM except the error tree.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal, Protocol, runtime_checkable

from pyram.errors import InternalError

__all__ = [
    "TOP",
    "UNBOUNDED",
    "Index",
    "IndexKind",
    "Top",
    "Unbounded",
    "key_is_null",
    "pair_up",
    "prefix_successor",
    "split_nulls",
]

IndexKind = Literal["hash", "sorted"]


class Unbounded(enum.Enum):
    """Type of the :data:`UNBOUNDED` sentinel (an enum so type checkers can narrow on it)."""

    UNBOUNDED = "UNBOUNDED"

    def __repr__(self) -> str:
        return "UNBOUNDED"


#: "No bound": the default ends of ``SortedIndex.range`` and the answer of ``min_key``/``max_key``
#: on an index without non-NULL keys. ``None`` cannot play this role because it is SQL NULL.
UNBOUNDED: Final = Unbounded.UNBOUNDED


def key_is_null(key: object, composite: bool) -> bool:
    """Return True if ``key`` is a NULL key: ``None``, or (composite) a tuple containing ``None``.

    ``None in key`` is a C-level scan; the value types PyRAM stores never compare equal to
    ``None``, so the identity/equality test it performs is exact. Non-tuples (such as the
    ``UNBOUNDED`` sentinel passed as a range bound) are never NULL on a composite index.
    """
    if key is None:
        return True
    return composite and isinstance(key, tuple) and None in key


class Top:
    """Greater than every value: appended to a tuple probe ``p`` it sorts after every key that
    extends ``p``, so "first key not starting with p" is a plain bisect for ``(*p, TOP)``. Only
    ``<`` and its reflection ``>`` are needed: bisect and tuple comparison use nothing else.
    """

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return other is not self

    def __repr__(self) -> str:
        return "TOP"


#: The one :class:`Top` instance.
TOP: Final = Top()


def prefix_successor(prefix: str | bytes) -> str | bytes | None:
    """Smallest value greater than every value starting with ``prefix`` (None if there is none)."""
    if isinstance(prefix, str):
        text = prefix.rstrip(chr(0x10FFFF))
        return text[:-1] + chr(ord(text[-1]) + 1) if text else None
    data = prefix.rstrip(b"\xff")
    return data[:-1] + bytes([data[-1] + 1]) if data else None


def pair_up(keys: Iterable[object], rids: Iterable[int]) -> tuple[list[Any], list[int]]:
    """Materialise parallel ``keys``/``rids`` as lists, raising InternalError if lengths differ.

    Bulk paths need random access and two passes, and a silent ``zip`` truncation would lose
    rows from the index, so the length check is not optional.
    """
    key_list = list(keys)
    rid_list = list(rids)
    if len(key_list) != len(rid_list):
        raise InternalError(
            f"index bulk insert got {len(key_list)} keys but {len(rid_list)} row ids"
        )
    return key_list, rid_list


def split_nulls(
    keys: list[Any], rids: list[int], composite: bool
) -> tuple[list[Any], list[int], list[int]]:
    """Split parallel lists into (non-NULL keys, their rids, rids of NULL keys).

    The common no-NULL case returns the inputs untouched after one C-level membership scan
    (single-column) so bulk builds of NOT NULL columns pay nothing extra.
    """
    if not composite:
        if None not in keys:
            return keys, rids, []
        null_rids = [r for k, r in zip(keys, rids, strict=True) if k is None]
        kept = [(k, r) for k, r in zip(keys, rids, strict=True) if k is not None]
    else:
        flags = [None in k for k in keys]
        if not any(flags):
            return keys, rids, []
        null_rids = [r for f, r in zip(flags, rids, strict=True) if f]
        kept = [(k, r) for f, k, r in zip(flags, keys, rids, strict=True) if not f]
    return [k for k, _ in kept], [r for _, r in kept], null_rids


@runtime_checkable
class Index(Protocol):
    """What storage, constraint checking and execution may rely on for every index kind.

    Attributes:
        name: the index name (unique per table; used in error messages and the catalog).
        columns: indexed column names, in key order.
        unique: whether two non-NULL keys may map to different rows.
        composite: ``len(columns) > 1``; keys are then tuples.
        kind: ``"hash"`` (equality only) or ``"sorted"`` (also ranges, prefixes, order).
    """

    name: str
    columns: tuple[str, ...]
    unique: bool
    composite: bool
    kind: IndexKind

    def insert(self, key: object, rid: int) -> None:
        """Add the entry ``key -> rid``."""
        ...

    def insert_many(self, keys: Iterable[object], rids: Iterable[int]) -> None:
        """Add many entries at once (parallel iterables)."""
        ...

    def remove(self, key: object, rid: int) -> None:
        """Remove the entry ``key -> rid``."""
        ...

    def get(self, key: object) -> int | None:
        """Return the rid of ``key`` (unique indexes), or None."""
        ...

    def lookup(self, key: object) -> list[int]:
        """Return the rids whose key equals ``key``."""
        ...

    def lookup_many(self, keys: Iterable[object]) -> list[int]:
        """Return the rids whose key is one of ``keys``."""
        ...

    def contains(self, key: object) -> bool:
        """Return True if some row has the non-NULL key ``key``."""
        ...

    def null_rids(self) -> list[int]:
        """Return the rids of NULL keys."""
        ...

    def clear(self) -> None:
        """Remove every entry."""
        ...

    def remove_many(self, keys: Sequence[Any], rids: Sequence[int]) -> None:
        """Remove the entries ``zip(keys, rids)``, each of which must exist."""
        ...

    def renumber(self, new_rid: Sequence[int]) -> None:
        """Give every entry its row's new id, ``new_rid[old id]`` (after compaction)."""
        ...

    def rebuild(self, keys: Sequence[object], rids: Sequence[int]) -> None:
        """Replace the whole content by the given entries."""
        ...

    def __len__(self) -> int:
        """Number of entries, NULL keys included."""
        ...

    def distinct_keys(self) -> int:
        """Number of distinct non-NULL keys."""
        ...
