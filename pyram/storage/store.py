"""The storage of one database: every table's :class:`TableData`, and the checked write path.

Every write validates first and applies second: values are type-checked column-wise, then CHECK,
UNIQUE/PRIMARY KEY and FOREIGN KEY constraints are verified (with ON DELETE actions planned across
tables), and only then is storage touched. A failing write therefore leaves every table exactly
as it was. Values come in user-facing form (an Enum member, a dict) and are stored in their
type's storage form (see :mod:`pyram.types`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from pyram.catalog import Catalog, ForeignKey, TableSchema
from pyram.errors import ProgrammingError
from pyram.storage.constraints import (
    check_checks,
    check_unique_new_keys,
    foreign_key_error,
    keys_from_columns,
    parent_index,
)
from pyram.storage.indexes import key_is_null
from pyram.storage.table_data import AnyIndex, TableData
from pyram.storage.update_checks import check_update, row_changes

__all__ = ["Store"]


class Store:
    """All table data of one database plus the catalogue describing it.

    Writers serialise on :attr:`write_lock` (MVCC arrives with transactions); readers of a
    finished write see it whole.
    """

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog if catalog is not None else Catalog()
        self.write_lock = threading.RLock()
        self._data: dict[str, TableData] = {}

    # ------------------------------------------------------------------ schema
    def create(self, schemas: Iterable[TableSchema]) -> list[TableSchema]:
        """Create tables (foreign keys resolved among them and existing tables)."""
        with self.write_lock:
            created = self.catalog.add_tables(schemas)
            for schema in created:
                self._data[schema.name.lower()] = TableData(schema)
            return created

    def drop(self, names: Iterable[str]) -> None:
        """Drop tables and their rows."""
        with self.write_lock:
            for schema in self.catalog.drop_tables(names):
                del self._data[schema.name.lower()]

    def data(self, table: str) -> TableData:
        """The data of a table (ProgrammingError when it does not exist)."""
        found = self._data.get(table.lower())
        if found is None:
            raise ProgrammingError(f"no such table: {table}")
        return found

    # ------------------------------------------------------------------ insert
    def validate_columns(
        self, schema: TableSchema, user_columns: Sequence[Sequence[Any]]
    ) -> list[list[Any]]:
        """Type-check rows given column-wise; return them in stored form."""
        if len(user_columns) != len(schema.columns):
            raise ProgrammingError(
                f"table {schema.name} has {len(schema.columns)} columns, "
                f"{len(user_columns)} were given"
            )
        return [
            col.dtype.validate_column(
                values, nullable=col.nullable, column=col.name, table=schema.name
            )
            for col, values in zip(schema.columns, user_columns, strict=True)
        ]

    def insert(self, table: str, user_columns: Sequence[Sequence[Any]]) -> range:
        """Insert rows given column-wise (user-facing values); all or nothing.

        Returns:
            The new rows' row ids.

        Raises:
            DataError: a value of the wrong type.
            IntegrityError: a NOT NULL, CHECK, UNIQUE, PRIMARY KEY or FOREIGN KEY violation.
        """
        with self.write_lock:
            data = self.data(table)
            schema = data.schema
            stored = self.validate_columns(schema, user_columns)
            check_checks(schema, _user_view(schema, user_columns, stored))
            check_unique_new_keys(data, stored)
            for fk in schema.foreign_keys:
                self._check_parents_exist(data, fk, stored)
            return data.append(stored)

    def _check_parents_exist(
        self, data: TableData, fk: ForeignKey, stored: Sequence[Sequence[Any]]
    ) -> None:
        schema = data.schema
        composite = len(fk.columns) > 1
        keys = keys_from_columns(stored, [schema.position(c) for c in fk.columns])
        index = parent_index(self.data(fk.ref_table), fk)
        own_keys: set[Any] = set()
        if fk.ref_table.lower() == schema.name.lower():
            # A self-reference may point at a row of the same batch.
            own_keys = set(keys_from_columns(stored, [schema.position(c) for c in fk.ref_columns]))
        for key in keys:
            if not key_is_null(key, composite) and key not in own_keys and not index.contains(key):
                raise foreign_key_error(schema, fk, key, "no such parent row")

    # ------------------------------------------------------------------ update
    def update(self, table: str, rid: int, user_row: Sequence[Any]) -> bool:
        """Replace the values of one live row (user-facing values, all columns).

        Returns:
            True when some value changed.

        Raises:
            DataError, IntegrityError: as for :meth:`insert`; also a FOREIGN KEY error when a
                referenced key would change while children still reference it.
        """
        width = len(self.data(table).schema.columns)
        if len(user_row) != width:
            raise ProgrammingError(f"table {table} has {width} columns, {len(user_row)} given")
        return self.update_many(table, [rid], range(width), [[v] for v in user_row]) == 1

    def update_many(
        self,
        table: str,
        rids: Sequence[int],
        positions: Sequence[int],
        user_columns: Sequence[Sequence[Any]],
    ) -> int:
        """Set columns ``positions`` of live rows ``rids`` to new user-facing values, given
        column-wise (``user_columns[j][i]`` is the new value of column ``positions[j]`` in row
        ``rids[i]``). Everything is validated and checked first; all or nothing.

        Returns:
            The number of rows whose stored values changed.

        Raises:
            DataError, IntegrityError: as for :meth:`insert`, checked as of the statement's end
                (two rows may swap unique keys).
        """
        with self.write_lock:
            data = self.data(table)
            schema = data.schema
            stored = [
                schema.columns[p].dtype.validate_column(
                    values,
                    nullable=schema.columns[p].nullable,
                    column=schema.columns[p].name,
                    table=schema.name,
                )
                for p, values in zip(positions, user_columns, strict=True)
            ]
            changes = row_changes(data, rids, positions, stored)
            if not changes:
                return 0
            check_update(self, data, changes, positions, user_columns, rids)
            data.update_many(changes)
            return len(changes)

    # ------------------------------------------------------------------ delete
    def delete(self, table: str, rids: Iterable[int]) -> int:
        """Delete live rows, applying ON DELETE actions of referencing tables; all or nothing.

        Returns:
            The number of rows deleted from ``table`` itself.

        Raises:
            IntegrityError: a RESTRICT foreign key still references a row.
        """
        with self.write_lock:
            root = self.data(table)
            doomed = {root.schema.name.lower(): set(rids)}
            set_null: list[tuple[TableData, int, tuple[int, ...]]] = []
            blocked: list[tuple[TableSchema, ForeignKey, Any, int]] = []
            work = [(root, sorted(doomed[root.schema.name.lower()]))]
            while work:
                parent, parent_rids = work.pop()
                for child, fk in self.catalog.referencing(parent.schema.name):
                    positions = tuple(parent.schema.position(c) for c in fk.ref_columns)
                    keys = parent.keys_of(positions, parent_rids)
                    for key, child_rid in self._children_by_key(child, fk, keys):
                        self._plan_child(child, fk, key, child_rid, doomed, work, set_null, blocked)
            for child, fk, key, child_rid in blocked:
                if child_rid not in doomed.get(child.name.lower(), ()):
                    raise foreign_key_error(child, fk, key, "row is still referenced")
            set_null = [
                (child_data, child_rid, positions)
                for child_data, child_rid, positions in set_null
                if child_rid not in doomed.get(child_data.schema.name.lower(), ())
            ]
            for child_data, child_rid, positions in set_null:
                _check_set_null_row(child_data, child_rid, positions)
            for child_data, child_rid, positions in set_null:
                child_data.update(child_rid, dict.fromkeys(positions))
            for name, table_rids in doomed.items():
                self._data[name].delete(table_rids)
            return len(doomed[root.schema.name.lower()])

    def _plan_child(
        self,
        child: TableSchema,
        fk: ForeignKey,
        key: Any,
        child_rid: int,
        doomed: dict[str, set[int]],
        work: list[tuple[TableData, list[int]]],
        set_null: list[tuple[TableData, int, tuple[int, ...]]],
        blocked: list[tuple[TableSchema, ForeignKey, Any, int]],
    ) -> None:
        child_data = self.data(child.name)
        if fk.on_delete == "cascade":
            already = doomed.setdefault(child.name.lower(), set())
            if child_rid not in already:
                already.add(child_rid)
                work.append((child_data, [child_rid]))
        elif fk.on_delete == "set null":
            set_null.append((child_data, child_rid, tuple(child.position(c) for c in fk.columns)))
        else:
            blocked.append((child, fk, key, child_rid))

    def _children_by_key(
        self, child: TableSchema, fk: ForeignKey, keys: Sequence[Any]
    ) -> list[tuple[Any, int]]:
        """(key, child rid) for every live child row referencing one of ``keys``."""
        composite = len(fk.columns) > 1
        index = self.fk_index(child, fk)
        return [
            (key, child_rid)
            for key in keys
            if not key_is_null(key, composite)
            for child_rid in index.lookup(key)
        ]

    def fk_index(self, child: TableSchema, fk: ForeignKey) -> AnyIndex:
        """The index on a foreign key's columns in the child table (define_table makes one)."""
        data = self.data(child.name)
        spec = child.index_for(fk.columns)
        if spec is None:  # pragma: no cover - define_table always indexes foreign keys
            raise AssertionError(f"no index on {child.name}{fk.columns}")
        return data.indexes[spec.name]


def _check_set_null_row(data: TableData, rid: int, positions: tuple[int, ...]) -> None:
    """ON DELETE SET NULL rewrites a child row: its CHECK constraints must still hold."""
    schema = data.schema
    row = list(data.row(rid))
    for position in positions:
        row[position] = None
    user = [col.dtype.from_storage(v) for col, v in zip(schema.columns, row, strict=True)]
    check_checks(schema, [[v] for v in user])


def _user_view(
    schema: TableSchema, user_columns: Sequence[Sequence[Any]], stored: Sequence[Sequence[Any]]
) -> list[Sequence[Any]]:
    """Columns as CHECK predicates see them: user objects for encoded types, else normalised."""
    return [
        user if col.dtype.encodes else kept
        for col, user, kept in zip(schema.columns, user_columns, stored, strict=True)
    ]
