"""SQLAlchemy's dialect test plugin, with the pyram dialect registered (also when the package
is not installed with its entry point)."""

import pytest
from sqlalchemy.dialects import registry

registry.register("pyram", "pyram.ext.sqlalchemy", "PyramDialect")
registry.register("pyram.pyram", "pyram.ext.sqlalchemy", "PyramDialect")

pytest.register_assert_rewrite("sqlalchemy.testing.assertions")

from sqlalchemy.testing.plugin.pytestplugin import *  # noqa: E402,F403
