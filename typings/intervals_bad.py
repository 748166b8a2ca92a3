"""Negative typing contract of INTERVAL columns: every marked line must be rejected by mypy."""

from __future__ import annotations

import datetime as dt

import pyram
from pyram import Col, column


@pyram.table
class Job(pyram.Table):
    id: Col[int] = column(primary_key=True)
    started: Col[dt.datetime]
    day: Col[dt.date]
    took: Col[dt.timedelta]


Job.took > 3600  # type: ignore[operator]
Job.took > "1 hour"  # type: ignore[operator]
Job.took < dt.datetime(2024, 1, 1)  # type: ignore[operator]
Job.took + 1  # type: ignore[operator]
Job.took * "2"  # type: ignore[operator]
Job.took * Job.took  # type: ignore[operator]
Job.started + 5  # type: ignore[operator]
Job.started * 2  # type: ignore[operator]
Job.took - Job.started  # type: ignore[operator]
bad_type: pyram.Expr[dt.datetime] = Job.took + Job.took  # type: ignore[assignment]
Job(1, dt.datetime(2024, 1, 1), dt.date(2024, 1, 1), 3600)  # type: ignore[arg-type]
