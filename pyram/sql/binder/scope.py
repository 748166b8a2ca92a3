"""Name resolution for the SQL binder: which columns a name can mean inside one query level.

A :class:`Scope` holds the sources of one SELECT (tables, views, subqueries, CTEs, each under a
qualifier) and a link to the enclosing query's scope, so correlated subqueries resolve outer
columns. SQL identifiers compare case-insensitively; the spelling of the declaration is kept for
output names. ``JOIN ... USING (x)`` makes the right side's ``x`` invisible to ``*`` and to an
unqualified ``x`` (which then means the left side's), as in SQLite. After a RIGHT or FULL JOIN
``USING (x)``, an unqualified ``x`` and the left side's ``x`` in ``*`` / ``left.*`` mean
``COALESCE(left.x, right.x)`` (SQLite's rule), while ``left.x`` stays the left side's value.

A scope also carries the state of the clause being bound, since SQLite's name rules depend on it:
select-list aliases (visible in WHERE, HAVING, GROUP BY and ORDER BY, after this level's
columns and before the outer levels'), ``sealed`` (GROUP BY and ORDER BY see no outer levels),
and, after aggregation, how inner queries see this level's columns (``outer_map``) and which
aggregate calls of inner queries belong to this level (see the grouping binder).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import attrs

from pyram.plan import expr as px
from pyram.sql import ast

__all__ = ["Alias", "Ambiguous", "Phase", "Scope", "Source"]

#: Where aggregate calls of inner queries that belong to this level may appear: in the select
#: list ("items": they make the query an aggregate), in HAVING / ORDER BY ("post": only if it is
#: one already), in GROUP BY ("group") or anywhere else ("pre": a misuse).
Phase = Literal["pre", "group", "items", "post"]


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


@attrs.frozen
class Alias:
    """A select-list alias as a name: its expression and the context to bind it in."""

    expr: ast.SqlExpr
    #: the :class:`~pyram.sql.binder.expressions.ExprCtx` of the clause naming it
    ctx: Any
    scope: Scope


class Scope:
    """The sources visible at one query level, then the enclosing levels'."""

    #: an aggregate call naming these columns may belong to this level (not so a trigger's
    #: NEW and OLD, which are constants to every query of the body)
    hosts_aggregates = True

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.sources: list[Source] = []
        #: select-list aliases visible now (lower-case name -> alias), None outside the clauses
        #: that see them
        self.aliases: dict[str, Alias] | None = None
        #: names of inner levels stop here (SQLite: GROUP BY / ORDER BY see no outer query)
        self.sealed = False
        #: after aggregation: this level's column as inner queries see it (a group key or
        #: any_value column of the aggregate's output)
        self.outer_map: Callable[[px.Field], px.Field] | None = None
        self.phase: Phase = "pre"
        self.aggregated = False
        #: aggregate calls of inner queries found to belong to this level, by node identity
        self.foreign: dict[int, ast.FunctionCall] = {}
        #: after aggregation: the aggregate's output column of each such call
        self.foreign_fields: dict[int, px.Field] = {}

    @contextmanager
    def state(self, **changes: Any) -> Iterator[None]:
        """Set clause state attributes (``aliases``, ``sealed``, ``phase``) for a block."""
        saved = {name: getattr(self, name) for name in changes}
        for name, value in changes.items():
            setattr(self, name, value)
        try:
            yield
        finally:
            for name, value in saved.items():
                setattr(self, name, value)

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

    def resolve(self, name: str, table: str | None) -> px.Field | Alias | None:
        """What a (possibly qualified) column name means, searching outward: at each level a
        column, else (unqualified) a select-list alias visible there.

        Raises:
            Ambiguous: an unqualified name matches columns of several sources of one level.
        """
        scope: Scope | None = self
        while scope is not None:
            found = scope._resolve_here(name, table)
            if found is not None:
                if scope is not self and scope.outer_map is not None:
                    return scope.outer_map(found)
                return found
            if table is None and scope.aliases is not None:
                alias = scope.aliases.get(name.lower())
                if alias is not None:
                    return alias
            if scope.sealed:
                return None
            scope = scope.parent
        return None

    def level_of(self, name: str, table: str | None) -> int | None:
        """How many levels out a column name resolves (0: here), ignoring aliases; None when
        it names no column or is ambiguous."""
        scope: Scope | None = self
        depth = 0
        while scope is not None:
            try:
                found = scope._resolve_here(name, table)
            except Ambiguous:
                return None
            if found is not None:
                return depth
            if scope.sealed:
                return None
            scope = scope.parent
            depth += 1
        return None

    def ancestor(self, depth: int) -> Scope:
        """The scope ``depth`` levels out (0: this one)."""
        scope = self
        for _ in range(depth):
            assert scope.parent is not None
            scope = scope.parent
        return scope

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
