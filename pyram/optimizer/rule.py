"""What every optimizer rule receives and what it must provide.

Place in the pipeline: a front end binds a query into a logical plan; :func:`pyram.optimizer.
optimize` runs the rules of :data:`pyram.optimizer.DEFAULT_RULES` over it, each one receiving the
same :class:`RuleContext`; the engine then plans the result physically.

Rules are pure: they never mutate their input, give the same output for the same input and
context, and keep the root's output fields (column ids, names, types and order).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import attrs

from pyram.catalog import TableSchema
from pyram.errors import ProgrammingError
from pyram.plan.nodes import Plan

__all__ = ["CatalogLookup", "Rule", "RuleContext", "Statistics"]

#: How rules find a table's schema: a function (``Catalog.get``) or a mapping by table name.
CatalogLookup = Callable[[str], TableSchema] | Mapping[str, TableSchema]


class Statistics(Protocol):
    """Table statistics as the storage layer reports them (read-only, may be approximate)."""

    def row_count(self, table: str) -> int:
        """The number of live rows of ``table``."""
        ...

    def distinct_keys(self, table: str, index: str) -> int:
        """The number of distinct non-NULL keys in index ``index`` of ``table``."""
        ...


@attrs.frozen
class RuleContext:
    """Everything a rule may consult besides the plan.

    Attributes:
        catalog: table schemas (indexes, NOT NULL flags) by table name.
        stats: row counts and index key counts, for cardinality estimates.
        disabled: names of rules :func:`~pyram.optimizer.optimize` skips.
    """

    catalog: CatalogLookup
    stats: Statistics
    disabled: frozenset[str] = frozenset()

    def table(self, name: str) -> TableSchema | None:
        """The schema of table ``name`` (matched case-insensitively), or None when unknown."""
        if isinstance(self.catalog, Mapping):
            found = self.catalog.get(name)
            if found is None:
                lowered = name.lower()
                for key, schema in self.catalog.items():
                    if key.lower() == lowered:
                        return schema
            return found
        try:
            return self.catalog(name)
        except (LookupError, ProgrammingError):  # Catalog.get raises ProgrammingError
            return None


class Rule(Protocol):
    """One optimizer rule: a module (or object) with a ``name`` and an ``apply`` function."""

    @property
    def name(self) -> str:
        """The rule's name, as used by ``RuleContext.disabled`` (verb_object)."""
        ...

    def apply(self, plan: Plan, ctx: RuleContext) -> Plan:
        """The rewritten plan: same results, same root fields, hopefully cheaper."""
        ...
