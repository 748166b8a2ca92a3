"""docs/server.md's examples run here, with the server's other tests (CI gives them a pytest
process of their own; tests/test_docs.py lists the page as run elsewhere)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from test_docs import _SKIP_MARK, python_blocks  # noqa: E402


def test_server_page_examples_run() -> None:
    path = ROOT / "docs" / "server.md"
    module = types.ModuleType("docs_server")
    sys.modules[module.__name__] = module
    ran = 0
    try:
        for first_line, code in python_blocks(path.read_text(encoding="utf-8")):
            if code.splitlines()[0].strip() == _SKIP_MARK:
                continue
            exec(compile("\n" * (first_line - 1) + code, str(path), "exec"), module.__dict__)
            ran += 1
    finally:
        del sys.modules[module.__name__]
    assert ran > 0
