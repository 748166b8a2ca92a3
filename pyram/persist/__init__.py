"""Persistence: database files (snapshot, JSON Lines, CSV, pickle) and loading them back, and
the write-ahead log, checkpoints and recovery of durable databases (see :mod:`pyram.api.durable`).

Sits beside the storage layer: it reads the store and its catalogue and writes through the
store's checked write path; it knows no front end (SQL CHECK text is compiled by a callback
the database passes). See docs/persistence.md.
"""

from pyram.persist.changes import PayloadError, RowOps, decode_changes, encode_changes
from pyram.persist.checkpoint import read_checkpoint, write_checkpoint
from pyram.persist.contents import Definition, SnapshotContents, TableImage
from pyram.persist.files import FORMATS, Format, detect_format, export_store, read_file
from pyram.persist.loader import load_contents
from pyram.persist.lockfile import FileLock
from pyram.persist.replay import ChangeLog, apply_changes
from pyram.persist.snapshot import read_snapshot, write_snapshot
from pyram.persist.wal import DURABILITY_LEVELS, HEADER, Durability, WalWriter
from pyram.persist.wal import scan as scan_wal

__all__ = [
    "DURABILITY_LEVELS",
    "FORMATS",
    "HEADER",
    "ChangeLog",
    "Definition",
    "Durability",
    "FileLock",
    "Format",
    "PayloadError",
    "RowOps",
    "SnapshotContents",
    "TableImage",
    "WalWriter",
    "apply_changes",
    "decode_changes",
    "detect_format",
    "encode_changes",
    "export_store",
    "load_contents",
    "read_checkpoint",
    "read_file",
    "read_snapshot",
    "scan_wal",
    "write_checkpoint",
    "write_snapshot",
]
