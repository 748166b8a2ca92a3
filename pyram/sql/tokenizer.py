"""SQL front end, step 1: turn SQL text into tokens (SQLite dialect).

:func:`tokenize` scans the text once with one compiled pattern (linear time), skipping whitespace
and comments, and returns :class:`Token` s ending with an ``EOF`` token. Each token knows its kind,
its value (keywords upper-cased, quoted identifiers and strings unquoted, blobs as bytes in hex),
its start and end offsets and its 1-based line and column. Malformed input (unterminated string,
comment or quoted identifier, a bad blob or number, a stray character) raises
:class:`~pyram.sql.errors.SqlSyntaxError` at the start of the offending token.

>>> [t.value for t in tokenize("SELECT a -- hi\\nFROM [t]")]
['SELECT', 'a', 'FROM', 't', '']
"""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

from pyram.sql.errors import SqlSyntaxError

__all__ = [
    "KEYWORDS",
    "LIST_ITEM_RE",
    "LIST_RE",
    "NUMBERS_OR_MARKS_RE",
    "Token",
    "TokenKind",
    "tokenize",
]


class TokenKind(enum.Enum):
    """What a token is; see :class:`Token` for the value each kind carries."""

    KEYWORD = "keyword"
    IDENTIFIER = "identifier"
    INTEGER = "integer"
    REAL = "real"
    STRING = "string"
    BLOB = "blob"
    PARAMETER = "parameter"
    OPERATOR = "operator"
    LIST = "list"
    EOF = "end of input"


class Token(NamedTuple):
    """One token of SQL text.

    Attributes:
        kind: the token kind.
        value: keyword upper-cased; identifier without quotes (doubled quotes collapsed); integer
            and real as written; string contents with ``''`` collapsed; blob hex digits; parameter
            and operator as written; ``""`` for EOF.
        offset: 0-based offset of the first character.
        line: 1-based line of the first character.
        column: 1-based column of the first character.
        end: offset just past the last character.
        quoted: True for quoted identifiers (``"x"``, ```x```, ``[x]``).

    A ``LIST`` token (only with ``tokenize(sql, lists=True)``) is the parenthesized list after
    ``IN``, ``(`` to ``)`` as written, when its items are literals and parameters (see
    :data:`LIST_RE`), or when it holds nothing but number characters or ``?``: the parser
    then checks the items and reads the text as tokens after all if they are no such list
    (``(1 - 2, 3)``).
    """

    kind: TokenKind
    value: str
    offset: int
    line: int
    column: int
    end: int
    quoted: bool = False


# SQLite's keywords (https://sqlite.org/lang_keywords.html). The parser still accepts most of them
# as identifiers where SQLite does; this set only decides the token kind.
KEYWORDS = frozenset(
    """
    ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN
    BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS
    CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED
    DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS
    EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING
    IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL
    JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF
    OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE
    RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK
    ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED
    UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT
    TRUE FALSE
    """.split()  # noqa: SIM905 - a word list reads best as text
)

_IDENT_START = r"A-Za-z_\u0080-\U0010ffff"
# One master pattern driven by ``finditer``. The leading ``[^\S\n]*`` skips whitespace that holds
# no newline; the token is the one named group that matched (its span is the token's span).
# Alternatives that share a first character are ordered: blobs before words, numbers before
# non-ASCII words (Unicode digits) and before ``.``; ``-``, ``/`` and ``.`` are operators only
# when they start no comment or number. The ``bad`` group catches unterminated quoted forms and
# comments, the last group any other character, so every position matches and nothing is skipped.
# Quoted forms use unrolled loops (no nested quantifiers over overlapping input): no backtracking
# blow-up.
_SQLITE_OPS = r"\|\||<<|>>|<=|>=|==|!=|<>|-(?!-)|/(?!\*)|\.(?!\d)|[+*%=<>&|~,();]"
# PostgreSQL adds ``::`` casts, the regex operators and ``[ ]`` subscripts (so ``[x]`` is no
# quoted identifier there).
_POSTGRES_OPS = r"::|!~\*|!~|~\*|" + _SQLITE_OPS[:-1] + r"\[\]]"


