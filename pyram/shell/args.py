"""Argument parsing shared by the dot-commands: words, on/off switches, escaped separators."""

from __future__ import annotations

import re
import shlex

from pyram.shell.errors import ShellError

__all__ = ["first_word", "switch", "unescape", "words"]

_SWITCH = {"on": True, "yes": True, "true": True, "1": True}
_SWITCH |= {"off": False, "no": False, "false": False, "0": False}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|.)")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


def words(args: str) -> list[str]:
    """Arguments split like a POSIX shell does (quotes group words with spaces), except that a
    backslash is an ordinary character (``\t`` for ``.separator``, Windows paths)."""
    lexer = shlex.shlex(args, posix=True)
    lexer.whitespace_split = True
    lexer.escape = ""
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError as exc:
        raise ShellError(f"bad arguments: {exc}") from None


def first_word(args: str) -> tuple[str, str]:
    """The first (possibly quoted) word and the untouched rest of the line."""
    args = args.strip()
    if args[:1] in ("'", '"'):
        end = args.find(args[0], 1)
        if end == -1:
            raise ShellError("bad arguments: no closing quotation")
        return args[1:end], args[end + 1 :].strip()
    parts = args.split(None, 1)
    return (parts[0] if parts else ""), (parts[1] if len(parts) > 1 else "")


def switch(value: str, usage: str) -> bool:
    """``on``/``off`` (also yes/no, true/false, 1/0) as a bool."""
    found = _SWITCH.get(value.strip().lower())
    if found is None:
        raise ShellError(f"usage: {usage}")
    return found


def unescape(text: str) -> str:
    r"""C-style escapes as sqlite3's ``.separator`` reads them: ``\t``, ``\n``, ``\r``,
    ``\\``, ``\x1F``.

    >>> unescape(r"\t|\x1f")
    '\t|\x1f'
    """

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] == "x" and len(code) == 3:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, text)
