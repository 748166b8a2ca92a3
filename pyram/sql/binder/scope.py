"""Name resolution for the SQL binder: which columns a name can mean inside one query level.

A :class:`Scope` holds the sources of one SELECT (tables, views, subqueries, CTEs, each under a
qualifier) and a link to the enclosing query's scope, so correlated subqueries resolve outer
columns. SQL identifiers compare case-insensitively; the spelling of the declaration is kept for
output names. ``JOIN ... USING (x)`` makes the right side's ``x`` invisible to ``*`` and to an
unqualified ``x`` (which then means the left side's), as in SQLite. After a RIGHT or FULL JOIN
``USING (x)``, an unqualified ``x`` and the left side's ``x`` in ``*`` / ``left.*`` mean
``COALESCE(left.x, right.x)`` (SQLite's rule), while ``left.x`` stays the left side's value.
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
    #: lower-case column names whose unqualified use (and ``*`` expansion) means another field:
    #: the ``COALESCE(left.x, right.x)`` of a RIGHT/FULL JOIN ``USING (x)``
    coalesced: dict[str, px.Field] = attrs.field(factory=dict)
    #: to the left of a RIGHT or FULL JOIN of this level
    left_of_right: bool = False
    #: lower-case names of the ``USING`` clauses of later joins (this source on their left)
    using_later: set[str] = attrs.field(factory=set)

    def unqualified(self, name: str) -> px.Field | None:
        """The field an unqualified ``name`` means in this source (None when hidden/absent)."""
        lowered = name.lower()
        if lowered in self.hidden:
            return None
        return self.coalesced.get(lowered) or self.find(name)

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

    def only(self, qualifiers: frozenset[str]) -> Scope:
        """A view of this level showing only the sources named (same parent, shared sources)."""
        view = Scope(self.parent)
        view.sources = [s for s in self.sources if s.qualifier in qualifiers]
        return view

    def source(self, qualifier: str) -> Source | None:
        """This level's source named ``qualifier``, or None."""
        key = qualifier.lower()
        return next((s for s in self.sources if s.qualifier == key), None)

    def make_nullable(self, qualifiers: set[str]) -> None:
        """The sources named become the NULL-padded side of an outer join."""
        for source in self.sources:
            if source.qualifier in qualifiers:
                source.fields = [attrs.evolve(f, nullable=True) for f in source.fields]
                source.coalesced = {
                    k: attrs.evolve(f, nullable=True) for k, f in source.coalesced.items()
                }

    def renumber(self, cids: dict[int, int]) -> None:
        """Fields of this level's sources take new column ids (a projection now outputs them)."""
        for source in self.sources:
            source.fields = [attrs.evolve(f, cid=cids.get(f.cid, f.cid)) for f in source.fields]
            source.coalesced = {
                k: attrs.evolve(f, cid=cids.get(f.cid, f.cid)) for k, f in source.coalesced.items()
            }

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

    def resolve_here(self, name: str) -> px.Field | None:
        """The field an unqualified name means at this level only (None when none has it).

        Raises:
            Ambiguous: several sources of this level show the name.
        """
        return self._resolve_here(name, None)

    def _resolve_here(self, name: str, table: str | None) -> px.Field | None:
        if table is not None:
            source = self.source(table)
            return source.find(name) if source is not None else None
        matches = [f for s in self.sources if (f := s.unqualified(name)) is not None]
        if len(matches) > 1:
            raise Ambiguous(name)
        return matches[0] if matches else None

    def star(self, table: str | None = None) -> list[px.Field] | None:
        """Fields ``*`` (or ``table.*``) expands to; None when ``table`` is unknown.

        Raises:
            Ambiguous: a column SQLite expands as its bare name (a USING column of a source
                left of a RIGHT/FULL JOIN) that another source also shows.
        """
        if table is not None:
            source = self.source(table)
            return None if source is None else self._expand(source, set())
        return [f for s in self.sources for f in self._expand(s, s.hidden)]

    def _expand(self, source: Source, hidden: set[str]) -> list[px.Field]:
        out = []
        for field in source.fields:
            key = field.name.lower()
            if key in hidden:
                continue
            if source.left_of_right and key in source.using_later:
                # SQLite expands such a column as its bare name (the COALESCE of a RIGHT/FULL
                # JOIN's USING column), which another source's column makes ambiguous
                field = self._resolve_here(field.name, None) or field
            out.append(field)
        return out
