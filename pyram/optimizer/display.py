"""Plan text for tests and EXPLAIN: one node per line, indented two spaces per level.

Place in the pipeline: the optimizer's golden tests pin the output of :func:`format_plan`, so it
is stable (no column ids, no memory addresses) and readable (``Filter (age > 30)``,
``Scan user [id, name]``, ``IndexScan user.user_pkey eq (5) [id, name]``). Columns print by name;
subquery plans print under the node that uses them, labelled ``$sq1``, ``$sq2``...

>>> from pyram.plan.expr import Field
>>> from pyram.plan.nodes import Scan
>>> from pyram.types import INTEGER
>>> print(format_plan(Scan("t", ("a",), (Field(0, "a", INTEGER, False),))))
Scan t [a]
"""

from __future__ import annotations

from pyram.plan.display import SubqueryLabels, format_expr, format_window
from pyram.plan.expr import (
    Expr,
)
from pyram.plan.nodes import (
    Aggregate,
    Delete,
    Distinct,
    Filter,
    IndexScan,
    Insert,
    Join,
    Limit,
    Plan,
    Project,
    RecursiveCte,
    Scan,
    SetOp,
    Sort,
    Update,
    Values,
    Window,
    WorkTable,
    inputs,
)

__all__ = ["format_expr", "format_plan"]


_INDENT = "  "


def format_plan(plan: Plan) -> str:
    """The plan as indented text, one node per line (no trailing newline)."""
    lines: list[str] = []
    labels = SubqueryLabels()
    _format_node(plan, 0, lines, labels)
    return "\n".join(lines)


def _format_node(plan: Plan, depth: int, lines: list[str], labels: SubqueryLabels) -> None:
    start = len(labels.pending)
    lines.append(_INDENT * depth + _node_label(plan, labels))
    subplans = labels.pending[start:]
    del labels.pending[start:]
    for name, subplan in subplans:
        lines.append(_INDENT * (depth + 1) + f"{name}:")
        _format_node(subplan, depth + 2, lines, labels)
    for child in inputs(plan):
        _format_node(child, depth + 1, lines, labels)


def _names(plan: Scan | IndexScan) -> str:
    names = list(plan.columns)
    if plan.rid_cid is not None:
        names.append("rid")
    return "[" + ", ".join(names) + "]"


def _node_label(plan: Plan, labels: SubqueryLabels) -> str:
    def e(expr: Expr) -> str:
        return format_expr(expr, labels)

    if isinstance(plan, Scan):
        alias = f" AS {plan.alias}" if plan.alias else ""
        past = "" if plan.as_of is None else f" AS OF {plan.as_of!r}"
        return f"Scan {plan.table}{alias}{past} {_names(plan)}"
    if isinstance(plan, IndexScan):
        return _index_scan_label(plan, labels)
    if isinstance(plan, Filter):
        return f"Filter {e(plan.predicate)}"
    if isinstance(plan, Project):
        items = [_named(e(x), f.name) for x, f in zip(plan.exprs, plan.out, strict=True)]
        return "Project " + ", ".join(items)
    if isinstance(plan, Join):
        on = "" if plan.condition is None else f" ON {e(plan.condition)}"
        return f"Join {plan.kind}{on}"
    if isinstance(plan, Aggregate):
        groups = ", ".join(e(g) for g in plan.groups)
        names = plan.out[len(plan.groups) :]
        aggs = ", ".join(_named(e(a), f.name) for a, f in zip(plan.aggregates, names, strict=True))
        return f"Aggregate [{groups}] [{aggs}]"
    if isinstance(plan, Sort):
        keys = (_sort_key(e(k.expr), k.descending, k.nulls_first) for k in plan.keys)
        return "Sort " + ", ".join(keys)
    if isinstance(plan, Window):
        calls = ", ".join(_named(e(c), f.name) for c, f in zip(plan.calls, plan.out, strict=True))
        return f"Window [{format_window(plan.partition_by, plan.order_by, labels)}] [{calls}]"
    if isinstance(plan, Limit):
        text = "Limit " + ("ALL" if plan.limit is None else e(plan.limit))
        return text if plan.offset is None else f"{text} OFFSET {e(plan.offset)}"
    if isinstance(plan, Distinct):
        return "Distinct"
    if isinstance(plan, SetOp):
        return f"SetOp {plan.kind}{' all' if plan.all else ''}"
    if isinstance(plan, Values):
        rows = ", ".join("(" + ", ".join(e(x) for x in row) + ")" for row in plan.rows)
        return f"Values [{', '.join(f.name for f in plan.out)}] {rows}".rstrip()
    if isinstance(plan, RecursiveCte):
        columns = ", ".join(f.name for f in plan.out)
        return f"RecursiveCte #{plan.work_id} [{columns}]{' all' if plan.all else ''}"
    if isinstance(plan, WorkTable):
        return f"WorkTable #{plan.work_id} [{', '.join(f.name for f in plan.out)}]"
    return _dml_label(plan, labels)


def _dml_label(plan: Plan, labels: SubqueryLabels) -> str:
    if isinstance(plan, Insert):
        text = f"Insert {plan.table} [{', '.join(plan.columns)}]"
        conflict = plan.on_conflict
        if conflict is not None:
            text += f" on conflict{_target(conflict.target)} {conflict.action}"
            if conflict.assignments:
                text += " " + ", ".join(
                    f"{name} = {format_expr(x, labels)}" for name, x in conflict.assignments
                )
            if conflict.where is not None:
                text += f" where {format_expr(conflict.where, labels)}"
        return text
    if isinstance(plan, Update):
        sets = ", ".join(f"{name} = {format_expr(x, labels)}" for name, x in plan.assignments)
        return f"Update {plan.table} SET {sets}"
    if isinstance(plan, Delete):
        return f"Delete {plan.table}"
    return type(plan).__name__


def _index_scan_label(plan: IndexScan, labels: SubqueryLabels) -> str:
    head = f"IndexScan {plan.table}.{plan.index}"
    if plan.alias:
        head += f" AS {plan.alias}"
    if plan.keys:
        keys = ", ".join(
            "(" + ", ".join(format_expr(x, labels) for x in k) + ")" for k in plan.keys
        )
        access = f"eq {keys}"
    elif plan.low is None and plan.high is None:
        access = "ordered"
    else:
        low = "-inf" if plan.low is None else ", ".join(format_expr(x, labels) for x in plan.low)
        high = "+inf" if plan.high is None else ", ".join(format_expr(x, labels) for x in plan.high)
        opening = "[" if plan.low is not None and plan.low_inclusive else "("
        closing = "]" if plan.high is not None and plan.high_inclusive else ")"
        access = f"range {opening}{low}; {high}{closing}"
    if plan.descending:
        access += " desc"
    return f"{head} {access} {_names(plan)}"


def _named(text: str, name: str) -> str:
    return text if text == name else f"{text} AS {name}"


def _sort_key(text: str, descending: bool, nulls_first: bool | None) -> str:
    if descending:
        text += " DESC"
    if nulls_first is not None:
        text += " NULLS FIRST" if nulls_first else " NULLS LAST"
    return text


def _target(columns: tuple[str, ...]) -> str:
    return f" ({', '.join(columns)})" if columns else ""
