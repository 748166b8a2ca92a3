"""Rewriting stored SQL text (views, triggers, CHECK conditions) after ALTER TABLE ... RENAME.

Like SQLite, PyRAM keeps a view's or trigger's CREATE statement as text, so a rename must edit
that text. The edit works on tokens, never on raw characters: only name tokens change, strings
and comments stay as written, and the new name is quoted when it needs to be.

Which names mean the renamed object is decided from the statement's own tokens:

- a table: every name token spelling it, except a column after a dot (``x.t``) and a function
  call (``t(``);
- a column ``t.a``: ``a`` qualified by ``t``, by an alias of ``t`` (``FROM t AS x``, ``FROM t
  x``) or, in a trigger on ``t``, by ``NEW``/``OLD``; and ``a`` unqualified when the text
  names ``t`` (or is a trigger on ``t``, or a CHECK of ``t``) and no other table it names has a
  column ``a``. An output alias (``AS a``) and a view's declared column names are new names,
  not references, and stay.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyram.sql.parser.base import RESERVED
from pyram.sql.tokenizer import KEYWORDS, Token, TokenKind, tokenize

__all__ = ["rename_column_refs", "rename_table_refs", "sql_name"]

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def sql_name(name: str) -> str:
    """``name`` as SQL text: bare when it is a plain identifier, else double-quoted."""
    if _PLAIN.match(name) and name.upper() not in KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def _is_name(token: Token) -> bool:
    if token.kind is TokenKind.IDENTIFIER:
        return True
    return token.kind is TokenKind.KEYWORD and token.value not in RESERVED


def _is_op(token: Token | None, op: str) -> bool:
    return token is not None and token.kind is TokenKind.OPERATOR and token.value == op


def _edit(text: str, tokens: list[Token], hits: list[int], new: str) -> str:
    """``text`` with the tokens at indexes ``hits`` replaced by ``new`` (as a SQL name)."""
    spelled = sql_name(new)
    out = text
    for i in sorted(hits, reverse=True):
        token = tokens[i]
        out = out[: token.offset] + spelled + out[token.end :]
    return out


def _tokens(text: str) -> list[Token]:
    return [t for t in tokenize(text) if t.kind is not TokenKind.EOF]


def rename_table_refs(text: str, old: str, new: str) -> str:
    """``text`` with table ``old`` called ``new``."""
    tokens = _tokens(text)
    key = old.lower()
    hits = []
    for i, token in enumerate(tokens):
        if not _is_name(token) or token.value.lower() != key:
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if _is_op(before, ".") or _is_op(after, "("):
            continue
        hits.append(i)
    return _edit(text, tokens, hits, new)


def rename_column_refs(
    text: str,
    table: str,
    old: str,
    new: str,
    other_columns: Mapping[str, set[str]],
    *,
    owner: bool = False,
) -> str:
    """``text`` with column ``old`` of ``table`` called ``new``.

    Args:
        text: a statement, or a CHECK condition.
        table: the table whose column is renamed.
        old: the column's old name; ``new`` its new one.
        other_columns: lower-cased table name -> lower-cased column names, for the other
            tables (an unqualified name one of them has is theirs, not ``table``'s).
        owner: the text belongs to ``table`` (its trigger or CHECK): unqualified names and
            ``NEW.``/``OLD.`` refer to it even when the text does not name it.
    """
    tokens = _tokens(text)
    key, table_key = old.lower(), table.lower()
    named = {t.value.lower() for t in tokens if _is_name(t)}
    qualifiers = {table_key} | _aliases(tokens, table_key)
    if owner:
        qualifiers |= {"new", "old"}
    elif table_key not in named:
        return text
    ambiguous = any(key in columns for name, columns in other_columns.items() if name in named)
    declared = _view_column_list(tokens)
    hits = []
    for i, token in enumerate(tokens):
        if not _is_name(token) or token.value.lower() != key or i in declared:
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if _is_op(after, ".") or _is_op(after, "("):
            continue  # a qualifier or a function of that name
        if _is_op(before, "."):
            qualifier = tokens[i - 2] if i >= 2 else None
            if qualifier is not None and qualifier.value.lower() in qualifiers:
                hits.append(i)
            continue
        if before is not None and before.kind is TokenKind.KEYWORD and before.value == "AS":
            continue  # an output alias
        if not ambiguous:
            hits.append(i)
    return _edit(text, tokens, hits, new)


def _view_column_list(tokens: list[Token]) -> range:
    """Token indexes of a CREATE VIEW's declared column names (new names, not references)."""
    for i, token in enumerate(tokens[:8]):
        if token.kind is TokenKind.KEYWORD and token.value == "VIEW":
            j = i + 1
            if j < len(tokens) and tokens[j].kind is TokenKind.KEYWORD and tokens[j].value == "IF":
                j += 3  # IF NOT EXISTS
            j += 3 if _is_op(tokens[j + 1] if j + 1 < len(tokens) else None, ".") else 1
            if j < len(tokens) and _is_op(tokens[j], "("):
                end = next(k for k in range(j, len(tokens)) if _is_op(tokens[k], ")"))
                return range(j, end)
            break
    return range(0)


def _aliases(tokens: list[Token], table_key: str) -> set[str]:
    """Aliases given to ``table`` in the text: ``t AS x`` or ``t x``."""
    out = set()
    for i, token in enumerate(tokens[:-1]):
        if not _is_name(token) or token.value.lower() != table_key:
            continue
        follower = tokens[i + 1]
        if follower.kind is TokenKind.KEYWORD and follower.value == "AS" and i + 2 < len(tokens):
            follower = tokens[i + 2]
        elif follower.kind is not TokenKind.IDENTIFIER:
            continue
        if _is_name(follower):
            out.add(follower.value.lower())
    return out
