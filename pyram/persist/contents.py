"""What every file format reads into: table descriptions, stored column values and SQL
definitions (views, triggers), independent of the format they came from."""

from __future__ import annotations

from typing import Any, Literal

import attrs

from pyram.persist.schema_codec import Description

__all__ = ["Definition", "SnapshotContents", "TableImage"]


@attrs.frozen
class Definition:
    """A schema object kept as SQL text and created again on load: a view or a trigger.

    Attributes:
        kind: ``"view"`` or ``"trigger"``.
        name: its name.
        sql: the ``CREATE VIEW`` / ``CREATE TRIGGER`` statement alone.
    """

    kind: Literal["view", "trigger"]
    name: str
    sql: str


@attrs.frozen
class TableImage:
    """One table read from a file: its description and its rows, column by column, in their
    type's storage form (an Enum column holds values, a JSON column canonical text)."""

    description: Description
    columns: list[list[Any]]

    @property
    def name(self) -> str:
        """The table's name."""
        name: str = self.description["name"]
        return name

    @property
    def row_count(self) -> int:
        """The number of rows."""
        return len(self.columns[0]) if self.columns else 0


@attrs.frozen
class SnapshotContents:
    """Everything a database file holds, checked for structure (not yet against a schema:
    loading checks every value and constraint).

    Attributes:
        tables: the tables in creation order (a referenced table before its referrers,
            unless they reference each other).
        definitions: views and triggers, in creation order.
        version: the format version the file was written with.
    """

    tables: tuple[TableImage, ...]
    definitions: tuple[Definition, ...] = ()
    version: int = 1

    @property
    def row_count(self) -> int:
        """Rows over every table."""
        return sum(t.row_count for t in self.tables)
