"""Window functions with SQLite semantics: metadata and per-partition kernels.

A window function computes one value per row from the row's *partition* (the rows sharing its
PARTITION BY values, in window ORDER BY order). Ranking functions (row_number, rank,
dense_rank, percent_rank, cume_dist, ntile) read the row's position and its *peers* (rows
with equal ORDER BY values); lag and lead read another row of the partition; first_value,
last_value and nth_value read the row's *frame*. Aggregates used as window functions are in
:mod:`pyram.functions.window_frames`.

Every kernel receives a :class:`Peers` description of one partition and the argument values
of its rows (in window order) and returns the result list, without per-row calls into Python
functions where a list operation does. row_number, rank and dense_rank also have a *whole*
kernel that takes every partition at once (:class:`Partitions`): one pass over all rows at C
speed, where a kernel per partition pays Python overhead per partition and builds a peer-group
table per partition that these three do not need.

This module imports only :mod:`pyram.errors`, :mod:`pyram.types` and the function registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import add, ne, sub
from typing import Any

import attrs

from pyram.errors import OperationalError, ProgrammingError
from pyram.functions.registry import ReturnTypeRule, common_type, expect, with_arity
from pyram.types import INTEGER, REAL, DataType

__all__ = [
    "Partitions",
    "Peers",
    "WindowFunction",
    "all_window_functions",
    "is_window_function",
    "lag_lead",
    "nth_value_at",
    "window_function",
]


class Peers:
    """One partition's rows grouped into peer groups (equal ORDER BY values), computed on
    first use: ROWS frames, lag and row_number never need them.

    Attributes:
        size: rows in the partition.
        keys: the ORDER BY key of each row in window order (a value or a tuple of values);
            empty when there is no ORDER BY (every row is a peer of every other).
    """

    __slots__ = ("_group_of", "_starts", "keys", "size")

    def __init__(self, keys: Sequence[Any], size: int) -> None:
        self.keys = keys
        self.size = size
        self._starts: list[int] | None = None
        self._group_of: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        """First row (0-based, within the partition) of each peer group, ascending."""
        if self._starts is None:
            self._starts = (run_starts(self.keys) if self.keys else [0]) if self.size else []
        return self._starts

    @property
    def distinct(self) -> bool:
        """True when every row is its own peer group (a unique ORDER BY)."""
        return len(self.starts) == self.size

    @property
    def group_of(self) -> list[int]:
        """The peer group index of each row."""
        if self._group_of is None:
            if self.distinct:
                self._group_of = list(range(self.size))
            else:
                lengths = self._lengths()
                self._group_of = list(chain.from_iterable(map(repeat, count(), lengths)))
        return self._group_of

    def _lengths(self) -> list[int]:
        starts = self.starts
        return list(map(sub, [*starts[1:], self.size], starts))

    @property
    def ends(self) -> list[int]:
        """One past the last row of each peer group."""
        return [*self.starts[1:], self.size]

    def row_starts(self) -> list[int]:
        """For each row, the first row of its peer group."""
        if self.distinct:
            return list(range(self.size))
        return list(chain.from_iterable(map(repeat, self.starts, self._lengths())))

    def row_ends(self) -> list[int]:
        """For each row, one past the last row of its peer group."""
        if self.distinct:
            return list(range(1, self.size + 1))
        return list(chain.from_iterable(map(repeat, self.ends, self._lengths())))


def run_starts(keys: Sequence[Any]) -> list[int]:
    """Where each run of equal keys starts (``[0, ...]``; ``[]`` for no keys), compared
    pairwise at C speed (NULLs equal each other, 1 equals 1.0: SQL peers)."""
    if not keys:
        return []
    size = len(keys)
    changes = map(ne, islice(keys, 1, None), keys)
    return [0, *compress(range(1, size), changes)]


def peers_of(keys: Sequence[Any], size: int) -> Peers:
    """The peer groups of a partition whose rows have ORDER BY key values ``keys`` (in window
    order; one entry per row: a value or a tuple of values). Without ORDER BY pass ``()``:
    every row is a peer of every other."""
    return Peers(keys, size)


class Partitions:
    """Every partition of the input at once, in window order (partitions one after another),
    for the kernels that need only positions and ties (row_number, rank, dense_rank).

    Attributes:
        lengths: the number of rows of each partition, in window order (none is empty).
        ties: window-order indices (ascending, over all rows) of the rows that are a peer of
            the row before them in their partition (equal ORDER BY keys; every row but the
            first without ORDER BY). The caller finds them: where the keys are at hand.
    """

    __slots__ = ("lengths", "ties")

    def __init__(self, lengths: list[int], ties: list[int]) -> None:
        self.lengths = lengths
        self.ties = ties

    def row_numbers(self) -> list[int]:
        """1, 2, ... restarting at each partition (C-level: one ``range`` per partition)."""
        return list(chain.from_iterable(map(range, repeat(1), map(add, self.lengths, repeat(1)))))


#: A whole kernel: every partition at once -> one value per row, in window order.
WholeKernel = Callable[[Partitions], list[Any]]

#: A kernel: (peers of the partition, argument value lists) -> one value per row.
RankKernel = Callable[[Peers, list[list[Any]]], list[Any]]


@attrs.frozen
class WindowFunction:
    """A window-only SQL function (aggregates used as window functions are not listed here).

    Attributes:
        name: lower-case SQL name.
        min_args: fewest arguments accepted.
        max_args: most arguments accepted.
        return_type: the type rule; raises ProgrammingError on a bad argument count or type.
        uses_frame: True when the value depends on the frame (first/last/nth_value).
        kernel: the per-partition kernel of a ranking or lag/lead function (None for the
            frame-reading ones, which :mod:`pyram.functions.window_frames` computes).
        whole: the same function over every partition at once, for the functions that need
            neither arguments nor peer-group tables (row_number, rank, dense_rank); None for
            the others. It returns what ``kernel`` returns partition by partition.
        doc: one line plus an SQL example.
    """

    name: str
    min_args: int
    max_args: int
    return_type: ReturnTypeRule
    uses_frame: bool = False
    kernel: RankKernel | None = None
    doc: str = ""
    whole: WholeKernel | None = None


_WINDOWS: dict[str, WindowFunction] = {}


def window_function(name: str) -> WindowFunction | None:
    """The window-only function called ``name`` (case-insensitive), or None."""
    return _WINDOWS.get(name.lower())


def is_window_function(name: str) -> bool:
    """True when ``name`` is a window-only function (row_number, lag, ...)."""
    return name.lower() in _WINDOWS


def all_window_functions() -> list[WindowFunction]:
    """Every window-only function, sorted by name."""
    return [_WINDOWS[k] for k in sorted(_WINDOWS)]


def _define(
    name: str,
    min_args: int,
    max_args: int,
    rule: ReturnTypeRule,
    kernel: RankKernel | None,
    doc: str,
    whole: WholeKernel | None = None,
) -> None:
    _WINDOWS[name] = WindowFunction(
        name,
        min_args,
        max_args,
        with_arity(name, min_args, max_args, rule),
        uses_frame=kernel is None,
        kernel=kernel,
        doc=doc,
        whole=whole,
    )


def _integer(args: Sequence[DataType]) -> DataType:
    return INTEGER


def _real(args: Sequence[DataType]) -> DataType:
    return REAL


# --- ranking -----------------------------------------------------------------------------------


def _row_number(peers: Peers, args: list[list[Any]]) -> list[Any]:
    return list(range(1, peers.size + 1))


def _rank(peers: Peers, args: list[list[Any]]) -> list[Any]:
    if peers.distinct:
        return list(range(1, peers.size + 1))
    return list(map((1).__add__, peers.row_starts()))


def _dense_rank(peers: Peers, args: list[list[Any]]) -> list[Any]:
    return list(map((1).__add__, peers.group_of))


def _percent_rank(peers: Peers, args: list[list[Any]]) -> list[Any]:
    if peers.size < 2:
        return [0.0] * peers.size
    denominator = peers.size - 1
    return [start / denominator for start in peers.row_starts()]


def _cume_dist(peers: Peers, args: list[list[Any]]) -> list[Any]:
    size = peers.size
    return [end / size for end in peers.row_ends()]


def _ntile(peers: Peers, args: list[list[Any]]) -> list[Any]:
    """SQLite's ntile: the first ``size % n`` buckets hold one row more than the others."""
    out = []
    total = peers.size
    for row, buckets in enumerate(args[0]):
        count = _positive(buckets, "argument of ntile must be a positive integer")
        size = total // count
        if size == 0:
            out.append(row + 1)
            continue
        large = total - count * size
        small_start = large * (size + 1)
        if row < small_start:
            out.append(1 + row // (size + 1))
        else:
            out.append(1 + large + (row - small_start) // size)
    return out


def _positive(value: Any, message: str) -> int:
    """A positive integer argument (a REAL is truncated, as SQLite does)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 1:
        raise OperationalError(message)
    return int(value)


def _ntile_rule(args: Sequence[DataType]) -> DataType:
    expect("ntile", args, 0, "numeric")
    return INTEGER


def _all_peers(parts: Partitions) -> bool:
    """Every row but the first of each partition is a tie (no ORDER BY, or one value)."""
    return len(parts.ties) == sum(parts.lengths) - len(parts.lengths)


def _whole_rank(parts: Partitions) -> list[Any]:
    """Row numbers, then each tie takes the rank of the row before it (ascending, so a run of
    peers all take its first row's number). Only ties cost a Python step: few with a
    selective ORDER BY, every row at worst."""
    if _all_peers(parts):
        return [1] * sum(parts.lengths)
    ranks = parts.row_numbers()
    for i in parts.ties:
        ranks[i] = ranks[i - 1]
    return ranks


def _whole_dense_rank(parts: Partitions) -> list[Any]:
    """A running count of peer groups over all rows (C-level ``accumulate`` of 1 per new group,
    0 per tie), less the count before each partition (repeated over its rows)."""
    ties = parts.ties
    if not ties:
        return parts.row_numbers()
    if _all_peers(parts):
        return [1] * sum(parts.lengths)
    steps = [1] * sum(parts.lengths)
    for i in ties:
        steps[i] = 0
    groups = list(accumulate(steps))
    firsts = accumulate(parts.lengths[:-1], initial=0)
    before = [groups[i] - 1 for i in firsts]
    return list(map(sub, groups, chain.from_iterable(map(repeat, before, parts.lengths))))


_define(
    "row_number",
    0,
    0,
    _integer,
    _row_number,
    "Row number in the partition, from 1.",
    whole=Partitions.row_numbers,
)
_define(
    "rank",
    0,
    0,
    _integer,
    _rank,
    "Rank with gaps: 1 + rows before the row's peers.",
    whole=_whole_rank,
)
_define(
    "dense_rank",
    0,
    0,
    _integer,
    _dense_rank,
    "Rank without gaps: the peer group number.",
    whole=_whole_dense_rank,
)
_define("percent_rank", 0, 0, _real, _percent_rank, "(rank - 1) / (rows - 1); 0.0 for one row.")
_define("cume_dist", 0, 0, _real, _cume_dist, "Rows up to the row's last peer / rows.")
_define("ntile", 1, 1, _ntile_rule, _ntile, "Bucket 1..n of the row (n as equal as can be).")


# --- lag, lead ---------------------------------------------------------------------------------


def lag_lead(direction: int) -> RankKernel:
    """The kernel of lag (``direction`` -1) or lead (+1): the argument's value ``offset`` rows
    before/after the row (default 1; a negative offset looks the other way, as in SQLite), or
    the default (NULL) past the partition's ends."""

    def kernel(peers: Peers, args: list[list[Any]]) -> list[Any]:
        values = args[0]
        size = peers.size
        offsets = args[1] if len(args) > 1 else repeat(1)
        defaults = args[2] if len(args) > 2 else repeat(None)
        out: list[Any] = []
        for row, offset, default in zip(range(size), offsets, defaults, strict=False):
            if offset is None:
                out.append(None)
                continue
            target = row + direction * int(offset)
            out.append(values[target] if 0 <= target < size else default)
        return out

    return kernel


def _lag_lead_rule(name: str) -> ReturnTypeRule:
    def rule(args: Sequence[DataType]) -> DataType:
        if len(args) > 1:
            expect(name, args, 1, "numeric")
        if len(args) > 2:
            try:
                return common_type(name, [args[0], args[2]])
            except ProgrammingError:
                raise ProgrammingError(
                    f"{name}(): the default ({args[2].name}) must have the type of the value "
                    f"({args[0].name})"
                ) from None
        return args[0]

    return rule


_define("lag", 1, 3, _lag_lead_rule("lag"), lag_lead(-1), "Value offset rows before the row.")
_define("lead", 1, 3, _lag_lead_rule("lead"), lag_lead(1), "Value offset rows after the row.")


# --- first_value, last_value, nth_value --------------------------------------------------------


def _same_type(args: Sequence[DataType]) -> DataType:
    return args[0]


def _nth_rule(args: Sequence[DataType]) -> DataType:
    expect("nth_value", args, 1, "numeric")
    return args[0]


def nth_value_at(value: Any) -> int:
    """The position argument of nth_value (1-based), checked as SQLite does."""
    return _positive(value, "second argument to nth_value must be a positive integer")


_define("first_value", 1, 1, _same_type, None, "Value of the frame's first row.")
_define("last_value", 1, 1, _same_type, None, "Value of the frame's last row.")
_define("nth_value", 2, 2, _nth_rule, None, "Value of the frame's n-th row (NULL if none).")
