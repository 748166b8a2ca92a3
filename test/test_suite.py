"""SQLAlchemy's compliance suite, as every external dialect runs it."""

from sqlalchemy.testing.suite import *  # noqa: F403
