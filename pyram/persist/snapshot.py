"""The native snapshot format: compact, versioned, checksummed, streamed, schema included.

Layout (integers little-endian)::

    header   b"PYRAMSNP"  u16 version  u16 flags (0)  u32 CRC32 of the 12 bytes before
    section  u8 kind  u32 payload length  payload  u32 CRC32 of kind, length and payload
    ...

Sections, in this order:

- ``S`` schema: UTF-8 JSON ``{"tables": [{"description": ..., "rows": n}, ...],
  "definitions": [{"kind", "name", "sql"}, ...]}`` (descriptions: :mod:`.schema_codec`).
- ``D`` data, one per column per chunk of rows, table by table, chunk by chunk, column by
  column: varints table number, column number, first row, row count; a byte 1 when a
  NULL map follows (one byte per row, 1 = value present) else 0; then the non-NULL values in
  their binary form (:func:`pyram.persist.values.encode_values`).
- ``E`` end: varints number of sections before it and total rows. A file without it was cut
  short.

Every section is checked (CRC32, length, order, counts) before anything is loaded, so a
damaged, truncated or foreign file gives a :class:`~pyram.errors.CorruptFileError` naming the
file, the byte offset and, for data, the table; it never produces a different database.
Writing and reading go through ``io`` one section at a time: memory beyond the database
itself is bounded by one chunk.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from operator import is_not
from typing import Any, BinaryIO

from pyram.errors import CorruptFileError, PersistenceError
from pyram.persist.contents import Definition, SnapshotContents, TableImage
from pyram.persist.header import (
    export_scope,
    live_chunks,
    parse_schema_document,
    schema_document,
)
from pyram.persist.loader import load_contents
from pyram.persist.values import decode_values, encode_values, kind_of
from pyram.storage import Store

__all__ = [
    "CHUNK_ROWS",
    "FORMAT_VERSION",
    "MAGIC",
    "Definition",
    "Progress",
    "SnapshotContents",
    "TableImage",
    "load_contents",
    "read_snapshot",
    "write_snapshot",
]

MAGIC = b"PYRAMSNP"
FORMAT_VERSION = 1
#: Rows per data section: bounds the memory a section takes to build or read.
CHUNK_ROWS = 16_384
#: Called with (rows done, rows total) as rows are written or read.
Progress = Callable[[int, int], None]

_HEADER = struct.Struct("<8sHH")
_SECTION = struct.Struct("<cI")
_CRC = struct.Struct("<I")
_READ_PIECE = 1 << 20  # a damaged length must not make us allocate gigabytes up front


# ------------------------------------------------------------------------------- writing
def write_snapshot(
    store: Store,
    stream: BinaryIO,
    *,
    definitions: Sequence[Definition] = (),
    tables: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the tables of ``store`` (schema and committed rows) and ``definitions``.

    ``tables`` limits the snapshot to some tables (those they reference must be among them).
    Holds the store's write lock throughout, so the snapshot is one consistent state.

    Raises:
        OperationalError: the calling thread has a transaction open (its changes are not
            committed, so they cannot be written).
        ProgrammingError: an unknown table, or a chosen table references one left out.
    """
    with export_scope(store, tables, "write a snapshot") as (schemas, counts):
        total = sum(counts)
        header = _HEADER.pack(MAGIC, FORMAT_VERSION, 0)
        stream.write(header + _CRC.pack(zlib.crc32(header)))
        doc = schema_document(schemas, counts, definitions)
        _write_section(stream, b"S", json.dumps(doc, ensure_ascii=False).encode())
        sections, done = 1, 0
        if progress is not None:
            progress(0, total)
        for number, schema in enumerate(schemas):
            kinds = [kind_of(c.dtype) for c in schema.columns]
            for first, chunk in live_chunks(store, schema, CHUNK_ROWS):
                for column, (kind, values) in enumerate(zip(kinds, chunk, strict=True)):
                    payload = _data_payload(number, column, first, kind, values)
                    _write_section(stream, b"D", payload)
                    sections += 1
                done += len(chunk[0])
                if progress is not None:
                    progress(done, total)
        _write_section(stream, b"E", _varints(sections, total))


def _data_payload(table: int, column: int, first: int, kind: str, values: list[Any]) -> bytes:
    head = _varints(table, column, first, len(values))
    present = bytes(map(is_not, values, repeat(None)))
    if present.count(0) == 0:
        return head + b"\x00" + encode_values(kind, values)
    kept = list(compress(values, present))
    return head + b"\x01" + present + encode_values(kind, kept)


def _write_section(stream: BinaryIO, kind: bytes, payload: bytes) -> None:
    if len(payload) > 0xFFFFFFFF:
        raise PersistenceError("a chunk of a column holds more than 4 GiB: values too large")
    head = _SECTION.pack(kind, len(payload))
    stream.write(head)
    stream.write(payload)
    stream.write(_CRC.pack(zlib.crc32(payload, zlib.crc32(head))))


def _varints(*numbers: int) -> bytes:
    out = bytearray()
    for n in numbers:
        while n >= 0x80:
            out.append((n & 0x7F) | 0x80)
            n >>= 7
        out.append(n)
    return bytes(out)


