"""Front end 1a: ``@pyram.table`` model classes, their columns and row building."""

from pyram.model.column import Col, ColumnOptions, column
from pyram.model.rows import make_row_builder
from pyram.model.table import Table, TableMeta, schema_of, table, table_name_for
from pyram.model.values import asdict, replace

__all__ = [
    "Col",
    "ColumnOptions",
    "Table",
    "TableMeta",
    "asdict",
    "column",
    "make_row_builder",
    "replace",
    "schema_of",
    "table",
    "table_name_for",
]
