"""Window frames: which rows of a partition each row's aggregate reads, and aggregates over them.

Frames follow SQLite: ROWS counts rows, GROUPS counts peer groups, RANGE compares the single
ORDER BY value (``n PRECEDING`` reaches back to rows whose value is at least the row's minus
n; a NULL-keyed row's offset bounds are its NULL peers). EXCLUDE CURRENT ROW / GROUP / TIES
remove the row, its peers, or its other peers from the frame.

A frame is given per row as ``lo`` (first row) and ``hi`` (one past the last row), both lists
over the partition. For every frame type both are non-decreasing from row to row, which is
what keeps the aggregates linear:

* count, sum, total and avg read prefix sums (``itertools.accumulate``, C speed): O(n) per
  partition whatever the frame size; EXCLUDE subtracts the excluded rows' prefix difference;
* min and max slide a monotonic deque: O(n) per partition;
* other aggregates (group_concat, ...) and min/max with EXCLUDE call the aggregate once per
  distinct frame (rows of one peer group under the default frame share one call).

This module imports only :mod:`pyram.errors` and :mod:`pyram.functions`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import accumulate, repeat
from operator import sub
from typing import Any

from pyram.errors import OperationalError
from pyram.functions.sql_numeric import I64_MAX, I64_MIN
from pyram.functions.window import Peers

__all__ = ["Bound", "frame_aggregate", "frame_bounds", "frame_value"]

#: A frame bound as the engine evaluated it: (kind, offset value or None).
Bound = tuple[str, Any]

#: a start of these kinds is at or before the row, an end of the others after it: such a frame
#: is never empty (no clamping pass needed)
_NEVER_AFTER_END = frozenset({"unbounded_preceding", "preceding", "current_row"})
_NEVER_BEFORE_START = frozenset({"current_row", "following", "unbounded_following"})

_PREFIX_AGGREGATES = frozenset({"count", "count_star", "sum", "total", "avg"})


def _offset(value: Any, unit: str, which: str) -> Any:
    """A frame offset checked as SQLite does: non-negative, an integer unless RANGE."""
    numeric = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if unit == "range":
        if not numeric or value < 0:
            raise OperationalError(f"frame {which} offset must be a non-negative number")
        return value
    if not numeric or value < 0 or value != int(value):
        raise OperationalError(f"frame {which} offset must be a non-negative integer")
    return int(value)


def frame_bounds(
    unit: str,
    start: Bound,
    end: Bound,
    peers: Peers,
    order_values: Sequence[Any] | None = None,
    descending: bool = False,
) -> tuple[list[int], list[int]]:
    """The frame of every row of a partition as ``(lo, hi)`` lists (``hi >= lo``).

    Args:
        unit: "rows", "range" or "groups".
        start: the start bound (kind, offset value).
        end: the end bound (kind, offset value).
        peers: the partition's peer groups.
        order_values: the single ORDER BY value of each row (RANGE with an offset only).
        descending: whether that ORDER BY is descending.
    """
    lo = _bound(unit, start, peers, order_values, descending, is_start=True)
    hi = _bound(unit, end, peers, order_values, descending, is_start=False)
    if start[0] in _NEVER_AFTER_END and end[0] in _NEVER_BEFORE_START:
        return lo, hi  # hi >= lo already: no clamping pass
    return lo, list(map(max, hi, lo))


def _bound(
    unit: str,
    bound: Bound,
    peers: Peers,
    order_values: Sequence[Any] | None,
    descending: bool,
    is_start: bool,
) -> list[int]:
    kind, raw = bound
    size = peers.size
    if kind == "unbounded_preceding":
        return [0] * size
    if kind == "unbounded_following":
        return [size] * size
    if kind == "current_row":
        if unit == "rows":
            return list(range(size)) if is_start else list(range(1, size + 1))
        return peers.row_starts() if is_start else peers.row_ends()
    offset = _offset(raw, unit, "starting" if is_start else "ending")
    step = -offset if kind == "preceding" else offset
    if unit == "rows":
        return _shifted(size, step + (0 if is_start else 1))
    if unit == "groups":
        return _groups_bound(peers, step, is_start)
    assert order_values is not None
    return _range_bound(peers, order_values, descending, step, is_start)


def _shifted(size: int, shift: int) -> list[int]:
    """``[i + shift for i in range(size)]`` clamped to ``0..size``, built from ranges (C speed)."""
    below = min(max(-shift, 0), size)  # rows whose bound would fall before the partition
    above = min(max(shift - 1, 0), size - below)  # rows whose bound would pass its end
    middle = range(below + shift, size - above + shift)
    return [0] * below + list(middle) + [size] * above


def _groups_bound(peers: Peers, step: int, is_start: bool) -> list[int]:
    """GROUPS: the start (end) of the peer group ``step`` groups away, clamped."""
    starts, ends, size = peers.starts, peers.ends, peers.size
    count = len(starts)
    out = []
    for group in peers.group_of:
        target = group + step
        if is_start:
            out.append(0 if target < 0 else starts[target] if target < count else size)
        else:
            out.append(0 if target < 0 else ends[target] if target < count else size)
    return out


def _range_bound(
    peers: Peers, values: Sequence[Any], descending: bool, step: Any, is_start: bool
) -> list[int]:
    """RANGE with an offset: bisect the non-NULL run of the (sorted) values for value + step
    (in sort direction); a NULL row's bound is its peer group's, and so are all bounds over
    text or blob values (as in SQLite)."""
    size = peers.size
    nulls = [i for i in range(size) if values[i] is None]
    low = 0 if not nulls or nulls[0] != 0 else len(nulls)  # NULLs sort first or last
    high = size if not nulls or nulls[0] == 0 else nulls[0]
    sign = -1 if descending else 1
    group_bounds = peers.row_starts() if is_start else peers.row_ends()
    if low < high and not isinstance(values[low], int | float | Decimal):
        return group_bounds  # text or blob keys: SQLite's offset frame is the row's peers
    keys = [sign * values[i] for i in range(low, high)]
    find = bisect_left if is_start else bisect_right
    out = []
    for i in range(size):
        value = values[i]
        if value is None:
            out.append(group_bounds[i])
        else:
            out.append(low + find(keys, sign * value + step))
    return out


# --- exclusion ---------------------------------------------------------------------------------


def _excluded(exclude: str, peers: Peers) -> list[tuple[tuple[int, int], ...]]:
    """Per row, the ranges EXCLUDE removes from its frame."""
    size = peers.size
    if exclude == "current_row":
        return [((i, i + 1),) for i in range(size)]
    starts, ends = peers.row_starts(), peers.row_ends()
    if exclude == "group":
        return [((s, e),) for s, e in zip(starts, ends, strict=True)]
    return [((s, i), (i + 1, e)) for i, s, e in zip(range(size), starts, ends, strict=True)]


def _segments(lo: int, hi: int, ranges: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The non-empty runs of lo..hi-1 outside the excluded ranges (given in order)."""
    out = []
    start = lo
    for a, b in ranges:
        end = min(a, hi)
        if end > start:
            out.append((start, end))
        start = max(start, b)
    if start < hi:
        out.append((start, hi))
    return out


