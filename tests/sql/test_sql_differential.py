"""Differential test: random schemas, rows and SELECT queries run on PyRAM and stdlib sqlite3.

The generator (``differential_strategies``) is type-aware, so every query is one PyRAM should
accept (its strict typing is never the reason for a difference); then both engines must agree:
the same rows (as lists when the ORDER BY is total, else as multisets; REAL within a small
tolerance; INTEGER and REAL are different storage classes), or both raise (PyRAM a
``pyram.Error``).

Examples: twice the active Hypothesis profile's count (the default profile: 120, about 15 s;
``PYRAM_SLOW=1``: 2000), or ``PYRAM_DIFF_EXAMPLES=N``. ``PYRAM_DIFF_AVOID=feature,...``
switches generator features off (``differential_strategies.FEATURES``), to look for further
mismatches while a known one is being fixed.

A failure reports the schema, rows, query and both outcomes as it was generated: shrinking these
cases takes Hypothesis minutes, so it only runs with ``PYRAM_DIFF_SHRINK=1``.
"""

from __future__ import annotations

import os

from differential_strategies import Case, cases, check_case
from hypothesis import HealthCheck, Phase, given, settings

_EXAMPLES = int(os.environ.get("PYRAM_DIFF_EXAMPLES", "0")) or 2 * settings().max_examples
_PHASES = [p for p in Phase if os.environ.get("PYRAM_DIFF_SHRINK") or p is not Phase.shrink]


@settings(
    max_examples=_EXAMPLES,
    # CI runs a fixed sample (reproducible); more examples explore randomly
    derandomize=not os.environ.get("PYRAM_DIFF_EXAMPLES") and not os.environ.get("PYRAM_SLOW"),
    phases=_PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=cases())
def test_select_matches_sqlite(case: Case) -> None:
    reports = check_case(case)
    assert not reports, "\n\n".join(reports)