def _token_pattern(ops: str, postgres: bool) -> re.Pattern[str]:
    # PostgreSQL's escape strings E'..' take backslash escapes; SQLite has no such form.
    estring = r"(?P<estring>[eE]'(?:[^'\\]|\\[\s\S]|'')*')|" if postgres else ""
    bracketed = "" if postgres else r"|(?P<bracketed>\[[^\]]*\])"
    return re.compile(
        rf"""
    [^\S\n]*
    (?:
     (?P<blob>[xX]'(?:[^']*')?)
    |{estring}(?P<word>[A-Za-z_][{_IDENT_START}0-9$]*)
    |(?P<op>{ops})
    |(?P<ws>\s+)
    |(?P<integer>(?:0[xX][0-9a-fA-F]+|\d+)(?![\w$.]))
    |(?P<real>(?:(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)(?![\w$]))
    |(?P<badnumber>\.?\d[\w$]*)
    |(?P<uword>[\u0080-\U0010ffff][{_IDENT_START}0-9$]*)
    |(?P<string>'[^']*(?:''[^']*)*')
    |(?P<dquoted>"[^"]*(?:""[^"]*)*")
    |(?P<bquoted>`[^`]*(?:``[^`]*)*`){bracketed}
    |(?P<param>\?\d*|[:@$][{_IDENT_START}0-9]+)
    |(?P<lcomment>--[^\n]*)
    |(?P<bcomment>/\*[\s\S]*?\*/)
    |(?P<bad>['"`\[]|/\*)
    |(?P<char>[\s\S])
    )
    """,
        re.VERBOSE,
    )


_TOKEN_RE = _token_pattern(_SQLITE_OPS, postgres=False)
_POSTGRES_TOKEN_RE = _token_pattern(_POSTGRES_OPS, postgres=True)
_BAD_MESSAGES = {
    "'": "unterminated string",
    '"': "unterminated identifier",
    "`": "unterminated identifier",
    "[": "unterminated identifier",
    "/": "unterminated comment",
}
# One item of an IN list read as a whole (the parser's LIST token): a number with an optional
# leading minus, a string, NULL or a parameter, each exactly as the master pattern reads it
# (integers of at most 19 digits: longer ones take the token path). Any other item (an
# expression, a comment, a blob, a hex number) leaves the list to the token by token path.
_LIST_ITEM = (
    r"(?P<number>-?(?:(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|(?P<int>\d{1,19})))"
    r"|(?P<string>'[^']*(?:''[^']*)*')|(?P<null>[nN][uU][lL][lL])"
    rf"|(?P<param>\?\d*|[:@$][{_IDENT_START}0-9]+)"
)
_ANY_ITEM = re.sub(r"\?P<\w+>", "?:", _LIST_ITEM)
#: A parenthesized list of such items (at least one).
LIST_RE = re.compile(rf"\(\s*(?:{_ANY_ITEM})(?:\s*,\s*(?:{_ANY_ITEM}))*\s*\)")
# The characters of a list of numbers only or of ``?`` only: such a list is taken as a LIST
# token on sight (a character class runs at C speed; LIST_RE costs a microsecond an item) and
# the parser checks its items, reading it token by token when they are not what they seem.
NUMBERS_OR_MARKS_RE = re.compile(r"[0-9\s,.eE+-]+|[?\s,]+")
#: Finds the items of a LIST token's text one by one (group names as in ``_LIST_ITEM``).
LIST_ITEM_RE = re.compile(_LIST_ITEM)
_BLOB_RE = re.compile(r"[xX]'([^']*)'")
_HEX_RE = re.compile(r"(?:[0-9a-fA-F]{2})*")
_SIMPLE_KINDS = {
    "integer": TokenKind.INTEGER,
    "real": TokenKind.REAL,
    "param": TokenKind.PARAMETER,
}


