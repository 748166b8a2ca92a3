"""The import wall between layers, and the security rules on generated code.

Python has no crate boundaries, so this test is the wall. Every module's imports (absolute and
relative, including those under ``if TYPE_CHECKING:``) are read with ``ast`` and checked
against one table, :data:`LAYERS`: which unit may import which. A unit is a top-level module
(``errors``), a package (``plan``) or a sub-package (``sql.binder``); a module belongs to the
longest unit its dotted name starts with. docs/architecture.md prints the table, and a test
below keeps the two equal.

Two more rules: across top-level layers an import names a package (its ``__init__`` exports),
a sub-package, or a module listed in :data:`PUBLIC_MODULES` -- never another layer's private
module; and the facade package ``api`` has no import circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pyram"
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"

_FOUNDATIONS = frozenset({"errors", "limits"})
_BELOW_PLAN = _FOUNDATIONS | {"types", "catalog", "functions"}
_FRONT = _BELOW_PLAN | {"plan"}
_SQL = _FRONT | {"sql", "sql.ast", "sql.parser", "sql.binder"}
_STORAGE = _FOUNDATIONS | {"types", "catalog", "storage", "storage.indexes"}
_ENGINE = _FRONT | {"storage", "storage.indexes", "engine", "engine.compile", "engine.operators"}

#: unit -> the units it may import (besides itself). Top to bottom: the facade and its users,
#: the front ends, the optimizer, the engine, transactions and files, storage, foundations.
#: storage is below txn: MVCC's mechanics (row versions, undo, snapshots) live in storage,
#: and txn is the API over them (Transaction, change events); storage never imports txn.
LAYERS: dict[str, frozenset[str]] = {
    "pyram": frozenset(
        {"api", "catalog", "dsl", "engine", "errors", "model", "server", "txn", "types"}
    ),
    "__main__": frozenset({"shell", "server"}),
    # the PostgreSQL-protocol server: a facade-level layer over Database and its SQL sessions
    "server": _FOUNDATIONS | {"api", "sql", "txn", "types"},
    "ext": frozenset({"pyram", "dbapi", "errors"}),
    # the PostgreSQL mirror: a facade-level integration (optional extra pyram[postgres])
    # PostgreSQL: the live mirror and the backend (optional extra pyram[postgres])
    "pg": _FRONT | {"pyram", "api", "dsl", "model", "storage", "txn"},
    # types: each column type names its SQLAlchemy type (DataType.sqlalchemy_type)
    "ext.sqlalchemy": frozenset({"pyram", "dbapi", "errors", "ext", "types"}),
    "shell": _FOUNDATIONS | {"pyram", "api", "catalog", "engine", "persist", "sql", "types"},
    "dbapi": frozenset({"api"}),
    "api": _SQL | _STORAGE | {"dsl", "model", "optimizer", "engine", "txn", "persist", "cache"},
    "persist": _STORAGE | {"txn"},
    "cache": _STORAGE | {"txn"},
    "txn": _STORAGE,
    "engine": _ENGINE,
    "engine.compile": _FRONT | {"engine"},
    "engine.operators": _ENGINE,
    "optimizer": _FRONT | {"optimizer.rules"},
    "optimizer.rules": _FRONT | {"optimizer"},
    "model": _FRONT | {"dsl"},
    "dsl": _FRONT,
    "sql": _FRONT | {"sql.ast", "sql.parser", "sql.binder"},
    "sql.ast": _FOUNDATIONS,
    # types: PostgreSQL's type names in the PostgreSQL dialect (types/pg_types.py)
    "sql.parser": _FOUNDATIONS | {"sql", "sql.ast", "types"},
    "sql.binder": _SQL,
    "plan": _BELOW_PLAN,
    "storage": _STORAGE,
    "storage.indexes": _FOUNDATIONS | {"types"},
    "functions": _FOUNDATIONS | {"types"},
    "catalog": _FOUNDATIONS | {"types"},
    "types": _FOUNDATIONS,
    "errors": frozenset(),
    "limits": frozenset(),
}

#: Modules a package offers other layers besides its ``__init__`` exports: the plan IR and
#: the SQL syntax trees are used as namespaces (``px.Call``, ``ast.Select``); the function
#: semantics are shared by binder, optimizer and engine; the engine reads tables through
#: storage's view functions. Anything else is private to its package.
PUBLIC_MODULES: dict[str, frozenset[str]] = {
    # the PEP 249 module (re-exported as pyram.dbapi); the reads both backends derive
    "api": frozenset({"dbapi", "derived_reads"}),
    "plan": frozenset({"builder", "display", "expr", "nodes"}),
    "sql": frozenset({"ast_ddl", "ast_pg", "pg_settings"}),
    "types": frozenset({"pg_types"}),  # PostgreSQL's type OIDs and names (server, catalog)
    "server": frozenset({"cli"}),  # ``python -m pyram serve``
    "functions": frozenset({"registry", "sql_numeric", "sql_ops", "window", "window_frames"}),
    "catalog": frozenset({"alter", "schema"}),
    "storage": frozenset({"mvcc", "rowids", "table_data", "visible", "store_txn"}),
}

BANNED_MODULES = {"sqlite3", "duckdb", "sqlglot", "littletable", "pickle"}
# The one exception: the opt-in pickle export format (loading needs allow_pickle=True).
BANNED_EXCEPTIONS = {("persist/pickled.py", "pickle")}


# ------------------------------------------------------------------ reading a source tree
def _module_name(root: Path, path: Path) -> str:
    """``sql.binder.base`` for root/sql/binder/base.py; ``sql.binder`` for its __init__;
    ``pyram`` for root/__init__.py."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or "pyram"


