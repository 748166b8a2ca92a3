"""Sorted index: equality, ranges, prefixes and ordered scans over a chunked sorted list.

Place in the pipeline: storage keeps one per ``SORTED`` index; the executor answers
``=``/``IN``/``IS NULL`` like a hash index, plus ``<``/``BETWEEN`` (``range``), ``LIKE 'abc%'``
(``prefix``), ``ORDER BY`` without a sort (``ordered``) and ``MIN``/``MAX`` (``min_key``...).

Layout (the ``sortedcontainers.SortedList`` design): entries ordered by ``(key, rid)`` live in
chunks of at most ``2 * _LOAD`` entries, each chunk a pair of parallel lists (``_keys[c]``,
``_rids[c]``) so bisecting compares raw keys and range scans slice rid lists at C speed with no
per-entry tuple. ``_max_keys[c]``/``_max_rids[c]`` hold chunk ``c``'s last entry; bisecting them
(raw keys first, then rids within a run of equal maxima) picks the chunk.
Insert/remove cost O(log n + _LOAD) at any size. Ties are in rid order, so an exact entry is
found by bisecting the rids of its key's run. NULL keys are a separate rid set (see ``base``).

Iterators are lazy and fail with ``InternalError`` if the index changes while they run: callers
that modify rows found by a scan must materialise it first (``list(index.range(...))``).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from operator import ne
from typing import Any

from pyram.errors import InternalError

from .base import TOP, UNBOUNDED, IndexKind, key_is_null, pair_up, prefix_successor, split_nulls

__all__ = ["SortedIndex"]

#: Target chunk size: chunks split above ``2 * _LOAD`` and merge with a neighbour below
#: ``_LOAD // 2``. ~1000 keeps list.insert memmoves tiny and the maxima short (1000 at 1M rows).
_LOAD = 1000
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


class SortedIndex:
    """A sorted (B-tree-like) index over one or more columns; see the module docstring."""

    __slots__ = (
        "_distinct",
        "_int_keys",
        "_keys",
        "_max_keys",
        "_max_rids",
        "_nulls",
        "_rids",
        "_size",
        "_version",
        "columns",
        "composite",
        "kind",
        "name",
        "unique",
    )

    def __init__(
        self, name: str, columns: tuple[str, ...], *, unique: bool, int_keys: bool = False
    ) -> None:
        """Create an empty index named ``name`` over ``columns`` (keys are tuples if > 1).

        ``int_keys``: every key is an ``int`` (an INTEGER primary key): chunks of keys are then
        machine ints in arrays, 8 bytes a key and no int object per entry, as the rids are;
        a key outside 64 bits turns them back into lists.
        """
        self.name = name
        self.columns = columns
        self.unique = unique
        self.composite = len(columns) > 1
        self.kind: IndexKind = "sorted"
        self._keys: list[Any] = []  # lists, or arrays of machine ints (``int_keys``)
        self._int_keys = int_keys and len(columns) == 1
        # Row ids are machine ints in arrays: 8 bytes each and no int object per entry.
        self._rids: list[array[int]] = []
        self._max_keys: list[Any] = []
        self._max_rids: list[int] = []
        self._nulls: set[int] = set()
        self._size = 0  # non-NULL entries
        self._distinct = 0  # distinct non-NULL keys, kept incrementally for the optimizer
        self._version = 0  # bumped on every change so live iterators can detect it

    def __repr__(self) -> str:
        kind = "unique " if self.unique else ""
        return f"<{kind}SortedIndex {self.name} on {self.columns} with {len(self)} entries>"

    # ------------------------------------------------------------------ mutation
    def _chunk(self, keys: Sequence[Any]) -> Any:
        """A chunk of keys: an array of machine ints for ``int_keys``, else a list."""
        return array("q", keys) if self._int_keys else list(keys)

    def _fit(self, keys: Sequence[Any]) -> None:
        """Before ``keys`` go in: an int key outside 64 bits makes every chunk a list."""
        if self._int_keys and keys and not (min(keys) >= _INT_MIN and max(keys) <= _INT_MAX):
            self._int_keys = False
            self._keys = [list(chunk) for chunk in self._keys]

    def insert(self, key: object, rid: int) -> None:
        """Add ``key -> rid``.

        Raises:
            InternalError: a unique index already holds the non-NULL ``key`` or the exact entry
                already exists; callers check constraints first, so this is a bug.
        """
        self._version += 1
        # key_is_null inline (every row written passes here)
        if key is None or (self.composite and isinstance(key, tuple) and None in key):
            if rid in self._nulls:
                raise InternalError(f"index {self.name}: row {rid} already indexed as NULL")
            self._nulls.add(rid)
            return
        if self._int_keys and not _INT_MIN <= key <= _INT_MAX:  # type: ignore[operator]
            self._fit((key,))
        keys_l = self._keys
        if not keys_l:
            keys_l.append(self._chunk((key,)))
            self._rids.append(array("q", (rid,)))
            self._max_keys.append(key)
            self._max_rids.append(rid)
            self._size, self._distinct = 1, 1
            return
        last_key = self._max_keys[-1]
        if key > last_key and len(keys_l[-1]) < 2 * _LOAD:
            # after every entry (rising keys: the cache's new rows): append, no search
            keys_l[-1].append(key)
            self._rids[-1].append(rid)
            self._max_keys[-1], self._max_rids[-1] = key, rid
            self._size += 1
            self._distinct += 1
            return
        # Past the last chunk means "append to the last chunk".
        c = min(self._chunk_of(key, rid), len(keys_l) - 1)
        keys, rids = keys_l[c], self._rids[c]
        lo, hi = self._run(keys, key)
        pos = bisect_left(rids, rid, lo, hi)
        if pos < hi and rids[pos] == rid:
            raise InternalError(f"index {self.name}: entry {key!r} -> {rid} exists")
        # Equal keys are contiguous: outside this chunk they can only end the previous chunk or
        # start the next one, and only when the insertion point is at this chunk's edge.
        new_key = lo == hi and not (
            (pos == 0 and c > 0 and keys_l[c - 1][-1] == key)
            or (pos == len(keys) and c + 1 < len(keys_l) and keys_l[c + 1][0] == key)
        )
        if self.unique and not new_key:
            raise InternalError(f"unique index {self.name}: duplicate key {key!r}")
        keys.insert(pos, key)
        rids.insert(pos, rid)
        if pos == len(keys) - 1:
            self._max_keys[c], self._max_rids[c] = key, rid
        self._size += 1
        self._distinct += new_key
        if len(keys) > 2 * _LOAD:
            self._split(c)

    def _chunk_of(self, key: Any, rid: int) -> int:
        """Index of the first chunk whose last entry is >= (key, rid) (len(chunks) if none)."""
        max_keys = self._max_keys
        lo = bisect_left(max_keys, key)
        hi = bisect_right(max_keys, key, lo)
        # Chunks lo..hi-1 all end with ``key``; their last rids increase, so bisect those.
        return bisect_left(self._max_rids, rid, lo, hi) if lo < hi else lo

    def _run(self, keys: list[Any], key: Any) -> tuple[int, int]:
        """Bounds of the run of ``key`` in one chunk; skips a bisect when the run is short."""
        lo = bisect_left(keys, key)
        if lo == len(keys) or keys[lo] != key:
            return lo, lo
        return lo, lo + 1 if self.unique else bisect_right(keys, key, lo + 1)

    def _set_max(self, c: int) -> None:
        self._max_keys[c], self._max_rids[c] = self._keys[c][-1], self._rids[c][-1]

    def _split(self, c: int) -> None:
        keys, rids = self._keys[c], self._rids[c]
        half = len(keys) // 2
        self._keys.insert(c + 1, keys[half:])
        self._rids.insert(c + 1, rids[half:])
        del keys[half:], rids[half:]
        self._max_keys.insert(c + 1, self._max_keys[c])
        self._max_rids.insert(c + 1, self._max_rids[c])
        self._set_max(c)

    def insert_many(self, keys: Iterable[object], rids: Iterable[int]) -> None:
        """Add the entries ``zip(keys, rids)``; all-or-nothing.

        Into an empty index, or when the batch is large relative to the index, everything is
        re-sorted once and sliced into chunks (C-level sorts); small batches insert one by one.

        Raises:
            InternalError: lengths differ, a unique key repeats (in the batch or against the
                index), or an exact entry repeats. The index is left unchanged.
        """
        key_list, rid_list = pair_up(keys, rids)
        key_list, rid_list, null_list = split_nulls(key_list, rid_list, self.composite)
        self._fit(key_list)
        if len(set(null_list)) != len(null_list) or not self._nulls.isdisjoint(null_list):
            raise InternalError(f"index {self.name}: a row is indexed as NULL twice")
        if key_list and self._keys and self._append_run(key_list, rid_list):
            pass  # every new entry sorts after the last one (rising keys): appended in place
        elif len(key_list) * 4 >= self._size:
            self._bulk_build(
                list(chain(chain.from_iterable(self._keys), key_list)),
                list(chain(chain.from_iterable(self._rids), rid_list)),
            )
        else:
            done = 0
            try:
                for key, rid in zip(key_list, rid_list, strict=True):
                    self.insert(key, rid)
                    done += 1
            except InternalError:
                # Roll back so a failed batch leaves no half-indexed rows behind.
                for key, rid in zip(key_list[:done], rid_list[:done], strict=True):
                    self.remove(key, rid)
                raise
        self._nulls.update(null_list)
        self._version += 1

    def _append_run(self, key_list: list[Any], rid_list: list[int]) -> bool:
        """Append a batch that sorts entirely after the index's last entry (auto-increment
        keys, rising timestamps) without touching existing chunks; False when it does not."""
        order = sorted(range(len(key_list)), key=rid_list.__getitem__)
        order.sort(key=key_list.__getitem__)
        ks = list(map(key_list.__getitem__, order))
        rs = list(map(rid_list.__getitem__, order))
        last_key, last_rid = self._max_keys[-1], self._max_rids[-1]
        first = ks[0]
        if first < last_key or (first == last_key and (self.unique or rs[0] <= last_rid)):
            return False
        distinct = sum(map(ne, ks, islice(ks, 1, None))) + 1
        if self.unique and distinct != len(ks):
            raise InternalError(f"unique index {self.name}: duplicate keys in bulk insert")
        if not self.unique and len(set(rs)) != len(rs):
            return False  # a repeated entry: let the general path report it
        keys, rids = self._keys[-1], self._rids[-1]
        room = max(0, 2 * _LOAD - len(keys))
        keys.extend(ks[:room])
        rids.extend(rs[:room])
        self._set_max(len(self._keys) - 1)
        for i in range(room, len(ks), _LOAD):
            self._keys.append(self._chunk(ks[i : i + _LOAD]))
            self._rids.append(array("q", rs[i : i + _LOAD]))
            self._max_keys.append(self._keys[-1][-1])
            self._max_rids.append(self._rids[-1][-1])
        self._size += len(ks)
        self._distinct += distinct - (first == last_key)
        return True

    def _bulk_build(self, key_list: list[Any], rid_list: list[int]) -> None:
        """Replace the non-NULL entries by the given ones (unsorted, no NULL keys)."""
        n = len(key_list)
        # Two stable sorts of a permutation give (key, rid) order while every comparison is a
        # homogeneous key or int comparison (CPython's fast paths); the rid pass is a single
        # O(n) run when rows arrive in rid order, as they do from storage.
        order = sorted(range(n), key=rid_list.__getitem__)
        order.sort(key=key_list.__getitem__)
        ks = list(map(key_list.__getitem__, order))
        rs = list(map(rid_list.__getitem__, order))
        distinct = sum(map(ne, ks, islice(ks, 1, None))) + 1 if n else 0
        if self.unique and distinct != n:
            raise InternalError(f"unique index {self.name}: duplicate keys in bulk insert")
        if not self.unique and len(set(rs)) != n:
            # Only possible when a rid repeats; only then pay for the Python-level pair scan.
            for i in range(1, n):
                if rs[i] == rs[i - 1] and ks[i] == ks[i - 1]:
                    raise InternalError(f"index {self.name}: entry {ks[i]!r} -> {rs[i]} repeats")
        self._keys = [self._chunk(ks[i : i + _LOAD]) for i in range(0, n, _LOAD)]
        self._rids = [array("q", rs[i : i + _LOAD]) for i in range(0, n, _LOAD)]
        self._max_keys = [chunk[-1] for chunk in self._keys]
        self._max_rids = [chunk[-1] for chunk in self._rids]
        self._size, self._distinct = n, distinct

    def remove(self, key: object, rid: int) -> None:
        """Remove ``key -> rid``.

        Raises:
            InternalError: the entry does not exist (storage and index disagree: a bug).
        """
        self._version += 1
        if key_is_null(key, self.composite):
            if rid not in self._nulls:
                raise InternalError(f"index {self.name}: no NULL entry for row {rid}")
            self._nulls.remove(rid)
            return
        keys_l = self._keys
        c = self._chunk_of(key, rid)
        if c == len(keys_l):
            raise InternalError(f"index {self.name}: no entry {key!r} -> {rid}")
        keys, rids = keys_l[c], self._rids[c]
        lo, hi = self._run(keys, key)
        pos = bisect_left(rids, rid, lo, hi)
        if pos == hi or rids[pos] != rid:
            raise InternalError(f"index {self.name}: no entry {key!r} -> {rid}")
        key_stays = hi - lo > 1 or (
            (pos == 0 and c > 0 and keys_l[c - 1][-1] == key)
            or (pos == len(keys) - 1 and c + 1 < len(keys_l) and keys_l[c + 1][0] == key)
        )
        del keys[pos], rids[pos]
        self._size -= 1
        self._distinct -= not key_stays
        self._tidy(c, pos == len(keys))

    def remove_many(self, keys: Sequence[Any], rids: Sequence[int]) -> None:
        """Remove the entries ``zip(keys, rids)`` (each must exist): :meth:`remove` of a
        batch, such as a cache eviction's victims. In a unique index each entry is found by
        two C-level bisects and deleted chunk by chunk, without :meth:`remove`'s call and
        neighbour checks per entry; other indexes remove entry by entry.

        Raises:
            InternalError: an entry does not exist (storage and index disagree: a bug).
        """
        if not self.unique or len(keys) < 4:
            for key, rid in zip(keys, rids, strict=True):
                self.remove(key, rid)
            return
        if None in keys or (self.composite and any(None in key for key in keys)):
            for key, rid in zip(keys, rids, strict=True):  # NULL keys: kept apart
                self.remove(key, rid)
            return
        self._version += 1
        maxima, chunks, rid_chunks = self._max_keys, self._keys, self._rids
        found: dict[int, list[int]] = {}  # chunk -> positions of entries to delete
        for key, rid in zip(keys, rids, strict=True):
            c = bisect_left(maxima, key)
            i = bisect_left(chunks[c], key) if c < len(maxima) else 0
            if c == len(maxima) or chunks[c][i] != key or rid_chunks[c][i] != rid:
                raise InternalError(f"index {self.name}: no entry {key!r} -> {rid}")
            positions = found.get(c)
            if positions is None:
                found[c] = [i]
            else:
                positions.append(i)
        # every entry deleted before any chunk is tidied: a merge into the previous chunk
        # may split it, which would move entries still to be deleted there
        tidy: list[tuple[int, bool]] = []
        for c, positions in found.items():
            chunk, rid_chunk = chunks[c], rid_chunks[c]
            positions.sort(reverse=True)
            tidy.append((c, positions[0] == len(chunk) - 1))
            for i in positions:
                del chunk[i], rid_chunk[i]
            self._size -= len(positions)
            self._distinct -= len(positions)  # unique: every key was distinct
        tidy.sort(reverse=True)  # later chunks first: earlier numbers hold
        for c, last_removed in tidy:
            self._tidy(c, last_removed)

    def _tidy(self, c: int, last_removed: bool) -> None:
        """After entries of chunk ``c`` were removed: drop it when empty, renew its maxima
        when its last entry went, merge it with a neighbour when it became small."""
        keys_l = self._keys
        keys = keys_l[c]
        if not keys:
            del keys_l[c], self._rids[c], self._max_keys[c], self._max_rids[c]
            return
        if last_removed:
            self._set_max(c)
        if len(keys) < _LOAD // 2 and len(keys_l) > 1:
            # Merge with a neighbour so chunk count tracks size after mass deletes.
            c = c - 1 if c > 0 else c
            keys_l[c].extend(keys_l.pop(c + 1))
            self._rids[c].extend(self._rids.pop(c + 1))
            self._max_keys[c] = self._max_keys.pop(c + 1)
            self._max_rids[c] = self._max_rids.pop(c + 1)
            if len(keys_l[c]) > 2 * _LOAD:
                self._split(c)

    def copy(self, columns: tuple[str, ...]) -> SortedIndex:
        """An independent copy with the same entries, over ``columns`` (ALTER TABLE: the
        same keys under new column names or positions, without sorting again)."""
        new = SortedIndex(self.name, columns, unique=self.unique, int_keys=self._int_keys)
        new._keys = [keys[:] for keys in self._keys]  # lists, or arrays of machine ints
        new._rids = [rids[:] for rids in self._rids]
        new._max_keys = list(self._max_keys)
        new._max_rids = list(self._max_rids)
        new._nulls = set(self._nulls)
        new._size = self._size
        new._distinct = self._distinct
        return new

    def clear(self) -> None:
        """Remove every entry."""
        self._keys, self._rids, self._max_keys, self._max_rids = [], [], [], []
        self._nulls = set()
        self._size = self._distinct = 0
        self._version += 1

    def rebuild(self, keys: Sequence[object], rids: Sequence[int]) -> None:
        """Replace the content by ``zip(keys, rids)`` (after compaction renumbers rows).

        Raises:
            InternalError: as :meth:`insert_many`; the index is then left empty.
        """
        self.clear()
        self.insert_many(keys, rids)

    def renumber(self, new_rid: Sequence[int]) -> None:
        """Give every entry its row's new id, ``new_rid[old id]`` (compaction dropped dead
        rows and kept the others in order, so ``(key, rid)`` order holds: no sort, one
        C-level map per chunk)."""
        get = new_rid.__getitem__
        self._version += 1
        self._rids = [array("q", map(get, chunk)) for chunk in self._rids]
        self._max_rids = [chunk[-1] for chunk in self._rids]
        self._nulls = set(map(get, self._nulls))

    # ------------------------------------------------------------------ positions
    # A position is (chunk, offset); the end of the index is (len(chunks), 0).

    def _first_ge(self, probe: Any) -> tuple[int, int]:
        """Position of the first entry whose key is >= probe (prefix-wise for tuples)."""
        c = bisect_left(self._max_keys, probe)
        if c == len(self._keys):
            return c, 0
        return c, bisect_left(self._keys[c], probe)

    def _first_gt(self, probe: Any) -> tuple[int, int]:
        """Position of the first entry whose key is > probe (for tuples: not extending it)."""
        if self.composite:
            return self._first_ge((*probe, TOP))
        c = bisect_right(self._max_keys, probe)
        if c == len(self._keys):
            return c, 0
        return c, bisect_right(self._keys[c], probe)

    def _span(self, start: tuple[int, int], end: tuple[int, int], reverse: bool) -> Iterator[int]:
        """Iterator over the rids between two positions (bounds fixed now, rids read lazily)."""
        (c0, i0), (c1, i1) = start, end
        if start >= end:
            return iter(())
        rids_l = self._rids
        pieces = [(c0, i0, i1 if c0 == c1 else len(rids_l[c0]))]
        pieces.extend((c, 0, len(rids_l[c])) for c in range(c0 + 1, c1))
        if c1 > c0 and i1:
            pieces.append((c1, 0, i1))
        if reverse:
            pieces.reverse()
        # chain.from_iterable flattens the chunk slices in C; Python code runs once per chunk.
        return chain.from_iterable(self._slices(pieces, reverse, self._version))

    def _slices(
        self, pieces: list[tuple[int, int, int]], reverse: bool, version: int
    ) -> Iterator[Iterable[int]]:
        # Each chunk is sliced (a cheap C-level copy) only when reached, after checking the
        # version, so a change made while scanning is reported at the next chunk boundary
        # instead of silently skipping or repeating rows.
        for c, lo, hi in pieces:
            if self._version != version:
                raise InternalError(f"index {self.name} changed during a scan")
            part = self._rids[c][lo:hi]
            yield reversed(part) if reverse else part

    # ------------------------------------------------------------------ queries

    def get(self, key: object) -> int | None:
        """Return the rid of ``key``, or None if absent or NULL.

        Meant for unique indexes; on a non-unique index it returns the smallest matching rid.
        """
        # The hot path of primary-key lookups: two C-level bisects. The first entry with this
        # key lives in the first chunk whose largest key is >= key (earlier chunks end below).
        if key is None or (self.composite and None in key):  # type: ignore[operator]
            return None
        maxima = self._max_keys
        c = bisect_left(maxima, key)
        if c == len(maxima):
            return None
        keys = self._keys[c]
        i = bisect_left(keys, key)
        if keys[i] == key:
            return self._rids[c][i]
        return None

    def lookup(self, key: object) -> list[int]:
        """Return the rids whose (full) key equals ``key``, ascending ([] for a NULL key)."""
        if key_is_null(key, self.composite):
            return []
        c, i = self._first_ge(key)
        if c == len(self._keys) or self._keys[c][i] != key:
            return []
        keys = self._keys[c]
        hi = i + 1 if self.unique else bisect_right(keys, key, i)
        out = self._rids[c][i:hi].tolist()
        # A heavily duplicated key may run on into following chunks.
        while hi == len(keys) and c + 1 < len(self._keys) and self._keys[c + 1][0] == key:
            c += 1
            keys = self._keys[c]
            hi = bisect_right(keys, key)
            out.extend(self._rids[c][:hi])
        return out

    def lookup_many(self, keys: Iterable[object]) -> list[int]:
        """Return the rids whose key is in ``keys`` (an IN list), ascending and without repeats."""
        out: list[int] = []
        for key in set(keys):
            out.extend(self.lookup(key))
        out.sort()
        return out

    def contains(self, key: object) -> bool:
        """Return True if some row has the non-NULL key ``key``."""
        return self.get(key) is not None

    def _check_bound(self, bound: object) -> None:
        width = len(self.columns)
        if self.composite and not (isinstance(bound, tuple) and 0 < len(bound) <= width):
            raise InternalError(f"index {self.name}: bad composite bound {bound!r}")

    def range(
        self,
        low: object = UNBOUNDED,
        high: object = UNBOUNDED,
        *,
        low_inclusive: bool = True,
        high_inclusive: bool = True,
        reverse: bool = False,
    ) -> Iterator[int]:
        """Lazily yield the rids whose key lies between ``low`` and ``high``, in key order.

        Ties come in rid order; ``reverse`` flips the whole sequence. NULL keys never match, and
        a NULL bound matches nothing. On a composite index a bound may be a tuple of the leading
        k components and is compared on those only, so ``range((5,), (7,))`` means
        ``5 <= col0 <= 7``.
        """
        if key_is_null(low, self.composite) or key_is_null(high, self.composite):
            return iter(())
        start: tuple[int, int] = (0, 0)
        end: tuple[int, int] = (len(self._keys), 0)
        if low is not UNBOUNDED:
            self._check_bound(low)
            start = self._first_ge(low) if low_inclusive else self._first_gt(low)
        if high is not UNBOUNDED:
            self._check_bound(high)
            end = self._first_gt(high) if high_inclusive else self._first_ge(high)
        return self._span(start, end, reverse)

    def prefix(self, prefix: object, *, reverse: bool = False) -> Iterator[int]:
        """Lazily yield, in key order, the rids of keys starting with ``prefix``.

        Single-column ``str``/``bytes`` index: keys with that string prefix (``LIKE 'p%'``).
        Composite index: ``prefix`` is a tuple of the leading k components; keys whose first k
        components equal it. A prefix containing NULL matches nothing.
        """
        if key_is_null(prefix, self.composite):
            return iter(())
        if self.composite:
            if not isinstance(prefix, tuple):
                raise InternalError(f"index {self.name}: bad composite prefix {prefix!r}")
            return self._span(self._first_ge(prefix), self._first_gt(prefix), reverse)
        if not isinstance(prefix, str | bytes):
            raise InternalError(f"index {self.name}: prefix must be str or bytes")
        succ = prefix_successor(prefix)
        end = (len(self._keys), 0) if succ is None else self._first_ge(succ)
        return self._span(self._first_ge(prefix), end, reverse)

    def ordered(self, *, reverse: bool = False, nulls_first: bool | None = None) -> Iterator[int]:
        """Lazily yield every rid in key order (ties in rid order), NULL keys included.

        ``nulls_first=None`` follows SQLite: NULLs first ascending, last descending. NULL rids
        come in rid order (reversed when ``reverse``). A composite key with any NULL component
        counts as NULL, so for such keys this is not a full SQL ``ORDER BY``.
        """
        if nulls_first is None:
            nulls_first = not reverse
        nulls = sorted(self._nulls, reverse=reverse)
        body = self._span((0, 0), (len(self._keys), 0), reverse)
        return chain(nulls, body) if nulls_first else chain(body, nulls)

    def null_rids(self) -> list[int]:
        """Return the rids whose key is NULL, ascending (answers ``IS NULL``)."""
        return sorted(self._nulls)

    def min_key(self) -> object:
        """Smallest non-NULL key, or ``UNBOUNDED`` if there is none."""
        return self._keys[0][0] if self._keys else UNBOUNDED

    def max_key(self) -> object:
        """Largest non-NULL key, or ``UNBOUNDED`` if there is none."""
        return self._keys[-1][-1] if self._keys else UNBOUNDED

    def __len__(self) -> int:
        """Number of entries, NULL keys included."""
        return self._size + len(self._nulls)

    def distinct_keys(self) -> int:
        """Number of distinct non-NULL keys (a selectivity statistic for the optimizer)."""
        return self._distinct
