"""Hash index: equality lookups (``=``, ``IN``, unique-constraint probes) in O(1).

Place in the pipeline: storage keeps one per ``HASH`` index (and, by default, for primary keys
and unique constraints); the constraint checker probes it with ``get``/``contains`` before a
write, and the executor answers ``col = ?`` / ``col IN (...)`` / ``IS NULL`` from it. It cannot
answer ranges or ordering; that is :class:`~pyram.storage.indexes.sorted_index.SortedIndex`.

Layout: a unique index is a plain ``dict[key, rid]``. A non-unique one maps each key to a bare
``int`` while it has a single row and to a ``set`` of rids (always >= 2 of them) once it has
more: most keys of a typical non-unique column are rare, and a bare int costs nothing extra,
while the set keeps ``remove`` O(1) for heavily duplicated keys. NULL keys are never dict keys
(so a plain ``dict.get`` can never match one); their rids live in ``_nulls``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import Any

from pyram.errors import InternalError

from .base import IndexKind, key_is_null, pair_up, split_nulls

__all__ = ["HashIndex"]


class HashIndex:
    """A hash index over one or more columns (see the module docstring for the layout)."""

    __slots__ = (
        "_multi",
        "_nulls",
        "_size",
        "_unique_map",
        "columns",
        "composite",
        "kind",
        "name",
        "unique",
    )

    def __init__(self, name: str, columns: tuple[str, ...], *, unique: bool) -> None:
        """Create an empty index named ``name`` over ``columns`` (keys are tuples if > 1)."""
        self.name = name
        self.columns = columns
        self.unique = unique
        self.composite = len(columns) > 1
        self.kind: IndexKind = "hash"
        # Only one of the two maps is used, chosen by ``unique``; two typed attributes keep the
        # unique paths free of ``isinstance`` checks and let mypy see ``int`` values there.
        self._unique_map: dict[Any, int] = {}
        self._multi: dict[Any, int | set[int]] = {}
        self._nulls: set[int] = set()
        self._size = 0

    def __repr__(self) -> str:
        kind = "unique " if self.unique else ""
        return f"<{kind}HashIndex {self.name} on {self.columns} with {self._size} entries>"

    # ------------------------------------------------------------------ mutation

    def insert(self, key: object, rid: int) -> None:
        """Add ``key -> rid``.

        Raises:
            InternalError: a unique index already holds the non-NULL ``key`` or the exact entry
                already exists; callers check constraints first, so this is a bug.
        """
        if key_is_null(key, self.composite):
            if rid in self._nulls:
                raise InternalError(f"index {self.name}: row {rid} already indexed as NULL")
            self._nulls.add(rid)
        elif self.unique:
            if key in self._unique_map:
                raise InternalError(f"unique index {self.name}: duplicate key {key!r}")
            self._unique_map[key] = rid
        else:
            self._add_multi(key, rid)
        self._size += 1

    def _add_multi(self, key: Any, rid: int) -> None:
        multi = self._multi
        cur = multi.get(key)
        if cur is None:
            multi[key] = rid
        elif isinstance(cur, set):
            if rid in cur:
                raise InternalError(f"index {self.name}: entry {key!r} -> {rid} exists")
            cur.add(rid)
        elif cur == rid:
            raise InternalError(f"index {self.name}: entry {key!r} -> {rid} exists")
        else:
            multi[key] = {cur, rid}

    def insert_many(self, keys: Iterable[object], rids: Iterable[int]) -> None:
        """Add the entries ``zip(keys, rids)``; all-or-nothing.

        Unique indexes and duplicate-free batches into an empty non-unique index are built by
        C-level ``dict(zip(...))``; other non-unique batches fall back to a per-entry loop.

        Raises:
            InternalError: lengths differ, a unique key repeats (in the batch or against the
                index), or an exact entry repeats. The index is left unchanged.
        """
        key_list, rid_list = pair_up(keys, rids)
        key_list, rid_list, null_list = split_nulls(key_list, rid_list, self.composite)
        if len(set(null_list)) != len(null_list) or not self._nulls.isdisjoint(null_list):
            raise InternalError(f"index {self.name}: a row is indexed as NULL twice")
        if self.unique:
            self._insert_many_unique(key_list, rid_list)
        else:
            self._insert_many_multi(key_list, rid_list)
        self._nulls.update(null_list)
        self._size += len(key_list) + len(null_list)

    def _insert_many_unique(self, key_list: list[Any], rid_list: list[int]) -> None:
        new = dict(zip(key_list, rid_list, strict=True))
        if len(new) != len(key_list):
            raise InternalError(f"unique index {self.name}: duplicate keys in bulk insert")
        if not self._unique_map:
            self._unique_map = new
        elif not self._unique_map.keys().isdisjoint(new):
            raise InternalError(f"unique index {self.name}: bulk insert repeats existing keys")
        else:
            self._unique_map.update(new)

    def _insert_many_multi(self, key_list: list[Any], rid_list: list[int]) -> None:
        if not self._multi:
            # Fast path for mostly-distinct columns: one C-level dict build; if any key repeats
            # the lengths differ and we redo the batch entry by entry.
            new: dict[Any, int | set[int]] = dict(zip(key_list, rid_list, strict=True))
            if len(new) == len(key_list):
                self._multi = new
                return
        done = 0
        multi = self._multi
        try:
            # _add_multi inlined for the common cases: this loop is the whole cost of bulk-
            # building a non-unique hash index.
            for key, rid in zip(key_list, rid_list, strict=True):
                cur = multi.get(key)
                if cur is None:
                    multi[key] = rid
                elif type(cur) is set and rid not in cur:
                    cur.add(rid)
                else:
                    self._add_multi(key, rid)  # new set, or a repeated entry (raises)
                done += 1
        except InternalError:
            # Roll back so a failed batch leaves no half-indexed rows behind.
            for key, rid in zip(key_list[:done], rid_list[:done], strict=True):
                self._remove_multi(key, rid)
            raise

    def remove(self, key: object, rid: int) -> None:
        """Remove ``key -> rid``.

        Raises:
            InternalError: the entry does not exist (storage and index disagree: a bug).
        """
        if key_is_null(key, self.composite):
            if rid not in self._nulls:
                raise InternalError(f"index {self.name}: no NULL entry for row {rid}")
            self._nulls.remove(rid)
        elif self.unique:
            if self._unique_map.get(key) != rid:
                raise InternalError(f"index {self.name}: no entry {key!r} -> {rid}")
            del self._unique_map[key]
        else:
            self._remove_multi(key, rid)
        self._size -= 1

    def remove_many(self, keys: Sequence[Any], rids: Sequence[int]) -> None:
        """Remove the entries ``zip(keys, rids)`` (each must exist), as :meth:`remove`. A
        unique index of non-NULL keys (a cache eviction's batch) pops them all in C and
        checks what it popped; entry by entry otherwise.

        Raises:
            InternalError: an entry does not exist (storage and index disagree: a bug); the
                index is left as it was.
        """
        if not self.unique or None in keys or (
            self.composite and any(None in key for key in keys)
        ):
            for key, rid in zip(keys, rids, strict=True):
                self.remove(key, rid)
            return
        unique = self._unique_map
        popped: list[int | None] = list(map(unique.pop, keys, repeat(None)))
        if popped != list(rids):  # a duplicate key pops None the second time
            for key, was in zip(keys, popped, strict=True):  # put back what was there
                if was is not None:
                    unique[key] = was
            raise InternalError(f"index {self.name}: the entries to remove are not all there")
        self._size -= len(keys)

    def renumber(self, new_rid: Sequence[int]) -> None:
        """Give every entry its row's new id, ``new_rid[old id]`` (compaction dropped dead
        rows); a unique index maps its values in C, without hashing a key again."""
        get = new_rid.__getitem__
        if self.unique:
            unique = self._unique_map
            self._unique_map = dict(zip(unique.keys(), map(get, unique.values()), strict=True))
        else:
            self._multi = {
                key: set(map(get, rids)) if isinstance(rids, set) else get(rids)
                for key, rids in self._multi.items()
            }
        self._nulls = set(map(get, self._nulls))

    def _remove_multi(self, key: Any, rid: int) -> None:
        multi = self._multi
        cur = multi.get(key)
        if isinstance(cur, set):
            if rid not in cur:
                raise InternalError(f"index {self.name}: no entry {key!r} -> {rid}")
            cur.remove(rid)
            if len(cur) == 1:
                # Back to a bare int: keeps the invariant "a set holds >= 2 rids" and the memory
                # profile independent of a key's history.
                multi[key] = cur.pop()
        elif cur is not None and cur == rid:
            del multi[key]
        else:
            raise InternalError(f"index {self.name}: no entry {key!r} -> {rid}")

    def copy(self, columns: tuple[str, ...]) -> HashIndex:
        """An independent copy with the same entries, over ``columns`` (ALTER TABLE)."""
        new = HashIndex(self.name, columns, unique=self.unique)
        new._unique_map = dict(self._unique_map)
        new._multi = {
            key: set(rids) if isinstance(rids, set) else rids for key, rids in self._multi.items()
        }
        new._nulls = set(self._nulls)
        new._size = self._size
        return new

    def clear(self) -> None:
        """Remove every entry."""
        self._unique_map = {}
        self._multi = {}
        self._nulls = set()
        self._size = 0

    def rebuild(self, keys: Sequence[object], rids: Sequence[int]) -> None:
        """Replace the content by ``zip(keys, rids)`` (after compaction renumbers rows).

        Raises:
            InternalError: as :meth:`insert_many`; the index is then left empty.
        """
        self.clear()
        self.insert_many(keys, rids)

    # ------------------------------------------------------------------ queries
    # NULL keys never need a special case below: they are never stored as dict keys.

    def get(self, key: object) -> int | None:
        """Return the rid of ``key``, or None if absent or NULL.

        Meant for unique indexes; on a non-unique index it returns the smallest matching rid.
        """
        if self.unique:
            return self._unique_map.get(key)
        cur = self._multi.get(key)
        if isinstance(cur, set):
            return min(cur)
        return cur

    def lookup(self, key: object) -> list[int]:
        """Return the rids whose key equals ``key``, ascending ([] for a NULL key)."""
        if self.unique:
            found = self._unique_map.get(key)
            return [] if found is None else [found]
        cur = self._multi.get(key)
        if cur is None:
            return []
        if isinstance(cur, set):
            return sorted(cur)
        return [cur]

    def lookup_many(self, keys: Iterable[object]) -> list[int]:
        """Return the rids whose key is in ``keys`` (an IN list), ascending and without repeats.

        Repeated keys are collapsed first; since each rid has exactly one key in an index, the
        result then needs no further de-duplication.
        """
        wanted = set(keys)
        if self.unique:
            umap = self._unique_map
            return sorted([umap[k] for k in wanted if k in umap])
        out: list[int] = []
        multi = self._multi
        for k in wanted:
            cur = multi.get(k)
            if cur is None:
                continue
            if isinstance(cur, set):
                out.extend(cur)
            else:
                out.append(cur)
        out.sort()
        return out

    def contains(self, key: object) -> bool:
        """Return True if some row has the non-NULL key ``key``."""
        if self.unique:
            return key in self._unique_map
        return key in self._multi

    def null_rids(self) -> list[int]:
        """Return the rids whose key is NULL, ascending (answers ``IS NULL``)."""
        return sorted(self._nulls)

    def __len__(self) -> int:
        """Number of entries, NULL keys included."""
        return self._size

    def distinct_keys(self) -> int:
        """Number of distinct non-NULL keys (a selectivity statistic for the optimizer)."""
        return len(self._unique_map) if self.unique else len(self._multi)
