"""The import wall between layers, and the security rules on generated code.

Python has no crate boundaries, so this test is the wall: every module's imports are read with
``ast`` and checked against the allowed direction (front ends -> plan -> optimizer -> engine ->
storage; foundations below everything).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pyram"

# layer -> layers it may import (besides itself). Layers not present yet are listed so that the
# rule is in place the day they appear.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "types": {"errors"},
    "catalog": {"errors", "types"},
    "functions": {"errors", "types"},
    "plan": {"errors", "types", "catalog", "functions"},
    "dsl": {"errors", "types", "catalog", "functions", "plan"},
    "model": {"errors", "types", "catalog", "functions", "plan", "dsl"},
    "sql": {"errors", "types", "catalog", "functions", "plan"},
    "optimizer": {"errors", "types", "catalog", "functions", "plan"},
    "txn": {"errors", "types", "catalog", "storage"},
    "storage": {"errors", "types", "catalog", "txn"},
    "engine": {"errors", "types", "catalog", "functions", "plan", "storage", "txn"},
    "persist": {"errors", "types", "catalog", "storage", "txn"},
}
# Integrations (pyram/ext/): outside the layers. They use PyRAM's public API only, and
# nothing else in pyram/ imports them (their libraries are optional extras).
EXT_MAY_IMPORT = {"pyram", "pyram.dbapi", "pyram.errors", "pyram.ext"}
TOP_LEVEL = {
    "database",
    "database_io",
    "durable",
    "durable_attach",
    "session",
    "statements",
    "pg_commands",
    "schema_alter",
    "migrate",
    "udf",
    "triggers",
    "result",
    "dbapi",
    "shell",
    "server",
    "__init__",
    "__main__",
}
# Leaf modules every layer may import (they import nothing from PyRAM themselves).
FOUNDATIONS = {"limits"}
BANNED_MODULES = {"sqlite3", "duckdb", "sqlglot", "littletable", "pickle"}
# The one exception: the opt-in pickle export format (loading needs allow_pickle=True).
BANNED_EXCEPTIONS = {("persist/pickled.py", "pickle")}


def test_integrations_stay_outside_the_core() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        inside = rel.parts[0] == "ext"
        for name in _imports(path):
            if not name.startswith("pyram"):
                continue
            if not inside and (name == "pyram.ext" or name.startswith("pyram.ext.")):
                problems.append(f"{rel}: imports the integration {name}")
            own = name.startswith("pyram.ext.")
            if inside and not own and name not in EXT_MAY_IMPORT:
                problems.append(f"{rel}: an integration imports internal {name}")
    assert not problems, "\n".join(problems)


def _layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_layers_import_only_downwards() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer_of(path)
        for name in _imports(path):
            parts = name.split(".")
            rel = str(path.relative_to(PACKAGE))
            if parts[0] in BANNED_MODULES and (rel, parts[0]) not in BANNED_EXCEPTIONS:
                problems.append(f"{path.name}: imports {name} (not allowed in pyram/)")
            if parts[0] != "pyram" or len(parts) < 2:
                continue
            target = parts[1]
            if layer in TOP_LEVEL or layer == "ext" or target == layer or target in FOUNDATIONS:
                continue
            if target in TOP_LEVEL:
                problems.append(f"{path.relative_to(PACKAGE)}: {layer} imports top-level {name}")
            elif target not in ALLOWED.get(layer, set()):
                problems.append(f"{path.relative_to(PACKAGE)}: {layer} may not import {name}")
    assert not problems, "\n".join(problems)


def test_every_layer_is_known() -> None:
    layers = {_layer_of(p) for p in PACKAGE.rglob("*.py")}
    unknown = layers - set(ALLOWED) - TOP_LEVEL - FOUNDATIONS - {"py", "ext"}
    assert not unknown, f"add these layers to ALLOWED: {unknown}"


def test_no_eval_and_exec_only_for_templates() -> None:
    """No user string reaches eval/exec/compile: eval is banned; exec/compile live only in
    modules that build code from fixed templates (allow-listed here, reviewed by hand)."""
    template_modules = {"model/rows.py", "engine/compile/kernels.py"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = str(path.relative_to(PACKAGE))
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == "eval":
                    offenders.append(f"{rel}:{node.lineno}: eval")
                elif node.func.id in {"exec", "compile"} and rel not in template_modules:
                    offenders.append(f"{rel}:{node.lineno}: {node.func.id}")
    assert not offenders, "\n".join(offenders)
