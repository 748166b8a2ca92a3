"""ALTER TABLE and migrations in storage: a table rebuilt in a new shape, transactionally.

:func:`alter_table` builds a new :class:`TableData` for the new schema (columns added, dropped,
converted or renamed; the table itself possibly renamed) from the old one, checks the rows
against the new constraints, and swaps it in. Row ids stay what they were (dead rows are
copied as dead), so the table's row versions are copied too, each before-image reshaped like
the rows: a reader on an older snapshot reads the new table's rows as of its snapshot, in the
new shape (the schema is not versioned, the rows are). A query already running keeps the old
:class:`TableData` object it holds and finishes on it undisturbed.

The swap is a schema change of the undo log (the catalogue and table map from before), so a
rollback puts the old table back, the same object with its versions; the copied versions are
recorded beside it and collected like any, once no view older than the change is open.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from itertools import compress
from typing import Any

import attrs

from pyram.catalog import TableSchema
from pyram.storage.constraints import check_checks
from pyram.storage.mvcc import Stamp, pop_images, pop_insert
from pyram.storage.store import Store
from pyram.storage.table_data import TableData
from pyram.storage.undo import UndoEntry

__all__ = ["ColumnSource", "alter_table"]


@attrs.frozen
class ColumnSource:
    """Where a column of the rebuilt table takes its stored values from.

    Attributes:
        position: the old table's column position, or None for a new column.
        fill: a new column's stored value in every existing row.
        convert: maps an old stored value to the new type's (a widened type), or None.
    """

    position: int | None = None
    fill: Any = None
    convert: Callable[[Any], Any] | None = None


class _SchemaOf(UndoEntry):
    """Undo of a schema changed in place on another table (its foreign keys renamed)."""

    __slots__ = ("data", "schema")

    def __init__(self, data: TableData) -> None:
        self.data = data
        self.schema = data.schema

    def undo(self, store: Store) -> None:
        self.data.schema = self.schema


def alter_table(
    store: Store,
    table: str,
    schema: TableSchema,
    sources: Sequence[ColumnSource],
    others: Sequence[TableSchema] = (),
) -> None:
    """Replace table ``table`` by one of ``schema`` (which may carry a new name) whose column
    ``i`` takes its values from ``sources[i]``; ``others`` are new schemas of other tables
    (foreign keys following a rename). All or nothing.

    Raises:
        DataError: a value does not fit its new column.
        IntegrityError: a row breaks a NOT NULL, CHECK or FOREIGN KEY constraint of the new
            schema; nothing changes then.
    """
    with store.statement():
        store.check_writable()
        log = store.undo_log
        assert log is not None  # every write runs in a statement
        # This log's earlier changes become row versions of the old table now, so that they
        # are copied (reshaped) into the new one: a reader arriving later reads the new table
        # and must find them there, not in the old table its entries point at.
        log.publish()
        old = store.data(table)
        new = _rebuild(old, schema, sources)
        _check_rows(store, new, sources)
        before = store._tables_before()
        by_name = {s.name.lower(): s for s in others}
        schemas, tables = [], {}
        for s in store.catalog:
            key = s.name.lower()
            data = store.data(s.name)
            if data is old:
                schemas.append(schema)
                tables[schema.name.lower()] = new
                continue
            changed = by_name.get(key)
            if changed is not None:
                log.record(_SchemaOf(data))
                data.schema = changed
            schemas.append(data.schema)
            tables[key] = data
        log.record(_copy_versions(old, new, sources, store.snapshots.last_commit + 1))
        store.restore_tables(schemas, tables)
        store._ddl_done(before)


def _rebuild(old: TableData, schema: TableSchema, sources: Sequence[ColumnSource]) -> TableData:
    """A new table of ``schema`` holding the old table's rows (dead ones too: same row ids)."""
    new = TableData(schema)
    size = old.slot_count
    columns: list[Any] = []
    for position, source in enumerate(sources):
        values: Sequence[Any]
        if source.position is None:
            values = [source.fill] * size
        else:
            values = old.columns[source.position]
            if source.convert is not None:
                convert = source.convert
                values = [None if v is None else convert(v) for v in values]
        columns.append(_column_like(new, position, values))
    new.columns = columns
    new.alive = bytearray(old.alive)
    new.live_count = old.live_count
    new.commit_ts = old.commit_ts
    # an index whose key columns come unchanged from the old table is copied, not rebuilt
    moved = {
        s.position: i for i, s in enumerate(sources) if s.position is not None and not s.convert
    }
    for spec in schema.indexes:
        old_index = old.indexes.get(spec.name)
        positions = tuple(schema.position(c) for c in spec.columns)
        reusable = (
            old_index is not None
            and old_index.kind == spec.kind
            and old_index.unique == spec.unique
            and tuple(moved.get(p, -1) for p in old.key_positions(spec.name)) == positions
        )
        if reusable:
            assert old_index is not None
            new.indexes[spec.name] = old_index.copy(spec.columns)
            new._key_positions[spec.name] = positions
        else:
            new.add_index(spec)  # built over the copied rows
    return new


