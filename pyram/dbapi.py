"""PEP 249 (DB-API 2.0) driver for PyRAM, at the module path the PEP and sqlite3 users expect.

The driver lives in :mod:`pyram.api.dbapi`; this module re-exports its public names (its
``__all__``) so that ``import pyram.dbapi`` works like ``import sqlite3``: module globals, type
objects, constructors, exceptions, ``connect``.
"""

from pyram.api.dbapi import *  # noqa: F403  (exactly the names of its __all__)
from pyram.api.dbapi import __all__ as __all__