# ------------------------------------------------------------------------------- reading
class _Reader:
    """Sections of a snapshot stream, with the byte offset for error messages."""

    def __init__(self, stream: BinaryIO, path: str) -> None:
        self.stream = stream
        self.path = path
        self.offset = 0

    def fail(self, problem: str, offset: int | None = None, table: str | None = None) -> Exception:
        at = self.offset if offset is None else offset
        where = f"table {table}: " if table else ""
        return CorruptFileError(
            f"{self.path}: {where}{problem} (at byte {at})", path=self.path, offset=at, table=table
        )

    def read(self, size: int, what: str) -> bytes:
        pieces, wanted = [], size
        while wanted:
            piece = self.stream.read(min(wanted, _READ_PIECE))
            if not piece:
                got = size - wanted
                raise self.fail(f"file is truncated: {what} needs {size} bytes, {got} left")
            pieces.append(piece)
            wanted -= len(piece)
        self.offset += size
        return b"".join(pieces)

    def header(self) -> None:
        raw = self.read(_HEADER.size + _CRC.size, "the header")
        magic, version, flags = _HEADER.unpack_from(raw)
        if magic != MAGIC:
            raise self.fail("not a PyRAM snapshot (wrong magic bytes)", 0)
        (crc,) = _CRC.unpack_from(raw, _HEADER.size)
        if crc != zlib.crc32(raw[: _HEADER.size]):
            raise self.fail("header checksum mismatch", 0)
        if version != FORMAT_VERSION or flags:
            raise self.fail(
                f"snapshot format version {version} (flags {flags}) is not supported; "
                f"this PyRAM reads version {FORMAT_VERSION}",
                8,
            )

    def section(self) -> tuple[bytes, bytes, int]:
        """(kind, payload, offset of the section)."""
        start = self.offset
        head = self.read(_SECTION.size, "a section header")
        kind, length = _SECTION.unpack(head)
        payload = self.read(length, f"a section of {length} bytes")
        (crc,) = _CRC.unpack(self.read(_CRC.size, "a section checksum"))
        if crc != zlib.crc32(payload, zlib.crc32(head)):
            raise self.fail("section checksum mismatch", start)
        return kind, payload, start


def read_snapshot(
    stream: BinaryIO, *, path: str | None = None, progress: Progress | None = None
) -> SnapshotContents:
    """Read and check a whole snapshot: magic, version, every checksum, length and count.

    ``path`` names the file in errors (default: the stream's ``name``).

    Raises:
        CorruptFileError: the file is not a snapshot of a supported version, or is truncated
            or damaged; the message names the file, the byte offset and the problem.
    """
    reader = _Reader(stream, path or str(getattr(stream, "name", "<stream>")))
    reader.header()
    kind, payload, start = reader.section()
    if kind != b"S":
        raise reader.fail("the schema section is missing", start)
    tables, definitions = _parse_schema(reader, payload, start)
    total = sum(rows for _, rows in tables)
    images, sections, done = [], 1, 0
    if progress is not None:
        progress(0, total)
    for number, (description, rows) in enumerate(tables):
        kinds = [c["type"] for c in description["columns"]]
        columns: list[list[Any]] = [[] for _ in kinds]
        while len(columns[0]) < rows:
            _read_chunk(reader, number, description["name"], kinds, rows, columns)
            sections += len(kinds)
            if progress is not None:
                progress(done + len(columns[0]), total)
        done += rows
        images.append(TableImage(description, columns))
    kind, payload, start = reader.section()
    if kind != b"E":
        raise reader.fail("more data than the schema announces", start)
    if _parse_varints(reader, payload, start, 2) != [sections, total]:
        raise reader.fail("the end section does not match the file", start)
    if stream.read(1):
        raise reader.fail("data after the end section")
    return SnapshotContents(tuple(images), tuple(definitions), FORMAT_VERSION)


def _read_chunk(
    reader: _Reader,
    number: int,
    table: str,
    kinds: list[str],
    rows: int,
    columns: list[list[Any]],
) -> None:
    """Read one chunk (a section per column) of table ``number`` and append its values."""
    first = len(columns[0])
    count = -1
    for position, kind in enumerate(kinds):
        section, payload, start = reader.section()
        if section != b"D":
            raise reader.fail(f"expected {rows} rows, found {first}", start, table)
        head = _parse_varints(reader, payload, start, 4, partial=True)
        t, c, f, n = head[:4]
        if (t, c, f) != (number, position, first) or n <= 0 or first + n > rows:
            raise reader.fail("data section out of order", start, table)
        if count not in (-1, n):
            raise reader.fail("columns of a chunk disagree on its row count", start, table)
        count = n
        try:
            columns[position].extend(_decode_chunk(kind, payload[head[4] :], n))
        except ValueError as exc:
            raise reader.fail(f"column {position + 1}: {exc}", start, table) from None


def _decode_chunk(kind: str, payload: bytes, count: int) -> list[Any]:
    if not payload:
        raise ValueError("empty data")
    if payload[0] == 0:
        return decode_values(kind, memoryview(payload)[1:], count)
    if payload[0] != 1 or len(payload) < 1 + count:
        raise ValueError("bad NULL map")
    present = payload[1 : 1 + count]
    if present.strip(b"\x00\x01"):
        raise ValueError("bad NULL map")
    kept = iter(decode_values(kind, memoryview(payload)[1 + count :], present.count(1)))
    return [next(kept) if flag else None for flag in present]


def _parse_varints(
    reader: _Reader, payload: bytes, start: int, count: int, *, partial: bool = False
) -> list[int]:
    """``count`` varints from the payload's start (then, if ``partial``, the bytes used)."""
    values: list[int] = []
    n = shift = position = 0
    while len(values) < count:
        if position >= len(payload) or shift > 63:
            raise reader.fail("bad section header", start)
        byte = payload[position]
        position += 1
        n |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            values.append(n)
            n = shift = 0
    if not partial and position != len(payload):
        raise reader.fail("bad section length", start)
    return [*values, position] if partial else values


def _parse_schema(
    reader: _Reader, payload: bytes, start: int
) -> tuple[list[tuple[dict[str, Any], int]], list[Definition]]:
    try:
        return parse_schema_document(json.loads(payload.decode("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        raise reader.fail("malformed schema section", start) from None
