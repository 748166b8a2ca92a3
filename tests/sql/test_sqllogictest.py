"""SQLite's sqllogictest corpus run on PyRAM: at least 99% of records must pass.

Every file under ``../shared/sqllogictest`` runs (statement and query records, results hashed
and compared as the reference runner does). CI runs all statements and every
``PYRAM_SLT_SAMPLE``-th query (default 10) to stay within its time budget; set
``PYRAM_SLT_SAMPLE=1`` for the whole corpus (about 135k applicable queries). Each failure is
printed by file and line (run with ``-s``) and listed in the assertion message.
"""

from __future__ import annotations

import os

import pytest
from slt_runner import SLT_ROOT, PyramEngine, collect_scripts, run_file

REQUIRED_RATE = 0.99
SAMPLE = int(os.environ.get("PYRAM_SLT_SAMPLE", "10"))

SCRIPTS = collect_scripts([SLT_ROOT]) if SLT_ROOT.is_dir() else []


def test_sqllogictest_corpus() -> None:
    if not SCRIPTS:
        pytest.skip(f"no sqllogictest corpus at {SLT_ROOT}")
    passed = failed = 0
    failures: list[str] = []
    for path in SCRIPTS:
        report = run_file(path, PyramEngine, SAMPLE)
        passed += report.passed
        failed += report.failed
        name = path.relative_to(SLT_ROOT)
        print(f"{name}: {report.passed} passed, {report.failed} failed ({report.seconds:.1f} s)")
        failures += [f"{name}:{f.line}: {f.reason}" for f in report.failures]
    rate = passed / (passed + failed)
    print(f"sqllogictest (every {SAMPLE}th query): {passed} passed, {failed} failed, {rate:.4%}")
    for failure in failures:
        print("  " + failure)
    assert rate >= REQUIRED_RATE, "\n".join(failures[:200])
