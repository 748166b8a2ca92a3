"""Splitting a simple-query string into statements, the way PostgreSQL's lexer sees them.

A Query message may hold several statements separated by ``;``. Semicolons inside string
literals (``'..'``, ``E'..'`` with backslash escapes), quoted identifiers, dollar-quoted
strings (``$tag$..$tag$``) and comments (``--`` and nested ``/* */``) do not split.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["first_words", "split_statements"]

_DOLLAR_TAG: Final = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
_WORD: Final = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def split_statements(text: str) -> list[str]:
    """The statements of ``text``, stripped; empty ones (``;;``) are dropped."""
    parts: list[str] = []
    start = i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == ";":
            parts.append(text[start:i])
            start = i + 1
            i += 1
        else:
            i = _skip(text, i)
    parts.append(text[start:])
    return [p.strip() for p in parts if _has_code(p)]


def _skip(text: str, i: int) -> int:
    """The index after the token starting at ``i`` (a quoted string, comment or one char)."""
    ch = text[i]
    if ch == "'":
        escapes = i > 0 and text[i - 1] in "eE" and (i < 2 or not text[i - 2].isalnum())
        return _end_of_quote(text, i, "'", escapes)
    if ch == '"':
        return _end_of_quote(text, i, '"', False)
    if text.startswith("--", i):
        end = text.find("\n", i)
        return len(text) if end < 0 else end + 1
    if text.startswith("/*", i):
        return _end_of_block_comment(text, i)
    if ch == "$":
        match = _DOLLAR_TAG.match(text, i)
        if match and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = text.find(match.group(0), match.end())
            return len(text) if end < 0 else end + len(match.group(0))
    return i + 1


def _end_of_quote(text: str, i: int, quote: str, escapes: bool) -> int:
    j = i + 1
    while j < len(text):
        if escapes and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            if text.startswith(quote * 2, j):
                j += 2
                continue
            return j + 1
        j += 1
    return len(text)


def _end_of_block_comment(text: str, i: int) -> int:
    depth, j = 0, i
    while j < len(text):
        if text.startswith("/*", j):
            depth += 1
            j += 2
        elif text.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        else:
            j += 1
    return len(text)


def _has_code(text: str) -> bool:
    """False for a piece that is only blanks and comments."""
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i) or text.startswith("/*", i):
            i = _skip(text, i)
        else:
            return True
    return False


def first_words(text: str, count: int = 3) -> list[str]:
    """The first ``count`` keywords of a statement, upper-cased (comments skipped)."""
    if len(text) > _MEMO_TEXT:
        return _first_words(text, count)
    key = (text, count)
    words = _MEMO.get(key)
    if words is None:
        # a prepared statement's text comes back on every Execute: scanned once
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        words = _MEMO[key] = tuple(_first_words(text, count))
    return list(words)


#: statements at most this long have their first words remembered, at most this many
_MEMO_TEXT: Final = 4096
_MEMO_SIZE: Final = 2048
_MEMO: dict[tuple[str, int], tuple[str, ...]] = {}


def _first_words(text: str, count: int) -> list[str]:
    words: list[str] = []
    i = 0
    while i < len(text) and len(words) < count:
        if text.startswith("--", i) or text.startswith("/*", i):
            i = _skip(text, i)
            continue
        match = _WORD.match(text, i)
        if match:
            words.append(match.group(0).upper())
            i = match.end()
        elif text[i].isspace():
            i += 1
        else:
            break
    return words