def tokenize(sql: str, dialect: str = "sqlite", lists: bool = False) -> list[Token]:
    """Split ``sql`` into tokens, skipping whitespace and comments.

    Args:
        sql: the SQL text.
        dialect: ``"sqlite"``, or ``"postgres"`` for PostgreSQL's lexical forms (``::``,
            ``~``/``!~``/``~*``, ``[ ]`` as operators and ``E'...'`` escape strings).
        lists: read the list after ``IN`` as one ``LIST`` token when its items are only
            literals and parameters (the parser's choice: 100,000 items cost one regex match,
            not 200,000 tokens).

    Returns:
        The tokens in order, always ending with one ``TokenKind.EOF`` token.

    Raises:
        SqlSyntaxError: on an unterminated string, comment or quoted identifier, a malformed blob
            or number, or a character that starts no token.
    """
    tokens: list[Token] = []
    append = tokens.append
    new = tuple.__new__
    keywords = KEYWORDS
    simple_kinds = _SIMPLE_KINDS
    keyword, identifier, operator = TokenKind.KEYWORD, TokenKind.IDENTIFIER, TokenKind.OPERATOR
    line = 1
    line_start = 0  # offset of the first character of the current line
    pattern = _POSTGRES_TOKEN_RE if dialect == "postgres" else _TOKEN_RE
    resume = 0  # where scanning starts again after a LIST token (-1: done)
    while resume >= 0:
        matches = pattern.finditer(sql, resume)
        resume = -1
        for m in matches:
            group = m.lastgroup or ""  # never empty: every alternative is a named group
            pos, end = m.span(group)
            if group == "word" or group == "uword":
                word = sql[pos:end]
                upper = word.upper()
                kind, value = (keyword, upper) if upper in keywords else (identifier, word)
                append(new(Token, (kind, value, pos, line, pos - line_start + 1, end, False)))
            elif group == "op":
                if lists and sql[pos] == "(" and _after_in(tokens):
                    close = _list_end(sql, pos)
                    if close > 0:  # the whole list is one token; resume after it
                        resume = close
                        column = pos - line_start + 1
                        append(Token(TokenKind.LIST, sql[pos:resume], pos, line, column, resume))
                        newlines = sql.count("\n", pos, resume)
                        if newlines:
                            line += newlines
                            line_start = sql.rfind("\n", pos, resume) + 1
                        break
                text = sql[pos:end]
                append(new(Token, (operator, text, pos, line, pos - line_start + 1, end, False)))
            elif group == "ws":  # from a newline on (or trailing whitespace at the end of the text)
                newlines = sql.count("\n", pos, end)
                if newlines:
                    line += newlines
                    line_start = sql.rfind("\n", pos, end) + 1
            elif group in simple_kinds:
                append(
                    new(
                        Token,
                        (
                            simple_kinds[group],
                            sql[pos:end],
                            pos,
                            line,
                            pos - line_start + 1,
                            end,
                            False,
                        ),
                    )
                )
            elif group == "lcomment":
                pass
            elif group == "blob":
                append(_scan_blob(sql, pos, line, pos - line_start + 1))
            elif group == "estring":
                value = _unescape(sql, pos)
                append(Token(TokenKind.STRING, value, pos, line, pos - line_start + 1, end))
            elif group == "bad":
                raise SqlSyntaxError(_BAD_MESSAGES[sql[pos]], sql, pos)
            elif group == "char" or group == "badnumber":
                raise SqlSyntaxError(f'unrecognized token: "{sql[pos:end]}"', sql, pos)
            else:  # a string, quoted identifier or block comment: the only tokens that span lines
                if group == "string":
                    value = sql[pos + 1 : end - 1].replace("''", "'")
                    append(Token(TokenKind.STRING, value, pos, line, pos - line_start + 1, end))
                elif group != "bcomment":
                    value = sql[pos + 1 : end - 1]
                    if group != "bracketed":
                        quote = sql[pos]
                        value = value.replace(quote * 2, quote)
                    append(Token(identifier, value, pos, line, pos - line_start + 1, end, True))
                newlines = sql.count("\n", pos, end)
                if newlines:
                    line += newlines
                    line_start = sql.rfind("\n", pos, end) + 1
    size = len(sql)
    append(Token(TokenKind.EOF, "", size, line, size - line_start + 1, size))
    return tokens


def _list_end(sql: str, pos: int) -> int:
    """The end of the IN list of literals and parameters opening at ``pos``, or -1."""
    close = sql.find(")", pos)
    if close > pos + 1 and NUMBERS_OR_MARKS_RE.fullmatch(sql, pos + 1, close):
        return close + 1
    listed = LIST_RE.match(sql, pos)
    return -1 if listed is None else listed.end()


def _after_in(tokens: list[Token]) -> bool:
    """True when the last token is the keyword IN."""
    return bool(tokens) and tokens[-1].value == "IN" and tokens[-1].kind is TokenKind.KEYWORD


def _scan_blob(sql: str, pos: int, line: int, column: int) -> Token:
    """Scan a blob literal ``x'0A1B'`` starting at ``pos``."""
    m = _BLOB_RE.match(sql, pos)
    if m is None:
        raise SqlSyntaxError("unterminated blob literal", sql, pos)
    digits = m.group(1)
    if _HEX_RE.fullmatch(digits) is None:
        raise SqlSyntaxError(f'malformed blob literal: "{m.group()}"', sql, pos)
    return Token(TokenKind.BLOB, digits, pos, line, column, m.end())


_ESCAPE_RE = re.compile(
    r"\\(?:x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{1,3})|(.))|''", re.S
)
_ESTRING_RE = re.compile(r"[eE]'((?:[^'\\]|\\[\s\S]|'')*)'")
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unescape(sql: str, pos: int) -> str:
    """The value of PostgreSQL's escape string ``E'...'`` starting at ``pos``."""
    m = _ESTRING_RE.match(sql, pos)
    assert m is not None  # the token pattern matched the same text
    body = m.group(1)

    def one(e: re.Match[str]) -> str:
        if e.group(0) == "''":
            return "'"
        hex2, u4, u8, octal, other = e.groups()
        try:
            if hex2 or u4 or u8:
                return chr(int(hex2 or u4 or u8, 16))
            if octal:
                return chr(int(octal, 8) & 0xFF)
        except ValueError:  # a code point beyond Unicode
            raise SqlSyntaxError("invalid Unicode escape value", sql, pos) from None
        return _SIMPLE_ESCAPES.get(other, other)

    return _ESCAPE_RE.sub(one, body)
