"""Hypothesis strategies for PyRAM values, one per column type (every new type joins here)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from models import Color, Level

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
)
json_docs: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
).filter(lambda v: isinstance(v, dict | list))

aware_datetimes = st.datetimes(
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30))])
)

#: column name of ``models.AllTypes`` -> strategy for its non-NULL values
ALL_TYPES_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "i": st.integers(-(2**63), 2**63 - 1),  # SQLite integers are 64-bit
    "f": st.floats(allow_nan=False),
    "s": st.text(),
    "b": st.booleans(),
    "raw": st.binary(),
    "dec": st.decimals(allow_nan=False, allow_infinity=False),
    "day": st.dates(),
    "ts": st.datetimes(),
    "tstz": aware_datetimes,
    "t": st.times(),
    "u": st.uuids(),
    "color": st.sampled_from(Color),
    "level": st.sampled_from(Level),
    "doc": json_docs,
    "took": st.timedeltas(),
}


def nullable(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The strategy or NULL."""
    return st.none() | strategy


all_types_rows = st.fixed_dictionaries({k: nullable(v) for k, v in ALL_TYPES_VALUES.items()})

__all__ = ["ALL_TYPES_VALUES", "Decimal", "all_types_rows", "json_docs", "nullable"]
