"""Front end 1b: the typed Python DSL (expressions and query builders)."""

from pyram.dsl.expr import Column, Expr
from pyram.dsl.query import Select

__all__ = ["Column", "Expr", "Select"]
