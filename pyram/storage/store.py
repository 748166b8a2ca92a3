"""The storage of one database: every table's :class:`TableData`, and the checked write path.

Every write validates first and applies second: values are type-checked column-wise, then CHECK,
UNIQUE/PRIMARY KEY and FOREIGN KEY constraints are verified (with ON DELETE actions planned across
tables), and only then is storage touched. A failing write therefore leaves every table exactly
as it was. Values come in user-facing form (an Enum member, a dict) and are stored in their
type's storage form (see :mod:`pyram.types`).

Transactions (:meth:`Store.begin`, savepoints, :meth:`Store.rollback`) keep an undo log
(:mod:`pyram.storage.undo`); outside one, the write path pays a single attribute check for it.

A :attr:`Store.watcher` (change events, triggers; see :mod:`pyram.storage.watch`) is told about
the rows of every write to a table it watches: before the constraint checks, after them (a
veto point) and after the change. Such a write runs inside :meth:`Store.statement`, so what
the watcher writes meanwhile is undone with it when any part fails. Without a watcher the write
path pays one check for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
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
from pyram.storage.insert_row import insert_row
from pyram.storage.row_values import row_change, update_images, validate_row
from pyram.storage.store_txn import LOCK_TIMEOUT, TransactionsMixin
from pyram.storage.table_data import AnyIndex, TableData
from pyram.storage.undo import UndoLog
from pyram.storage.update_checks import check_update, row_changes
from pyram.storage.watch import ChangeKind, ChangeWatcher

__all__ = ["LOCK_TIMEOUT", "Store"]


class Store(TransactionsMixin):
    """All table data of one database plus the catalogue describing it.

    Writers serialise on :attr:`write_lock` (a transaction holds it from its first write to
    its end); readers never take it: they read a snapshot through row versions (see
    :mod:`pyram.storage.mvcc` and :mod:`pyram.storage.store_txn`).

    Attributes:
        catalog: the schemas of the tables.
        write_lock: the re-entrant lock writers take (one writer at a time).
        catalog_version: bumped whenever the catalogue changes (CREATE and DROP of tables or
            indexes, and a rollback that undoes one), so callers can drop what they cached
            per table (prepared plans, primary-key handles).
    """

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog if catalog is not None else Catalog()
        self.write_lock = threading.RLock()
        self.catalog_version = 0
        self._data: dict[str, TableData] = {}
        #: the undo log of the writer holding ``write_lock`` (its transaction's or its
        #: statement's): every write is recorded, for rollback and for row versions. Readers
        #: that skip opening a view (the point-read fast paths) check it is None or published:
        #: then a table without versions holds exactly what every snapshot sees
        self.undo_log: UndoLog | None = None
        #: told about every change when set (change events, triggers); see storage.watch
        self.watcher: ChangeWatcher | None = None
        #: called as a commit is about to become visible (a durable database writes its log
        #: record there); raising makes the commit fail and roll back
        self.commit_hook: Callable[[], None] | None = None
        #: called as a read, a write statement or a transaction starts (outermost only, never
        #: inside a transaction): cache tables remove their expired rows there, as a commit of
        #: their own (see pyram.cache). None, and so free, while no table expires rows
        self.before_access: Callable[[], None] | None = None
        #: called as ``(data, index, key)`` after a query's point read by a unique key found
        #: a row (cache tables rank it as used); None, and so free, without cache tables
        self.point_read: Callable[[TableData, Any, Any], None] | None = None
        #: (id of a table's data, catalog version) -> positions no constraint involves
        self._free_positions: dict[tuple[int, int], frozenset[int]] = {}
        self._init_transactions()

    # ------------------------------------------------------------------ schema
    def create(self, schemas: Iterable[TableSchema]) -> list[TableSchema]:
        """Create tables (foreign keys resolved among them and existing tables)."""
        with self.statement():
            self.check_writable()
            before = self._tables_before()
            try:
                created = self.catalog.add_tables(schemas)
                for schema in created:
                    self._data[schema.name.lower()] = TableData(schema)
            except BaseException:
                self.restore_tables(*before)
                raise
            self._ddl_done(before)
            return created

    def drop(self, names: Iterable[str]) -> None:
        """Drop tables and their rows."""
        with self.statement():
            self.check_writable()
            before = self._tables_before()
            try:
                for schema in self.catalog.drop_tables(names):
                    del self._data[schema.name.lower()]
            except BaseException:
                self.restore_tables(*before)
                raise
            self._ddl_done(before)

    def _tables_before(self) -> tuple[list[TableSchema], dict[str, TableData]]:
        """The catalogue and the table map, to undo a CREATE or DROP (a failed one too: the
        catalogue may change before it fails, as on a name dropped twice in one call)."""
        return list(self.catalog), dict(self._data)

    def _ddl_done(self, before: tuple[list[TableSchema], dict[str, TableData]]) -> None:
        self.catalog_version += 1
        assert self.undo_log is not None  # every write runs in a statement
        self.undo_log.record_schema(*before)

    def restore_tables(self, schemas: list[TableSchema], tables: dict[str, TableData]) -> None:
        """Put back the catalogue (same schema objects, same order) and the table map: the
        undo of a CREATE or DROP. Storage-internal; called by the undo log."""
        # The catalogue has no public way to restore tables as they were (add_tables re-resolves
        # foreign keys into new schema objects and appends): refill its map in place.
        known = self.catalog._tables
        known.clear()
        known.update((schema.name.lower(), schema) for schema in schemas)
        self._data.clear()
        self._data.update(tables)
        self.catalog_version += 1

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
        if set(map(len, user_columns)) == {1}:  # one row: value by value, no batch kernels
            return [[v] for v in validate_row(schema, [values[0] for values in user_columns])]
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
        with self.statement():
            self.check_writable()
            data = self.data(table)
            watcher = self.watcher
            if watcher is not None and watcher.watches(data.schema.name.lower()):
                return self._insert(data, user_columns, watcher)
            return self._insert(data, user_columns, None)

    def insert_row(self, table: str, user_row: Sequence[Any]) -> int:
        """:meth:`insert` of one row given in column order (the record API's write);
        returns its row id. Raises as :meth:`insert` does."""
        with self.statement():
            self.check_writable()
            return insert_row(self, self.data(table), user_row)

    def _insert(
        self,
        data: TableData,
        user_columns: Sequence[Sequence[Any]],
        watcher: ChangeWatcher | None,
    ) -> range:
        schema = data.schema
        stored = self.validate_columns(schema, user_columns)
        if watcher is not None:
            rows = list(zip(*stored, strict=True))
            missing: list[None] = [None] * len(rows)
            watcher.before_write("insert", data, missing, rows, self._position())
        check_checks(schema, _user_view(schema, user_columns, stored))
        check_unique_new_keys(data, stored)
        assert self.undo_log is not None  # every write runs in a statement
        if data.commit_ts > self.undo_log.ts:  # others committed to it since our snapshot
            self.undo_log.check_unique_conflicts(data, list(zip(*stored, strict=True)))
        for fk in schema.foreign_keys:
            self._check_parents_exist(data, fk, stored)
        position = self._position()
        if watcher is not None:
            watcher.before_apply("insert", data, missing, rows, position)
        assert self.undo_log is not None  # every write runs in a statement
        self.undo_log.record_insert(data, len(stored[0]) if stored else 0)
        rids = data.append(stored)
        if watcher is not None:
            watcher.after_write("insert", data, missing, rows, position)
        return rids

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
        return self.update_row(table, rid, range(width), user_row)

    def update_row(
        self, table: str, rid: int, positions: Sequence[int], user_values: Sequence[Any]
    ) -> bool:
        """Set columns ``positions`` of live row ``rid`` to user-facing ``user_values``:
        :meth:`update_many` for one row (the common cache write), without its set-at-a-time
        bookkeeping. Only the constraints over columns that change are checked, and the undo
        entry's before-image is the row's version too.

        Returns:
            True when some stored value changed.

        Raises:
            DataError, IntegrityError: as for :meth:`update_many`.
        """
        data = self.data(table)
        watcher = self.watcher
        if watcher is not None and watcher.watches(data.schema.name.lower()):
            return self.update_many(table, [rid], positions, [[v] for v in user_values]) == 1
        with self.statement():
            self.check_writable()
            log = self.undo_log
            assert log is not None  # every write runs in a statement
            if data.commit_ts > log.ts:  # others committed to it since our snapshot
                log.check_conflicts(data, (rid,))
            change = row_change(data, rid, positions, user_values)
            if not change:
                return False
            changes = {rid: change}
            if not self._unconstrained(data).issuperset(change):
                check_update(self, data, changes, positions, [[v] for v in user_values], [rid])
            image = data.row(rid)
            if data.commit_ts > log.ts:
                new = list(image)
                for position, value in change.items():
                    new[position] = value
                log.check_unique_conflicts(data, [new])
            log.record_update(data, changes, [image])
            data.update(rid, change)
            return True

    def _unconstrained(self, data: TableData) -> frozenset[int]:
        """Positions of ``data``'s columns that no CHECK, UNIQUE or FOREIGN KEY involves (on
        either side): changing only those needs no constraint check beyond the value's own."""
        key = (id(data), self.catalog_version)
        found = self._free_positions.get(key)
        if found is None:
            schema = data.schema
            bound: set[str] = set()
            if schema.checks:
                bound.update(c.name.lower() for c in schema.columns)
            for unique in schema.uniques:
                bound.update(c.lower() for c in unique.columns)
            for fk in schema.foreign_keys:
                bound.update(c.lower() for c in fk.columns)
            for _child, fk in self.catalog.referencing(schema.name):
                bound.update(c.lower() for c in fk.ref_columns)
            found = frozenset(
                i for i, c in enumerate(schema.columns) if c.name.lower() not in bound
            )
            if len(self._free_positions) > 256:
                self._free_positions.clear()
            self._free_positions[key] = found
        return found

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
        with self.statement():
            self.check_writable()
            data = self.data(table)
            watcher = self.watcher
            if watcher is not None and watcher.watches(data.schema.name.lower()):
                return self._update_many(data, rids, positions, user_columns, watcher)
            return self._update_many(data, rids, positions, user_columns, None)

    def _update_many(
        self,
        data: TableData,
        rids: Sequence[int],
        positions: Sequence[int],
        user_columns: Sequence[Sequence[Any]],
        watcher: ChangeWatcher | None,
    ) -> int:
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
        assert self.undo_log is not None  # every write runs in a statement
        self.undo_log.check_conflicts(data, rids)
        changes = row_changes(data, rids, positions, stored)
        if not changes:
            return 0
        if watcher is not None:
            mark = self._position()
            watcher.before_write("update", data, *update_images(data, changes), mark)
            if self._position() != mark:
                # the watcher wrote (a BEFORE trigger): rows may have gone or changed since
                alive = data.alive
                keep = [i for i, rid in enumerate(rids) if alive[rid]]
                rids = [rids[i] for i in keep]
                user_columns = [[values[i] for i in keep] for values in user_columns]
                stored = [[values[i] for i in keep] for values in stored]
                changes = row_changes(data, rids, positions, stored)
                if not changes:
                    return 0
        check_update(self, data, changes, positions, user_columns, rids)
        if data.commit_ts > self.undo_log.ts:  # others committed to it since our snapshot
            self.undo_log.check_unique_conflicts(data, update_images(data, changes)[1])
        position = self._position()
        if watcher is not None:
            old, new = update_images(data, changes)
            watcher.before_apply("update", data, old, new, position)
        assert self.undo_log is not None  # every write runs in a statement
        self.undo_log.record_update(data, changes)
        data.update_many(changes)
        if watcher is not None:
            watcher.after_write("update", data, old, new, position)
        return len(changes)

    def _position(self) -> int:
        return 0 if self.undo_log is None else len(self.undo_log)

    # ------------------------------------------------------------------ delete
    def delete(self, table: str, rids: Iterable[int]) -> int:
        """Delete live rows, applying ON DELETE actions of referencing tables; all or nothing.

        Returns:
            The number of rows deleted from ``table`` itself.

        Raises:
            IntegrityError: a RESTRICT foreign key still references a row.
        """
        with self.statement():
            self.check_writable()
            root = self.data(table)
            # ON DELETE actions may reach watched tables: any watcher sees deletes
            return self._delete(root, set(rids), self.watcher)

    def _delete(self, root: TableData, rids: set[int], watcher: ChangeWatcher | None) -> int:
        root_name = root.schema.name.lower()
        seen: tuple[TableData, list[int], list[Any]] | None = None  # copied for before_write
        if watcher is not None and rids and watcher.watches(root_name):
            mark = self._position()
            ordered = sorted(rids)
            old = [root.row(rid) for rid in ordered]
            watcher.before_write("delete", root, old, [None] * len(old), mark)
            if self._position() != mark:  # the watcher wrote (a BEFORE trigger)
                alive = root.alive
                rids = {rid for rid in rids if alive[rid]}
            else:  # nothing changed since: the copies serve the undo log and after_write
                seen = (root, ordered, old)
        doomed, set_null = self._plan_delete(root, rids)
        if watcher is not None:
            mark = self._position()
            self._report_actions(watcher, root, rids, doomed, set_null)
            if self._position() != mark:
                # the watcher wrote while seeing rows ON DELETE actions reach: plan again
                rids = {rid for rid in rids if root.alive[rid]}
                doomed, set_null = self._plan_delete(root, rids)
                seen = None
            images = self._delete_images(watcher, doomed, set_null, root_rows=seen)
        position = self._position()
        if watcher is not None:
            for kind, data, old, new in images:
                watcher.before_apply(kind, data, old, new, position)
        undo = self.undo_log
        assert undo is not None  # every write runs in a statement
        undo.record_set_null(set_null)
        # the watcher's delete images are the undo log's too: each row is copied once
        known = {} if watcher is None else {id(i[1]): i[2] for i in images if i[0] == "delete"}
        for name, table_rids in doomed.items():
            data = self._data[name]
            copied = known.get(id(data))
            if copied is None:
                undo.record_delete(data, list(table_rids))
            else:  # _delete_images: every doomed row of the table, in row-id order
                undo.record_delete(data, sorted(table_rids), copied)
        for child_data, child_rid, positions in set_null:
            child_data.update(child_rid, dict.fromkeys(positions))
        for name, table_rids in doomed.items():
            # compaction renumbers rows: it waits for the commit, and for readers to leave
            self._data[name].delete(table_rids, compact=False)
        if watcher is not None:
            for kind, data, old, new in images:
                watcher.after_write(kind, data, old, new, position)
        return len(doomed[root_name])

    def _plan_delete(
        self, root: TableData, rids: set[int]
    ) -> tuple[dict[str, set[int]], list[tuple[TableData, int, tuple[int, ...]]]]:
        """The rows to delete per table (``root``'s ``rids`` and what ON DELETE CASCADE
        reaches) and the SET NULL rewrites; raises when a RESTRICT reference blocks."""
        doomed = {root.schema.name.lower(): set(rids)}
        set_null: list[tuple[TableData, int, tuple[int, ...]]] = []
        blocked: list[tuple[TableSchema, ForeignKey, Any, int]] = []
        work = [(root, sorted(rids))]
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
        return doomed, set_null

    def _report_actions(
        self,
        watcher: ChangeWatcher,
        root: TableData,
        rids: set[int],
        doomed: dict[str, set[int]],
        set_null: list[tuple[TableData, int, tuple[int, ...]]],
    ) -> None:
        """``before_write`` for the rows ON DELETE actions reach (``root``'s own ``rids`` were
        reported before the plan)."""
        position = self._position()
        reported = {root.schema.name.lower(): rids}
        for kind, data, old, new in self._delete_images(watcher, doomed, set_null, reported):
            watcher.before_write(kind, data, old, new, position)

    def _delete_images(
        self,
        watcher: ChangeWatcher,
        doomed: dict[str, set[int]],
        set_null: list[tuple[TableData, int, tuple[int, ...]]],
        reported: dict[str, set[int]] | None = None,
        root_rows: tuple[TableData, list[int], list[Any]] | None = None,
    ) -> list[tuple[ChangeKind, TableData, list[Any], list[Any]]]:
        """(kind, table, old rows, new rows) of a planned delete, per watched table: SET NULL
        updates first, then deletes, leaving out the rows ``reported`` already (per table);
        ``root_rows`` (a table, ordered row ids, their rows) are reused when they fit."""
        images: list[tuple[ChangeKind, TableData, list[Any], list[Any]]] = []
        by_table: dict[int, tuple[TableData, dict[int, dict[int, Any]]]] = {}
        for child_data, child_rid, positions in set_null:
            if watcher.watches(child_data.schema.name.lower()):
                changes = by_table.setdefault(id(child_data), (child_data, {}))[1]
                changes.setdefault(child_rid, {}).update(dict.fromkeys(positions))
        for data, changes in by_table.values():
            images.append(("update", data, *update_images(data, changes)))
        for name, table_rids in doomed.items():
            if watcher.watches(name):
                data = self._data[name]
                ordered = sorted(table_rids - reported.get(name, set()) if reported else table_rids)
                if ordered:
                    if root_rows and root_rows[0] is data and root_rows[1] == ordered:
                        old = root_rows[2]
                    else:
                        old = [data.row(rid) for rid in ordered]
                    images.append(("delete", data, old, [None] * len(old)))
        return images

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
