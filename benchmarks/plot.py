"""``python -m benchmarks --plot FILE.svg``: the ratios to sqlite3 as a bar chart.

One group per workload (and table size, when a run had several), one horizontal bar per path
(the same colour for a path in every group), on a logarithmic axis of PyRAM's cost over
sqlite3's: a solid line at 1.0 (as fast as sqlite3) and, per group, a red tick at the issue's
target. A path without a figure is labelled with why ("stopped", "skipped", the error).
matplotlib is optional (the ``bench`` extra); without it :func:`plot_ratios` raises
:class:`PlotUnavailable` with the install command.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.ratios import Ratio, from_json

__all__ = ["PlotUnavailable", "load_ratios", "plot_ratios"]

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#7f7f7f")
_BAR = 0.8  # height of a group's bars together, in group units


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def load_ratios(path: Path) -> list[Ratio]:
    """The ratios a results file (``benchmarks/results/latest.json``) holds.

    Raises:
        ValueError: the file holds no ratios (a run without a suite that reports them).
    """
    document = json.loads(path.read_text(encoding="utf-8"))
    items = document.get("ratios") if isinstance(document, dict) else None
    if not items:
        raise ValueError(f"{path} holds no ratios: run a suite such as --only write_path first")
    return from_json(items)


def _groups(ratios: Sequence[Ratio]) -> list[tuple[str, list[Ratio]]]:
    """Ratios grouped by (workload, rows), in first-seen order."""
    several_sizes = len({r.rows for r in ratios}) > 1
    groups: dict[tuple[str, int], list[Ratio]] = {}
    for r in ratios:
        groups.setdefault((r.workload, r.rows), []).append(r)
    labelled = []
    for (name, rows), members in groups.items():
        size = f"{rows:,} rows"
        label = f"{name} ({size})" if several_sizes and size not in name else name
        labelled.append((label, members))
    return labelled


def plot_ratios(ratios: Sequence[Ratio], path: Path, title: str | None = None) -> Path:
    """Draw ``ratios`` into ``path`` (the format follows its suffix: .svg, .png, .pdf).

    Raises:
        PlotUnavailable: matplotlib is not installed.
        ValueError: nothing to draw.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, no display
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
        from matplotlib.patches import Rectangle
    except ImportError:
        raise PlotUnavailable(
            "--plot needs matplotlib: pip install -e '.[bench]' (or pip install matplotlib)"
        ) from None
    groups = _groups(ratios)
    if not groups:
        raise ValueError("no ratios to plot")
    paths = list(dict.fromkeys(r.path for r in ratios))
    colour = {p: _COLOURS[i % len(_COLOURS)] for i, p in enumerate(paths)}
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(groups) + 0.25 * len(ratios) / 2 + 1.5))
    values = [r.ratio for r in ratios if r.ratio]
    low, high = min([*values, 0.5]) / 1.5, max([*values, 2.5]) * 2.5
    for g, (_, members) in enumerate(groups):
        members = sorted(members, key=lambda r: paths.index(r.path))  # same order everywhere
        height = _BAR / len(members)
        for i, r in enumerate(members):
            y = g - _BAR / 2 + height * (i + 0.5)
            _bar(ax, r, y, height, colour[r.path], low)
        target = members[0].target
        if target is not None:
            ax.plot([target, target], [g - 0.48, g + 0.48], color="#d62728", linewidth=2)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.set_yticks(range(len(groups)), [name for name, _ in groups])
    ax.invert_yaxis()
    ax.set_xlabel("PyRAM / sqlite3 (time per operation, bytes per row); lower is better")
    ax.grid(axis="x", which="major", alpha=0.3)
    handles: list[Any] = [Rectangle((0, 0), 1, 1, color=colour[p]) for p in paths]
    handles.append(Line2D([0], [0], color="#d62728", linewidth=2))
    handles.append(Line2D([0], [0], color="black", linewidth=1))
    ax.legend(handles, [*paths, "target", "sqlite3 (1.0)"], loc="lower right", fontsize="small")
    ax.set_title(title or "PyRAM vs sqlite3, ratio per workload and path")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context({"svg.fonttype": "none"}):  # text stays text: small, searchable
        fig.savefig(path)
    plt.close(fig)
    return path


def _bar(ax: Any, r: Ratio, y: float, height: float, colour: str, low: float) -> None:
    """One path's bar, with its ratio written at its end ("n/a" when missing)."""
    ratio = r.ratio
    if ratio is None:  # say why: a stopped or skipped run is part of the result
        why = r.note.split(":")[0].replace("TooSlow", "stopped") if r.note else "n/a"
        ax.text(low * 1.05, y, f"{r.path}: {why}", va="center", fontsize=6, color="#555555")
        return
    ax.barh(y, ratio - low, left=low, height=height * 0.9, color=colour)
    text = f"{ratio:.2f}x" if ratio < 10 else f"{ratio:,.0f}x"
    ax.text(ratio * 1.04, y, text, va="center", fontsize=6)
