"""The grid output modes: ``table`` (ASCII boxes), ``box`` (Unicode boxes), ``markdown`` and
``column``.

All four lay values out in aligned columns: each column is as wide as its widest cell (wide
East Asian characters count two cells), numbers are right-aligned and everything else
left-aligned (sqlite3 left-aligns numbers too), and newlines or tabs inside a value print
escaped (``\\n``) so a row stays one line. With ``.headers off`` the header line is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from pyram.shell.style import Style
from pyram.shell.values import cell_text, cell_width

__all__ = ["GRID_MODES", "render_grid"]


class _Frame(NamedTuple):
    """The characters of one grid style; '' means "no such line"."""

    top: tuple[str, str, str, str]  # left, fill, junction, right
    middle: tuple[str, str, str, str]  # the rule under the header
    bottom: tuple[str, str, str, str]
    side: tuple[str, str, str]  # left, between columns, right
    pad: str  # space around each cell (inside the side characters)


_FRAMES: dict[str, _Frame] = {
    "table": _Frame(
        ("+", "-", "+", "+"), ("+", "-", "+", "+"), ("+", "-", "+", "+"), ("|", "|", "|"), " "
    ),
    "box": _Frame(
        ("┌", "─", "┬", "┐"), ("├", "─", "┼", "┤"), ("└", "─", "┴", "┘"), ("│", "│", "│"), " "
    ),
    "markdown": _Frame(
        ("", "", "", ""), ("|", "-", "|", "|"), ("", "", "", ""), ("|", "|", "|"), " "
    ),
    "column": _Frame(("", "", "", ""), ("", "-", "  ", ""), ("", "", "", ""), ("", "  ", ""), ""),
}
#: The modes :func:`render_grid` draws.
GRID_MODES = frozenset(_FRAMES)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _rule(parts: tuple[str, str, str, str], widths: list[int], pad: str) -> str | None:
    left, fill, junction, right = parts
    if not fill:
        return None
    return left + junction.join(fill * (w + 2 * len(pad)) for w in widths) + right


def render_grid(
    mode: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], style: Style
) -> str:
    """``rows`` under ``columns`` drawn in grid ``mode`` (``table``, ``box``, ``markdown`` or
    ``column``); an empty result still shows its header (sqlite3 shows nothing then)."""
    frame = _FRAMES[mode]
    null = style.null_text()
    header = [cell_text(c) for c in columns]
    body = [[cell_text(v, null) for v in row] for row in rows]
    widths = [cell_width(h) if style.headers else 0 for h in header]
    for cells in body:
        widths = [max(w, cell_width(c)) for w, c in zip(widths, cells, strict=True)]
    left, between, right = frame.side
    pad = frame.pad

    def line(cells: list[str], right_aligned: Sequence[bool]) -> str:
        padded = []
        for text, w, r in zip(cells, widths, right_aligned, strict=True):
            fill = " " * (w - cell_width(text))
            padded.append(pad + (fill + text if r else text + fill) + pad)
        text = left + between.join(padded) + right
        return text.rstrip() if mode == "column" else text

    out: list[str | None] = [_rule(frame.top, widths, pad)]
    if style.headers:
        out.append(line(header, [False] * len(header)))
        out.append(_rule(frame.middle, widths, pad))
    out.extend(
        line(cells, [_is_number(v) for v in row]) for cells, row in zip(body, rows, strict=True)
    )
    if not body and not style.headers:
        return ""
    if body:
        out.append(_rule(frame.bottom, widths, pad))
    return "".join(f"{text}\n" for text in out if text is not None)
