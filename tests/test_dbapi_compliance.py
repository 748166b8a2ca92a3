"""The DB API 2.0 compliance suite (PyPI ``dbapi-compliance``, module ``dbapi20``) on
:mod:`pyram.dbapi`.

Every test of the suite runs; the few that cover optional PEP 249 extensions PyRAM does not
provide (stored procedures, multiple result sets) are skipped with the feature named, and the
driver-dependent placeholders the suite asks drivers to override are overridden here.
"""

from __future__ import annotations

import unittest
from typing import Any

import dbapi20  # the "dbapi-compliance" package of the test extra

import pyram.dbapi


class _PyramSuite(dbapi20.DatabaseAPI20Test):
    """The suite on pyram.dbapi, with PyRAM's answers to its optional parts."""

    __test__ = False
    driver = pyram.dbapi

    @unittest.skip("optional PEP 249 feature unsupported: stored procedures (Cursor.callproc)")
    def test_callproc(self) -> None:
        """Skipped: PyRAM has no stored procedures, so cursors have no callproc()."""

    @unittest.skip(
        "optional PEP 249 feature unsupported: multiple result sets (Cursor.nextset), which "
        "the suite exercises through a stored procedure"
    )
    def test_nextset(self) -> None:
        """Skipped: one statement gives one result set; cursors have no nextset()."""

    @unittest.skip(
        "not required by PEP 249: closing a closed connection does nothing, as in sqlite3 "
        "and psycopg (the suite itself notes 'reasonable persons differ' on this)"
    )
    def test_non_idempotent_close(self) -> None:
        """Skipped: close() is idempotent; every other use of a closed connection raises."""

    def test_setoutputsize(self) -> None:
        # Driver-dependent: setoutputsize is a no-op, and values still come back whole.
        con = self._connect()
        try:
            cur = con.cursor()
            self.executeDDL1(cur)
            cur.setoutputsize(3)
            cur.setoutputsize(3, 0)
            cur.execute(f"insert into {self.table_prefix}booze values (?)", ("Carlton Cold",))
            cur.execute(f"select name from {self.table_prefix}booze")
            self.assertEqual(cur.fetchall(), [("Carlton Cold",)])
        finally:
            con.close()


class TestSharedDatabase(_PyramSuite):
    """Every connect() of a test (tearDown's too) wraps one pyram.Database made in setUp, so
    a test's connections see each other's committed tables and rows, as on a server."""

    __test__ = True

    def setUp(self) -> None:
        super().setUp()
        self.connect_args: tuple[Any, ...] = (pyram.Database(),)


class TestInMemory(_PyramSuite):
    """``connect(":memory:")``: each connection gets a fresh database, as with sqlite3."""

    __test__ = True
    connect_args = (":memory:",)
