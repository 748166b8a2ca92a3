"""What PyRAM supports, for SQLAlchemy's compliance suite (tests whose requirement is closed
are skipped; the others must pass)."""

from sqlalchemy.testing import exclusions
from sqlalchemy.testing.requirements import SuiteRequirements


class Requirements(SuiteRequirements):
    pass
