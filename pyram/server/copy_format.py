"""PostgreSQL's COPY text and CSV row formats (fields are strings; None is NULL).

Text format: fields split by the delimiter (tab), ``\\N`` for NULL, backslash escapes
(``\\t \\n \\r \\b \\f \\v \\\\``, octal ``\\NNN``, hex ``\\xNN``), a line ``\\.`` ends the data.
CSV: fields quoted with ``"`` when they hold the delimiter, a quote or a line break; an
unquoted empty field is NULL, a quoted one the empty string (PostgreSQL's default).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

from pyram.errors import DataError
from pyram.server.messages import ProtocolViolation, Reader

if TYPE_CHECKING:
    from pyram.server.copy import CopyCommand

__all__ = [
    "BINARY_HEADER",
    "BINARY_TRAILER",
    "binary_row",
    "format_row",
    "parse_binary",
    "parse_rows",
]

#: PostgreSQL's binary COPY signature, flags and header extension length
BINARY_HEADER: Final = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
BINARY_TRAILER: Final = b"\xff\xff"

_ESCAPES: Final = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_UNESCAPES: Final = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def parse_rows(data: bytes, copy: CopyCommand) -> Iterator[tuple[int, list[str | None]]]:
    """(line number, fields) of every row of COPY data.

    Raises:
        DataError: invalid UTF-8, an unterminated quoted field, a bad escape.
    """
    try:
        text = data.decode()
    except UnicodeDecodeError as exc:
        raise DataError(f"COPY data is not valid UTF-8: {exc}") from None
    if copy.csv:
        yield from _csv_rows(text, copy)
        return
    body = text.removesuffix("\n")
    if not body:
        return
    for number, line in enumerate(body.split("\n"), 1):
        line = line.removesuffix("\r")
        if line == "\\.":
            return
        if number == 1 and copy.header:
            continue
        yield number, [_text_field(f, copy.null, number) for f in line.split(copy.delimiter)]


def _text_field(raw: str, null: str, line: int) -> str | None:
    if raw == null:
        return None
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch != "\\" or i + 1 == len(raw):
            out.append(ch)
            i += 1
            continue
        nxt = raw[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt.isdigit() and nxt < "8":
            j = i + 1
            while j < min(i + 4, len(raw)) and raw[j] in "01234567":
                j += 1
            out.append(chr(int(raw[i + 1 : j], 8)))
            i = j
        elif nxt == "x" and i + 2 < len(raw):
            j = i + 2
            while j < min(i + 4, len(raw)) and raw[j] in "0123456789abcdefABCDEF":
                j += 1
            if j == i + 2:
                raise DataError(f"COPY line {line}: invalid escape \\x")
            out.append(chr(int(raw[i + 2 : j], 16)))
            i = j
        else:
            out.append(nxt)
            i += 2
    return "".join(out)


def _csv_rows(text: str, copy: CopyCommand) -> Iterator[tuple[int, list[str | None]]]:
    line, i, n = 1, 0, len(text)
    first = True
    while i < n:
        start_line = line
        fields: list[str | None] = []
        while True:
            value, i, quoted, line = _csv_field(text, i, copy, line)
            fields.append(value if quoted or value != copy.null else None)
            if i < n and text[i] == copy.delimiter:
                i += 1
                continue
            break
        if i < n and text[i] == "\r":
            i += 1
        if i < n and text[i] == "\n":
            i += 1
            line += 1
        elif i < n:
            raise DataError(f"COPY line {start_line}: extra data after a quoted field")
        if fields == [r"\."]:
            return
        if first and copy.header:
            first = False
            continue
        first = False
        yield start_line, fields


def _csv_field(text: str, i: int, copy: CopyCommand, line: int) -> tuple[str, int, bool, int]:
    quote, delimiter = copy.quote, copy.delimiter
    if i < len(text) and text[i] == quote:
        out: list[str] = []
        j = i + 1
        while True:
            end = text.find(quote, j)
            if end < 0:
                raise DataError(f"COPY line {line}: unterminated CSV quoted field")
            out.append(text[j:end])
            line += text.count("\n", j, end)
            if text.startswith(quote * 2, end):
                out.append(quote)
                j = end + 2
                continue
            return "".join(out), end + 1, True, line
    j = i
    while j < len(text) and text[j] not in (delimiter, "\n", "\r"):
        j += 1
    return text[i:j], j, False, line


def format_row(fields: list[str | None], copy: CopyCommand) -> str:
    """One row of COPY output, with its line break."""
    if copy.csv:
        return copy.delimiter.join(_csv_out(f, copy) for f in fields) + "\n"
    return (
        copy.delimiter.join(
            copy.null if f is None else "".join(_UNESCAPES.get(c, c) for c in f) for f in fields
        )
        + "\n"
    )


def _csv_out(field: str | None, copy: CopyCommand) -> str:
    if field is None:
        return copy.null
    special = (copy.delimiter, copy.quote, "\n", "\r")
    if field == "" or field == copy.null or any(s in field for s in special):
        return copy.quote + field.replace(copy.quote, copy.quote * 2) + copy.quote
    return field


def parse_binary(data: bytes) -> Iterator[tuple[int, list[bytes | None]]]:
    """(row number, raw fields) of binary COPY data (each field in its type's binary format).

    Raises:
        DataError: a wrong signature or truncated data.
    """
    if not data.startswith(BINARY_HEADER[:11]):
        raise DataError("COPY BINARY data lacks the PGCOPY signature")
    reader = Reader(data)
    try:
        reader.bytes_(15)
        reader.bytes_(reader.int32())  # the header extension, unused
        number = 0
        while True:
            count = reader.int16()
            if count == -1:
                return
            number += 1
            fields: list[bytes | None] = []
            for _ in range(count):
                size = reader.int32()
                fields.append(None if size < 0 else reader.bytes_(size))
            yield number, fields
    except ProtocolViolation:
        raise DataError("COPY BINARY data is truncated") from None


def binary_row(fields: list[bytes | None]) -> bytes:
    """One row of binary COPY output."""
    parts = [len(fields).to_bytes(2, "big")]
    for field in fields:
        if field is None:
            parts.append(b"\xff\xff\xff\xff")
        else:
            parts.append(len(field).to_bytes(4, "big") + field)
    return b"".join(parts)
