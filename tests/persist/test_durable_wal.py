"""Damaged files: a log cut at every record boundary and inside every record, flipped bytes, and
checkpoint files that are damaged, foreign or of another version."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

import pyram
from pyram.errors import CorruptFileError
from pyram.persist.wal import HEADER, RECORD_OVERHEAD, encode_record, scan

TXNS = 6


def _build(tmp_path: Path) -> tuple[str, bytes, list[int]]:
    """A database whose log holds TXNS commits (each two rows); the log bytes and the offset
    where each record ends."""
    path = str(tmp_path / "app.pyram")
    db = pyram.Database(path)
    db.sql("CREATE TABLE t (txn INTEGER, part INTEGER, note TEXT, PRIMARY KEY (txn, part))")
    for txn in range(1, TXNS + 1):
        with db.transaction():
            db.sql("INSERT INTO t VALUES (?, 1, ?), (?, 2, ?)", [txn, "x" * txn, txn, "y"])
    assert db._durable is not None
    db._durable.abandon()
    log = Path(path + "-wal").read_bytes()
    records = scan(log, "log").records
    assert len(records) == TXNS
    ends = [r.offset + RECORD_OVERHEAD + len(r.payload) for r in records]
    return path, log, ends


def _txns(path: str) -> list[int]:
    db = pyram.Database(path)
    try:
        rows = db.sql("SELECT txn, count(*) FROM t GROUP BY txn ORDER BY txn").all()
    finally:
        db.close()
    assert all(count == 2 for _, count in rows), rows  # nothing partial
    return [txn for txn, _ in rows]


def test_cut_at_every_boundary_and_inside_every_record(tmp_path: Path) -> None:
    path, log, ends = _build(tmp_path)
    checkpoint = Path(path).read_bytes()
    starts = [len(HEADER), *ends[:-1]]
    for whole, (start, end) in enumerate(zip(starts, ends, strict=True)):
        for cut in sorted({start, start + 1, start + 7, start + RECORD_OVERHEAD, end - 1}):
            Path(path).write_bytes(checkpoint)  # opening checkpointed: back to the start
            Path(path + "-wal").write_bytes(log[:cut])
            assert _txns(path) == list(range(1, whole + 1)), cut
    Path(path).write_bytes(checkpoint)
    Path(path + "-wal").write_bytes(log)
    assert _txns(path) == list(range(1, TXNS + 1))


def test_torn_tail_is_truncated_on_open(tmp_path: Path) -> None:
    path, log, ends = _build(tmp_path)
    Path(path + "-wal").write_bytes(log[: ends[2] + 5])
    db = pyram.Database(path, checkpoint_size=1 << 30)
    assert Path(path + "-wal").stat().st_size <= ends[2]
    db.sql("INSERT INTO t VALUES (100, 1, 'a'), (100, 2, 'b')")
    assert db._durable is not None
    db._durable.abandon()
    assert _txns(path) == [1, 2, 3, 100]


def test_flipped_byte_in_the_middle_is_an_error_naming_file_and_offset(tmp_path: Path) -> None:
    path, log, ends = _build(tmp_path)
    for record in range(TXNS - 1):  # every record but the last is followed by valid ones
        start = len(HEADER) if record == 0 else ends[record - 1]
        for where in (start, start + 5, start + RECORD_OVERHEAD + 1, ends[record] - 1):
            damaged = bytearray(log)
            damaged[where] ^= 0x40
            Path(path + "-wal").write_bytes(bytes(damaged))
            with pytest.raises(CorruptFileError, match=rf"app\.pyram-wal: .*offset {start}\b"):
                pyram.Database(path)
    Path(path + "-wal").write_bytes(log)  # the lock was released by every failed open
    assert _txns(path) == list(range(1, TXNS + 1))


def test_flipped_byte_in_the_last_record_reads_as_a_torn_tail(tmp_path: Path) -> None:
    path, log, ends = _build(tmp_path)
    damaged = bytearray(log)
    damaged[ends[-1] - 3] ^= 0x01
    Path(path + "-wal").write_bytes(bytes(damaged))
    assert _txns(path) == list(range(1, TXNS))


def test_log_that_skips_a_sequence_number_is_refused(tmp_path: Path) -> None:
    path, log, _ = _build(tmp_path)
    stray = encode_record(99, b"\x00\x00\x00\x00")
    Path(path + "-wal").write_bytes(log + stray)
    with pytest.raises(CorruptFileError, match=r"sequence 99, expected 8"):
        pyram.Database(path)


def test_garbage_log_header_is_not_a_pyram_log(tmp_path: Path) -> None:
    path, log, _ = _build(tmp_path)
    Path(path + "-wal").write_bytes(b"SQLite format 3\x00" + log[16:])
    with pytest.raises(CorruptFileError, match=r"app\.pyram-wal: not a PyRAM write-ahead log"):
        pyram.Database(path)
    Path(path + "-wal").write_bytes(HEADER[:8] + struct.pack("<HH", 7, 0) + log[12:])
    with pytest.raises(CorruptFileError, match="log version 7 is not supported"):
        pyram.Database(path)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"not a database at all", r"app\.pyram: not a PyRAM database file"),
        (lambda data: data[: len(data) // 2], "checksum mismatch"),
        (lambda data: data[:20] + bytes([data[20] ^ 1]) + data[21:], "checksum mismatch"),
        (lambda data: data[:8] + struct.pack("<H", 9) + data[10:], "version 9 is not supported"),
        (lambda data: b"", "not a PyRAM database file"),
    ],
)
def test_damaged_checkpoint_is_a_clear_error(tmp_path: Path, damage: object, message: str) -> None:
    path = str(tmp_path / "app.pyram")
    with pyram.Database(path) as db:
        db.sql("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)")
    original = Path(path).read_bytes()
    Path(path).write_bytes(damage(original))  # type: ignore[operator]
    with pytest.raises(CorruptFileError, match=message):
        pyram.Database(path)
    Path(path).write_bytes(original)
    with pyram.Database(path) as db:
        assert db.sql("SELECT a FROM t").all() == [(1,)]


def test_corrupt_error_carries_file_and_offset(tmp_path: Path) -> None:
    path, log, ends = _build(tmp_path)
    damaged = bytearray(log)
    damaged[ends[0] + 2] ^= 0xFF
    Path(path + "-wal").write_bytes(bytes(damaged))
    with pytest.raises(pyram.CorruptFileError) as caught:
        pyram.Database(path)
    assert caught.value.path == path + "-wal"
    assert caught.value.offset == ends[0]


def test_salvage_keeps_the_records_before_damage(tmp_path: Path) -> None:
    path, log, ends = _build(tmp_path)
    damaged = bytearray(log)
    damaged[ends[1] + 3] ^= 0xFF  # the third record
    Path(path + "-wal").write_bytes(bytes(damaged))
    with pytest.raises(CorruptFileError):
        pyram.Database(path)
    pyram.Database(path, salvage=True).close()
    assert _txns(path) == [1, 2]


def test_record_that_does_not_fit_the_database_is_corruption(tmp_path: Path) -> None:
    path, log, _ = _build(tmp_path)
    records = scan(log, "log").records
    again = encode_record(records[-1].seq + 1, records[-1].payload)  # the same rows twice
    Path(path + "-wal").write_bytes(log + again)
    with pytest.raises(CorruptFileError, match=r"sequence 8\): .*UNIQUE|PRIMARY KEY") as caught:
        pyram.Database(path)
    assert caught.value.offset == len(log)
