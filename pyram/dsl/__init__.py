"""Front end 1b: the typed Python DSL (expressions, query and statement builders)."""

from pyram.dsl.expr import Column, Expr, Predicate
from pyram.dsl.query import Select

__all__ = ["Column", "Expr", "Predicate", "Select"]
