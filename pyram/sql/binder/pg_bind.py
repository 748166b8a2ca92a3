"""Binding what only PostgreSQL's dialect has: its catalogue tables, casts to the ``reg*``
types and the functions whose value depends on the session or the catalogue.

Such functions are resolved when the statement is bound (the statement is then not cached, as
for every statement reading the catalogue): ``current_setting('x')``, ``current_user`` and the
like become literals; ``pg_get_indexdef(oid)``, ``pg_get_constraintdef(oid)`` and
``oid::regclass`` become a ``CASE`` over the catalogue of the moment. Catalogue-free functions
(``version()``, ``format_type``, the regular expression operators ...) are ordinary registry
functions (:mod:`pyram.functions.scalar_postgres`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from pyram.errors import ProgrammingError
from pyram.plan import expr as px
from pyram.plan import nodes as pn
from pyram.sql import ast
from pyram.sql.binder.information_schema import (
    INFORMATION_SCHEMA_TABLES,
    information_schema_table,
)
from pyram.sql.binder.pg_catalog import (
    NAMESPACE_INFORMATION_SCHEMA,
    NAMESPACE_PG_CATALOG,
    NAMESPACE_PUBLIC,
    PG_CATALOG_TABLES,
    PgSnapshot,
    pg_catalog_table,
)
from pyram.sql.binder.system import SystemTable
from pyram.types import INTEGER, TEXT, DataType
from pyram.types.pg_types import PG_TYPES, pg_type_by_name

if TYPE_CHECKING:
    from pyram.sql.binder.base import BinderBase

__all__ = ["SCHEMAS", "is_constant", "pg_cast", "pg_function", "pg_table", "pg_table_function"]

#: The schemas a name may be qualified with in the PostgreSQL dialect.
SCHEMAS = frozenset({"pg_catalog", "public", "information_schema"})
_NAMESPACES = {
    NAMESPACE_PG_CATALOG: "pg_catalog",
    NAMESPACE_PUBLIC: "public",
    NAMESPACE_INFORMATION_SCHEMA: "information_schema",
}


def snapshot(binder: BinderBase) -> PgSnapshot:
    """The statement's catalogue snapshot (made once, shared by every use in the statement)."""
    assert binder.pg is not None
    found: PgSnapshot | None = binder.pg_snapshot
    if found is None:
        # the source binder binds views to report their columns
        view_columns = getattr(binder, "view_columns", lambda _: None)
        found = PgSnapshot(binder.catalog, dict(binder.pg), view_columns)
        binder.pg_snapshot = found
    return found


def pg_table(binder: BinderBase, schema: str | None, name: str) -> SystemTable | None:
    """The catalogue table ``[schema.]name`` names, or None (a user table or view)."""
    key = name.lower()
    space = None if schema is None else schema.lower()
    if space == "information_schema" and key in INFORMATION_SCHEMA_TABLES:
        binder.catalog_reads.add(f"information_schema.{key}")
        return information_schema_table(snapshot(binder), key)
    if space in (None, "pg_catalog") and key in PG_CATALOG_TABLES:
        binder.catalog_reads.add(key)
        return pg_catalog_table(snapshot(binder), key)
    if space == "pg_catalog" or space == "information_schema":
        raise ProgrammingError(f'relation "{schema}.{name}" does not exist in PyRAM')
    if space is not None and space != "public":
        raise ProgrammingError(f'schema "{schema}" does not exist: PyRAM has one, public')
    return None


def _lookup(
    binder: BinderBase, arg: px.PlanExpr, mapping: Mapping[Any, Any], result: DataType = TEXT
) -> px.PlanExpr:
    """``CASE arg WHEN key THEN value ... END`` over a catalogue mapping (NULL otherwise)."""
    b = binder.b
    key_type = TEXT if arg.dtype.family == "text" else INTEGER
    whens = [
        (b.compare("=", arg, b.literal(key, key_type)), b.literal(value, result))
        for key, value in mapping.items()
        if value is not None
    ]
    if not whens:
        return b.literal(None, result)
    return b.case(whens, None)


def _constant(arg: px.PlanExpr) -> Any:
    """The value of a constant argument (a truth value arrives cast to an integer), or None."""
    if isinstance(arg, px.Cast):
        arg = arg.arg
    return arg.value if isinstance(arg, px.Literal_) else None


def _literal_text(arg: px.PlanExpr, what: str) -> str:
    if not isinstance(arg, px.Literal_) or not isinstance(arg.value, str):
        raise ProgrammingError(f"{what} takes a constant text argument in PyRAM")
    return arg.value


