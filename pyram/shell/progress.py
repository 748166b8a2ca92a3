"""Progress of long ``.import``, ``.export``, ``.backup`` and ``.restore`` runs, on a terminal.

:func:`progress_bar` gives a callback ``(done, total)``: a tqdm bar when the optional
``pyram[shell]`` extra (tqdm) is installed, else :class:`ProgressBar`, a plain one-line bar
drawn with ``\\r``. Either stays silent when the stream is not a terminal (a pipe, a file, a
test) or the work is small, so scripts and logs never get bar noise.
"""

from __future__ import annotations

import importlib
import time
from typing import Any, Protocol, TextIO

__all__ = ["MIN_ROWS_FOR_BAR", "Progress", "ProgressBar", "TqdmBar", "progress_bar"]

#: Smaller work finishes before a bar would be seen: none is drawn.
MIN_ROWS_FOR_BAR = 50_000


class Progress(Protocol):
    """A progress callback that is closed when the work ends."""

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` units."""

    def close(self) -> None:
        """End the bar (its line stays on screen)."""


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ProgressBar:
    """A progress callback drawing ``[#####-----]  52%  52000/100000 rows`` on a terminal
    (redrawn at most ten times a second); silent when the stream is not a terminal or the
    work is small."""

    def __init__(self, stream: TextIO, label: str, *, width: int = 30, unit: str = "rows") -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.unit = unit
        self.enabled = _is_terminal(stream)
        self.drawn = False
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < MIN_ROWS_FOR_BAR:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        done = min(done, total)
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {100 * done // total:3d}%  {done}/{total} {self.unit}"
        )
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line (when one was drawn)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


class TqdmBar:
    """The same callback drawn by tqdm (rate and time left included)."""

    def __init__(self, tqdm: Any, stream: TextIO, label: str, unit: str) -> None:
        self._tqdm = tqdm
        self._stream = stream
        self._label = label
        self._unit = unit
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if total < MIN_ROWS_FOR_BAR:
            return
        if self._bar is None:
            in_bytes = self._unit == "bytes"  # shown as kB, MB ... per second
            self._bar = self._tqdm(
                total=total,
                desc=self._label,
                unit="B" if in_bytes else self._unit,
                unit_scale=in_bytes,
                unit_divisor=1024,
                file=self._stream,
                leave=True,
            )
        self._bar.update(min(done, total) - self._bar.n)

    def close(self) -> None:
        """Close the tqdm bar (when one was started)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def progress_bar(stream: TextIO, label: str, *, unit: str = "rows", fancy: bool = True) -> Progress:
    """A progress callback for ``stream``: tqdm's when installed (and ``fancy``) on a
    terminal, else the plain bar (which is silent off a terminal)."""
    if fancy and _is_terminal(stream):
        try:
            tqdm = importlib.import_module("tqdm").tqdm
        except ImportError:
            pass
        else:
            return TqdmBar(tqdm, stream, label, unit)
    return ProgressBar(stream, label, unit=unit)
