"""``db.on_change`` on PostgreSQL: committed row changes from LISTEN/NOTIFY.

Part of the PostgreSQL backend. ``db.create`` gives every table an AFTER ROW trigger that
NOTIFYs a JSON document (table, operation, old and new row) on one channel; PostgreSQL
delivers notifications only when the writing transaction commits, in commit order, and never
for rolled-back work -- the in-memory contract. A :class:`ChangeListener` holds one dedicated
connection (outside the pool) and a daemon thread that turns each notification into a
:class:`~pyram.Change` and calls the subscribers of its table.

Limit: a NOTIFY payload is at most 8000 bytes, so a row whose JSON is longer arrives as a
``partial`` change: ``old``/``new`` are dicts of its primary key only (documented in
docs/postgres-backend.md); the mirror (logical replication) has no such limit.
"""

from __future__ import annotations

import decimal
import json
import threading
import warnings
from collections.abc import Callable
from typing import Any

import psycopg

from pyram.catalog import TableSchema
from pyram.pg.ddl import NOTIFY_CHANNEL, quote_ident
from pyram.txn import Change
from pyram.types import DataType

__all__ = ["ChangeListener"]

_KINDS = {"INSERT": "insert", "UPDATE": "update", "DELETE": "delete"}


def row_maker(schema: TableSchema) -> Callable[[dict[str, Any] | None], Any]:
    """A function turning a trigger's JSON row into the form subscribers get."""
    columns = schema.columns

    def make(doc: dict[str, Any] | None) -> Any:
        if doc is None:
            return None
        values = [_stored(c.dtype, doc.get(c.name)) for c in columns]
        if schema.row_class is not None:
            return schema.row_class.__pyram_build__(*values)  # type: ignore[attr-defined]
        return dict(zip(schema.column_names, values, strict=True))

    return make


def _stored(dtype: DataType, value: Any) -> Any:
    """A JSON value of to_jsonb back to PyRAM's stored form. to_jsonb writes a column's
    PostgreSQL text form (a JSON number, boolean or document where it has one), so the column
    type reads it as any PostgreSQL text parameter."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=float)
    else:
        text = value if isinstance(value, str) else str(value)
    return dtype.validate(dtype.from_pg_text(text), nullable=False)


class ChangeListener:
    """LISTENs on the change channel and calls subscribers per table, after commit."""

    def __init__(self, dsn: str, schema_of: Callable[[str], TableSchema]) -> None:
        self._conn = psycopg.connect(dsn, autocommit=True)
        self._conn.execute(f"LISTEN {quote_ident(NOTIFY_CHANNEL)}")
        self._schema_of = schema_of
        self._subscribers: dict[str, list[Callable[[Change], object]]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pyram-pg-notify", daemon=True)
        self._thread.start()

    def subscribe(self, table: str, fn: Callable[[Change], object]) -> Callable[[], None]:
        """Add a subscriber for ``table``; returns the function that removes it."""
        with self._lock:
            self._subscribers.setdefault(table, []).append(fn)

        def unsubscribe() -> None:
            with self._lock:
                found = self._subscribers.get(table, [])
                if fn in found:
                    found.remove(fn)

        return unsubscribe

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                for note in self._conn.notifies(timeout=0.2):
                    self._deliver(note.payload)
            except psycopg.Error:
                if self._stopped.is_set():
                    return
                raise

    def _deliver(self, payload: str) -> None:
        doc = json.loads(payload, parse_float=decimal.Decimal)  # numeric stays exact
        table = doc["table"]
        with self._lock:
            subscribers = list(self._subscribers.get(table, ()))
        if not subscribers:
            return
        kind: Any = _KINDS[doc["op"]]
        if doc.get("partial"):
            change = Change(kind, table, doc["old"], doc["new"])
        else:
            make = row_maker(self._schema_of(table))
            change = Change(kind, table, make(doc["old"]), make(doc["new"]))
        for fn in subscribers:
            try:
                fn(change)
            except Exception as exc:  # one failing subscriber must not stop the others
                warnings.warn(f"on_change subscriber {fn!r} raised {exc!r}", stacklevel=1)

    def close(self) -> None:
        """Stop the thread and close the connection."""
        self._stopped.set()
        self._thread.join(timeout=2)
        self._conn.close()
