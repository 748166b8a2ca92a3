"""Name resolution for the SQL binder: which columns a name can mean inside one query level.

A :class:`Scope` holds the sources of one SELECT (tables, views, subqueries, CTEs, each under a
qualifier) and a link to the enclosing query's scope, so correlated subqueries resolve outer
columns. SQL identifiers compare case-insensitively; the spelling of the declaration is kept for
output names. ``JOIN ... USING (x)`` makes the right side's ``x`` invisible to ``*`` and to an
unqualified ``x`` (which then means the left side's), as in SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from pyram.plan import expr as px

__all__ = ["Ambiguous", "Scope", "Source"]


class Ambiguous(Exception):
    """An unqualified name matches columns of several sources (carries the name)."""


@attrs.define
class Source:
    """One FROM item as seen by names: ``qualifier`` (lower-case) and its fields in order."""

    qualifier: str
    fields: list[px.Field]
    #: lower-case column names hidden by ``USING`` (still reachable as ``qualifier.name``)
    hidden: set[str] = attrs.field(factory=set)

    def find(self, name: str) -> px.Field | None:
        """The field named ``name`` (case-insensitive), or None."""
        lowered = name.lower()
        for field in self.fields:
            if field.name.lower() == lowered:
                return field
        return None


class Scope:
    """The sources visible at one query level, then the enclosing levels'."""

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.sources: list[Source] = []

    def add(self, qualifier: str, fields: Sequence[px.Field]) -> Source | None:
        """Add a source; returns the existing source when the qualifier is already taken."""
        key = qualifier.lower()
        for source in self.sources:
            if source.qualifier == key:
                return source
        self.sources.append(Source(key, list(fields)))
        return None

    def source(self, qualifier: str) -> Source | None:
        """This level's source named ``qualifier``, or None."""
        key = qualifier.lower()
        return next((s for s in self.sources if s.qualifier == key), None)

    def make_nullable(self, qualifiers: set[str]) -> None:
        """The sources named become the NULL-padded side of an outer join."""
        for source in self.sources:
            if source.qualifier in qualifiers:
                source.fields = [attrs.evolve(f, nullable=True) for f in source.fields]

    def qualifiers(self) -> set[str]:
        """Qualifiers of this level's sources."""
        return {s.qualifier for s in self.sources}

    def resolve(self, name: str, table: str | None) -> px.Field | None:
        """The field a (possibly qualified) column name means, searching outward.

        Raises:
            Ambiguous: an unqualified name matches columns of several sources of one level.
        """
        scope: Scope | None = self
        while scope is not None:
            found = scope._resolve_here(name, table)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def _resolve_here(self, name: str, table: str | None) -> px.Field | None:
        if table is not None:
            source = self.source(table)
            return source.find(name) if source is not None else None
        matches = [
            f
            for s in self.sources
            if name.lower() not in s.hidden and (f := s.find(name)) is not None
        ]
        if len(matches) > 1:
            raise Ambiguous(name)
        return matches[0] if matches else None

    def star(self, table: str | None = None) -> list[px.Field] | None:
        """Fields ``*`` (or ``table.*``) expands to; None when ``table`` is unknown."""
        if table is not None:
            source = self.source(table)
            return None if source is None else list(source.fields)
        return [f for s in self.sources for f in s.fields if f.name.lower() not in s.hidden]
