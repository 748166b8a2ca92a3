"""Every plan node owns its children and expressions (``inputs``/``with_inputs``,
``expressions``/``with_expressions``) and its EXPLAIN label, so rules and displays handle a node
they have never heard of: shown with a node defined only in this test."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest
from optimizer_plans import Plans, cmp, context, eq, lit, show

import pyram
from pyram.optimizer import optimize
from pyram.optimizer.rewrite import map_node_expressions, transform_plan_up
from pyram.plan import nodes as pn
from pyram.plan.display import SubqueryLabels, format_expr
from pyram.plan.expr import Literal_, PlanExpr, SortKey, WindowCall
from pyram.plan.node_base import PassesFields
from pyram.sql import parse_one
from pyram.sql.binder import Binder, BoundSelect
from pyram.types import INTEGER

QUERIES = [
    "SELECT a, count(*) FROM t WHERE b > 1 GROUP BY a HAVING count(*) > 1 ORDER BY a LIMIT 5",
    "SELECT a, row_number() OVER (PARTITION BY b ORDER BY a) FROM t",
    "SELECT * FROM t x JOIN t y ON x.a = y.b WHERE x.a IN (SELECT b FROM t)",
    "SELECT a FROM t UNION SELECT b FROM t",
    "SELECT DISTINCT a FROM t",
    "VALUES (1, 2), (3, 4)",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i FROM n",
]


def _plans() -> list[pn.Plan]:
    db = pyram.Database()
    db.sql("CREATE TABLE t (a INTEGER PRIMARY KEY, b INTEGER)")
    plans = []
    for sql in QUERIES:
        bound = Binder(sql, db._sql).bind(parse_one(sql))
        assert isinstance(bound, BoundSelect)
        plans.append(bound.plan)
    return plans


def _rebuilt(expr: PlanExpr) -> PlanExpr:
    """An equal expression that is a new object (a rewrite that changed nothing visible)."""
    return attrs.evolve(expr)  # type: ignore[misc]


@pytest.mark.parametrize("plan", _plans(), ids=range(len(QUERIES)))
def test_every_node_rebuilds_from_its_own_parts(plan: pn.Plan) -> None:
    kinds = set()
    for node in pn.walk_plan(plan):
        kinds.add(type(node).__name__)
        assert node.with_inputs(*node.inputs) is node
        assert node.with_expressions(node.expressions) is node
        copy = node.with_expressions([_rebuilt(e) for e in node.expressions])
        assert copy == node and type(copy) is type(node)
        assert copy.fields == node.fields
        if node.expressions:
            assert copy is not node  # a changed expression makes a new node
    assert kinds  # the walk found the nodes through the protocol alone


def test_a_window_node_through_the_protocol() -> None:
    plan = next(p for p in _plans() if "Window" in show(p))
    window = next(n for n in pn.walk_plan(plan) if isinstance(n, pn.Window))
    parts = window.expressions
    assert len(parts) == len(window.partition_by) + len(window.order_by) + len(window.calls)
    swapped = window.with_expressions([lit(7) if isinstance(e, WindowCall) else e for e in parts])
    assert isinstance(swapped, pn.Window) and swapped.calls == window.calls  # calls stay calls
    assert isinstance(window.with_inputs(window.input), pn.Window)


@attrs.frozen(slots=True)
class EveryNth(PassesFields):
    """A node the optimizer has never seen: every ``step``-th row of ``input``."""

    input: pn.Plan
    step: PlanExpr

    @property
    def expressions(self) -> tuple[PlanExpr, ...]:
        return (self.step,)

    def with_expressions(self, exprs: Sequence[PlanExpr]) -> pn.Plan:
        (step,) = exprs
        return self if step is self.step else attrs.evolve(self, step=step)

    def label(self, labels: SubqueryLabels) -> str:
        return f"EveryNth {format_expr(self.step, labels)}"


def test_a_new_node_needs_no_change_in_rules_or_display() -> None:
    p = Plans()
    scan = p.scan("user")
    inner = EveryNth(pn.Filter(scan, cmp(">", p.col(scan, "age"), 1)), lit(3))
    plan = p.select(pn.Filter(inner, eq(p.col(scan, "name"), "x")), ["id"])
    optimized = optimize(plan, context())
    # the filter above the unknown node stays above it (a barrier), the one below is used for
    # the index, columns are pruned through it, and EXPLAIN shows it
    assert (
        show(optimized)
        == """
Project id
  Filter (name = 'x')
    EveryNth 3
      IndexScan user.user_age_idx range (1; +inf) [id, name]
"""
    )
    folded = transform_plan_up(
        optimized,
        lambda n: map_node_expressions(n, lambda e: Literal_(4, INTEGER) if e == lit(3) else e),
    )
    assert "EveryNth 4" in show(folded)


def test_sort_keys_follow_their_expressions() -> None:
    p = Plans()
    scan = p.scan("user")
    node = pn.Sort(scan, (SortKey(p.col(scan, "age"), descending=True),))
    moved = node.with_expressions([p.col(scan, "id")])
    assert isinstance(moved, pn.Sort)
    assert moved.keys == (SortKey(p.col(scan, "id"), descending=True),)


def _modules_naming(node: str) -> set[str]:
    """The modules under pyram/ that use the logical node class ``node`` in code."""
    import ast as pyast
    from pathlib import Path

    root = Path(pyram.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        tree = pyast.parse(path.read_text(encoding="utf-8"))
        plan_names = {
            alias.asname or alias.name
            for n in pyast.walk(tree)
            if isinstance(n, pyast.ImportFrom) and n.module in ("pyram.plan.nodes", "pyram.plan")
            for alias in n.names
        }
        for n in pyast.walk(tree):
            named = isinstance(n, pyast.Name) and n.id == node and node in plan_names
            qualified = (
                isinstance(n, pyast.Attribute)
                and n.attr == node
                and isinstance(n.value, pyast.Name)
                and n.value.id in plan_names | {"nodes", "pn"}
            )
            if named or qualified:
                found.add(path.relative_to(root).as_posix())
                break
    return found


def test_the_window_node_follows_the_recipe() -> None:
    """Outside its own module, the Window node is named only by the recipe's files (builder,
    physical planner) and the two rules that optimize through it: the front ends build it
    through the builder, and display, walks and estimates reach it through the protocol."""
    assert _modules_naming("Window") == {
        "plan/builder.py",
        "engine/physical_planner.py",
        "optimizer/rules/prune_columns.py",
        "optimizer/rules/pushdown_filters.py",
    }
