"""INTERVAL columns in the DSL: comparisons and timestamp/interval arithmetic type-check."""

from __future__ import annotations

import datetime as dt

from typing_extensions import assert_type

import pyram
from pyram import Col, column
from pyram import Expr
from pyram.dsl.expr import Predicate


@pyram.table
class Job(pyram.Table):
    id: Col[int] = column(primary_key=True)
    started: Col[dt.datetime]
    took: Col[dt.timedelta]


assert_type(Job.took > dt.timedelta(hours=1), Predicate)
assert_type(Job.started + Job.took, Expr[dt.datetime])
assert_type(Job.started - dt.timedelta(days=1), Expr[dt.datetime])
assert_type(Job.took * 2, Expr[dt.timedelta])
assert_type(Job.took + Job.took, Expr[dt.timedelta])
