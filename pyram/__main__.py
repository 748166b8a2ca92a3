"""``python -m pyram``: the interactive SQL shell (see :mod:`pyram.shell`);
``python -m pyram serve ...``: the PostgreSQL-protocol server (see :mod:`pyram.server`)."""

import sys

if sys.argv[1:2] == ["serve"]:
    from pyram.server.cli import main as serve_main

    raise SystemExit(serve_main(sys.argv[2:]))

from pyram.shell import main

raise SystemExit(main())