def pg_cast(binder: BinderBase, type_name: str, arg: px.PlanExpr) -> px.PlanExpr | None:
    """A cast to ``regclass``/``regtype``/``regnamespace``/``oid`` (None: another type).

    Text becomes the OID it names (a constant only, looked up now); an OID becomes the name
    PostgreSQL prints for it (``c.oid::regclass`` shows the table's name).
    """
    name = type_name.lower()
    if name not in ("regclass", "regtype", "regnamespace", "regproc", "regprocedure", "oid"):
        return None
    b = binder.b
    if arg.dtype.family == "text" and not isinstance(arg, px.Literal_):
        if name != "regclass":
            raise ProgrammingError(f"a cast to {name} takes a constant text argument in PyRAM")
        names = {r.name: r.oid for r in snapshot(binder).relations}
        return _lookup(binder, arg, names, INTEGER)
    if arg.dtype.family == "text":
        text = _literal_text(arg, f"a cast to {name}")
        oid = _name_oid(binder, name, text)
        if oid is None:
            kind = {"regclass": "relation", "regtype": "type"}.get(name, "object")
            raise ProgrammingError(f'{kind} "{text}" does not exist')
        return b.literal(oid, INTEGER)
    if name == "oid" or arg.dtype.family == "null":
        return b.cast(arg, INTEGER)
    if name == "regclass":
        return _lookup(binder, arg, {r.oid: r.name for r in snapshot(binder).relations})
    if name == "regtype":
        return _lookup(binder, arg, {t.oid: t.display for t in PG_TYPES})
    if name == "regnamespace":
        return _lookup(binder, arg, dict(_NAMESPACES))
    return b.cast(arg, INTEGER)


def _name_oid(binder: BinderBase, kind: str, text: str) -> int | None:
    if text.strip().isdigit():
        return int(text)
    if kind == "regclass":
        return snapshot(binder).relation_oid(text)
    if kind == "regtype":
        found = pg_type_by_name(text)
        return None if found is None else found.oid
    if kind == "regnamespace":
        return {v: k for k, v in _NAMESPACES.items()}.get(text.strip('"').lower())
    return None


def _setting(binder: BinderBase, args: list[px.PlanExpr], missing_ok: bool = False) -> px.PlanExpr:
    assert binder.pg is not None
    name = _literal_text(args[0], "current_setting()").lower()
    if len(args) > 1 and _constant(args[1]):
        missing_ok = True
    value = binder.pg.get(name)
    if value is None and not missing_ok:
        raise ProgrammingError(f'unrecognized configuration parameter "{name}"')
    return binder.b.literal(value, TEXT)


def _user(binder: BinderBase, args: list[px.PlanExpr]) -> px.PlanExpr:
    assert binder.pg is not None
    return binder.b.literal(binder.pg.get("session_authorization", "pyram"), TEXT)


def _database(binder: BinderBase, args: list[px.PlanExpr]) -> px.PlanExpr:
    assert binder.pg is not None
    return binder.b.literal(binder.pg.get("database", "pyram"), TEXT)


def _schema(binder: BinderBase, args: list[px.PlanExpr]) -> px.PlanExpr:
    return binder.b.literal("public", TEXT)


def _owner(binder: BinderBase, args: list[px.PlanExpr]) -> px.PlanExpr:
    # one role owns everything: the session's user
    return _lookup(binder, args[0], {10: _user_name(binder)})


def _user_name(binder: BinderBase) -> str:
    assert binder.pg is not None
    return binder.pg.get("session_authorization", "pyram")


def _indexdef(binder: BinderBase, args: list[px.PlanExpr]) -> px.PlanExpr:
    snap = snapshot(binder)
    if len(args) > 1 and _constant(args[1]) not in (0, None):
        raise ProgrammingError("pg_get_indexdef(index, column) is not supported: PyRAM has no "
                               "expression indexes; read pg_index.indkey")  # fmt: skip
    pretty = len(args) > 2 and bool(_constant(args[2]))
    mapping = {
        r.oid: snap.index_definition(r.oid, pretty) for r in snap.relations if r.kind == "i"
    }
    return _lookup(binder, args[0], mapping)


def _constraintdef(binder: BinderBase, args: list[px.PlanExpr]) -> px.PlanExpr:
    mapping: dict[int, str | None] = dict(snapshot(binder).constraint_definitions())
    return _lookup(binder, args[0], mapping)


