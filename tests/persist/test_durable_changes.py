"""The log record payload: round trips of row changes, and garbage refused."""

from __future__ import annotations

import pytest

from pyram.persist.changes import PayloadError, RowOps, decode_changes, encode_changes

KINDS = ("INTEGER", "TEXT", "REAL")


def test_changes_round_trip_with_nulls_and_empty_sides() -> None:
    ops = [
        RowOps("insert", "t", KINDS, [], [(1, "a", None), (2**70, None, 1.5)]),
        RowOps("update", "t", KINDS, [(1, "a", None)], [(1, "b", 2.0)]),
        RowOps("delete", "t", KINDS, [(2**70, None, 1.5)], []),
        RowOps("update", "t", KINDS, [], []),  # no rows at all
        RowOps("insert", "empty", (), [], [(), ()]),  # no columns
    ]
    assert decode_changes(encode_changes(ops)) == ops


@pytest.mark.parametrize("cut", [0, 3, 5, 9, 20, -1])
def test_truncated_or_padded_payload_is_refused(cut: int) -> None:
    payload = encode_changes([RowOps("insert", "t", KINDS, [], [(1, "a", 0.5)])])
    with pytest.raises(PayloadError):
        decode_changes(payload[:cut] if cut else payload + b"\x00")


def test_every_stored_type_round_trips_row_wise_and_column_wise() -> None:
    import datetime as dt
    import uuid
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from pyram.persist.changes import SMALL_SIDE

    kinds = (
        "INTEGER", "REAL", "TEXT", "BOOLEAN", "BLOB", "DECIMAL", "DATE", "TIME",
        "TIMESTAMP", "TIMESTAMPTZ", "UUID", "JSON", "INTERVAL",
    )  # fmt: skip
    row = (
        -(2**80),
        -0.0,
        "é ✓",
        True,
        b"\x00\xff",
        Decimal("-1.2300"),
        dt.date(1, 1, 1),
        dt.time(23, 59, 59, 999999),
        dt.datetime(2024, 2, 29, 12, 0),
        dt.datetime(2024, 3, 31, 2, 30, tzinfo=ZoneInfo("Europe/Paris")),
        uuid.UUID(int=7),
        '{"a":[1,null]}',
        -dt.timedelta(days=3, microseconds=1),
    )
    nulls = (None,) * len(kinds)
    for count in (1, SMALL_SIDE + 3):
        rows = [row, nulls] * count
        ops = [RowOps("insert", "t", kinds, [], rows)]
        back = decode_changes(encode_changes(ops))
        assert back == ops
        assert back[0].new[0][9].tzinfo == ZoneInfo("Europe/Paris")
