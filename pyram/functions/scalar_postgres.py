"""PostgreSQL's functions that need neither the session nor the catalogue (those are bound by
:mod:`pyram.sql.binder.pg_bind`): ``version()``, ``format_type``, the regular expression and
``LIKE``/``ILIKE`` operators of PostgreSQL's dialect, and the introspection helpers clients
call (``pg_table_is_visible``, ``obj_description`` ...), answered from what PyRAM is: one
schema, everything visible, no comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pyram.errors import DataError, ProgrammingError
from pyram.functions.registry import (
    ReturnTypeRule,
    define_aggregate,
    define_scalar,
    expect,
    expect_integer,
)
from pyram.types import BOOLEAN, INTEGER, NULLTYPE, TEXT, DataType
from pyram.types.pg_types import PG_SERVER_VERSION, pg_type_by_name
from pyram.types.pg_types import format_type as _format_type

__all__: list[str] = []

#: What ``version()`` returns: SQLAlchemy and others read PostgreSQL's version from it.
VERSION = f"PostgreSQL {PG_SERVER_VERSION} (PyRAM) on x86_64-pc-linux-gnu, compiled by Python"


def _rule(result: DataType, *families: str) -> ReturnTypeRule:
    """Every argument of one of ``families`` (any when empty); the result is ``result``."""

    def rule(args: Sequence[DataType]) -> DataType:
        if families:
            for i in range(len(args)):
                expect("postgres", args, i, *families)
        return result

    return rule


define_scalar(
    "version", 0, 0, _rule(TEXT), lambda: VERSION,
    doc="The server's version string, PostgreSQL's form. Example: version() -> "
    "'PostgreSQL 15.0 (PyRAM) ...'",
)  # fmt: skip


def _visible(*_: Any) -> bool:
    return True


for _name in ("pg_table_is_visible", "pg_type_is_visible", "pg_collation_is_visible",
              "pg_function_is_visible"):
    define_scalar(
        _name, 1, 1, _rule(BOOLEAN, "numeric"), _visible,
        doc="Every object is visible: PyRAM has one schema on the search path. "
        f"Example: {_name}(16384) -> true",
    )  # fmt: skip


def _privilege(*_: Any) -> bool:
    return True


for _name in ("has_table_privilege", "has_schema_privilege", "has_database_privilege"):
    define_scalar(
        _name, 2, 3, _rule(BOOLEAN), _privilege,
        doc="Every session may do everything (PyRAM has no grants). "
        f"Example: {_name}('t', 'select') -> true",
    )  # fmt: skip


def _no_comment(*_: Any) -> None:
    return None


for _name, _low, _high in (("obj_description", 1, 2), ("col_description", 2, 2),
                           ("shobj_description", 2, 2)):  # fmt: skip
    define_scalar(
        _name, _low, _high, _rule(TEXT), _no_comment,
        doc=f"An object's comment: always NULL (PyRAM keeps no comments). "
        f"Example: {_name}(16384{', 1' if _low == 2 else ''}) -> NULL",
    )  # fmt: skip


def _format(oid: int | None, typmod: int | None = None) -> str | None:
    if oid is None:
        return None
    return _format_type(oid, typmod) or "???"


def _format_rule(args: Sequence[DataType]) -> DataType:
    for i in range(len(args)):
        expect_integer("format_type", args, i)
    return TEXT


define_scalar(
    "format_type", 1, 2, _format_rule, _format,
    doc="A type's SQL name from its OID and modifier. "
    "Example: format_type(1043, 24) -> 'character varying(20)'",
)  # fmt: skip


def _expression_text(text: str, *_: Any) -> str:
    return text


define_scalar(
    "pg_get_expr", 2, 3, _rule(TEXT), _expression_text,
    doc="The text of a stored expression (PyRAM keeps defaults as SQL text already). "
    "Example: pg_get_expr('0', 16384) -> '0'",
)  # fmt: skip


def _encoding(number: int) -> str:
    return "UTF8" if number == 6 else ""


define_scalar(
    "pg_encoding_to_char", 1, 1, _rule(TEXT, "numeric"), _encoding,
    doc="The name of an encoding number (PyRAM's only one is 6, UTF8). "
    "Example: pg_encoding_to_char(6) -> 'UTF8'",
)  # fmt: skip


def _to_regtype(name: str) -> int | None:
    found = pg_type_by_name(name)
    return None if found is None else found.oid


define_scalar(
    "to_regtype", 1, 1, _rule(INTEGER, "text"), _to_regtype,
    doc="The OID of a type name, or NULL. Example: to_regtype('int4') -> 23",
)  # fmt: skip


def _no_sequence(*_: Any) -> None:
    return None


define_scalar(
    "pg_get_serial_sequence", 2, 2, _rule(TEXT), _no_sequence,
    doc="The sequence of a serial column: always NULL (PyRAM numbers rows without "
    "sequences). Example: pg_get_serial_sequence('t', 'id') -> NULL",
)  # fmt: skip


def _array_to_string(array: str, separator: str, null: str | None = None) -> str:
    """PostgreSQL arrays reach PyRAM as their text form ``{a,b}``."""
    inner = array.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    items = [item.strip('"') for item in inner.split(",")] if inner else []
    return separator.join(null if item == "NULL" and null is not None else item for item in items)


define_scalar(
    "array_to_string", 2, 3, _rule(TEXT, "text"), _array_to_string,
    doc="The items of an array (in its text form) joined by a separator. "
    "Example: array_to_string('{a,b}', ',') -> 'a,b'",
)  # fmt: skip


def _json_build_object(*args: Any) -> str:
    if len(args) % 2:
        raise DataError("json_build_object() takes an even number of arguments")
    pairs = {str(args[i]): args[i + 1] for i in range(0, len(args), 2)}
    return json.dumps(pairs, default=str)


def _pairs_rule(args: Sequence[DataType]) -> DataType:
    if len(args) % 2:
        raise ProgrammingError("json_build_object() takes key, value pairs")
    return TEXT


define_scalar(
    "json_build_object", 2, None, _pairs_rule, _json_build_object, propagates_null=False,
    doc="A JSON object from key, value, ... arguments. "
    "Example: json_build_object('a', 1) -> '{\"a\": 1}'",
)  # fmt: skip


# -- pattern matching ------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _regex(pattern: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise DataError(f"invalid regular expression {pattern!r}: {exc}") from None


def _regex_match(text: str, pattern: str) -> bool:
    return _regex(pattern, 0).search(text) is not None


def _regex_imatch(text: str, pattern: str) -> bool:
    return _regex(pattern, re.IGNORECASE).search(text) is not None


define_scalar(
    "textregexeq", 2, 2, _rule(BOOLEAN, "text"), _regex_match,
    doc="PostgreSQL's ``~``: the text contains a match of the regular expression. "
    "Example: textregexeq('abc', '^a') -> true",
)  # fmt: skip
define_scalar(
    "texticregexeq", 2, 2, _rule(BOOLEAN, "text"), _regex_imatch,
    doc="PostgreSQL's ``~*``: ``~`` ignoring case. Example: texticregexeq('ABC', '^a') -> true",
)  # fmt: skip


@lru_cache(maxsize=256)
def _like_regex(pattern: str, escape: str, flags: int) -> re.Pattern[str]:
    out: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if escape and char == escape:
            out.append(re.escape(next(chars, "")))
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), flags | re.DOTALL)


def _like(text: str, pattern: str, escape: str = "\\") -> bool:
    return _like_regex(pattern, escape, 0).fullmatch(text) is not None


def _ilike(text: str, pattern: str, escape: str = "\\") -> bool:
    return _like_regex(pattern, escape, re.IGNORECASE).fullmatch(text) is not None


define_scalar(
    "textlike", 2, 3, _rule(BOOLEAN, "text"), _like,
    doc="PostgreSQL's case-sensitive LIKE (``%`` any text, ``_`` one character, backslash "
    "escapes). Example: textlike('Abc', 'A%') -> true",
)  # fmt: skip
define_scalar(
    "texticlike", 2, 3, _rule(BOOLEAN, "text"), _ilike,
    doc="PostgreSQL's ILIKE: LIKE ignoring case. Example: texticlike('ABC', 'a%') -> true",
)  # fmt: skip


# -- sizes -----------------------------------------------------------------------------------


def _no_size(*_: Any) -> int:
    return 0


for _name in ("pg_table_size", "pg_relation_size", "pg_total_relation_size",
              "pg_indexes_size", "pg_database_size"):  # fmt: skip
    define_scalar(
        _name, 1, 2, _rule(INTEGER), _no_size,
        doc="A relation's size on disk: 0 (PyRAM keeps tables in memory and does not measure "
        f"them). Example: {_name}(16384) -> 0",
    )  # fmt: skip

_SIZE_UNITS = ("bytes", "kB", "MB", "GB", "TB", "PB")


def _size_pretty(size: int) -> str:
    """PostgreSQL's rule: the largest unit keeping the number at least 10 (rounded half up)."""
    value = size
    for unit in _SIZE_UNITS:
        if abs(value) < 10 * 1024 or unit == _SIZE_UNITS[-1]:
            return f"{value} {unit}"
        value = (value + 512) // 1024 if value >= 0 else -((-value + 512) // 1024)
    raise AssertionError("unreachable")  # pragma: no cover


