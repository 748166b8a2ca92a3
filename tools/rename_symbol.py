"""Rename a name defined in one module across the tree, by tokens (strings and comments kept).

Used for issue 18's renames; re-run it after merging code written against the old names:

    python tools/rename_symbol.py pyram.plan.expr Expr PlanExpr
    python tools/rename_symbol.py pyram.sql.ast Expr SqlExpr        # now a package: see below
    python tools/rename_symbol.py pyram.plan.expr FuncCall FunctionCall
    python tools/rename_symbol.py pyram.dsl.expr ParamRef Param
    python tools/rename_symbol.py pyram.sql.ast Parameter Param
    python tools/rename_symbol.py pyram.session run_rows run_prepared
    python tools/rename_symbol.py pyram.shell.backup export_database export_with_progress

It renames ``old`` where a module imports it from ``module`` (``from module import old``) or
reaches it through an alias of ``module`` (``from pyram.plan import expr as px``: ``px.old``),
and everywhere in ``module`` itself (its ``__all__`` string included). A file that also binds
``old`` from another module is reported as a CONFLICT and left alone. For a package (the SQL AST
became ``pyram/sql/ast/``), run it once per submodule defining the name and once for the
package. Run ``ruff check --fix .`` afterwards (import order, line length).
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path


def _imports(tree: ast.Module, module: str, old: str) -> tuple[set[str], bool, bool]:
    """Aliases of ``module``; whether ``old`` is imported from it bare; and from elsewhere."""
    aliases: set[str] = set()
    bare = other = False
    package, _, leaf = module.rpartition(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if alias.name == old and alias.asname is None:
                    bare = bare or node.module == module
                    other = other or node.module != module
                if node.module == package and alias.name == leaf:
                    aliases.add(alias.asname or alias.name)
        if isinstance(node, ast.Import):
            aliases.update(a.asname for a in node.names if a.name == module and a.asname)
    return aliases, bare, other


def _edits(source: str, old: str, aliases: set[str], bare: bool, own: bool) -> list[tuple]:
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    edits: list[tuple] = []
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and tok.string == old:
            if i and tokens[i - 1].string == ".":
                owner = tokens[i - 2]
                dotted = i >= 3 and tokens[i - 3].string == "."
                if owner.type == tokenize.NAME and owner.string in aliases and not dotted:
                    edits.append(("name", *tok.start))
            elif bare:
                edits.append(("name", *tok.start))
        elif own and tok.type == tokenize.STRING and tok.string in (f'"{old}"', f"'{old}'"):
            edits.append(("string", *tok.start))
    return edits


def rename_file(path: Path, module: str, old: str, new: str, own: bool) -> bool:
    """Rename ``old`` to ``new`` in one file; True when it changed."""
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    aliases, bare, other = _imports(tree, module, old)
    bare = bare or own
    local = any(isinstance(n, ast.ClassDef) and n.name == old for n in ast.walk(tree))
    if not own and (local or other) and bare:
        print("CONFLICT", path)
        bare = False
    if not bare and not aliases:
        return False
    edits = _edits(source, old, aliases, bare, own)
    if not edits:
        return False
    lines = source.split("\n")
    for kind, row, col in sorted(edits, key=lambda e: (e[1], e[2]), reverse=True):
        line = lines[row - 1]
        width = len(old) + (2 if kind == "string" else 0)
        text = f'"{new}"' if kind == "string" else new
        lines[row - 1] = line[:col] + text + line[col + width :]
    path.write_text("\n".join(lines), encoding="utf-8")
    return True


def main(module: str, old: str, new: str) -> None:
    """Rename across every tracked Python file."""
    own_path = Path(module.replace(".", "/") + ".py")
    if not own_path.exists():
        own_path = Path(module.replace(".", "/")) / "__init__.py"
    listed = subprocess.run(["git", "ls-files", "*.py"], capture_output=True, text=True, check=True)
    changed = [
        name
        for name in listed.stdout.split()
        if rename_file(Path(name), module, old, new, Path(name) == own_path)
    ]
    print(len(changed), "files:", " ".join(changed))


if __name__ == "__main__":
    main(*sys.argv[1:4])
