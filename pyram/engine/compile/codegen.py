"""Compile bound expressions into batch kernels: one list comprehension per expression.

An expression becomes Python source over per-row variables ``v0, v1, ...`` (the batch columns it
reads, zipped together) and constants ``k0, k1, ...``. Two translations exist:

* value form (:meth:`Translator.value`): the SQL value, ``None`` for NULL (three-valued logic);
* truth form (:meth:`Translator.truth` / :meth:`Translator.falsity`): a Python bool that is True
  exactly when the SQL value is TRUE (or FALSE). WHERE and ON only need "is it TRUE", which
  needs no NULL bookkeeping beyond ``is not None`` guards, so filters compile to tight code.

Size: a kernel stays valid Python for any expression. CPython refuses about 200 nested
parentheses, so a subexpression met deeper than ``_SPLIT_DEPTH`` levels becomes its own small
function (``_s0(v1, v3)``, defined inside the kernel and called per row), a long CASE is one flat
chain of conditional expressions, and a long operator chain (:class:`ArithChain`) is cut into
segments, each a function of the previous segment's value.

Security: the source text is built only from fixed templates, operator tokens chosen from fixed
tables, and generated identifiers (``v3``, ``k0``, ``_f1``). Literal and parameter values never
appear in the source: they are bound at run time through the constants tuple, and functions
travel as bound globals of the kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from pyram.engine.compile.shortcuts import case_lookup, unchecked_sum
from pyram.functions import scalar_function
from pyram.functions import sql_numeric as numeric
from pyram.functions.sql_numeric import RANGE_HIGH, RANGE_LOW
from pyram.plan.builder import arith_result_type
from pyram.plan.expr import (
    And,
    Arith,
    ArithChain,
    Between,
    Case,
    Cast,
    ColumnRef,
    Compare,
    Exists,
    FunctionCall,
    InList,
    InSubquery,
    InValues,
    IsNull,
    Like,
    Literal_,
    Negate,
    Not,
    Or,
    Param,
    PlanExpr,
    ScalarSubquery,
)
from pyram.plan.nodes import outer_references
from pyram.types import DataType

__all__ = ["Constant", "Translator"]

_PY_COMPARE = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SIMPLE_ARITH = {"+": "+", "-": "-", "*": "*"}
_SLOW_ARITH = {"+": numeric.add, "-": numeric.sub, "*": numeric.mul}
#: the 64-bit range test around a result, as ints (INTEGER arithmetic) or floats (REAL, where it
#: also sends NaN and infinities to the slow path)
_INT_BOUNDS = (f"{numeric.I64_MIN} <= ", f" <= {numeric.I64_MAX}")
_FLOAT_BOUNDS = (f"{RANGE_LOW!r} <= ", f" < {RANGE_HIGH!r}")
#: Translation depth past which a subexpression becomes its own function. A level adds at most
#: about three parentheses, so a function body stays far below CPython's limit of 200.
_SPLIT_DEPTH = 24
#: Steps of an operator chain translated inline before the chain continues in a new function.
_CHAIN_SEGMENT = 16
#: WHEN branches per flat conditional chain (CPython parses a few thousand; chunks nest once).
_CASE_CHUNK = 256


@attrs.frozen
class _Computed(PlanExpr):
    """A value already translated to ``source`` (a call of a split-off function that reads
    the batch positions ``positions``); only the translator makes these."""

    source: str
    type_: DataType
    may_be_null: bool
    positions: tuple[int, ...]

    @property
    def dtype(self) -> DataType:
        return self.type_

    @property
    def nullable(self) -> bool:
        return self.may_be_null


@attrs.frozen
class Constant:
    """A value the kernel reads from its constants tuple, resolved per execution.

    ``kind`` is "literal" (``value`` is the value), "param" (``value`` is the parameter key),
    "subquery" (``value`` is the subquery expression, evaluated once per execution), "outer"
    (``value`` is an outer column id), "probe" (``value`` is a tuple of literal and param
    constants: an IN list, resolved once per execution to ``(members, has_null)``) or
    "in_params" (``value`` is ``(members, has_null, keys)``: an :class:`InValues` list's
    constants as a probe and its parameters' keys, whose values join it once per execution).
    """

    kind: str
    value: Any


#: the probes of the last few IN lists: a filter compiles its predicate twice (mask and
#: kept-values kernels), and a list of 100,000 values is worth building into a set once
_recent_probes: dict[int, tuple[tuple[Any, ...], tuple[Any, bool]]] = {}


def _probe_of(values: tuple[Any, ...]) -> tuple[Any, bool]:
    """``(members, has_null)`` of an IN list's constants."""
    seen = _recent_probes.get(id(values))
    if seen is not None and seen[0] is values:  # the entry holds ``values``: ids not reused
        return seen[1]
    members: Any
    try:
        members = frozenset(values)
        has_null = None in members
        members = members - {None} if has_null else members
    except TypeError:  # an unhashable value (JSON): compared one by one, as in3 would
        members = tuple(v for v in values if v is not None)
        has_null = len(members) != len(values)
    probe = (members, has_null)
    if len(_recent_probes) >= 8:
        _recent_probes.clear()
    _recent_probes[id(values)] = (values, probe)
    return probe


class Translator:
    """Translate expressions over one batch layout into Python source fragments.

    Attributes:
        layout: column id -> batch position.
        used: batch positions read, in first-use order (the zip order of the comprehension).
        constants: values behind ``k0, k1, ...``.
        globals: helper objects the source refers to (``_f0`` functions, runtime helpers).
    """

    def __init__(self, layout: Mapping[int, int]) -> None:
        self.layout = layout
        self.used: list[int] = []
        self.constants: list[Constant] = []
        self.globals: dict[str, Any] = {}
        #: split-off functions (``def _s0(...)``), defined in the kernel before its body
        self.functions: list[str] = []
        self._temps = 0
        self._depth = 0
        #: True when the expression calls a non-deterministic function (random())
        self.volatile = False

    # ------------------------------------------------------------------ names
    def _column(self, ref: ColumnRef) -> str:
        position = self.layout.get(ref.cid)
        if position is None:
            # An outer column of a correlated subquery: constant for one execution of it.
            return self.constant(Constant("outer", ref.cid))
        if position not in self.used:
            self.used.append(position)
        return f"v{position}"

    def constant(self, constant: Constant) -> str:
        """The name of a constant slot (literals with equal values share nothing: kept simple)."""
        name = f"k{len(self.constants)}"
        self.constants.append(constant)
        return name

    def helper(self, obj: Callable[..., Any], prefix: str = "_h") -> str:
        """Bind a helper object as a kernel global; returns its generated name."""
        for name, existing in self.globals.items():
            if existing is obj:
                return name
        name = f"{prefix}{len(self.globals)}"
        self.globals[name] = obj
        return name

    def _use(self, position: int) -> None:
        if position not in self.used:
            self.used.append(position)

    def _nested(self, expr: PlanExpr, form: str, translate: Callable[[PlanExpr], str]) -> str:
        """``translate(expr)`` one level deeper, or a call of a split-off function past
        :data:`_SPLIT_DEPTH` (so no function body nests too deeply for CPython)."""
        if self._depth >= _SPLIT_DEPTH and not self._is_simple(expr):
            return self._split(expr, form)
        self._depth += 1
        try:
            return translate(expr)
        finally:
            self._depth -= 1

    def _split(self, expr: PlanExpr, form: str) -> str:
        """Translate ``expr`` (in ``form``: value, truth or falsity) as a function of the
        batch positions it reads; returns the call."""
        return self._split_call(expr, form)[0]

    def _split_call(self, expr: PlanExpr, form: str) -> tuple[str, tuple[int, ...]]:
        """The call of a new function computing ``expr``, and the batch positions it reads.
        Constants, helpers and functions are shared with this translator, so the kernel binds
        them once."""
        sub = Translator(self.layout)
        sub.constants, sub.globals, sub.functions = self.constants, self.globals, self.functions
        body = getattr(sub, form)(expr)
        self.volatile = self.volatile or sub.volatile
        for position in sub.used:
            self._use(position)
        params = ", ".join(f"v{p}" for p in sub.used)
        name = f"_s{len(self.functions)}"
        self.functions.append(f"def {name}({params}):\n    return {body}")
        return f"{name}({params})", tuple(sub.used)

    def _temp(self) -> str:
        self._temps += 1
        return f"t{self._temps}"

    def _bind(self, source: str, simple: bool) -> tuple[str, str]:
        """(first use, later uses) of a value: a walrus temp unless it is a plain name."""
        if simple:
            return source, source
        temp = self._temp()
        return f"({temp} := {source})", temp

    @staticmethod
    def _is_simple(expr: PlanExpr) -> bool:
        return isinstance(expr, ColumnRef | Literal_ | Param)

    # ------------------------------------------------------------------ value form
    def value(self, expr: PlanExpr) -> str:
        """Source of the SQL value of ``expr`` (None for NULL)."""
        return self._nested(expr, "value", self._value)

    def _value(self, expr: PlanExpr) -> str:
        if isinstance(expr, _Computed):
            for position in expr.positions:
                self._use(position)
            return expr.source
        if isinstance(expr, ColumnRef):
            return self._column(expr)
        if isinstance(expr, Literal_):
            return "None" if expr.value is None else self.constant(Constant("literal", expr.value))
        if isinstance(expr, Param):
            return self.constant(Constant("param", expr.key))
        if isinstance(expr, ScalarSubquery | Exists):
            return self._subquery(expr)
        if isinstance(expr, Negate):
            widen = self.helper(numeric.widen)
            high = _INT_BOUNDS[1] if expr.dtype.name == "INTEGER" else _FLOAT_BOUNDS[1]
            return self._null_guarded([expr.arg], lambda a: self._negate(a[0], widen, high))
        if isinstance(expr, Arith):
            return self._arith(expr)
        if isinstance(expr, ArithChain):
            return self._arith_chain(expr)
        if isinstance(expr, Compare):
            op = _PY_COMPARE[expr.op]
            return self._null_guarded([expr.left, expr.right], lambda a: f"({a[0]} {op} {a[1]})")
        if isinstance(expr, And | Or):
            helper_name = "_and3" if isinstance(expr, And) else "_or3"
            from pyram.functions import sql_ops as runtime

            fn = runtime.and3 if isinstance(expr, And) else runtime.or3
            self.globals[helper_name] = fn
            return f"{helper_name}({', '.join(self.value(a) for a in expr.args)})"
        if isinstance(expr, Not):
            return self._null_guarded([expr.arg], lambda a: f"(not {a[0]})")
        if isinstance(expr, IsNull):
            return f"({self.value(expr.arg)} is {'not ' if expr.negated else ''}None)"
        if isinstance(expr, Case):
            return self._case(expr)
        if isinstance(expr, FunctionCall):
            return self._func(expr)
        if isinstance(expr, Cast):
            from pyram.functions import sql_ops as runtime

            helper = self.helper(runtime.cast_value)
            target = self.constant(Constant("literal", expr.mode or expr.dtype.name))
            return self._null_guarded([expr.arg], lambda a: f"{helper}({a[0]}, {target})")
        return self._value_via_truth(expr)

    def _value_via_truth(self, expr: PlanExpr) -> str:
        """Value of a boolean expression from its truth and falsity forms."""
        if not expr.nullable:
            return self.truth(expr)
        return f"(True if {self.truth(expr)} else (False if {self.falsity(expr)} else None))"

    def _null_guarded(self, args: list[PlanExpr], build: Callable[[list[str]], str]) -> str:
        """``build(args)``, or None when any nullable argument is NULL."""
        firsts, laters, guards = [], [], []
        for arg in args:
            source = self.value(arg)
            if arg.nullable:
                first, later = self._bind(source, self._is_simple(arg))
                guards.append(f"{first} is None")
                laters.append(later)
            else:
                laters.append(source)
            firsts.append(source)
        body = build(laters)
        if not guards:
            return build(firsts)
        return f"(None if {' or '.join(guards)} else {body})"

    def _arith(self, expr: Arith) -> str:
        from pyram.functions import sql_ops as runtime

        if expr.op != "||" and expr.dtype.family not in ("numeric", "null"):
            # arithmetic the operand types define (timestamp + interval): Python's operator
            name = self.helper(runtime.typed_arith(expr.op))
            return self._null_guarded([expr.left, expr.right], lambda a: f"{name}({a[0]}, {a[1]})")
        if expr.op in _SIMPLE_ARITH:
            op = _SIMPLE_ARITH[expr.op]
            slow = self.helper(_SLOW_ARITH[expr.op])
            # int bounds compare ints fastest, float bounds floats (both are exact tests)
            bounds = _INT_BOUNDS if expr.dtype.name == "INTEGER" else _FLOAT_BOUNDS
            return self._null_guarded(
                [expr.left, expr.right], lambda a: self._checked_arith(op, slow, bounds, a)
            )
        if expr.op == "||":
            both_text = expr.left.dtype.family == "text" and expr.right.dtype.family == "text"
            if both_text:
                return self._null_guarded([expr.left, expr.right], lambda a: f"({a[0]} + {a[1]})")
            name = self.helper(runtime.concat)
            return self._null_guarded([expr.left, expr.right], lambda a: f"{name}({a[0]}, {a[1]})")
        name = self.helper(runtime.div if expr.op == "/" else runtime.mod)
        return self._null_guarded([expr.left, expr.right], lambda a: f"{name}({a[0]}, {a[1]})")

    def _arith_chain(self, expr: ArithChain) -> str:
        """A long chain as the binary steps it stands for, :data:`_CHAIN_SEGMENT` at a time;
        each full segment becomes a function whose value starts the next one. A sum of
        columns whose values are small enough skips the checks (see :mod:`.shortcuts`)."""
        plain = unchecked_sum(self, expr)
        checked = self._checked_chain(expr)
        return checked if plain is None else f"(({plain[0]}) if {plain[1]} else {checked})"

    def _checked_chain(self, expr: ArithChain) -> str:
        acc: PlanExpr = expr.args[0]
        steps = list(expr.steps())
        for start in range(0, len(steps), _CHAIN_SEGMENT):
            for op, arg in steps[start : start + _CHAIN_SEGMENT]:
                acc = Arith(op, acc, arg, arith_result_type(op, acc.dtype, arg.dtype))
            if start + _CHAIN_SEGMENT < len(steps):
                call, positions = self._split_call(acc, "value")
                acc = _Computed(call, acc.dtype, acc.nullable, positions)
        return self.value(acc)

    def _checked_arith(self, op: str, slow: str, bounds: tuple[str, str], args: list[str]) -> str:
        """``a op b`` as SQLite computes it. The common case costs one chained comparison: a
        result inside the 64-bit range is final; anything else (an int outside it, a NaN, an
        infinity or a huge REAL) goes to the exact slow path ``slow(a, b)``."""
        firsts, names = [], []
        for source in args:
            if source.isidentifier():
                firsts.append(source)
                names.append(source)
            else:  # evaluated once: the slow path reuses the value
                temp = self._temp()
                firsts.append(f"({temp} := {source})")
                names.append(temp)
        r = self._temp()
        computed = f"({r} := {firsts[0]} {op} {firsts[1]})"
        low, high = bounds
        return f"({r} if {low}{computed}{high} else {slow}({names[0]}, {names[1]}))"

    def _negate(self, source: str, widen: str, high: str) -> str:
        """``-a``; only ``-(-2**63)`` leaves the 64-bit range (it becomes REAL)."""
        r = self._temp()
        return f"({r} if ({r} := -{source}){high} else {widen}({r}))"

    def _case(self, expr: Case) -> str:
        lookup = case_lookup(self, expr)
        if lookup is not None:
            return lookup
        # a flat chain ``(r1) if (c1) else (r2) if (c2) else ... default``: no nesting for
        # CPython's parser however many WHENs; long chains nest once per _CASE_CHUNK
        branches = [f"({self.value(r)}) if ({self.truth(c)}) else" for c, r in expr.whens]
        source = self.value(expr.default)
        for start in reversed(range(0, len(branches), _CASE_CHUNK)):
            source = "(" + " ".join(branches[start : start + _CASE_CHUNK]) + f" {source})"
        return source

    def _func(self, expr: FunctionCall) -> str:
        # a database's own function rides in the plan; the kernel references its object
        fn = expr.udf or scalar_function(expr.name)
        self.volatile = self.volatile or not fn.deterministic
        name = self.helper(fn.impl, "_f")
        if fn.propagates_null:
            return self._null_guarded(list(expr.args), lambda a: f"{name}({', '.join(a)})")
        return f"{name}({', '.join(self.value(a) for a in expr.args)})"

    # ------------------------------------------------------------------ truth form
    def truth(self, expr: PlanExpr) -> str:
        """Source of a Python bool: True exactly when the SQL value is TRUE."""
        return self._nested(expr, "truth", self._truth)

    def _truth(self, expr: PlanExpr) -> str:
        if isinstance(expr, Compare):
            return self._compare(expr, expr.op)
        if isinstance(expr, And):
            return "(" + " and ".join(self.truth(a) for a in expr.args) + ")"
        if isinstance(expr, Or):
            return "(" + " or ".join(self.truth(a) for a in expr.args) + ")"
        if isinstance(expr, Not):
            return self.falsity(expr.arg)
        if isinstance(expr, IsNull):
            return self.value(expr)
        if isinstance(expr, Between):
            return self._between(expr, negated=expr.negated)
        if isinstance(expr, InList):
            return self._in_list(expr, want=not expr.negated)
        if isinstance(expr, InValues):
            return self._in_values(expr, want=not expr.negated)
        if isinstance(expr, InSubquery):
            return self._in_subquery(expr, want=not expr.negated)
        if isinstance(expr, Like):
            return self._like(expr, want=not expr.negated)
        if isinstance(expr, Literal_):
            return "True" if expr.value is True else "False"
        return f"({self.value(expr)} is True)"

    def falsity(self, expr: PlanExpr) -> str:
        """Source of a Python bool: True exactly when the SQL value is FALSE."""
        return self._nested(expr, "falsity", self._falsity)

    def _falsity(self, expr: PlanExpr) -> str:
        if isinstance(expr, Compare):
            return self._compare(expr, _INVERSE_SQL[expr.op])
        if isinstance(expr, And):
            return "(" + " or ".join(self.falsity(a) for a in expr.args) + ")"
        if isinstance(expr, Or):
            return "(" + " and ".join(self.falsity(a) for a in expr.args) + ")"
        if isinstance(expr, Not):
            return self.truth(expr.arg)
        if isinstance(expr, IsNull):
            return f"(not {self.value(expr)})"
        if isinstance(expr, Between):
            return self._between(expr, negated=not expr.negated)
        if isinstance(expr, InList):
            return self._in_list(expr, want=expr.negated)
        if isinstance(expr, InValues):
            return self._in_values(expr, want=expr.negated)
        if isinstance(expr, InSubquery):
            return self._in_subquery(expr, want=expr.negated)
        if isinstance(expr, Like):
            return self._like(expr, want=expr.negated)
        if isinstance(expr, Literal_):
            return "True" if expr.value is False else "False"
        return f"({self.value(expr)} is False)"

    def _guarded_truth(self, args: list[PlanExpr], build: Callable[[list[str]], str]) -> str:
        """``build(args)`` only when no nullable argument is NULL (else False)."""
        parts, names = [], []
        for arg in args:
            source = self.value(arg)
            if arg.nullable:
                first, later = self._bind(source, self._is_simple(arg))
                parts.append(f"{first} is not None")
                names.append(later)
            else:
                names.append(source)
        parts.append(build(names))
        return "(" + " and ".join(parts) + ")"

    def _compare(self, expr: Compare, op: str) -> str:
        py = _PY_COMPARE[op]
        return self._guarded_truth([expr.left, expr.right], lambda a: f"{a[0]} {py} {a[1]}")

    def _between(self, expr: Between, negated: bool) -> str:
        if negated:
            # NOT BETWEEN is TRUE when the value is below low or above high (each non-NULL)
            low = Compare("<", expr.arg, expr.low)
            high = Compare(">", expr.arg, expr.high)
            return f"({self.truth(low)} or {self.truth(high)})"
        return self._guarded_truth(
            [expr.arg, expr.low, expr.high], lambda a: f"{a[1]} <= {a[0]} <= {a[2]}"
        )

    def _in_list(self, expr: InList, want: bool) -> str:
        """Truth (``want`` True) or falsity of ``arg IN (items)``."""
        items = expr.items
        if all(isinstance(i, Literal_) for i in items):
            values = [i.value for i in items if isinstance(i, Literal_)]
            has_null = any(v is None for v in values)
            members = frozenset(v for v in values if v is not None)
            name = self.constant(Constant("literal", members))
            if want:
                return self._guarded_truth([expr.arg], lambda a: f"{a[0]} in {name}")
            if has_null:
                return "False"  # x NOT IN (..., NULL) is never TRUE
            return self._guarded_truth([expr.arg], lambda a: f"{a[0]} not in {name}")
        if all(isinstance(i, Literal_ | Param) for i in items):
            # parameters (and literals beside them): one probe set built once per execution
            # from the values, O(n) in the list and no code per item
            slots = tuple(
                Constant("literal", i.value)
                if isinstance(i, Literal_)
                else Constant("param", i.key)
                for i in items
                if isinstance(i, Literal_ | Param)
            )
            return self._probe(expr.arg, self.constant(Constant("probe", slots)), want)
        from pyram.functions import sql_ops as runtime

        helper = self.helper(runtime.in3)
        tuple_src = "(" + "".join(f"{self.value(i)}, " for i in items) + ")"
        value = f"{helper}({self.value(expr.arg)}, {tuple_src})"
        return f"({value} is {'True' if want else 'False'})"

    def _in_values(self, expr: InValues, want: bool) -> str:
        """Truth or falsity of an IN list held as data: one set probe per row, the set built
        at plan time from the constants (and once per execution with the parameters)."""
        members, has_null = _probe_of(expr.values)
        if expr.params:
            name = self.constant(Constant("in_params", (members, has_null, expr.params)))
        else:
            name = self.constant(Constant("literal", (members, has_null)))
        return self._probe(expr.arg, name, want)

    def _probe(self, arg: PlanExpr, name: str, want: bool) -> str:
        """Truth or falsity of ``arg IN`` a non-empty probe ``name`` = (members, has_null)."""
        if want:
            return self._guarded_truth([arg], lambda a: f"{a[0]} in {name}[0]")
        # NOT IN is TRUE only for a non-NULL value absent from a list without NULLs
        return self._guarded_truth([arg], lambda a: f"not {name}[1] and {a[0]} not in {name}[0]")

    def _subquery(self, expr: ScalarSubquery | Exists | InSubquery) -> str:
        """A subquery's value: a per-execution constant, or a per-row call when correlated."""
        outer = sorted(outer_references(expr.plan))
        if not outer:
            return self.constant(Constant("subquery", expr))
        from pyram.engine.compile.subquery import correlated_evaluator

        helper = self.helper(correlated_evaluator(expr, tuple(outer)), "_q")
        args = "".join(f", {self.value(ColumnRef(cid, '?', expr.dtype, True))}" for cid in outer)
        return f"{helper}(x{args})"

    def _in_subquery(self, expr: InSubquery, want: bool) -> str:
        name = self._subquery(expr)
        # the constant is (members frozenset, has_null) computed once per execution
        if want:
            return self._guarded_truth([expr.arg], lambda a: f"{a[0]} in {name}[0]")
        if not expr.arg.nullable:
            return f"(not {name}[1] and {self.value(expr.arg)} not in {name}[0])"
        # x IN (empty) is FALSE even for a NULL x (SQLite): NULL is unknown only among rows
        value, again = self._bind(self.value(expr.arg), self._is_simple(expr.arg))
        return (
            f"(not {name}[1] and (not {name}[0] if {value} is None else {again} not in {name}[0]))"
        )

    def _like(self, expr: Like, want: bool) -> str:
        from pyram.functions import sql_ops as runtime

        pattern = expr.pattern
        if isinstance(pattern, Literal_) and isinstance(pattern.value, str):
            regex = (
                runtime.glob_regex(pattern.value)
                if expr.glob
                else runtime.like_regex(pattern.value, expr.escape)
            )
            name = self.constant(Constant("literal", regex.fullmatch))
            test = "is not None" if want else "is None"
            if expr.arg.dtype.family == "text":
                return self._guarded_truth([expr.arg], lambda a: f"{name}({a[0]}) {test}")
        matcher = runtime.match_glob if expr.glob else runtime.match_like
        helper = self.helper(matcher)
        extra = "" if expr.glob else f", {self.constant(Constant('literal', expr.escape))}"
        value = f"{helper}({self.value(expr.arg)}, {self.value(pattern)}{extra})"
        return f"({value} is {'True' if want else 'False'})"


_INVERSE_SQL = {"=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
