"""Queries over packed (array-backed) NOT NULL REAL columns agree with a Python reference.

Storage keeps such columns as machine doubles; every operator must treat them like lists.
The same test runs on PostgreSQL (tests/dsl/backends.py), where the columns are doubles too.
"""

from __future__ import annotations

from typing import Any

from backends import backend_fixture  # noqa: F401  (the ``backend`` fixture)
from hypothesis import given
from hypothesis import strategies as st

import pyram
from pyram import Col, column, func


@pyram.table
class Sample(pyram.Table):
    id: Col[int] = column(primary_key=True)
    grp: Col[int]
    x: Col[float]
    y: Col[float] = column(index=True)


rows_strategy = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.floats(-100, 100, allow_nan=False, width=32),
        st.floats(-100, 100, allow_nan=False, width=32),
    ),
    max_size=60,
)


@given(rows=rows_strategy, cut=st.floats(-100, 100, allow_nan=False, width=32))
def test_packed_real_columns_through_every_operator(
    backend: Any, rows: list[Any], cut: float
) -> None:
    db = backend.fresh(Sample)
    db.insert_many(Sample(i, g, x, y) for i, (g, x, y) in enumerate(rows))
    data = [(i, g, x, y) for i, (g, x, y) in enumerate(rows)]
    assert sorted(db.all(pyram.select(Sample.id).where(Sample.x > cut))) == [
        (i,) for i, _, x, _ in data if x > cut
    ]
    assert sorted(db.all(pyram.select(Sample.id).where(Sample.y >= cut))) == [
        (i,) for i, _, _, y in data if y >= cut
    ]
    grouped = db.all(
        pyram.select(Sample.grp, func.count(), func.max(Sample.x)).group_by(Sample.grp)
    )
    expected: dict[int, list[float]] = {}
    for _, g, x, _ in data:
        expected.setdefault(g, []).append(x)
    assert sorted(grouped) == sorted((g, len(v), max(v)) for g, v in expected.items())
    top = db.all(pyram.select(Sample.id, Sample.x).order_by(Sample.x.desc(), Sample.id).limit(3))
    ranked = sorted(data, key=lambda r: (-r[2], r[0]))[:3]
    assert top == [(i, x) for i, _, x, _ in ranked]
    other = pyram.alias(Sample, "other")
    pairs = db.all(
        pyram.select(Sample.id, other.id).join(
            other, on=(other.x == Sample.x) & (other.id > Sample.id)
        )
    )
    assert sorted(pairs) == sorted(
        (a[0], b[0]) for a in data for b in data if b[2] == a[2] and b[0] > a[0]
    )
    assert sorted(db.all(pyram.select(Sample.x).distinct())) == sorted(
        {(x,) for _, _, x, _ in data}
    )
    db.execute(pyram.update(Sample).set(Sample.x, Sample.x + 1.0).where(Sample.grp == 1))
    db.execute(pyram.delete(Sample).where(Sample.grp == 2))
    after = {s.id: s.x for s in db.all(Sample.select())}
    assert after == {i: x + 1.0 if g == 1 else x for i, g, x, _ in data if g != 2}
