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
