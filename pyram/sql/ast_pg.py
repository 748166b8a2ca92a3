"""Syntax tree nodes of the statements only PostgreSQL's dialect has: session settings.

``SHOW``, ``SET``, ``RESET`` and ``DISCARD`` change or read the settings of one connection
(:class:`pyram.sql.pg_settings.PgSettings`); ``SET TRANSACTION`` sets the isolation level of the
open transaction. The parser for them is :mod:`pyram.sql.parser.postgres`.
"""

from __future__ import annotations

import attrs

from pyram.sql.ast import Statement

__all__ = ["Discard", "ResetSetting", "SetSetting", "SetTransaction", "ShowSetting"]


@attrs.frozen(kw_only=True)
class ShowSetting(Statement):
    """``SHOW name`` (``SHOW ALL``: name ``"all"``), name lower-cased."""

    name: str


@attrs.frozen(kw_only=True)
class SetSetting(Statement):
    """``SET [SESSION|LOCAL] name {=|TO} value`` (value None: ``DEFAULT``)."""

    name: str
    value: str | None
    local: bool = False


@attrs.frozen(kw_only=True)
class ResetSetting(Statement):
    """``RESET name`` (``RESET ALL``: name ``"all"``)."""

    name: str


@attrs.frozen(kw_only=True)
class SetTransaction(Statement):
    """``SET TRANSACTION ISOLATION LEVEL ...`` (session: ``SET SESSION CHARACTERISTICS AS``)."""

    isolation: str | None
    read_only: bool | None = None
    session: bool = False


@attrs.frozen(kw_only=True)
class Discard(Statement):
    """``DISCARD ALL|PLANS|SEQUENCES|TEMP``."""

    what: str
