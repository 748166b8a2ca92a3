"""``pyram.replace`` keywords, checked when the checker targets Python 3.13+ (both checkers
synthesize ``__replace__`` for the model classes there). Run by tests/test_typings_replace.py."""

from __future__ import annotations

from typing import assert_type

import pyram
from pyram import Col, column


@pyram.table
class User(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    age: Col[int] = column(default=0)
    email: Col[str | None] = column(default=None)


u = User(id=1, name="ada")
assert_type(pyram.replace(u, age=37), User)
assert_type(pyram.replace(u, name="Ada", email=None), User)
assert_type(pyram.replace(u, email="ada@example.com"), User)
assert_type(pyram.replace(u), User)
