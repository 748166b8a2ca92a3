"""SQLAlchemy 2.x dialect for PyRAM: ``create_engine("pyram://")``.

Install with ``pip install pyram[sqlalchemy]``; the ``pyram`` dialect is registered through
the ``sqlalchemy.dialects`` entry point, so ``create_engine("pyram://")`` (in memory) and
``create_engine("pyram:///app.pyram")`` (durable) find it. See docs/ecosystem.md.
"""

from __future__ import annotations

from pyram.ext.sqlalchemy.base import PyramDialect

__all__ = ["PyramDialect", "dialect"]

#: What SQLAlchemy's entry point loads.
dialect = PyramDialect
