"""The initial load's reader: ``COPY ... TO STDOUT`` in text format, decoded column-wise.

psycopg's ``Copy.rows()`` costs a generator round trip per row; the mirror instead takes the
rows straight from libpq (one C call each), joins a chunk of them, splits all fields at once
and converts each column with one comprehension (``int``, ``float``, ``bytes.decode`` for the
common types; psycopg's text loaders for the rest). Text format, as in the ``pgoutput``
stream, so both paths decode identical text (a ``real`` value reads the same either way).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from psycopg import pq
from psycopg.abc import Transformer

from pyram.errors import OperationalError

__all__ = ["column_decoder", "copy_columns"]

_NULL = b"\\N"
_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)
_ESCAPES = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_INTEGERS = frozenset({20, 21, 23, 26})
_FLOATS = frozenset({700, 701})
_TEXTS = frozenset({19, 25, 1042, 1043})

Decoder = Callable[[list[bytes]], list[Any]]


def _unescape(value: bytes) -> bytes:
    if b"\\" not in value:
        return value
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), value)


def column_decoder(oid: int, tx: Transformer) -> Decoder:
    """A function decoding one column of COPY text fields (``\\N`` is NULL)."""
    if oid in _TEXTS:
        return _decode_texts
    if oid in _INTEGERS:
        convert: Callable[[bytes], Any] = int
    elif oid in _FLOATS:
        convert = float
    elif oid == 16:
        def convert(v: bytes) -> Any:
            return v == b"t"
    else:
        load = tx.get_loader(oid, pq.Format.TEXT).load

        def convert(v: bytes) -> Any:
            return load(_unescape(v))

    def decode(fields: list[bytes]) -> list[Any]:
        if _NULL not in fields:
            return list(map(convert, fields))
        return [None if v == _NULL else convert(v) for v in fields]

    return decode


def _decode_texts(fields: list[bytes]) -> list[Any]:
    joined = b"\t".join(fields)
    if b"\\" not in joined:  # no NULL, no escape: one decode and one split for the column
        return joined.decode().split("\t")
    return [None if v == _NULL else _unescape(v).decode() for v in fields]


def copy_columns(
    pgconn: pq.abc.PGconn, query: bytes, decoders: list[Decoder], chunk: int
) -> Iterator[list[list[Any]]]:
    """Run ``COPY (...) TO STDOUT`` on an idle connection; yield its rows a chunk at a time,
    column-wise and decoded.

    Raises:
        OperationalError: the COPY failed (the server's message).
    """
    pgconn.send_query(query)
    result = pgconn.get_result()
    if result is None or result.status != pq.ExecStatus.COPY_OUT:
        _drain(pgconn)
        message = result.get_error_message() if result is not None else "no result"
        raise OperationalError(f"mirror: the initial COPY failed: {message.strip()}")
    width = len(decoders)
    rows: list[Any] = []  # memoryviews: b"".join takes them without a copy each
    get = pgconn.get_copy_data
    while True:
        size, data = get(0)
        if size > 0:
            rows.append(data)
            if len(rows) == chunk:
                yield _columns(rows, decoders, width)
                rows = []
        elif size == -1:
            break
        else:
            raise OperationalError(f"mirror: the initial COPY failed: {pgconn.get_error_message()}")
    if rows:
        yield _columns(rows, decoders, width)
    _drain(pgconn)


def _columns(rows: list[Any], decoders: list[Decoder], width: int) -> list[list[Any]]:
    # fields never hold a raw tab or newline (COPY escapes them): split everything at once
    flat = b"".join(rows).replace(b"\n", b"\t").split(b"\t")
    flat.pop()  # after the last row's newline
    return [decode(flat[i::width]) for i, decode in enumerate(decoders)]


def _drain(pgconn: pq.abc.PGconn) -> None:
    while pgconn.get_result() is not None:
        pass
