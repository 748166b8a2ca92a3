"""SQL parser: the items of an IN list read as data (a ``LIST`` token, see the tokenizer).

``x IN (1, 2, 3, ...)`` with 100,000 items is one token; its items become one
:class:`~pyram.sql.ast.ValueItems` (values and parameter keys), not 100,000 syntax nodes. The
two common shapes are read at C speed: numbers only by the JSON decoder (its numbers are a
subset of SQL's, integers staying ``int`` and the rest ``float`` as in SQL), ``?`` only by
counting. Other lists are matched against the tokenizer's item pattern and read item by item,
each exactly as the token path would read it; a LIST token that is no such list (``(1 - 2)``)
is read token by token after all.
"""

from __future__ import annotations

import json
import re
from typing import Protocol

from pyram.limits import MAX_VARIABLE_NUMBER
from pyram.sql import ast
from pyram.sql.errors import SqlSyntaxError
from pyram.sql.tokenizer import LIST_ITEM_RE, LIST_RE, NUMBERS_OR_MARKS_RE, Token

__all__ = ["read_value_list"]

_NUMBER_CHARS = re.compile(r"[0-9\s,.eE+-]+")


class _Numbering(Protocol):
    """What the list needs of the parser: SQLite's numbering of ``?`` parameters."""

    sql: str
    max_param_index: int

    def next_param_index(self, marker: str) -> int | None:
        """The 1-based index of a ``?``/``?NNN`` parameter (None for a named one)."""
        ...


def read_value_list(parser: _Numbering, token: Token) -> ast.ValueItems | None:
    """The items of the LIST ``token`` (its ``?`` numbered by ``parser``), or None when it
    holds anything but literals and parameters."""
    text = token.value
    inner = text[1:-1]
    if _NUMBER_CHARS.fullmatch(inner):
        try:
            numbers = json.loads(f"[{inner}]")
        except ValueError:  # not JSON's spelling (01, 1., .5) or not numbers (1 - 2)
            numbers = None
        if numbers:
            return ast.ValueItems(tuple(numbers), ())
    count = inner.count("?")
    if count and "".join(inner.split()) == "?" + ",?" * (count - 1):
        return ast.ValueItems((), _question_marks(parser, token, count))
    if NUMBERS_OR_MARKS_RE.fullmatch(inner) and LIST_RE.fullmatch(text) is None:
        return None  # taken on sight by the tokenizer, but no list of literals (1 - 2, 3)
    return _items(parser, text)  # any other LIST token matched LIST_RE in the tokenizer


def _question_marks(parser: _Numbering, token: Token, count: int) -> tuple[int, ...]:
    """Keys of ``count`` bare ``?`` in a row, numbered as SQLite numbers them."""
    first = parser.max_param_index + 1
    last = parser.max_param_index + count
    if last > MAX_VARIABLE_NUMBER:
        raise SqlSyntaxError(
            f"variable number must be between ?1 and ?{MAX_VARIABLE_NUMBER}",
            parser.sql,
            token.offset,
        )
    parser.max_param_index = last
    return tuple(range(first - 1, last))


def _items(parser: _Numbering, text: str) -> ast.ValueItems:
    """The items of a list matching ``LIST_RE``, one by one."""
    values: list[object] = []
    params: list[str | int] = []
    for m in LIST_ITEM_RE.finditer(text):
        item = m.group()
        kind = m.lastgroup
        if kind == "number":
            values.append(int(item) if m.group("int") is not None else float(item))
        elif kind == "string":
            values.append(item[1:-1].replace("''", "'"))
        elif kind == "null":
            values.append(None)
        else:
            index = parser.next_param_index(item)
            params.append(item.lstrip(":@$") if index is None else index - 1)
    return ast.ValueItems(tuple(values), tuple(params))
