"""``pyram.replace`` calls the checkers must refuse when targeting Python 3.13+."""

from __future__ import annotations

import pyram
from pyram import Col, column


@pyram.table
class User(pyram.Table):
    id: Col[int] = column(primary_key=True)
    name: Col[str]
    age: Col[int] = column(default=0)
    email: Col[str | None] = column(default=None)


u = User(id=1, name="ada")
pyram.replace(u, age="x")  # type: ignore[arg-type]
pyram.replace(u, name=None)  # type: ignore[arg-type]
pyram.replace(u, nosuch=1)  # type: ignore[call-arg]
pyram.replace(u, 37)  # type: ignore[call-arg]
pyram.replace(3, age=1)  # type: ignore[arg-type]
r: int = pyram.replace(u, age=1)  # type: ignore[assignment]
