"""Front end 1b: the typed Python DSL (expressions, query and statement builders)."""

from pyram.dsl.binder import bind_query, bind_statement
from pyram.dsl.dml import Delete, Insert, Update, delete, excluded, insert, update
from pyram.dsl.expr import Expr, Predicate, wrap
from pyram.dsl.functions import func
from pyram.dsl.query import Select, alias, exists
from pyram.dsl.selecting import select
from pyram.dsl.terms import Column, FunctionCall, case, cast, lit, nullable, param

__all__ = [
    "Column",
    "Delete",
    "Expr",
    "FunctionCall",
    "Insert",
    "Predicate",
    "Select",
    "Update",
    "alias",
    "bind_query",
    "bind_statement",
    "case",
    "cast",
    "delete",
    "excluded",
    "exists",
    "func",
    "insert",
    "lit",
    "nullable",
    "param",
    "select",
    "update",
    "wrap",
]