def _frame_rows(lo: int, hi: int, ranges: tuple[tuple[int, int], ...]) -> list[int]:
    """Positions lo..hi-1 outside the excluded ranges."""
    return [j for a, b in _segments(lo, hi, ranges) for j in range(a, b)]


def _nth_row(segments: list[tuple[int, int]], n: int) -> int | None:
    """The position of the n-th row (from 1) of the segments, None past their end."""
    for a, b in segments:
        if n <= b - a:
            return a + n - 1
        n -= b - a
    return None


# --- aggregates over frames --------------------------------------------------------------------


def frame_aggregate(
    name: str,
    impl: Callable[..., Any],
    constants: Sequence[Any],
    values: list[Any],
    lo: list[int],
    hi: list[int],
    exclude: str,
    peers: Peers,
) -> list[Any]:
    """An aggregate's value over each row's frame; ``values`` holds None for rows it skips
    (NULL values, rows its FILTER rejects; count(*) passes 1 for counted rows)."""
    if name in _PREFIX_AGGREGATES:
        return _prefix_aggregate(name, values, lo, hi, exclude, peers)
    if name in ("min", "max"):
        if exclude == "no_others":
            return _sliding_extreme(values, lo, hi, name == "max")
        return _extreme_excluding(values, lo, hi, _excluded(exclude, peers), name == "max")
    excluded = None if exclude == "no_others" else _excluded(exclude, peers)
    out: list[Any] = []
    previous = (-1, -1)
    for i, (low, high) in enumerate(zip(lo, hi, strict=True)):
        if excluded is None:
            if (low, high) == previous:
                out.append(out[-1])
                continue
            previous = (low, high)
            frame = [v for v in values[low:high] if v is not None]
        else:
            frame = [values[j] for j in _frame_rows(low, high, excluded[i])]
            frame = [v for v in frame if v is not None]
        out.append(impl(frame, *constants))
    return out


