"""The PyRAM shell, ``python -m pyram``: an interactive SQL prompt like sqlite3's.

:func:`main` parses the command line and runs the shell; :class:`Shell` is the session (database,
output mode, settings) that runs statements and dot-commands, usable from Python too::

    import io, pyram
    from pyram.shell import Shell
    out = io.StringIO()
    shell = Shell(pyram.Database(), out, out)
    shell.run_script("SELECT 1 AS one;")
"""

from pyram.shell.app import main
from pyram.shell.core import InputSource, QuitShell, Shell

__all__ = ["InputSource", "QuitShell", "Shell", "main"]
