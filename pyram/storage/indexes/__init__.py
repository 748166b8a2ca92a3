"""Secondary-index structures of the storage layer.

Place in the pipeline: tables own one index object per declared index (hash or sorted) and keep
it in step with their rows; constraint checking, the planner and the executor query them. See
:mod:`.base` for the shared protocol and the SQL NULL rules every index follows.
"""

from __future__ import annotations

from .base import UNBOUNDED, Index, IndexKind, Unbounded, key_is_null, split_nulls
from .hash_index import HashIndex
from .sorted_index import SortedIndex

__all__ = [
    "UNBOUNDED",
    "HashIndex",
    "Index",
    "IndexKind",
    "SortedIndex",
    "Unbounded",
    "key_is_null",
    "split_nulls",
]
