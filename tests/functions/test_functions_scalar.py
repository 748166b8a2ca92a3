"""Scalar SQL functions and the registry: type rules, values, NULLs, and sqlite3 as the oracle.

Each function's ``impl`` is compared with stdlib sqlite3 evaluating the same SQL function on the
same arguments, over fixed grids and hypothesis-generated values.
"""

from __future__ import annotations

import math
import sqlite3
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pyram.errors import ProgrammingError
from pyram.functions import (
    AggregateFunction,
    ScalarFunction,
    aggregate_function,
    all_functions,
    common_type,
    is_aggregate,
    register_aggregate,
    register_scalar,
    registry,
    scalar_function,
)
from pyram.types import (
    BLOB,
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    JSON_TYPE,
    NULLTYPE,
    REAL,
    TEXT,
    TIMESTAMP,
    DataType,
)

_DB = sqlite3.connect(":memory:")

# Text sqlite3 can hold and whose SQL functions see whole: valid UTF-8, no NUL.
TEXT_VALUES = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
SMALL_TEXT = st.text(alphabet="ab é\t", max_size=10)
INT64 = st.integers(-(2**63) + 1, 2**63 - 1)


def call(name: str, *args: Any) -> Any:
    """Evaluate a scalar function on one row the way the engine does (NULL propagation)."""
    fn = scalar_function(name)
    if fn.propagates_null and any(a is None for a in args):
        return None
    return fn.impl(*args)


def lite(name: str, *args: Any) -> Any:
    """sqlite3's answer for ``name(args...)``."""
    marks = ", ".join("?" * len(args))
    return _DB.execute(f"select {name}({marks})", args).fetchone()[0]


def rtype(name: str, *types: DataType) -> DataType:
    return scalar_function(name).return_type(types)


def same(ours: Any, theirs: Any) -> bool:
    """Equal value and equal Python type (an int is not a float here)."""
    return type(ours) is type(theirs) and ours == theirs


# --- registry ----------------------------------------------------------------------------------


def test_lookup_is_case_insensitive_and_unknown_names_fail() -> None:
    assert scalar_function("LoWeR") is scalar_function("lower")
    assert aggregate_function("SUM").name == "sum"
    with pytest.raises(ProgrammingError, match="no such function: nope"):
        scalar_function("nope")
    with pytest.raises(ProgrammingError, match="no such function: lower"):
        aggregate_function("lower")


def test_is_aggregate_resolves_min_max_by_argument_count() -> None:
    assert is_aggregate("sum") and is_aggregate("COUNT_STAR") and is_aggregate("min")
    assert not is_aggregate("lower") and not is_aggregate("nope")
    assert is_aggregate("min", 1) and not is_aggregate("min", 2) and not is_aggregate("MAX", 3)
    assert is_aggregate("sum", 2)  # still the aggregate: its arity check reports the error


