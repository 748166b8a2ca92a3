"""Reads the SQL statements out of sqllogictest ``.test`` files (test helper, no pytest)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

SLT_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "sqllogictest"


def iter_records(path: Path) -> Iterator[tuple[str, int, str]]:
    """Yield ``(kind, line_number, sql)`` for each statement/query record meant for SQLite.

    ``kind`` is ``statement ok``, ``statement error`` or ``query``. Records guarded by
    ``onlyif <other db>`` or ``skipif sqlite`` are left out.
    """
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    i = 0
    skip = False
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            if not line:
                skip = False
            continue
        words = line.split()
        if words[0] == "onlyif":
            skip = skip or words[1] != "sqlite"
            continue
        if words[0] == "skipif":
            skip = skip or words[1] == "sqlite"
            continue
        if words[0] in ("statement", "query"):
            kind = "query" if words[0] == "query" else f"statement {words[1]}"
            start = i + 1
            sql_lines = []
            while i < len(lines) and lines[i].strip() and lines[i].strip() != "----":
                sql_lines.append(lines[i])
                i += 1
            # skip the expected results of a query
            while i < len(lines) and lines[i].strip():
                i += 1
            if not skip:
                yield kind, start, "\n".join(sql_lines)
            skip = False
        else:
            skip = False
