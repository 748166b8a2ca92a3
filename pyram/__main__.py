"""``python -m pyram``: the interactive SQL shell (see
:mod:`pyram.shell`); ``python -m pyram serve ...``: the PostgreSQL-protocol server (see
:mod:`pyram.server`)."""

import sys


def main() -> int:
    """Run the server for ``serve``, else the shell; returns the exit status."""
    if sys.argv[1:2] == ["serve"]:
        from pyram.server.cli import main as serve

        return serve(sys.argv[2:])
    from pyram.shell import main as shell

    return shell()


if __name__ == "__main__":
    raise SystemExit(main())