define_scalar(
    "pg_size_pretty", 1, 1, _rule(TEXT, "numeric"), _size_pretty,
    doc="A size in bytes for people. Example: pg_size_pretty(123456) -> '121 kB'",
)  # fmt: skip


# -- arrays (PostgreSQL arrays reach PyRAM as their text form, such as '{1,2}') ----------------


def _array_items(array: str) -> list[str]:
    inner = array.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    elif " " in inner or inner.isdigit():  # int2vector/oidvector: '1 2'
        return inner.split()
    return [item.strip().strip('"') for item in inner.split(",")] if inner else []


def _array_contains(array: str, value: Any) -> bool:
    text = ("t" if value else "f") if isinstance(value, bool) else str(value)
    return text in _array_items(array)


define_scalar(
    "array_contains", 2, 2, _rule(BOOLEAN), _array_contains,
    doc="``value = ANY (array)`` for an array in its text form. "
    "Example: array_contains('{1,2}', 2) -> true",
)  # fmt: skip


def _array_upper(array: str, dimension: int) -> int | None:
    count = len(_array_items(array))
    return count if dimension == 1 and count else None


define_scalar(
    "array_upper", 2, 2, _rule(INTEGER), _array_upper,
    doc="The upper bound of an array's dimension (arrays in text form, one dimension). "
    "Example: array_upper('{a,b}', 1) -> 2",
)  # fmt: skip


