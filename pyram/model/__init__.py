"""Front end 1a: ``@pyram.table`` model classes, their columns and row building."""

from pyram.model.column import Col, ColumnOptions, column
from pyram.model.rows import make_row_builder
from pyram.model.table import Table, TableMeta, schema_of, table, table_name_for

__all__ = [
    "Col",
    "ColumnOptions",
    "Table",
    "TableMeta",
    "column",
    "make_row_builder",
    "schema_of",
    "table",
    "table_name_for",
]