def unit_of(module: str, layers: dict[str, frozenset[str]] = LAYERS) -> str | None:
    """The longest unit ``module`` (dotted, relative to pyram) starts with, or None."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in layers:
            return candidate
    return None


def _exported(root: Path, package: str) -> set[str]:
    """Names a package's ``__init__`` binds (``from pyram.model import column`` is the
    function ``column``, not the module ``model/column.py``)."""
    init = root.joinpath(*package.split("."), "__init__.py") if package != "pyram" else None
    if init is None or not init.exists():
        return set()
    names: set[str] = set()
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.FunctionDef | ast.ClassDef):
            targets = node.targets if isinstance(node, ast.Assign) else [node]
            for t in targets:
                name = getattr(t, "id", getattr(t, "name", None))
                if name:
                    names.add(name)
    return names


def _is_module(root: Path, module: str) -> bool:
    path = root.joinpath(*module.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def imports_of(root: Path, path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module relative to pyram) for every pyram import in ``path``, relative
    ones resolved; ``from pyram.plan import expr`` yields ``plan`` and ``plan.expr``."""
    me = _module_name(root, path)
    package = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
    if me == "pyram":
        package = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "pyram" or alias.name.startswith("pyram."):
                    yield node.lineno, alias.name.removeprefix("pyram").lstrip(".") or "pyram"
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[: len(package) - (node.level - 1)]
            module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
        elif node.module == "pyram" or (node.module or "").startswith("pyram."):
            module = (node.module or "").removeprefix("pyram").lstrip(".")
        else:
            continue
        module = module or "pyram"
        yield node.lineno, module
        exported = _exported(root, module)
        for alias in node.names:
            sub = alias.name if module == "pyram" else f"{module}.{alias.name}"
            if alias.name not in exported and _is_module(root, sub):
                yield node.lineno, sub


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


# ------------------------------------------------------------------ the checks
def layering_problems(
    root: Path,
    layers: dict[str, frozenset[str]] = LAYERS,
    public: dict[str, frozenset[str]] = PUBLIC_MODULES,
) -> list[str]:
    """Every import of the tree at ``root`` that the table does not allow, and every
    cross-layer import of another layer's private module."""
    problems = []
    for path in _sources(root):
        rel = path.relative_to(root)
        me = _module_name(root, path)
        mine = unit_of(me, layers)
        if mine is None:
            problems.append(f"{rel}: in no unit of the table")
            continue
        for line, target in imports_of(root, path):
            theirs = unit_of(target, layers)
            where = f"{rel}:{line}"
            if theirs is None:
                problems.append(f"{where}: imports {target}, in no unit of the table")
            elif theirs != mine and theirs not in layers[mine]:
                problems.append(f"{where}: {mine} may not import {theirs} ({target})")
            elif theirs.split(".")[0] != mine.split(".")[0] and target != theirs:
                name = target.removeprefix(theirs + ".")
                if _is_module(root, target) and "." not in name and name in public.get(theirs, ()):
                    continue
                problems.append(
                    f"{where}: {mine} reaches into {theirs}'s private module {target} "
                    f"(import the package, or list the module in PUBLIC_MODULES)"
                )
    return problems


