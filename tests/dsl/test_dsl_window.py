"""DSL window functions: results, frames given as (start, end) pairs, FILTER, and the errors
for windows where none may be; on both backends (memory and PostgreSQL, tests/dsl/backends.py)."""

from __future__ import annotations

from typing import Any

import pytest
from backends import backend_fixture  # noqa: F401  (the ``backend`` fixture)
from models import User

import pyram
from pyram import func


@pytest.fixture()
def db(backend: Any) -> Any:
    database = backend.fresh(User)
    database.insert_many(
        [User(id=i, name="ab"[i % 2], age=a) for i, a in enumerate([5, 3, 3, 8, 1, 9], 1)]
    )
    return database


def test_ranking_and_running_values(db: pyram.TypedDatabase) -> None:
    q = pyram.select(
        User.id,
        func.dense_rank().over(order_by=User.age).label("d"),
        func.sum(User.age).over(partition_by=User.name, order_by=User.id).label("s"),
        func.ntile(2).over(order_by=User.id).label("half"),
    ).order_by(User.id)
    assert db.all(q) == [
        (1, 3, 5, 1),
        (2, 2, 3, 1),
        (3, 2, 8, 1),
        (4, 4, 11, 2),
        (5, 1, 9, 2),
        (6, 5, 20, 2),
    ]


def test_frames_from_pairs_and_exclude(db: pyram.TypedDatabase) -> None:
    q = pyram.select(
        User.id,
        func.max(User.age).over(order_by=User.id, rows=(-1, 1)).label("m"),
        func.count().over(order_by=User.age, range=(-2, 0)).label("near"),
        func.sum(User.age).over(exclude="current_row").label("others"),
    ).order_by(User.id)
    assert db.all(q) == [
        (1, 5, 3, 24),
        (2, 5, 3, 26),
        (3, 8, 3, 26),
        (4, 8, 1, 21),
        (5, 9, 1, 28),
        (6, 9, 2, 20),
    ]


def test_filter_counts_only_matching_rows(db: pyram.TypedDatabase) -> None:
    q = pyram.select(User.name, func.count().filter(User.age > 3)).group_by(User.name)
    assert sorted(db.all(q)) == [("a", 2), ("b", 1)]
    window = pyram.select(User.id, func.count().filter(User.age > 3).over(order_by=User.id))
    assert [n for _, n in sorted(db.all(window))] == [1, 1, 1, 2, 2, 3]


def test_windows_where_none_may_be(db: pyram.TypedDatabase) -> None:
    with pytest.raises(pyram.ProgrammingError, match="misuse of window function rank"):
        db.all(pyram.select(User.id).where(func.rank().over(order_by=User.id) > 1))
    with pytest.raises(pyram.ProgrammingError, match="at most one of rows=, range=, groups="):
        func.rank().over(rows=(None, 0), groups=(None, 0))
    with pytest.raises(pyram.ProgrammingError, match="DISTINCT is not supported"):
        db.all(pyram.select(func.count(User.age, distinct=True).over()))
    with pytest.raises(pyram.ProgrammingError, match="unsupported frame specification"):
        db.all(pyram.select(func.sum(User.age).over(order_by=User.id, rows=(1, -1))))
