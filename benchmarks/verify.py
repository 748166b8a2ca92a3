"""Answer comparison: every engine must agree with sqlite3 before it is timed."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["MismatchError", "assert_same", "canonical", "first_difference"]

REL_TOL = 1e-9
ABS_TOL = 1e-6


class MismatchError(Exception):
    """An engine returned a different answer than the reference (aborts the benchmark)."""


def canonical(answer: object, ordered: bool) -> object:
    """``answer`` with rows as tuples and, when order does not matter, rows sorted."""
    if isinstance(answer, Sequence) and not isinstance(answer, str | bytes):
        rows = [
            tuple(r) if isinstance(r, Sequence) and not isinstance(r, str) else r for r in answer
        ]
        if not ordered:
            rows.sort(key=repr)
        return rows if isinstance(answer, list) else tuple(rows)
    return answer


def first_difference(expected: object, actual: object, path: str = "answer") -> str | None:
    """Where ``actual`` first differs from ``expected`` (floats within tolerance), or None.

    Booleans equal the integers 0/1 (sqlite3 stores BOOLEAN as an integer).
    """
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if isinstance(expected, float) or isinstance(actual, float):
            if math.isclose(expected, actual, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                return None
            return f"{path}: expected {expected!r}, got {actual!r}"
    elif isinstance(expected, float) or isinstance(actual, float):
        return f"{path}: expected {expected!r}, got {actual!r}"
    seq = (list, tuple)
    if isinstance(expected, seq) and isinstance(actual, seq):
        if len(expected) != len(actual):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found = first_difference(e, a, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    if expected == actual:
        return None
    return f"{path}: expected {expected!r}, got {actual!r}"


def assert_same(workload: str, engine: str, expected: object, actual: object) -> None:
    """Raise :class:`MismatchError` unless the two (canonical) answers agree."""
    found = first_difference(expected, actual)
    if found is not None:
        raise MismatchError(f"workload {workload!r}: {engine} disagrees with sqlite3 at {found}")