def unknown_units(root: Path, layers: dict[str, frozenset[str]] = LAYERS) -> list[str]:
    """Packages and sub-packages (directories holding modules) that the table omits, and
    top-level modules it omits."""
    found = []
    for path in _sources(root):
        rel = path.relative_to(root)
        if len(rel.parts) == 1:
            unit = _module_name(root, path)
            if unit not in layers:
                found.append(unit)
        else:
            for n in range(1, len(rel.parts)):
                unit = ".".join(rel.parts[:n])
                if unit not in layers and unit not in found:
                    found.append(unit)
    return found


def import_cycles(root: Path, unit: str) -> list[list[str]]:
    """Cycles among the modules of ``unit`` (TYPE_CHECKING imports included: a circle is a
    circle to a reader even when Python tolerates it)."""
    graph: dict[str, set[str]] = {}
    for path in _sources(root):
        me = _module_name(root, path)
        if me != unit and not me.startswith(unit + "."):
            continue
        graph[me] = {t for _, t in imports_of(root, path) if t.startswith(unit + ".") and t != me}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def render_table(layers: dict[str, frozenset[str]] = LAYERS) -> str:
    """The table as docs/architecture.md prints it."""
    lines = ["| unit | may import |", "|---|---|"]
    for unit, allowed in layers.items():
        names = ", ".join(f"`{a}`" for a in sorted(allowed)) or "nothing"
        lines.append(f"| `{unit}` | {names} |")
    return "\n".join(lines)


# ------------------------------------------------------------------ the real tree
def test_layers_import_only_downwards() -> None:
    problems = layering_problems(PACKAGE)
    assert not problems, "\n".join(problems)


def test_every_package_and_subpackage_is_in_the_table() -> None:
    unknown = unknown_units(PACKAGE)
    assert not unknown, f"add these units to LAYERS: {unknown}"


def test_the_facade_has_no_import_circle() -> None:
    assert import_cycles(PACKAGE, "api") == []


def test_the_layers_form_no_circle() -> None:
    """Sub-packages of one layer may use each other; the top-level layers are a DAG."""
    top: dict[str, set[str]] = {}
    for unit, allowed in LAYERS.items():
        head = unit.split(".")[0]
        top.setdefault(head, set()).update(a.split(".")[0] for a in allowed)
    for head, allowed in top.items():
        allowed.discard(head)
    done: set[str] = set()

    def below(head: str, path: tuple[str, ...]) -> None:
        assert head not in path, f"circle in LAYERS: {' -> '.join((*path, head))}"
        if head in done:
            return
        for nxt in top.get(head, ()):
            below(nxt, (*path, head))
        done.add(head)

    for head in top:
        below(head, ())


def test_storage_does_not_import_txn() -> None:
    assert "txn" not in LAYERS["storage"] and "storage" in LAYERS["txn"]


def test_architecture_prints_the_table() -> None:
    text = ARCHITECTURE.read_text()
    start, end = "<!-- layering table: start -->", "<!-- layering table: end -->"
    printed = text.split(start)[1].split(end)[0].strip()
    assert printed == render_table(), (
        "docs/architecture.md's import table differs from tests/test_layering.py's LAYERS; "
        f"print this between the markers:\n{render_table()}"
    )


def test_no_banned_module_in_pyram() -> None:
    problems = []
    for path in _sources(PACKAGE):
        rel = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in BANNED_MODULES and (rel, top) not in BANNED_EXCEPTIONS:
                    problems.append(f"{rel}: imports {name} (not allowed in pyram/)")
    assert not problems, "\n".join(problems)


