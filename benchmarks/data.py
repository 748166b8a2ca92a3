"""The benchmark data set: deterministic rows for ``t`` and ``d`` plus the probe keys.

Schema (the same for every engine)::

    t(id INTEGER PRIMARY KEY, grp INTEGER (0..999, indexed), cat TEXT (8 values),
      val REAL (0..1000), flag BOOLEAN)
    d(grp INTEGER PRIMARY KEY, name TEXT)   -- 1000 rows, one per grp value
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = [
    "CATEGORIES",
    "GROUPS",
    "RANGE_WIDTH",
    "SEED",
    "DRow",
    "Dataset",
    "TRow",
    "make_dataset",
    "make_t_rows",
]

SEED = 42
GROUPS = 1000
RANGE_WIDTH = 10  # grp BETWEEN lo AND lo + RANGE_WIDTH - 1 selects ~1% of the rows
CATEGORIES: tuple[str, ...] = (
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
)

TRow = tuple[int, int, str, float, bool]
DRow = tuple[int, str]


@dataclass(frozen=True, slots=True)
class Dataset:
    """Rows of both tables and the keys the per-row workloads probe.

    Attributes:
        rows: number of rows of ``t``.
        t_rows: ``(id, grp, cat, val, flag)`` tuples, ids ``1..rows`` in order.
        d_rows: ``(grp, name)`` tuples, one per group.
        lookup_keys: random existing ids for ``point_lookup`` (with repetition).
        range_lows: lower bounds ``lo`` of ``grp BETWEEN lo AND lo + 9``.
        update_keys: random existing ids for ``update_by_pk`` (with repetition); the
            transaction workloads update them too (see :mod:`benchmarks.transactions`).
        tx_readers: reader threads of ``concurrent_reads``.
        tx_seconds: wall time of one ``concurrent_reads`` run, in seconds.
    """

    rows: int
    t_rows: list[TRow]
    d_rows: list[DRow]
    lookup_keys: list[int]
    range_lows: list[int]
    update_keys: list[int]
    tx_readers: int = 2
    tx_seconds: float = 2.0

    @property
    def range_highs(self) -> list[int]:
        """Inclusive upper bounds matching :attr:`range_lows`."""
        return [lo + RANGE_WIDTH - 1 for lo in self.range_lows]


def make_t_rows(rows: int, seed: int = SEED) -> list[TRow]:
    """The rows of ``t``: a pure function of ``(rows, seed)``."""
    rng = random.Random(seed)
    randrange, uniform, rand = rng.randrange, rng.uniform, rng.random
    cats = CATEGORIES
    return [
        (i, randrange(GROUPS), cats[randrange(len(cats))], uniform(0.0, 1000.0), rand() < 0.5)
        for i in range(1, rows + 1)
    ]


def make_dataset(
    rows: int,
    lookups: int,
    ranges: int,
    seed: int = SEED,
    tx_readers: int = 2,
    tx_seconds: float = 2.0,
) -> Dataset:
    """Build the data set for one size.

    Args:
        rows: rows of ``t``.
        lookups: number of point lookups, of primary-key updates and of small transactions.
        ranges: number of range queries.
        seed: random seed; the same arguments always give the same data.
        tx_readers: reader threads of ``concurrent_reads``.
        tx_seconds: wall time of one ``concurrent_reads`` run.
    """
    if rows < 1:
        raise ValueError("rows must be positive")
    probe = random.Random(seed + 1)
    return Dataset(
        rows=rows,
        t_rows=make_t_rows(rows, seed),
        d_rows=[(g, f"group_{g:03d}") for g in range(GROUPS)],
        lookup_keys=[probe.randint(1, rows) for _ in range(lookups)],
        range_lows=[probe.randrange(GROUPS - RANGE_WIDTH + 1) for _ in range(ranges)],
        update_keys=[probe.randint(1, rows) for _ in range(lookups)],
        tx_readers=tx_readers,
        tx_seconds=tx_seconds,
    )
