"""Metadata only, no rows: table schemas, constraints, indexes and the catalogue of tables."""

from pyram.catalog.alter import (
    add_column,
    drop_column,
    rename_column,
    rename_references,
    rename_table,
)
from pyram.catalog.builder import ColumnDecl, define_table
from pyram.catalog.cache_policy import (
    EVICT_POLICIES,
    CachePolicy,
    EvictPolicy,
    ExpireAfter,
    KeyIndex,
    attach_cache_options,
    attach_cache_policy,
    check_cache_policy,
    make_cache_policy,
)
from pyram.catalog.catalog import Catalog, resolve_target
from pyram.catalog.retention import Retention, as_retention
from pyram.catalog.schema import (
    NO_DEFAULT,
    SQL_TIME_DEFAULTS,
    CheckConstraint,
    ColumnSchema,
    ForeignKey,
    IndexKind,
    IndexSpec,
    OnDelete,
    TableSchema,
    UniqueConstraint,
)

__all__ = [
    "Retention",
    "as_retention",
    "EVICT_POLICIES",
    "CachePolicy",
    "EvictPolicy",
    "ExpireAfter",
    "KeyIndex",
    "attach_cache_options",
    "attach_cache_policy",
    "check_cache_policy",
    "make_cache_policy",
    "NO_DEFAULT",
    "SQL_TIME_DEFAULTS",
    "Catalog",
    "CheckConstraint",
    "ColumnDecl",
    "ColumnSchema",
    "ForeignKey",
    "IndexKind",
    "IndexSpec",
    "OnDelete",
    "TableSchema",
    "UniqueConstraint",
    "add_column",
    "define_table",
    "drop_column",
    "rename_column",
    "rename_references",
    "rename_table",
    "resolve_target",
]