def test_no_eval_and_exec_only_for_templates() -> None:
    """No user string reaches eval/exec/compile: eval is banned; exec/compile live only in
    modules that build code from fixed templates (allow-listed here, reviewed by hand)."""
    template_modules = {"model/rows.py", "engine/compile/kernels.py", "storage/row_kernels.py"}
    offenders = []
    for path in _sources(PACKAGE):
        rel = str(path.relative_to(PACKAGE))
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == "eval":
                    offenders.append(f"{rel}:{node.lineno}: eval")
                elif node.func.id in {"exec", "compile"} and rel not in template_modules:
                    offenders.append(f"{rel}:{node.lineno}: {node.func.id}")
    assert not offenders, "\n".join(offenders)


# ------------------------------------------------------------------ the checker catches
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pyram"
    for name, source in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root


def test_a_planted_relative_back_edge_fails(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "plan/__init__.py": "",
            "plan/display.py": "from ..engine import executor\n",
            "engine/__init__.py": "",
            "engine/executor.py": "from ..plan import display\n",  # allowed: engine -> plan
        },
    )
    assert layering_problems(root) == [
        "plan/display.py:1: plan may not import engine (engine)",
        "plan/display.py:1: plan may not import engine (engine.executor)",
    ]


def test_a_planted_subpackage_back_edge_fails(tmp_path: Path) -> None:
    """Not only the first name: sql.parser may not import sql.binder."""
    root = _tree(
        tmp_path,
        {
            "sql/__init__.py": "",
            "sql/parser/__init__.py": "from pyram.sql.binder import base\n",
            "sql/binder/__init__.py": "",
            "sql/binder/base.py": "",
        },
    )
    assert layering_problems(root) == [
        "sql/parser/__init__.py:1: sql.parser may not import sql.binder (sql.binder)",
        "sql/parser/__init__.py:1: sql.parser may not import sql.binder (sql.binder.base)",
    ]


def test_a_private_module_reach_in_fails(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "api/__init__.py": "",
            "api/session.py": (
                "from pyram.engine.compile import kernels\n"
                "from pyram.storage.undo import UndoEntry\n"
                "from pyram.storage import Store\n"
                "from pyram.plan import expr\n"
            ),
            "engine/__init__.py": "",
            "engine/compile/kernels.py": "",
            "storage/__init__.py": "Store = object\n",
            "storage/undo.py": "",
            "plan/__init__.py": "",
            "plan/expr.py": "",
        },
    )
    assert layering_problems(root) == [
        "api/session.py:1: api may not import engine.compile (engine.compile)",
        "api/session.py:1: api may not import engine.compile (engine.compile.kernels)",
        "api/session.py:2: api reaches into storage's private module storage.undo "
        "(import the package, or list the module in PUBLIC_MODULES)",
    ]


def test_a_top_level_module_is_checked_too(tmp_path: Path) -> None:
    """The old test exempted top-level modules; now they are units like the packages."""
    root = _tree(tmp_path, {"errors.py": "import pyram.api\n", "api/__init__.py": ""})
    assert layering_problems(root) == ["errors.py:1: errors may not import api (api)"]


def test_an_unlisted_subpackage_is_reported(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"engine/__init__.py": "", "engine/vectors/simd.py": ""})
    assert unknown_units(root) == ["engine.vectors"]


def test_a_facade_circle_is_reported(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "api/__init__.py": "",
            "api/database.py": "from pyram.api.durable import DurableFile\n",
            "api/durable.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from pyram.api.database import Database\n"
            ),
        },
    )
    assert import_cycles(root, "api") == [["api.database", "api.durable", "api.database"]]


@pytest.mark.parametrize("unit", sorted(LAYERS))
def test_every_allowed_unit_exists(unit: str) -> None:
    """The table names only real units (a typo would silently allow nothing)."""
    for allowed in LAYERS[unit] | {unit}:
        if allowed in {"pyram", "__main__"}:
            continue
        assert _is_module(PACKAGE, allowed), f"{unit}: {allowed} is no module or package"


#: The style guide's limit: a module past it is split along its concepts (no exceptions).
MAX_MODULE_LINES = 600


def test_modules_stay_small() -> None:
    """Small modules are easier to find things in (style: at most ~600 lines)."""
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in _sources(PACKAGE)
    }
    too_big = [f"{m}: {n} lines" for m, n in sizes.items() if n > MAX_MODULE_LINES]
    assert not too_big, f"split these modules along their concepts: {too_big}"
