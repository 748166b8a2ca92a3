"""Columnar data, no SQL: per-table column lists, indexes, and the checked write path."""

from pyram.storage.store import Store
from pyram.storage.table_data import TableData

__all__ = ["Store", "TableData"]
