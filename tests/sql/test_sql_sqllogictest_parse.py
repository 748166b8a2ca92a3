"""Parse (never execute) every statement of the shared sqllogictest corpus.

At least 99% of the SQL in ``statement ok`` and ``query`` records must parse; failures are
printed (run with ``-s`` to see them).
"""

from __future__ import annotations

from collections import Counter

import pytest
from slt_runner import DIALECT, SLT_ROOT, parse_file

from pyram.sql import parse
from pyram.sql.errors import SqlSyntaxError

REQUIRED_RATE = 0.99


def test_sqllogictest_statements_parse() -> None:
    files = sorted(SLT_ROOT.rglob("*.test")) if SLT_ROOT.is_dir() else []
    if not files:
        pytest.skip(f"no sqllogictest corpus at {SLT_ROOT}")
    parsed = total = 0
    failures: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for path in files:
        for record in parse_file(path):
            if record.kind not in ("statement ok", "query") or not record.runs_on(DIALECT):
                continue
            total += 1
            try:
                parse(record.sql)
            except SqlSyntaxError as error:
                failures[error.reason] += 1
                examples.setdefault(error.reason, f"{path.name}:{record.line}: {record.sql[:120]}")
            else:
                parsed += 1
    rate = parsed / total
    print(f"\nsqllogictest: parsed {parsed} of {total} statements ({rate:.4%})")
    for reason, count in failures.most_common():
        print(f"  {count:6d}  {reason}  e.g. {examples[reason]}")
    assert rate >= REQUIRED_RATE
