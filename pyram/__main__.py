"""``python -m pyram``: the interactive SQL shell (see :mod:`pyram.shell`)."""

from pyram.shell import main

raise SystemExit(main())
