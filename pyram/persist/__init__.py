"""Persistence: database files (snapshot, JSON Lines, CSV, pickle) and loading them back, and
the write-ahead log, checkpoints and recovery of durable databases (see :mod:`pyram.api.durable`).

Sits beside the storage layer: it reads the store and its catalogue and writes through the
store's checked write path; it knows no front end (SQL CHECK text is compiled by a callback
the database passes). See docs/persistence.md.
"""

from pyram.persist.contents import Definition, SnapshotContents, TableImage
from pyram.persist.files import FORMATS, Format, detect_format, export_store, read_file
from pyram.persist.loader import load_contents
from pyram.persist.snapshot import read_snapshot, write_snapshot

__all__ = [
    "FORMATS",
    "Definition",
    "Format",
    "SnapshotContents",
    "TableImage",
    "detect_format",
    "export_store",
    "load_contents",
    "read_file",
    "read_snapshot",
    "write_snapshot",
]
