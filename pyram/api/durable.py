"""A durable database: the files behind ``pyram.Database(path=..., durability=...)``.

Three files sit side by side (``app.pyram`` is the path given):

- ``app.pyram``: the checkpoint, a snapshot of every table, view and trigger (the native
  snapshot format, :mod:`pyram.persist.snapshot`) behind a header with the sequence number of
  the last commit it holds (:mod:`pyram.persist.checkpoint`);
- ``app.pyram-wal``: the write-ahead log, one checksummed record per commit made since that
  checkpoint (:mod:`pyram.persist.wal`);
- ``app.pyram-lock``: locked while a process has the database open.

Every commit that changed rows appends its logical changes to the log before the commit returns
(:class:`~pyram.persist.replay.ChangeLog` is the store's first watcher). DDL is made durable by
a checkpoint: a commit that changed the schema (CREATE/DROP of tables, indexes, views,
triggers; ALTER TABLE; ``Database.migrate``) writes a whole new checkpoint instead of a log
record, and so does DDL run outside a transaction, when it completes. The log is also
checkpointed once it grows past ``checkpoint_size`` bytes, and on :meth:`DurableFile.close`.

Opening loads the checkpoint, replays the log records after its sequence number up to the last
whole record (a torn tail is cut off), then checkpoints when it replayed anything. Failures
raise before the ``Database`` exists, with the files left as they were for inspection.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any, BinaryIO

from pyram.api.database_io import DatabaseParts, definitions_of, load_contents_into
from pyram.errors import (
    CorruptFileError,
    Error,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)
from pyram.persist import (
    DURABILITY_LEVELS,
    HEADER,
    ChangeLog,
    Durability,
    FileLock,
    PayloadError,
    RowOps,
    WalWriter,
    apply_changes,
    decode_changes,
    encode_changes,
    read_checkpoint,
    read_snapshot,
    scan_wal,
    write_checkpoint,
    write_snapshot,
)

__all__ = ["DEFAULT_CHECKPOINT_SIZE", "DurableFile"]

log = logging.getLogger("pyram.durable")

#: log size (bytes) past which a commit triggers a checkpoint
DEFAULT_CHECKPOINT_SIZE = 16 * 1024 * 1024


class DurableFile:
    """The open files of one durable database and the logging of its commits."""

    def __init__(
        self,
        path: str,
        durability: Durability,
        db: DatabaseParts,
        *,
        checkpoint_size: int = DEFAULT_CHECKPOINT_SIZE,
        group_ms: float = 20.0,
        salvage: bool = False,
    ) -> None:
        """Lock, recover and open the files of ``path`` for the (empty) database ``db``.

        Raises:
            ProgrammingError: an unknown durability level.
            OperationalError: another process holds the database.
            CorruptFileError: a damaged, foreign or wrong-version file (named in the message).
        """
        if durability not in DURABILITY_LEVELS:
            raise ProgrammingError(
                f"unknown durability {durability!r}: use one of {', '.join(DURABILITY_LEVELS)}"
            )
        self.path = path
        self.wal_path = path + "-wal"
        self.durability = durability
        self.checkpoint_size = checkpoint_size
        self._next_checkpoint = checkpoint_size
        self._salvage = salvage
        self._db = db
        self._store = db._store
        self._seq = 0
        self._schema_dirty = False
        self._suspended = 0
        self._failed: str | None = None
        self._closed = False
        self.log = ChangeLog(self._on_commit)
        self._lock = FileLock(path + "-lock", path)
        self._writer: WalWriter | None = None
        try:
            self._recover(group_ms)
        except BaseException:
            if self._writer is not None:
                self._writer.close(sync=False)
            self._lock.release()
            raise
        # A database dropped without close(): the log already holds every commit, so only the
        # files need closing (and the lock releasing, or this process could never reopen it).
        self._finalizer = weakref.finalize(self, _release, self._writer, self._lock)

    # ------------------------------------------------------------------ recovery
    def _recover(self, group_ms: float) -> None:
        tmp = self.path + ".tmp"
        if os.path.exists(tmp):
            os.remove(tmp)  # a checkpoint interrupted before its rename: never the database
        exists = os.path.exists(self.path)
        if exists:
            self._seq = read_checkpoint(self.path, self._load_snapshot)
        replayed, valid_end, size = self._replay_log()
        self._writer = WalWriter(self.wal_path, self.durability, group_ms)
        if valid_end < size:
            self._writer.truncate(valid_end)  # a torn last record: never acknowledged
        if replayed or not exists:
            self._checkpoint()

    def _load_snapshot(self, stream: BinaryIO) -> None:
        """Load the checkpoint's snapshot (tables, rows, views, triggers) into the database."""
        load_contents_into(self._db, read_snapshot(stream, path=self.path), self.path)

    def _write_snapshot(self, stream: Any) -> None:
        write_snapshot(self._store, stream, definitions=definitions_of(self._db))

    def _replay_log(self) -> tuple[int, int, int]:
        """Apply the log records after the checkpoint; (records applied, valid end, size)."""
        if not os.path.exists(self.wal_path):
            return 0, 0, 0
        with open(self.wal_path, "rb") as f:
            data = f.read()
        found = scan_wal(data, self.wal_path, salvage=self._salvage)
        replayed = 0
        for record in found.records:
            if record.seq <= self._seq:
                continue  # already in the checkpoint (a crash came before the log was cut)
            where = f"{self.wal_path}: record at offset {record.offset}"
            if record.seq != self._seq + 1:
                raise CorruptFileError(
                    f"{where} has sequence {record.seq}, expected {self._seq + 1}: the log "
                    f"does not continue the database file {self.path}",
                    path=self.wal_path,
                    offset=record.offset,
                )
            try:
                ops = decode_changes(record.payload)
                apply_changes(self._store, ops)
            except (PayloadError, Error) as exc:  # a record that does not fit the database
                raise CorruptFileError(
                    f"{where} (sequence {record.seq}): {exc}",
                    path=self.wal_path,
                    offset=record.offset,
                ) from exc
            self._seq = record.seq
            replayed += 1
        return replayed, found.valid_end, found.size

    # ------------------------------------------------------------------ logging
    def _on_commit(self, ops: list[RowOps]) -> None:
        """Make a commit durable (called by the store's watcher before the commit returns)."""
        if not ops and not self._schema_dirty:
            return
        self._usable()
        writer = self._writer
        assert writer is not None  # set by the constructor
        if self._schema_dirty:
            self._schema_checkpoint()
            return
        payload = encode_changes(ops)
        self._seq += 1
        try:
            writer.append(self._seq, payload)
        except PersistenceError as exc:
            self._failed = str(exc)
            raise
        if writer.size >= self._next_checkpoint:
            try:
                self._checkpoint()
            except PersistenceError as exc:
                # The commit is safe in the log (the old checkpoint and the whole log still
                # recover it): warn and try again once the log has grown as much again.
                log.warning("%s; the log keeps growing until a checkpoint succeeds", exc)
                self._next_checkpoint = writer.size + self.checkpoint_size

    def _usable(self) -> None:
        if self._closed:
            raise PersistenceError(
                f"database {self.path} is closed: the change is not saved", path=self.path
            )
        if self._failed is not None:
            raise PersistenceError(
                f"database {self.path} can no longer save changes ({self._failed}); "
                "reopen it to recover",
                path=self.path,
            )

    def schema_changed(self) -> None:
        """The schema changed: checkpoint now, or at commit when a transaction is open."""
        if self._suspended:
            return
        store = self._store
        if store.transaction_thread == threading.get_ident():
            self._schema_dirty = True
            return
        with store.write_lock:  # waits for another thread's transaction to end
            self._usable()
            self._schema_checkpoint()

    def _schema_checkpoint(self) -> None:
        """Checkpoint a schema change: if that fails, later log records would not match the
        checkpoint's schema, so the database stops saving."""
        self._seq += 1
        try:
            self._checkpoint()
        except PersistenceError as exc:
            self._failed = str(exc)
            raise

    def suspend(self) -> _Suspended:
        """A block in which schema changes do not checkpoint (attaching a model class)."""
        return _Suspended(self)

    def checkpoint(self) -> None:
        """Write the whole database to the checkpoint file and empty the log.

        Raises:
            OperationalError: a transaction is open.
            PersistenceError: the database is closed, or the file could not be written (the
                old checkpoint and the log stay valid).
        """
        self._usable()
        self._checkpoint()

    def _checkpoint(self) -> None:
        store = self._store
        with store.write_lock:
            if store.in_transaction:
                raise OperationalError("cannot checkpoint while a transaction is open")
            try:
                write_checkpoint(self.path, self._seq, self._write_snapshot)
                if self._writer is not None:
                    self._writer.truncate(len(HEADER))
            except OSError as exc:
                raise PersistenceError(
                    f"{self.path}: checkpoint failed: {exc}", path=self.path
                ) from exc
            self._schema_dirty = False
            self._next_checkpoint = self.checkpoint_size

    # ------------------------------------------------------------------ closing
    def close(self) -> None:
        """Checkpoint (when the log holds anything), close the files and unlock (idempotent)."""
        if self._closed:
            return
        writer = self._writer
        try:
            with self._store.write_lock:
                if self._failed is None and writer is not None and writer.size > len(HEADER):
                    self._checkpoint()
        finally:
            self._closed = True
            self._finalizer.detach()
            if writer is not None:
                writer.close()
            self._lock.release()

    def abandon(self) -> None:
        """Close the files without a checkpoint or fsync (tests: a simulated crash)."""
        self._closed = True
        self._finalizer.detach()
        if self._writer is not None:
            self._writer.close(sync=False)
        self._lock.release()


def _release(writer: WalWriter | None, lock: FileLock) -> None:
    if writer is not None:
        writer.close()
    lock.release()


class _Suspended:
    __slots__ = ("_owner",)

    def __init__(self, owner: DurableFile) -> None:
        self._owner = owner

    def __enter__(self) -> None:
        self._owner._suspended += 1

    def __exit__(self, *exc: object) -> None:
        self._owner._suspended -= 1