def _prefix_aggregate(
    name: str, values: list[Any], lo: list[int], hi: list[int], exclude: str, peers: Peers
) -> list[Any]:
    dense = None not in values  # the common case: C-level prefix sums, no per-row tests
    if dense:
        counts_prefix: Sequence[int] = range(len(values) + 1)
        counts = list(map(sub, hi, lo))
    else:
        counts_prefix = list(accumulate((v is not None for v in values), initial=0))
        at = counts_prefix.__getitem__
        counts = list(map(sub, map(at, hi), map(at, lo)))
    sums: list[Any] = []
    sums_prefix: list[Any] = []
    if name not in ("count", "count_star"):
        present = values if dense else (0 if v is None else v for v in values)
        sums_prefix = list(accumulate(present, initial=0))
        sums = list(map(sub, map(sums_prefix.__getitem__, hi), map(sums_prefix.__getitem__, lo)))
    if exclude != "no_others":
        _subtract_excluded(counts, sums, counts_prefix, sums_prefix, lo, hi, exclude, peers)
    if name in ("count", "count_star"):
        return counts
    some_empty = not counts or min(counts) == 0
    if name == "sum":
        out = [s if c else None for s, c in zip(sums, counts, strict=True)] if some_empty else sums
        _check_range(out)
        return out
    if name == "total":
        return [float(s) if c else 0.0 for s, c in zip(sums, counts, strict=True)]
    return [_mean(s, c) if c else None for s, c in zip(sums, counts, strict=True)]


def _mean(total: Any, count: int) -> Any:
    return total / count if type(total) is Decimal else float(total) / count


def _check_range(sums: list[Any]) -> None:
    """SQLite's sum() fails when an INTEGER result leaves 64 bits."""
    if None in sums:
        sums = [s for s in sums if s is not None]
    if not sums or type(sums[0]) is not int:
        return  # REAL or DECIMAL input (or nothing): no INTEGER range to leave
    if max(sums) > I64_MAX or min(sums) < I64_MIN:
        raise OperationalError("integer overflow")


def _subtract_excluded(
    counts: list[int],
    sums: list[Any],
    counts_prefix: Sequence[int],
    sums_prefix: list[Any],
    lo: list[int],
    hi: list[int],
    exclude: str,
    peers: Peers,
) -> None:
    """Remove the EXCLUDEd rows inside each frame from its count and sum (in place)."""
    for i, ranges in enumerate(_excluded(exclude, peers)):
        for a, b in ranges:
            a, b = max(a, lo[i]), min(b, hi[i])
            if a < b:
                counts[i] -= counts_prefix[b] - counts_prefix[a]
                if sums:
                    sums[i] -= sums_prefix[b] - sums_prefix[a]


def _sliding_extreme(values: list[Any], lo: list[int], hi: list[int], is_max: bool) -> list[Any]:
    """min/max over monotonic frames with a deque of candidate positions (each row enters and
    leaves once)."""
    out = []
    candidates: deque[int] = deque()
    following = 0
    for low, high in zip(lo, hi, strict=True):
        while following < high:
            value = values[following]
            if value is not None:
                while candidates and (
                    values[candidates[-1]] <= value if is_max else values[candidates[-1]] >= value
                ):
                    candidates.pop()
                candidates.append(following)
            following += 1
        while candidates and candidates[0] < low:
            candidates.popleft()
        out.append(values[candidates[0]] if candidates else None)
    return out


def _extreme_excluding(
    values: list[Any],
    lo: list[int],
    hi: list[int],
    excluded: list[tuple[tuple[int, int], ...]],
    is_max: bool,
) -> list[Any]:
    """min/max over frames with EXCLUDE: a sparse table of range extremes (O(n log n) to
    build with C-level ``map``, then O(1) per run of the frame left after excluding)."""
    # (flag, value) keys: NULLs lose to every value without ever being compared with one
    if is_max:
        keyed = [(0, None) if v is None else (1, v) for v in values]
        pick: Callable[[Any, Any], Any] = max
    else:
        keyed = [(1, None) if v is None else (0, v) for v in values]
        pick = min
    table = [keyed]
    width = 1
    while 2 * width <= len(keyed):
        below = table[-1]
        table.append(list(map(pick, below[: len(below) - width], below[width:])))
        width *= 2
    out = []
    for i, (low, high) in enumerate(zip(lo, hi, strict=True)):
        best = None
        for a, b in _segments(low, high, excluded[i]):
            level = (b - a).bit_length() - 1
            found = pick(table[level][a], table[level][b - (1 << level)])
            best = found if best is None else pick(best, found)
        out.append(None if best is None else best[1])
    return out


def frame_value(
    name: str,
    values: list[Any],
    nth: Sequence[int] | None,
    lo: list[int],
    hi: list[int],
    exclude: str,
    peers: Peers,
) -> list[Any]:
    """first_value / last_value / nth_value over each row's frame (NULL when it has no such
    row); ``nth`` holds nth_value's position argument per row."""
    positions = nth if nth is not None else repeat(1)
    excluded = None if exclude == "no_others" else _excluded(exclude, peers)
    out = []
    for i, (low, high, n) in enumerate(zip(lo, hi, positions, strict=False)):
        if excluded is None:
            row = (high - 1 if high > low else None) if name == "last_value" else low + n - 1
            out.append(values[row] if row is not None and row < high else None)
            continue
        segments = _segments(low, high, excluded[i])
        if name == "last_value":
            out.append(values[segments[-1][1] - 1] if segments else None)
        else:
            row = _nth_row(segments, n)
            out.append(None if row is None else values[row])
    return out
