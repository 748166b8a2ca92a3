"""Scalar string functions with SQLite semantics: lower, upper, length, substr, trim, replace, ...

Typing is strict: text functions take TEXT (text enums included) and never convert numbers to
text; ``length``, ``substr``/``substring``, ``instr`` and ``hex`` also take BLOB and then work
on bytes. Positions and lengths are INTEGER. Departures from SQLite are noted in the docstrings
(``length`` counts characters past an embedded NUL).
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from pyram.functions.registry import (
    ReturnTypeRule,
    arg_error,
    define_scalar,
    expect,
    expect_integer,
)
from pyram.functions.sql_numeric import real_to_int
from pyram.types import BLOB, INTEGER, NULLTYPE, TEXT, DataType

__all__: list[str] = []

# SQLite's lower()/upper() map ASCII letters only (without the ICU extension).
_TO_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_TO_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

#: "To the end" for 2-argument substr (SQLite uses its maximum string length, 10**9).
_TO_END = 1 << 62


def _text_rule(name: str) -> ReturnTypeRule:
    """A rule: every argument TEXT (or NULL); the result is TEXT."""

    def rule(args: Sequence[DataType]) -> DataType:
        for i in range(len(args)):
            expect(name, args, i, "text")
        return TEXT

    return rule


def _lower(value: str) -> str:
    """ASCII-only lower-casing, as SQLite does."""
    return value.lower() if value.isascii() else value.translate(_TO_LOWER)


def _upper(value: str) -> str:
    """ASCII-only upper-casing, as SQLite does."""
    return value.upper() if value.isascii() else value.translate(_TO_UPPER)


define_scalar(
    "lower",
    1,
    1,
    _text_rule("lower"),
    _lower,
    doc="ASCII letters to lower case (SQLite leaves other letters alone). "
    "Example: lower('HeLLo') -> 'hello'",
)
define_scalar(
    "upper",
    1,
    1,
    _text_rule("upper"),
    _upper,
    doc="ASCII letters to upper case (SQLite leaves other letters alone). "
    "Example: upper('straße') -> 'STRAßE'",
)


def _length_rule(args: Sequence[DataType]) -> DataType:
    expect("length", args, 0, "text", "blob")
    return INTEGER


define_scalar(
    "length",
    1,
    1,
    _length_rule,
    len,
    doc="Number of characters of a TEXT (an embedded NUL counts; SQLite stops there), of bytes "
    "of a BLOB. Example: length('héllo') -> 5",
)


def _substr(value: str | bytes, start: int, length: int | None = None) -> str | bytes:
    """SQLite's substr: 1-based ``start``, negative counts from the end, negative length looks
    left of ``start``; out-of-range parts are clipped (a transcription of sqlite3's substrFunc).
    A REAL ``start`` or ``length`` (brought by a parameter) is truncated, as SQLite reads it.
    """
    if type(start) is float:
        start = real_to_int(start)
    if type(length) is float:
        length = real_to_int(length)
    if length is None:
        count, backwards = _TO_END, False
    elif length < 0:
        count, backwards = -length, True
    else:
        count, backwards = length, False
    if start < 0:
        start += len(value)
        if start < 0:
            count = max(count + start, 0)
            start = 0
    elif start > 0:
        start -= 1
    elif count > 0:
        count -= 1  # start 0 is "one before the first character"
    if backwards:
        start -= count
        if start < 0:
            count += start
            start = 0
    return value[start : start + count]


def _substr_rule(name: str) -> ReturnTypeRule:
    def rule(args: Sequence[DataType]) -> DataType:
        subject = expect(name, args, 0, "text", "blob")
        for i in range(1, len(args)):
            expect_integer(name, args, i)
        if subject.family == "null":
            return NULLTYPE
        return BLOB if subject.family == "blob" else TEXT

    return rule


for _name in ("substr", "substring"):
    define_scalar(
        _name,
        2,
        3,
        _substr_rule(_name),
        _substr,
        doc=f"Part of a TEXT (characters) or BLOB (bytes) from a 1-based start (negative: from "
        f"the end), optionally of a given length (negative: ending before start). "
        f"Example: {_name}('hello', 2, 3) -> 'ell'",
    )


def _trim(value: str, chars: str = " ") -> str:
    return value.strip(chars)


def _ltrim(value: str, chars: str = " ") -> str:
    return value.lstrip(chars)


def _rtrim(value: str, chars: str = " ") -> str:
    return value.rstrip(chars)


for _name, _impl, _side, _result in (
    ("trim", _trim, "both ends", "hi"),
    ("ltrim", _ltrim, "the left", "hixx"),
    ("rtrim", _rtrim, "the right", "xxhi"),
):
    define_scalar(
        _name,
        1,
        2,
        _text_rule(_name),
        _impl,
        doc=f"Remove spaces (or any character of the second argument) from {_side}. "
        f"Example: {_name}('xxhixx', 'x') -> '{_result}'",
    )


def _replace(value: str, old: str, new: str) -> str:
    """Every occurrence of ``old`` replaced; an empty ``old`` changes nothing (SQLite)."""
    return value.replace(old, new) if old else value


define_scalar(
    "replace",
    3,
    3,
    _text_rule("replace"),
    _replace,
    doc="Replace every occurrence of the second argument by the third. "
    "Example: replace('a-b-c', '-', '+') -> 'a+b+c'",
)


def _instr(haystack: str | bytes, needle: str | bytes) -> int:
    return haystack.find(needle) + 1  # type: ignore[arg-type]


def _instr_rule(args: Sequence[DataType]) -> DataType:
    first = expect("instr", args, 0, "text", "blob")
    second = expect("instr", args, 1, "text", "blob")
    if "null" not in (first.family, second.family) and first.family != second.family:
        raise arg_error("instr", 1, first.family.upper(), second)
    return INTEGER


define_scalar(
    "instr",
    2,
    2,
    _instr_rule,
    _instr,
    doc="1-based position of the first occurrence of the second argument, 0 if absent "
    "(both TEXT or both BLOB). Example: instr('hello', 'll') -> 3",
)


def _hex(value: str | bytes | None) -> str:
    """Upper-case hex of a BLOB's bytes or a TEXT's UTF-8 encoding; '' for NULL (SQLite)."""
    if value is None:
        return ""
    if type(value) is str:
        return value.encode("utf-8", "surrogatepass").hex().upper()
    return value.hex().upper()  # type: ignore[union-attr]


def _hex_rule(args: Sequence[DataType]) -> DataType:
    expect("hex", args, 0, "text", "blob")
    return TEXT


define_scalar(
    "hex",
    1,
    1,
    _hex_rule,
    _hex,
    propagates_null=False,
    doc="Upper-case hexadecimal of a BLOB, or of a TEXT's UTF-8 bytes. Example: hex('é') -> 'C3A9'",
)


def _unicode(value: str) -> int | None:
    return ord(value[0]) if value else None


def _unicode_rule(args: Sequence[DataType]) -> DataType:
    expect("unicode", args, 0, "text")
    return INTEGER


define_scalar(
    "unicode",
    1,
    1,
    _unicode_rule,
    _unicode,
    doc="Code point of the first character; NULL for ''. Example: unicode('A') -> 65",
)

del _name, _impl, _side, _result
