"""Front end 1b: the typed Python DSL (expressions, query and statement builders)."""

from pyram.dsl.binder import bind_query, bind_statement
from pyram.dsl.dml import Delete, Insert, Update
from pyram.dsl.expr import Column, Expr, FunctionCall, Predicate, wrap
from pyram.dsl.query import Select

__all__ = [
    "Column",
    "Delete",
    "Expr",
    "FunctionCall",
    "Insert",
    "Predicate",
    "Select",
    "Update",
    "bind_query",
    "bind_statement",
    "wrap",
]
