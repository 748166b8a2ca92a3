"""Ratios to sqlite3 with a target each: the rows of the write-path table and of the chart.

A :class:`Ratio` is one (workload, path, size) cell: PyRAM's figure, sqlite3's figure in the
same mode, their ratio and the target the issue sets for it. Every ratio is a *cost* ratio,
PyRAM's time (or bytes) over sqlite3's, so lower is better everywhere and one chart axis fits
all: a rate target such as "transactions/s >= 0.5x sqlite3's" is the cost target "<= 2x".

Suites registered in :mod:`benchmarks.suites` return lists of ratios; :func:`format_ratios`
prints them, :func:`markdown_table` writes the README table and :mod:`benchmarks.plot` draws
them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "Ratio",
    "Unit",
    "format_ratios",
    "from_json",
    "markdown_table",
    "to_json",
]

#: How PyRAM's and sqlite3's figures read: time per operation, whole seconds, a rate (higher
#: is better; the ratio is then sqlite3's rate over PyRAM's), or bytes per row.
Unit = Literal["us/op", "s", "tx/s", "bytes/row"]
_RATES: frozenset[str] = frozenset({"tx/s"})


@dataclass(frozen=True, slots=True)
class Ratio:
    """One measured cell against sqlite3.

    Attributes:
        workload: what was measured, as the table and the chart label it.
        path: how PyRAM was reached: ``DSL``, ``db.*``, ``db.sql``, ``DB-API``, ...
        rows: rows of the benchmark table.
        ops: operations per run (statements, transactions or rows).
        unit: the unit of ``pyram`` and ``sqlite`` (see :data:`Unit`).
        pyram: PyRAM's median figure, None when it failed or was skipped.
        sqlite: sqlite3's median figure in the same mode.
        target: the highest cost ratio the issue accepts (None: no target).
        target_text: the target as the issue states it, e.g. ``"<= 2x"``.
        note: why a figure is missing, or what else the cell measured.
    """

    workload: str
    path: str
    rows: int
    ops: int
    unit: Unit
    pyram: float | None
    sqlite: float | None
    target: float | None = None
    target_text: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """PyRAM's cost over sqlite3's (for a rate: sqlite3's rate over PyRAM's)."""
        if self.pyram is None or self.sqlite is None or not self.pyram or not self.sqlite:
            return None
        if self.unit in _RATES:
            return self.sqlite / self.pyram
        return self.pyram / self.sqlite

    @property
    def met(self) -> bool | None:
        """Whether the ratio meets the target (None when either is missing)."""
        if self.target is None:
            return None
        if self.pyram is None:  # failed or skipped: the target is not shown to be met
            return False
        ratio = self.ratio
        return None if ratio is None else ratio <= self.target


def _figure(value: float | None, unit: Unit) -> str:
    if value is None:
        return ""
    if unit == "us/op":
        return f"{value:,.1f} us" if value < 10_000 else f"{value / 1000:,.1f} ms"
    if unit == "s":
        return f"{value:,.3f} s"
    if unit == "tx/s":
        return f"{value:,.0f} tx/s"
    return f"{value:,.0f} B"


def _mark(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: ""}[met]


def _cells(r: Ratio) -> list[str]:
    ratio = r.ratio
    return [
        r.workload,
        f"{r.rows:,}",
        f"{r.ops:,}",
        r.path,
        _figure(r.pyram, r.unit) or "-",
        _figure(r.sqlite, r.unit),
        "" if ratio is None else f"{ratio:.2f}x",
        r.target_text,
        _mark(r.met),
        r.note,
    ]


_HEADER = ["workload", "rows", "ops", "path", "PyRAM", "sqlite3", "ratio", "target", "", "note"]


def format_ratios(title: str, ratios: Iterable[Ratio]) -> str:
    """A plain-text table, one line per cell."""
    rows = [_cells(r) for r in ratios]
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in [_HEADER, *rows]) for i in range(len(_HEADER))]
    right = {1, 2, 4, 5, 6}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    body = [line(_HEADER), line(["-" * w for w in widths]), *map(line, rows)]
    return "\n".join([title, *body])


def markdown_table(ratios: Iterable[Ratio]) -> str:
    """The same table in Markdown (the README's performance section)."""
    head = "| " + " | ".join(h or "met?" for h in _HEADER) + " |"
    align = "|" + "|".join(":---" if i in (0, 3, 7, 9) else "---:" for i in range(len(_HEADER)))
    lines = [head, align + "|"]
    for r in ratios:
        cells = [c.replace("|", "\\|") for c in _cells(r)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def to_json(ratios: Iterable[Ratio]) -> list[dict[str, Any]]:
    """JSON-ready dicts (the ``ratios`` list of ``latest.json``)."""
    return [
        {
            "workload": r.workload,
            "path": r.path,
            "rows": r.rows,
            "ops": r.ops,
            "unit": r.unit,
            "pyram": r.pyram,
            "sqlite3": r.sqlite,
            "ratio": r.ratio,
            "target": r.target,
            "target_text": r.target_text,
            "met": r.met,
            "note": r.note,
        }
        for r in ratios
    ]


def from_json(items: Iterable[dict[str, Any]]) -> list[Ratio]:
    """Ratios back from :func:`to_json` output (``--plot`` of a saved run)."""
    return [
        Ratio(
            workload=str(d["workload"]),
            path=str(d["path"]),
            rows=int(d["rows"]),
            ops=int(d["ops"]),
            unit=d["unit"],
            pyram=d.get("pyram"),
            sqlite=d.get("sqlite3"),
            target=d.get("target"),
            target_text=str(d.get("target_text", "")),
            note=str(d.get("note", "")),
        )
        for d in items
    ]
