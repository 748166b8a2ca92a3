"""Columnar data, no SQL: per-table column lists, indexes, and the checked write path."""

from pyram.storage.alter import ColumnSource, alter_table
from pyram.storage.constraints import check_checks, unique_index
from pyram.storage.history import PastPoint
from pyram.storage.history_rows import RowVersion, row_versions
from pyram.storage.index_ddl import create_index, drop_index
from pyram.storage.insert_row import drop_rows, insert_row, put_row
from pyram.storage.row_values import validate_row
from pyram.storage.rowids import assign_rowids
from pyram.storage.store import Store
from pyram.storage.store_txn import LOCK_TIMEOUT
from pyram.storage.table_data import AnyIndex, TableData
from pyram.storage.undo import UndoEntry
from pyram.storage.unversioned import NEEDS_VIEW, NeedsView, read_unversioned
from pyram.storage.update_checks import differs
from pyram.storage.visible import count_in_view, find_row
from pyram.storage.watch import ChangeKind, ChangeWatcher, Rows, Watchers, combine

__all__ = [
    "LOCK_TIMEOUT",
    "NEEDS_VIEW",
    "AnyIndex",
    "ChangeKind",
    "ChangeWatcher",
    "ColumnSource",
    "NeedsView",
    "PastPoint",
    "RowVersion",
    "Rows",
    "Store",
    "TableData",
    "UndoEntry",
    "Watchers",
    "alter_table",
    "assign_rowids",
    "check_checks",
    "combine",
    "count_in_view",
    "create_index",
    "drop_index",
    "find_row",
    "insert_row",
    "differs",
    "drop_rows",
    "put_row",
    "read_unversioned",
    "row_versions",
    "unique_index",
    "validate_row",
]