def _array_element(array: str, index: int) -> int | None:
    items = _array_items(array)
    if not 1 <= index <= len(items):
        return None
    try:
        return int(items[index - 1])
    except ValueError:
        raise DataError(
            f"array subscripts read integer arrays (such as pg_index.indkey) in PyRAM, not "
            f"{array!r}"
        ) from None


define_scalar(
    "array_element", 2, 2, _rule(INTEGER), _array_element,
    doc="``array[i]`` (1-based) of an integer array in text form (the catalogue's int2vector "
    "and int2[] columns). Example: array_element('{5,7}', 2) -> 7",
)  # fmt: skip


def _array_of(*items: Any) -> str:
    return "{" + ",".join(str(item) for item in items) + "}"


define_scalar(
    "array_literal", 1, None, _rule(TEXT), _array_of,
    doc="``ARRAY[a, b]`` outside ``= ANY``: the array's text form. Example: "
    "array_literal(1, 2) -> '{1,2}'",
)  # fmt: skip


def _string_agg(values: list[Any], separator: str | None = ",") -> str | None:
    if not values:
        return None
    return (separator or "").join(str(v) for v in values)


define_aggregate(
    "string_agg", 2, 2, _rule(TEXT), _string_agg,
    doc="PostgreSQL's string_agg: the non-NULL values joined by a separator. "
    "Example: string_agg(name, ', ') -> 'ann, bob'",
)  # fmt: skip


# -- what PyRAM has none of: partitions, publications, statistics objects, trigger text ---------


def _itself(relation: Any) -> int:
    return int(relation)


define_scalar(
    "pg_partition_ancestors", 1, 1, _rule(INTEGER), _itself,
    doc="A relation's partition ancestors, itself first: PyRAM has no partitions, so the "
    "relation alone. Example: pg_partition_ancestors(16384) -> 16384",
)  # fmt: skip


def _not_publishable(*_: Any) -> bool:
    return False


define_scalar(
    "pg_relation_is_publishable", 1, 1, _rule(BOOLEAN), _not_publishable,
    doc="Whether logical replication may publish a relation: never (PyRAM has no "
    "publications). Example: pg_relation_is_publishable(16384) -> false",
)  # fmt: skip
for _name, _low, _high in (("pg_get_statisticsobjdef_columns", 1, 1),
                           ("pg_get_triggerdef", 1, 2), ("pg_get_function_result", 1, 1),
                           ("pg_get_function_arguments", 1, 1),
                           ("pg_tablespace_location", 1, 1)):  # fmt: skip
    define_scalar(
        _name, _low, _high, _rule(TEXT), _no_comment,
        doc=f"NULL: PyRAM lists no such objects in pg_catalog. Example: {_name}(1) -> NULL",
    )  # fmt: skip


def _unsupported(what: str) -> None:
    raise DataError(f"{what} is not supported by PyRAM")


define_scalar(
    "pg_unsupported", 1, 1, _rule(NULLTYPE, "text"), _unsupported, deterministic=False,
    doc="Raises an error naming something PyRAM cannot run, when (and only when) a row needs "
    "it. Example: pg_unsupported('LATERAL') -> error",
)  # fmt: skip
