"""Describing a statement before it runs (Parse/Describe of the extended protocol).

PyRAM binds the statement without running it and reports its column and parameter types;
statements the session handles itself (``BEGIN``, ``SET``, ``SHOW``, ``COPY``) and DDL have no
description (Describe answers NoData), and their parameters are sent as text.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from pyram.server import messages as m
from pyram.server.pgtypes import wire_type
from pyram.server.session import PgSession
from pyram.server.splitter import first_words
from pyram.types import DataType

__all__ = ["Description", "describe"]

_DESCRIBED: Final = frozenset(
    {"SELECT", "VALUES", "WITH", "INSERT", "UPDATE", "DELETE", "REPLACE", "TABLE"}
)
_MARKER: Final = re.compile(r"\$(\d+)")


@attrs.frozen
class Description:
    """What a prepared statement returns and takes."""

    columns: tuple[str, ...] = ()
    types: tuple[DataType, ...] = ()
    param_types: dict[str, DataType] = attrs.field(factory=dict)
    markers: int = 0  #: the highest ``$n`` in the text

    def row_description(self) -> bytes:
        """RowDescription (text format), or NoData when the statement returns no rows."""
        if not self.columns:
            return m.NO_DATA
        fields = [
            (name, wire_type(t).oid, wire_type(t).size, 0)
            for name, t in zip(self.columns, self.types, strict=True)
        ]
        return m.row_description(fields)


def describe(session: PgSession, text: str) -> Description:
    """Describe ``text`` (on the session's thread: it reads the catalogue).

    Raises:
        SqlError: a query or DML statement that does not parse or bind.
    """
    markers = max((int(n) for n in _MARKER.findall(text)), default=0)
    words = first_words(text, 1)
    if not words or words[0] not in _DESCRIBED:
        return Description(markers=markers)
    found = session.db.describe_sql(text, dialect="postgres", pg_settings=session.pg_settings)
    if found is None:
        return Description(markers=markers)
    names, types, params = found
    return Description(names, types, {str(k): v for k, v in params.items()}, markers)