def _column_like(new: TableData, position: int, values: Sequence[Any]) -> Any:
    """``values`` as column ``position`` of ``new`` keeps them: an array of machine values
    where the table packs the column (a dead row's slot holds 0), else a list."""
    code = new._packed[position]
    if code is None:
        return list(values)
    if isinstance(values, array) and values.typecode == code:
        return values[:]  # a packed column kept as it is: copied at C speed
    zero = 0.0 if code == "d" else 0
    try:
        return array(code, [zero if v is None else v for v in values])
    except OverflowError:  # an INTEGER key beyond 64 bits: the column stays objects
        new.forget_packing(position)
        return list(values)


def _check_rows(store: Store, new: TableData, sources: Sequence[ColumnSource]) -> None:
    """The live rows must satisfy the new schema: types and NOT NULL of new or converted
    columns, every CHECK, and the foreign keys of new columns."""
    schema = new.schema
    if not new.live_count:
        return
    alive = new.alive
    for column, source, values in zip(schema.columns, sources, new.columns, strict=True):
        if source.position is None:  # one value for every row: validated once
            sample: Sequence[Any] = [source.fill]
        elif source.convert is not None:
            sample = list(compress(values, alive))
        else:
            continue
        column.dtype.validate_column(
            sample, nullable=column.nullable, column=column.name, table=schema.name
        )
    added = {c.name for c, s in zip(schema.columns, sources, strict=True) if s.position is None}
    new_keys = [fk for fk in schema.foreign_keys if added.intersection(fk.columns)]
    if not schema.checks and not new_keys:
        return
    stored = [list(compress(column, alive)) for column in new.columns]
    if schema.checks:
        user = [
            [col.dtype.from_storage(v) for v in values] if col.dtype.encodes else values
            for col, values in zip(schema.columns, stored, strict=True)
        ]
        check_checks(schema, user)
    for fk in new_keys:
        store._check_parents_exist(new, fk, stored)


class _CopiedVersions(UndoEntry):
    """The row versions an ALTER copied into the rebuilt table, and the dating of both tables.

    It holds versions from the start, so the commit keeps it until no view older than the
    ALTER is open, then :meth:`remove` takes the copies out (a rollback does it at once).
    """

    __slots__ = ("changes", "data", "inserted", "old", "old_ts")

    def __init__(
        self,
        old: TableData,
        data: TableData,
        changes: dict[Stamp, list[int]],
        inserted: list[list[Any]],
    ) -> None:
        self.old = old
        self.old_ts = old.commit_ts
        self.data = data
        self.changes = changes
        self.inserted = inserted

    def undo(self, store: Store) -> None:
        self.remove()
        self.old.commit_ts = self.old_ts

    def publish(self, stamp: Stamp) -> bool:
        return bool(self.changes or self.inserted)

    def remove(self) -> None:
        for owner, rids in self.changes.items():
            pop_images(self.data, owner, rids)
        for entry in self.inserted:
            pop_insert(self.data, entry[0])
        self.changes = {}
        self.inserted = []


def _copy_versions(
    old: TableData, new: TableData, sources: Sequence[ColumnSource], commit_ts: int
) -> _CopiedVersions:
    """Copy the old table's row versions and inserted ranges into the new one (images
    reshaped like the rows, in the same commit order). Both tables are dated ``commit_ts``,
    the ALTER's commit (the write lock is held, so the next commit is this one): a
    serializable reader of either table then fails if it goes on to write."""

    def reshape(image: tuple[Any, ...]) -> tuple[Any, ...]:
        out = []
        for source in sources:
            if source.position is None:
                out.append(source.fill)
                continue
            value = image[source.position]
            if source.convert is not None and value is not None:
                value = source.convert(value)
            out.append(value)
        return tuple(out)

    with old.latch:
        for block_no, block in old.versions.items():
            new.versions[block_no] = {
                rid: [(owner, reshape(image)) for owner, image in chain]
                for rid, chain in block.items()
            }
        new.changes = {stamp: set(rids) for stamp, rids in old.changes.items()}
        new.inserted = [list(entry) for entry in old.inserted]
        copies = _CopiedVersions(
            old,
            new,
            {stamp: list(rids) for stamp, rids in old.changes.items()},
            [list(entry) for entry in new.inserted],
        )
    old.commit_ts = new.commit_ts = commit_ts
    return copies