@pytest.fixture
def scratch_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made by the test vanish after it."""
    monkeypatch.setattr(registry, "_SCALARS", dict(registry._SCALARS))
    monkeypatch.setattr(registry, "_AGGREGATES", dict(registry._AGGREGATES))


@pytest.mark.usefixtures("scratch_registry")
def test_register_custom_functions_and_refuse_duplicates() -> None:
    fn = ScalarFunction("test_double_it", 1, 1, lambda types: INTEGER, lambda x: 2 * x)
    register_scalar(fn)
    assert scalar_function("TEST_DOUBLE_IT").impl(21) == 42
    with pytest.raises(ProgrammingError, match="already registered"):
        register_scalar(fn)
    register_scalar(fn, replace=True)
    agg = AggregateFunction("test_first", 1, 1, lambda types: types[0], lambda v: v[0])
    register_aggregate(agg)
    assert aggregate_function("test_first").impl([3, 4]) == 3
    with pytest.raises(ProgrammingError, match="already registered"):
        register_aggregate(agg)
    with pytest.raises(ProgrammingError, match="lower-case identifier"):
        register_scalar(ScalarFunction("Bad Name", 0, 0, lambda t: INTEGER, int))


def test_every_function_has_a_one_line_doc_with_an_example() -> None:
    functions = all_functions()
    assert len(functions) >= 25
    for fn in functions:
        assert fn.doc and "\n" not in fn.doc, fn.name
        head, _, example = fn.doc.partition("Example: ")
        assert head.strip() and "(" in example, f"{fn.name}: doc needs 'Example: call(...)'"
        shown = "count(" if fn.name == "count_star" else f"{fn.name}("
        assert shown in example, fn.name


def test_every_function_accepts_null_literals_and_checks_arity() -> None:
    for fn in all_functions():
        counts = {fn.min_args, fn.max_args if fn.max_args is not None else fn.min_args + 2}
        for n in counts:
            assert isinstance(fn.return_type([NULLTYPE] * n), DataType), fn.name
        with pytest.raises(ProgrammingError, match="wrong number of arguments"):
            fn.return_type([NULLTYPE] * (fn.min_args - 1) if fn.min_args else [NULLTYPE] * 9)


def test_common_type() -> None:
    assert common_type("f", [INTEGER, INTEGER]) == INTEGER
    assert common_type("f", [INTEGER, NULLTYPE, REAL]) == REAL
    assert common_type("f", [DECIMAL, INTEGER]) == DECIMAL
    assert common_type("f", [NULLTYPE, NULLTYPE]) == NULLTYPE
    assert common_type("f", [TEXT, NULLTYPE]) == TEXT
    with pytest.raises(ProgrammingError, match="incompatible types TEXT and INTEGER"):
        common_type("f", [TEXT, INTEGER])
    with pytest.raises(ProgrammingError, match="incompatible"):
        common_type("f", [BOOLEAN, INTEGER])


# --- type rules --------------------------------------------------------------------------------

RULES: list[tuple[str, tuple[DataType, ...], DataType | None]] = [
    ("lower", (TEXT,), TEXT),
    ("upper", (NULLTYPE,), TEXT),
    ("lower", (INTEGER,), None),
    ("length", (TEXT,), INTEGER),
    ("length", (BLOB,), INTEGER),
    ("length", (REAL,), None),
    ("substr", (TEXT, INTEGER), TEXT),
    ("substr", (BLOB, INTEGER, INTEGER), BLOB),
    ("substring", (NULLTYPE, INTEGER, NULLTYPE), NULLTYPE),
    ("substr", (TEXT, REAL), None),
    ("substr", (INTEGER, INTEGER), None),
    ("substr", (TEXT, BOOLEAN, INTEGER), None),
    ("trim", (TEXT, TEXT), TEXT),
    ("rtrim", (TEXT, BLOB), None),
    ("replace", (TEXT, TEXT, TEXT), TEXT),
    ("replace", (TEXT, INTEGER, TEXT), None),
    ("instr", (TEXT, TEXT), INTEGER),
    ("instr", (BLOB, NULLTYPE), INTEGER),
    ("instr", (TEXT, BLOB), None),
    ("hex", (BLOB,), TEXT),
    ("hex", (INTEGER,), None),
    ("unicode", (TEXT,), INTEGER),
    ("unicode", (BLOB,), None),
    ("abs", (INTEGER,), INTEGER),
    ("abs", (REAL,), REAL),
    ("abs", (DECIMAL,), DECIMAL),
    ("abs", (NULLTYPE,), NULLTYPE),
    ("abs", (TEXT,), None),
    ("abs", (BOOLEAN,), None),
    ("round", (INTEGER,), REAL),
    ("round", (REAL, INTEGER), REAL),
    ("round", (DECIMAL, INTEGER), DECIMAL),
    ("round", (NULLTYPE, NULLTYPE), REAL),
    ("round", (REAL, REAL), None),
    ("round", (TEXT,), None),
    ("sign", (REAL,), INTEGER),
    ("sign", (DATE,), None),
    ("coalesce", (INTEGER, REAL), REAL),
    ("coalesce", (NULLTYPE, TEXT, TEXT), TEXT),
    ("coalesce", (NULLTYPE, NULLTYPE), NULLTYPE),
    ("coalesce", (TEXT, INTEGER), None),
    ("ifnull", (INTEGER, INTEGER), INTEGER),
    ("ifnull", (DATE, TIMESTAMP), None),
    ("nullif", (INTEGER, REAL), INTEGER),
    ("nullif", (TEXT, NULLTYPE), TEXT),
    ("nullif", (TEXT, BLOB), None),
    ("min", (INTEGER, REAL, INTEGER), REAL),
    ("max", (TEXT, TEXT), TEXT),
    ("max", (DATE, NULLTYPE), DATE),
    ("min", (JSON_TYPE, JSON_TYPE), None),
    ("max", (TEXT, INTEGER), None),
    ("random", (), INTEGER),
]


@pytest.mark.parametrize(("name", "args", "expected"), RULES)
def test_return_types(name: str, args: tuple[DataType, ...], expected: DataType | None) -> None:
    if expected is None:
        with pytest.raises(ProgrammingError, match=rf"{name}\(\): "):
            rtype(name, *args)
    else:
        assert rtype(name, *args) == expected


@pytest.mark.parametrize(
    ("name", "count"), [("lower", 0), ("lower", 2), ("substr", 1), ("substr", 4), ("random", 1)]
)
def test_wrong_argument_counts(name: str, count: int) -> None:
    with pytest.raises(ProgrammingError, match=rf"wrong number of arguments to function {name}"):
        rtype(name, *[TEXT] * count)


def test_propagation_flags() -> None:
    non_propagating = {f.name for f in all_functions() if isinstance(f, ScalarFunction)} - {
        f.name for f in all_functions() if isinstance(f, ScalarFunction) and f.propagates_null
    }
    # hex(NULL) is ''; json_build_object('a', NULL) is {"a": null}
    assert non_propagating == {"coalesce", "hex", "ifnull", "nullif", "json_build_object"}
    assert not scalar_function("random").deterministic
    assert scalar_function("lower").deterministic


# --- string functions --------------------------------------------------------------------------


def test_string_examples() -> None:
    assert call("lower", "HeLLo É") == "hello É"  # ASCII only, like SQLite
    assert call("upper", "straße é") == "STRAßE é"
    assert call("upper", "") == ""
    assert call("length", "héllo") == 5 and call("length", b"\x00\xff") == 2
    assert call("length", "") == 0 and call("length", None) is None
    assert call("length", "a\x00b") == 3  # deliberate: SQLite stops counting at the NUL
    assert call("substr", "hello", 2, 3) == "ell" and call("substring", "hello", -3) == "llo"
    assert call("substr", b"\x01\x02\x03", 2) == b"\x02\x03"
    assert call("substr", b"", 1) == b""  # deliberate: SQLite returns NULL for an empty BLOB
    assert call("substr", "hello", None, 2) is None
    assert call("trim", "  hi  ") == "hi" and call("trim", "\thi ") == "\thi"
    assert call("ltrim", "xxhixx", "x") == "hixx" and call("rtrim", "xxhixx", "x") == "xxhi"
    assert call("trim", "abc", "") == "abc" and call("trim", None, "x") is None
    assert call("replace", "a-b-c", "-", "+") == "a+b+c"
    assert call("replace", "abc", "", "x") == "abc"
    assert call("instr", "hello", "ll") == 3 and call("instr", "hello", "z") == 0
    assert call("instr", "", "") == 1 and call("instr", b"\x01\x02", b"\x02") == 2
    assert call("hex", "é") == "C3A9" and call("hex", b"") == "" and call("hex", b"\x0a") == "0A"
    assert call("unicode", "A") == 65 and call("unicode", "") is None


@given(TEXT_VALUES)
def test_case_and_length_match_sqlite(s: str) -> None:
    for name in ("lower", "upper", "length", "hex", "unicode", "trim", "ltrim", "rtrim"):
        assert same(call(name, s), lite(name, s)), name
    blob = s.encode()
    for name in ("length", "hex"):
        assert same(call(name, blob), lite(name, blob)), name


# No empty BLOB: SQLite's substr(x'', ...) is NULL (its empty blob has no pointer); PyRAM gives x''.
SUBSTR_SUBJECTS: list[str | bytes] = ["", "a", "hello", "héllo wörld", b"\x00", b"\x00\x01\x02\x03"]


def test_substr_matches_sqlite_on_a_grid() -> None:
    for subject in SUBSTR_SUBJECTS:
        for start in range(-14, 15):
            for name in ("substr", "substring"):
                assert same(call(name, subject, start), lite(name, subject, start))
            for length in range(-14, 15):
                ours = call("substr", subject, start, length)
                theirs = lite("substr", subject, start, length)
                assert same(ours, theirs), (subject, start, length, ours, theirs)


@given(TEXT_VALUES, st.integers(-(2**31), 2**31 - 1), st.integers(-(2**31), 2**31 - 1))
def test_substr_matches_sqlite(s: str, start: int, length: int) -> None:
    assert call("substr", s, start, length) == lite("substr", s, start, length)
    if abs(start) < 10**9:  # SQLite's 2-argument form reads at most 10**9 characters
        assert call("substr", s, start) == lite("substr", s, start)
    blob = s.encode()
    if blob:
        assert call("substr", blob, start, length) == lite("substr", blob, start, length)


@given(SMALL_TEXT, SMALL_TEXT, SMALL_TEXT)
def test_trim_replace_instr_match_sqlite(s: str, t: str, u: str) -> None:
    for name in ("trim", "ltrim", "rtrim", "instr"):
        assert same(call(name, s, t), lite(name, s, t)), name
    assert call("replace", s, t, u) == lite("replace", s, t, u)
    assert call("instr", s.encode(), t.encode()) == lite("instr", s.encode(), t.encode())


@given(TEXT_VALUES, TEXT_VALUES)
def test_instr_and_replace_match_sqlite_on_any_text(s: str, t: str) -> None:
    assert call("instr", s + t, t) == lite("instr", s + t, t)
    assert call("replace", s, t[:1], t) == lite("replace", s, t[:1], t)


# --- numeric functions -------------------------------------------------------------------------


def test_numeric_examples() -> None:
    assert same(call("abs", -3), 3) and same(call("abs", -2.5), 2.5)
    assert call("abs", Decimal("-1.50")) == Decimal("1.50") and call("abs", None) is None
    assert same(call("round", 2), 2.0) and same(call("round", 2.5), 3.0)
    assert same(call("round", -2.5), -3.0) and same(call("round", 0.5), 1.0)
    assert call("round", 2.675, 2) == 2.68 and call("round", 1.005, 2) == 1.01
    assert call("round", 12.345, -1) == 12.0  # negative digits count as 0
    assert call("round", 1e300, 2) == 1e300 and call("round", None, 2) is None
    assert call("round", 2.5, None) is None
    assert call("round", Decimal("2.5")) == Decimal("3")
    assert call("round", Decimal("-1.2345"), 3) == Decimal("-1.235")
    assert call("round", Decimal("1.5"), 4) == Decimal("1.5")  # nothing to round
    assert call("round", 206.0, 17) == 206.0  # SQLite 3.40's printf gives 205.9999999999999
    assert call("sign", -2.5) == -1 and call("sign", 0) == 0 and call("sign", Decimal(3)) == 1


@given(INT64.filter(lambda i: i != -(2**63)) | st.floats(allow_nan=False))
def test_abs_and_sign_match_sqlite(x: float) -> None:
    assert same(call("abs", x), lite("abs", x))
    assert same(call("sign", x), lite("sign", x))


def _close(ours: float, theirs: float) -> bool:
    """Equal, or within 2 ulp (SQLite 3.40 reads its rounded text back slightly inexactly)."""
    return ours == theirs or abs(ours - theirs) <= 2 * math.ulp(theirs)


ROUNDABLE = st.one_of(
    st.floats(-1e7, 1e7, allow_nan=False),
    st.builds(lambda m, k: float(f"{m}e-{k}"), st.integers(-(10**9), 10**9), st.integers(0, 9)),
    st.builds(lambda m, k: float(f"{m}5e-{k}"), st.integers(-(10**6), 10**6), st.integers(1, 8)),
)


@given(ROUNDABLE, st.integers(-3, 12))
def test_round_matches_sqlite(x: float, digits: int) -> None:
    # Beyond 15 significant digits SQLite 3.40's printf loses precision; PyRAM does not.
    assume(abs(x) * 10 ** max(digits, 0) < 1e14)
    ours, theirs = call("round", x, digits), lite("round", x, digits)
    assert type(ours) is float and _close(ours, theirs), (x, digits, ours, theirs)
    assert same(call("round", x), lite("round", x))


@given(st.integers(-(2**53), 2**53), st.integers(0, 5))
def test_round_of_integers_matches_sqlite(x: int, digits: int) -> None:
    if digits:
        assume(abs(x) * 10**digits < 1e14)  # as above: SQLite's printf precision
    assert same(call("round", x, digits), lite("round", x, digits))


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6), st.integers(0, 6))
def test_round_decimal_is_half_away_from_zero(x: Decimal, digits: int) -> None:
    result = call("round", x, digits)
    assert isinstance(result, Decimal)
    assert abs(result - x) <= Decimal(1).scaleb(-digits) / 2
    twice = call("round", x * 2, digits)
    assert abs(twice) >= abs(result)  # monotone in magnitude


# --- NULL handling, min/max, random ------------------------------------------------------------

SMALL_VALUES = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([1.0, -0.5, 2.5]))


@given(st.lists(SMALL_VALUES, min_size=2, max_size=5))
def test_coalesce_min_max_match_sqlite(values: list[Any]) -> None:
    for name in ("coalesce", "min", "max"):
        assert same(call(name, *values), lite(name, *values)), name
    a, b = values[:2]
    for name in ("ifnull", "nullif"):
        assert same(call(name, a, b), lite(name, a, b)), name


@given(st.lists(st.none() | SMALL_TEXT, min_size=2, max_size=4))
def test_text_min_max_coalesce_match_sqlite(values: list[str | None]) -> None:
    for name in ("coalesce", "min", "max"):
        assert call(name, *values) == lite(name, *values), name


def test_null_handling_examples() -> None:
    assert call("coalesce", None, None) is None and call("coalesce", None, 2, 3) == 2
    assert call("ifnull", None, "x") == "x" and call("ifnull", "", "x") == ""
    assert call("nullif", 3, 3) is None and call("nullif", 3, 4) == 3
    assert call("nullif", None, 3) is None and call("nullif", 3, None) == 3
    assert call("nullif", "", "") is None
    assert call("min", 3, 1, 2) == 1 and call("max", "b", "a") == "b"
    assert call("max", 1, None) is None
    assert same(call("min", 1, 1.0), 1.0) and same(call("max", 1, 1.0), 1)  # SQLite's ties
    assert call("max", b"\x01", b"\x01\x00") == b"\x01\x00"


def test_random_is_a_signed_64_bit_integer() -> None:
    values = {call("random") for _ in range(200)}
    assert len(values) > 190
    assert all(type(v) is int and -(2**63) <= v < 2**63 for v in values)
    assert any(v < 0 for v in values) and any(v > 0 for v in values)
