"""Differential test of window functions: generated window queries (partitions, orders, frames
with EXCLUDE, NULLs, ties, named windows, FILTER, windows over GROUP BY) run on PyRAM and
sqlite3 must give the same rows or both fail (see ``window_strategies``).

Examples: twice the active Hypothesis profile's count in CI (derandomized, reproducible), or
``PYRAM_DIFF_EXAMPLES=N`` to explore randomly.
"""

from __future__ import annotations

import os

from differential_strategies import Case, check_case
from hypothesis import HealthCheck, Phase, given, settings
from window_strategies import window_cases

_EXAMPLES = int(os.environ.get("PYRAM_DIFF_EXAMPLES", "0")) or 2 * settings().max_examples
_PHASES = [p for p in Phase if os.environ.get("PYRAM_DIFF_SHRINK") or p is not Phase.shrink]


@settings(
    max_examples=_EXAMPLES,
    derandomize=not os.environ.get("PYRAM_DIFF_EXAMPLES"),
    phases=_PHASES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=window_cases())
def test_window_queries_match_sqlite(case: Case) -> None:
    reports = check_case(case)
    assert not reports, "\n\n".join(reports)
