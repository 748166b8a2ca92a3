"""docs/server.md's examples run here, with the server's other tests (CI gives them a pytest
process of their own; tests/test_docs.py lists the page as run elsewhere)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from test_docs import run_page  # noqa: E402


def test_server_page_examples_run() -> None:
    assert run_page(ROOT / "docs" / "server.md") > 0
