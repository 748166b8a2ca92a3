"""Table schemas to plain JSON-able descriptions and back, for every file format.

A description holds everything a file needs to rebuild a table: columns (type, nullability,
default), primary key, unique constraints, indexes (with their kind), foreign keys (with ON
DELETE), CHECK constraints and the model class's name. What Python code defines cannot be
written to a file and is described instead:

- a CHECK made in SQL keeps its SQL text and is compiled again on load (by the
  ``compile_check`` callback the database passes: this layer does not know SQL);
- a Python CHECK predicate, a Python default factory and an Enum class are stored by name
  (and an Enum by its members' values). Loading with the model classes takes them from the
  models, after checking that the stored description equals the model's
  (:func:`compare_descriptions`); loading without them gives a plain table: Python checks and
  default factories are dropped, an Enum column becomes a column of its values' type (TEXT or
  INTEGER), a JSON column keeps its dict/list restriction.

The descriptions are plain dicts so each format can embed them in its own header as JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import attrs

from pyram.catalog import (
    NO_DEFAULT,
    SQL_TIME_DEFAULTS,
    CachePolicy,
    CheckConstraint,
    ColumnSchema,
    ForeignKey,
    IndexSpec,
    TableSchema,
    UniqueConstraint,
)
from pyram.errors import DataError, IntegrityError
from pyram.persist.values import from_text, kind_of, to_text
from pyram.types import DataType, EnumType, JsonType, type_from_sql_name

__all__ = [
    "CheckCompiler",
    "Description",
    "compare_descriptions",
    "describe_table",
    "fingerprint",
    "schema_from_description",
]

#: A table's description: JSON-able dicts, lists, strings, numbers, booleans and None.
Description = dict[str, Any]
#: Compiles the SQL text of a CHECK of a table into a constraint: (schema, name, sql).
CheckCompiler = Callable[[TableSchema, str, str], CheckConstraint]

_CONTAINERS = {"dict": dict, "list": list}


def _qualname(obj: object) -> str:
    module = getattr(obj, "__module__", None) or "?"
    return f"{module}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def _describe_default(column: ColumnSchema) -> dict[str, Any]:
    if column.default_factory is not None:
        for keyword, factory in SQL_TIME_DEFAULTS.items():
            if factory is column.default_factory:
                return {"default_sql": keyword}
        return {"default_python": _qualname(column.default_factory)}
    if column.default is NO_DEFAULT:
        return {}
    try:
        stored = column.dtype.validate(column.default, nullable=True)
    except (DataError, IntegrityError):
        return {"default_python": repr(column.default)[:80]}
    return {"default": None if stored is None else to_text(kind_of(column.dtype), stored)}


def _describe_column(column: ColumnSchema) -> dict[str, Any]:
    dtype = column.dtype
    out: dict[str, Any] = {"name": column.name, "type": kind_of(dtype), "nullable": column.nullable}
    if isinstance(dtype, EnumType):
        out["enum"] = {
            "class": _qualname(dtype.enum_class),
            "values": [m.value for m in dtype.enum_class],
        }
    if isinstance(dtype, JsonType):
        out["json"] = [c.__name__ for c in dtype.containers]
    out.update(_describe_default(column))
    return out


def _describe_check(check: CheckConstraint) -> dict[str, Any]:
    out: dict[str, Any] = {"name": check.name, "column": check.column}
    if check.sql is not None:
        out["sql"] = check.sql
    else:
        out["python"] = _qualname(check.predicate)
    return out


def describe_table(schema: TableSchema) -> Description:
    """The JSON-able description of a table (foreign keys must be resolved)."""
    return {
        "name": schema.name,
        "columns": [_describe_column(c) for c in schema.columns],
        "primary_key": list(schema.primary_key),
        "rowid_column": schema.rowid_column,
        "uniques": [
            {"name": u.name, "columns": list(u.columns), "primary_key": u.primary_key}
            for u in schema.uniques
        ],
        "indexes": [
            {"name": i.name, "columns": list(i.columns), "kind": i.kind, "unique": i.unique}
            for i in schema.indexes
        ],
        "foreign_keys": [
            {
                "columns": list(fk.columns),
                "ref_table": fk.ref_table,
                "ref_columns": list(fk.ref_columns),
                "on_delete": fk.on_delete,
            }
            for fk in schema.foreign_keys
        ],
        "checks": [_describe_check(c) for c in schema.checks],
        "model": None if schema.row_class is None else _qualname(schema.row_class),
    } | _describe_cache(schema)


def _describe_cache(schema: TableSchema) -> Description:
    """``{"cache": {...}}`` for a cache table (its policy's options), else nothing: plain
    tables keep the description (and fingerprint) they always had."""
    policy = schema.cache
    if policy is None:
        return {}
    return {"cache": attrs.asdict(policy)}


def _comparable(description: Description) -> Description:
    """What must agree between a file and a model: everything but names of Python code."""
    out = dict(description)
    out.pop("model", None)
    out.pop("cache", None)  # a model may change its cache options without a migration
    out["columns"] = [
        {k: ("<python>" if k == "default_python" else v) for k, v in c.items() if k != "enum"}
        | ({"enum": c["enum"]["values"]} if "enum" in c else {})
        for c in description["columns"]
    ]
    out["checks"] = [
        {k: ("<python>" if k == "python" else v) for k, v in c.items()}
        for c in description["checks"]
    ]
    return out


def fingerprint(description: Description) -> str:
    """A short hash of what a model must match (see :func:`compare_descriptions`)."""
    text = json.dumps(_comparable(description), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def compare_descriptions(stored: Description, model: Description) -> str | None:
    """None when a stored table matches a model's, else the first difference, in words."""
    a, b = _comparable(stored), _comparable(model)
    if a == b:
        return None
    cols_a = {c["name"]: c for c in a["columns"]}
    cols_b = {c["name"]: c for c in b["columns"]}
    if list(cols_a) != list(cols_b):
        return f"columns are {list(cols_a)} in the file, {list(cols_b)} in the model"
    for name, col in cols_a.items():
        other = cols_b[name]
        for key in sorted(set(col) | set(other)):
            if col.get(key) != other.get(key):
                return (
                    f"column {name!r}: {key} is {col.get(key)!r} in the file, "
                    f"{other.get(key)!r} in the model"
                )
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            return f"{key} are {a.get(key)!r} in the file, {b.get(key)!r} in the model"
    return "the schemas differ"  # pragma: no cover - some key differs above


def _column_type(column: Description) -> DataType:
    kind = column["type"]
    if not isinstance(kind, str):
        raise ValueError("a column type must be a string")
    if kind == "JSON" and "json" in column:
        containers = tuple(_CONTAINERS[c] for c in column["json"])
        if not containers:
            raise ValueError("a JSON column needs dict or list")
        return JsonType(containers)
    return type_from_sql_name(kind)


def _column_from(column: Description) -> ColumnSchema:
    dtype = _column_type(column)
    nullable = column["nullable"]
    if not isinstance(nullable, bool) or not isinstance(column["name"], str):
        raise ValueError("bad column name or nullability")
    default: Any = NO_DEFAULT
    factory = None
    if "default_sql" in column:
        factory = SQL_TIME_DEFAULTS[column["default_sql"]]
    elif "default" in column:
        text = column["default"]
        if text is not None:
            stored = from_text(kind_of(dtype), text)
            default = dtype.from_storage(stored) if dtype.encodes else stored
            dtype.validate(default, nullable=True)  # a damaged default is refused here
        else:
            default = None
    return ColumnSchema(column["name"], dtype, nullable, default, factory)


def schema_from_description(
    description: Description, compile_check: CheckCompiler | None
) -> TableSchema:
    """Rebuild a plain table (no model class) from its description.

    SQL CHECKs are compiled again by ``compile_check``; Python checks and default factories
    are dropped; an Enum column becomes a column of its values' type.

    Raises:
        ValueError, KeyError, TypeError: a malformed description (callers report the file).
        ProgrammingError: SQL checks but no ``compile_check``, or an inconsistent schema.
    """
    d = description
    schema = TableSchema(
        name=_text(d["name"]),
        columns=tuple(_column_from(c) for c in d["columns"]),
        primary_key=tuple(map(_text, d["primary_key"])),
        uniques=tuple(
            UniqueConstraint(_text(u["name"]), tuple(map(_text, u["columns"])), u["primary_key"])
            for u in d["uniques"]
        ),
        indexes=tuple(
            IndexSpec(_text(i["name"]), tuple(map(_text, i["columns"])), i["kind"], i["unique"])
            for i in d["indexes"]
        ),
        foreign_keys=tuple(
            ForeignKey(
                tuple(map(_text, f["columns"])),
                ref_table=_text(f["ref_table"]),
                ref_columns=tuple(map(_text, f["ref_columns"])),
                on_delete=f["on_delete"],
            )
            for f in d["foreign_keys"]
        ),
        rowid_column=d["rowid_column"],
        cache=None if d.get("cache") is None else CachePolicy(**d["cache"]),
    )
    _check_names(schema)
    checks = []
    for check in d["checks"]:
        if "sql" not in check:
            continue  # a Python predicate: only its model can bring it back
        if compile_check is None:
            raise ValueError(f"table {schema.name}: SQL CHECK constraints need a compiler")
        checks.append(compile_check(schema, _text(check["name"]), _text(check["sql"])))
    if checks:
        schema = TableSchema(
            name=schema.name,
            columns=schema.columns,
            primary_key=schema.primary_key,
            uniques=schema.uniques,
            indexes=schema.indexes,
            foreign_keys=schema.foreign_keys,
            checks=tuple(checks),
            rowid_column=schema.rowid_column,
            cache=schema.cache,
        )
    return schema


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a name, got {type(value).__name__}")
    return value


def _check_names(schema: TableSchema) -> None:
    """Every column a constraint or index names must exist (a damaged file may say otherwise)."""
    named = [*schema.primary_key]
    for group in (schema.uniques, schema.indexes, schema.foreign_keys):
        for item in group:
            named.extend(item.columns)
    if schema.rowid_column is not None:
        named.append(schema.rowid_column)
    for name in named:
        schema.position(name)
    for index in schema.indexes:
        if index.kind not in ("hash", "sorted") or not isinstance(index.unique, bool):
            raise ValueError(f"bad index {index.name}")
    for fk in schema.foreign_keys:
        if fk.on_delete not in ("restrict", "cascade", "set null"):
            raise ValueError(f"bad ON DELETE action {fk.on_delete!r}")
