"""The shell's own error: a user mistake in a dot-command (bad arguments, unreadable file, ...)."""

from __future__ import annotations

from pyram.errors import Error

__all__ = ["ShellError"]


class ShellError(Error):
    """A dot-command failed; printed as ``Error: <message>`` like every other PyRAM error."""