def _set_config(binder: BinderBase, args: list[px.PlanExpr]) -> px.PlanExpr:
    """``set_config(name, value, is_local)``: the statement changes the session's setting
    (applied when it runs); its value is the new setting."""
    assert binder.pg is not None
    name = _literal_text(args[0], "set_config()").lower()
    value = _literal_text(args[1], "set_config()")
    binder.pg_changes.append((name, value))
    binder.pg = {**binder.pg, name: value}  # later current_setting() calls see it
    return binder.b.literal(value, TEXT)


def _to_regclass(binder: BinderBase, args: list[px.PlanExpr]) -> px.PlanExpr:
    text = _literal_text(args[0], "to_regclass()")
    return binder.b.literal(_name_oid(binder, "regclass", text), INTEGER)


_Bind = Callable[["BinderBase", list[px.PlanExpr]], px.PlanExpr]
_FUNCTIONS: dict[str, tuple[int, int, _Bind]] = {
    "current_setting": (1, 2, _setting),
    "current_user": (0, 0, _user),
    "session_user": (0, 0, _user),
    "current_role": (0, 0, _user),
    "user": (0, 0, _user),
    "current_database": (0, 0, _database),
    "current_catalog": (0, 0, _database),
    "current_schema": (0, 0, _schema),
    "pg_get_userbyid": (1, 1, _owner),
    "pg_get_indexdef": (1, 3, _indexdef),
    "pg_get_constraintdef": (1, 2, _constraintdef),
    "to_regclass": (1, 1, _to_regclass),
    "set_config": (3, 3, _set_config),
}


def pg_function(binder: BinderBase, name: str, args: list[px.PlanExpr]) -> px.PlanExpr | None:
    """A session or catalogue function bound now, or None (an ordinary function)."""
    entry = _FUNCTIONS.get(name.lower())
    if entry is None:
        return None
    low, high, bind = entry
    if not low <= len(args) <= high:
        raise ProgrammingError(f"wrong number of arguments to function {name}()")
    binder.catalog_reads.add(name.lower())
    return bind(binder, args)


def pg_table_function(
    binder: BinderBase, item: ast.TableFunctionRef, args: list[px.PlanExpr | None]
) -> pn.Values | None:
    """``generate_series(a, b)``, ``unnest``-free ``pg_partition_ancestors(rel)`` in FROM, with
    ``WITH ORDINALITY`` and ``AS alias(columns)`` (None: not one of these).

    Their arguments must be constants: PyRAM has no LATERAL joins. Over columns of another
    table they bind to a row that raises an error when (and only when) it is read, so the
    catalogue queries psql sends over always empty tables (publications, triggers) run.
    ``args`` are the bound arguments, None for one that is not constant (see
    :func:`is_constant`).
    """
    name = item.name.lower()
    if name not in ("generate_series", "pg_partition_ancestors"):
        return None
    b = binder.b
    want = (2, 3) if name == "generate_series" else (1,)
    if len(args) not in want:
        raise ProgrammingError(f"wrong number of arguments to function {name}()")
    default = "generate_series" if name == "generate_series" else "relid"
    names = list(item.columns) or [item.alias or default if name == "generate_series" else default]
    if item.ordinality and len(names) < 2:
        names.append("ordinality")
    cells: list[tuple[px.PlanExpr, ...]]
    if any(a is None or not isinstance(a, px.Literal_) for a in args):
        why = b.literal(f"{name}() over another table's columns (LATERAL)", TEXT)
        failing = b.cast(b.func("pg_unsupported", [why]), INTEGER)
        cells = [tuple(failing for _ in names)]
    else:
        values = [_constant(a) for a in args if a is not None]
        if name == "generate_series":
            step = values[2] if len(values) > 2 else 1
            numbers = list(range(values[0], values[1] + (1 if step > 0 else -1), step))
        else:
            numbers = [int(values[0])]
        cells = [
            tuple(b.literal(v, INTEGER) for v in (n, i)[: len(names)])
            for i, n in enumerate(numbers, start=1)
        ]
    fields = tuple(px.Field(b.new_cid(), n, INTEGER, False) for n in names)
    return pn.Values(tuple(cells), fields)


def is_constant(e: ast.SqlExpr) -> bool:
    """No column reference or subquery inside ``e`` (it binds outside any scope)."""
    if isinstance(e, ast.ColumnRef | ast.Subquery | ast.Exists):
        return False
    return all(
        is_constant(v) if isinstance(v, ast.SqlExpr) else True
        for v in (getattr(e, f.name) for f in attrs.fields(type(e)))
    ) and all(
        is_constant(a) for a in getattr(e, "args", ()) if isinstance(a, ast.SqlExpr)
    )
