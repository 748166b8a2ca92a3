"""The SQL type system: one :class:`DataType` per column type, strict validation, storage codecs."""

from pyram.types.base import DataType, describe_value, not_null_error
from pyram.types.registry import (
    JSON,
    AwareDatetime,
    TimezoneAware,
    type_from_annotation,
    type_from_sql_name,
)

__all__ = [
    "JSON",
    "AwareDatetime",
    "DataType",
    "TimezoneAware",
    "describe_value",
    "not_null_error",
    "type_from_annotation",
    "type_from_sql_name",
]
