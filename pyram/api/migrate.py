"""``Database.migrate(Model)``: bring a stored table to a model class's shape, when that is safe.

The model's schema is compared with the stored table's, column by column (by name) and
constraint by constraint. What can be applied without losing or inventing data is applied in
one rebuild of the table (:func:`pyram.storage.alter.alter_table`, transactional, row
versions kept):

- a column the model adds, when it is nullable or has a default (existing rows get NULL or the
  default; a default factory is called once for them all), or when the table is empty;
- a column the model no longer has, unless it keys the table, is unique or takes part in a
  foreign key (in this table or another's pointing at it);
- a widened column: ``INTEGER`` to ``REAL`` (every stored integer must be exactly a float:
  beyond 2**53 it is refused; a column other tables' foreign keys reference keeps its type)
  and ``NOT NULL`` to nullable; defaults may change freely;
- indexes the model adds or no longer declares (not the unique ones: those are constraints);
- the model's CHECK constraints, verified on every stored row (they replace the table's: a
  CHECK made in SQL that the model lacks is dropped, and reported).

Everything else is refused with a :class:`~pyram.errors.SchemaMismatchError` naming each
difference: another type change, nullable to ``NOT NULL``, a different primary key, unique
constraints or foreign keys, an added primary-key or unique column on a table with rows. A
renamed column looks like one dropped and one added: rename it in SQL first (``ALTER TABLE t
RENAME COLUMN a TO b``). Afterwards the model class is the table's row class.
"""

from __future__ import annotations

from typing import Any

import attrs

from pyram.api.schema_alter import AlterSession, rebind_dependents
from pyram.catalog import ColumnSchema, TableSchema, resolve_target
from pyram.errors import DataError, IntegrityError, SchemaMismatchError
from pyram.storage import ColumnSource, Store, alter_table

__all__ = ["migrate_model", "migrate_table"]

#: integers beyond this magnitude are not all exactly representable as a float
_EXACT_FLOAT = 2**53


def migrate_table(store: Store, model: TableSchema) -> list[str]:
    """Bring the stored table named like ``model`` to ``model``'s schema (create it when it
    does not exist); the changes made, in words (empty when none was needed).

    Runs inside the caller's write statement.

    Raises:
        SchemaMismatchError: some difference is not safe to apply (all are named); nothing
            changes then.
    """
    stored = store.catalog.find(model.name)
    if stored is None:
        store.create([model])
        return [f"created table {model.name}"]
    lookup = {s.name.lower(): s for s in store.catalog}
    lookup[stored.name.lower()] = model
    wanted = attrs.evolve(
        model,
        name=stored.name,
        foreign_keys=tuple(resolve_target(model, fk, lookup) for fk in model.foreign_keys),
    )
    data = store.data(stored.name)
    changes, refused, sources = _compare(store, stored, wanted, data.live_count)
    what = f"cannot migrate table {stored.name} to {_class_name(model)}"
    if refused:
        raise SchemaMismatchError(
            f"{what}: " + "; ".join(refused), table=stored.name, differences=refused
        )
    if stored.row_class is not model.row_class:
        changes.append(f"attached {_class_name(model)}")
    if not changes:
        return []
    try:
        alter_table(store, stored.name, wanted, sources)
    except (DataError, IntegrityError) as exc:
        problem = f"a stored row does not fit the model: {exc}"
        raise SchemaMismatchError(
            f"{what}: {problem}", table=stored.name, differences=[problem]
        ) from exc
    return changes


def _class_name(schema: TableSchema) -> str:
    cls = schema.row_class
    return "a plain table" if cls is None else f"class {cls.__name__}"


def _compare(
    store: Store, stored: TableSchema, wanted: TableSchema, rows: int
) -> tuple[list[str], list[str], list[ColumnSource]]:
    """(changes to apply, refused differences, column sources of the rebuilt table)."""
    changes: list[str] = []
    refused: list[str] = []
    sources: list[ColumnSource] = []
    for column in wanted.columns:
        if not stored.has_column(column.name):
            sources.append(_added(wanted, column, rows, changes, refused))
        else:
            position = stored.position(column.name)
            sources.append(_kept(store, stored, position, column, changes, refused))
    added = {c.name for c in wanted.columns if not stored.has_column(c.name)}
    dropped = {c.name for c in stored.columns if not wanted.has_column(c.name)}
    for name in sorted(dropped, key=stored.position):
        problem = _drop_problem(store, stored, name)
        if problem:
            refused.append(f"column {name!r} was dropped from the model, but {problem}")
        else:
            changes.append(f"dropped column {name}")
    if stored.primary_key != wanted.primary_key:
        refused.append(
            f"primary key is {list(stored.primary_key)} in the table, "
            f"{list(wanted.primary_key)} in the model"
        )
    _compare_uniques(stored, wanted, added, dropped, rows, refused)
    _compare_foreign_keys(stored, wanted, added, dropped, refused)
    _compare_indexes(stored, wanted, dropped, changes)
    have_checks = {c.name for c in stored.checks}
    want_checks = {c.name for c in wanted.checks}
    changes.extend(f"added check {name}" for name in sorted(want_checks - have_checks))
    changes.extend(f"dropped check {name}" for name in sorted(have_checks - want_checks))
    return changes, refused, sources


def _added(
    wanted: TableSchema, column: ColumnSchema, rows: int, changes: list[str], refused: list[str]
) -> ColumnSource:
    if column.has_default:
        fill = column.dtype.validate(column.default_value(), nullable=True)
    else:
        fill = None
    if column.name in wanted.primary_key and rows:
        refused.append(f"column {column.name!r} is new and part of the primary key")
    elif fill is None and not column.nullable and rows:
        refused.append(
            f"column {column.name!r} is new and NOT NULL without a default: the table's "
            f"{rows} row(s) would have no value"
        )
    else:
        changes.append(f"added column {column.name} {column.dtype.name}")
    return ColumnSource(None, fill)


def _kept(
    store: Store,
    stored: TableSchema,
    position: int,
    column: ColumnSchema,
    changes: list[str],
    refused: list[str],
) -> ColumnSource:
    have = stored.columns[position]
    convert = None
    name = column.name
    if have.dtype != column.dtype:
        referenced = [
            child.name
            for child, fk in store.catalog.referencing(stored.name)
            if name in fk.ref_columns and child.name.lower() != stored.name.lower()
        ]
        if referenced:
            refused.append(
                f"column {name!r} is referenced by table {referenced[0]}: its type cannot change"
            )
        elif have.dtype.name == "INTEGER" and column.dtype.name == "REAL":
            inexact = _inexact(store, stored, position)
            if inexact is not None:
                refused.append(f"column {name!r}: INTEGER {inexact} is not exactly a REAL")
            else:
                changes.append(f"widened column {name} from INTEGER to REAL")
            convert = float
        else:
            refused.append(
                f"column {name!r} is {have.dtype.name} in the table, {column.dtype.name} in the "
                "model (only INTEGER -> REAL widens)"
            )
    if have.nullable and not column.nullable:
        refused.append(f"column {name!r} is nullable in the table, NOT NULL in the model")
    elif column.nullable and not have.nullable:
        changes.append(f"column {name} is now nullable")
    return ColumnSource(position, convert=convert)


def _inexact(store: Store, stored: TableSchema, position: int) -> Any:
    """A stored integer of the column that a float cannot hold exactly, or None."""
    data = store.data(stored.name)
    column = data.columns[position]
    for rid in data.live_rids():
        value = column[rid]
        if value is not None and abs(value) > _EXACT_FLOAT:
            return value
    return None


def _drop_problem(store: Store, stored: TableSchema, name: str) -> str:
    """Why column ``name`` cannot be dropped ("" when it can)."""
    if name in stored.primary_key:
        return "it is the primary key"
    if any(name in u.columns for u in stored.uniques):
        return "it is unique"
    if any(name in fk.columns for fk in stored.foreign_keys):
        return "it is a foreign key"
    for other, fk in store.catalog.referencing(stored.name):
        if name in fk.ref_columns and other.name.lower() != stored.name.lower():
            return f"table {other.name} references it"
    return ""


def _compare_uniques(
    stored: TableSchema,
    wanted: TableSchema,
    added: set[str],
    dropped: set[str],
    rows: int,
    refused: list[str],
) -> None:
    have = {u.columns for u in stored.uniques if not u.primary_key}
    want = {u.columns for u in wanted.uniques if not u.primary_key}
    for columns in sorted(want - have):
        if rows:  # on an empty table nothing can repeat
            refused.append(f"unique constraint {list(columns)} is new in the model")
    for columns in sorted(have - want):
        if not dropped.intersection(columns):
            refused.append(f"unique constraint {list(columns)} is not in the model")


def _fk_key(fk: Any) -> tuple[Any, ...]:
    return (fk.columns, fk.ref_table.lower(), fk.ref_columns, fk.on_delete)


def _compare_foreign_keys(
    stored: TableSchema,
    wanted: TableSchema,
    added: set[str],
    dropped: set[str],
    refused: list[str],
) -> None:
    have = {_fk_key(fk) for fk in stored.foreign_keys}
    want = {_fk_key(fk) for fk in wanted.foreign_keys}
    for key in sorted(want - have, key=repr):
        if not added.issuperset(key[0]):  # a new column's foreign key is checked on the rows
            refused.append(f"foreign key {list(key[0])} -> {key[1]}{list(key[2])} is new")
    for key in sorted(have - want, key=repr):
        if not dropped.intersection(key[0]):
            refused.append(f"foreign key {list(key[0])} -> {key[1]}{list(key[2])} is gone")


def _compare_indexes(
    stored: TableSchema, wanted: TableSchema, dropped: set[str], changes: list[str]
) -> None:
    have = {(i.columns, i.kind) for i in stored.indexes if not i.unique}
    want = {(i.columns, i.kind) for i in wanted.indexes if not i.unique}
    for spec in wanted.indexes:
        if not spec.unique and (spec.columns, spec.kind) not in have:
            changes.append(f"added index {spec.name}")
    for spec in stored.indexes:
        if spec.unique or (spec.columns, spec.kind) in want:
            continue
        if not dropped.intersection(spec.columns):
            changes.append(f"dropped index {spec.name}")


def migrate_model(store: Store, session: AlterSession, model: TableSchema) -> list[str]:
    """:func:`migrate_table` as one write statement, then the views and triggers on the table
    bound again (see ``Database.migrate``); the changes made, in words."""
    with store.statement():
        store.check_writable()
        changes = migrate_table(store, model)
        if changes:
            rebind_dependents(store, session, model.name, "migrate")
    return changes
