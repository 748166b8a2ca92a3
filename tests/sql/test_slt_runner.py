"""The sqllogictest runner: parsing, value rendering, sorting, hashing, labels, conditions,
statement outcomes, sampling, the command line, and stdlib sqlite3 over the shared corpus."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from slt_runner import (
    SLT_ROOT,
    Condition,
    FileReport,
    Record,
    SltFormatError,
    SqliteEngine,
    collect_scripts,
    format_value,
    hash_line,
    hash_values,
    main,
    parse_text,
    run_file,
    sort_values,
)

CORPUS_SAMPLE = 25  # every 25th query (and every statement) of each corpus script


def run_script(tmp_path: Path, text: str, sample: int | None = None) -> FileReport:
    """Run ``text`` as a script on a fresh stdlib sqlite3 database."""
    path = tmp_path / "script.test"
    path.write_text(text, encoding="utf-8")
    return run_file(path, SqliteEngine, sample)


def statuses(report: FileReport) -> list[tuple[int, str]]:
    return [(result.line, result.status) for result in report.results]


def only(text: str) -> Record:
    (record,) = parse_text(text)
    return record


# ---------------------------------------------------------------------------------------------
# Parsing


def test_parse_statements() -> None:
    records = list(parse_text("statement ok\nCREATE TABLE t(a)\n\nstatement error\nSELECT\nFROM\n"))
    assert records == [
        Record("statement ok", 1, sql="CREATE TABLE t(a)"),
        Record("statement error", 4, sql="SELECT\nFROM"),
    ]


def test_parse_query_with_every_field() -> None:
    record = only("query ITR rowsort label-7\nSELECT a,\n  b, c FROM t\n----\n1\nx\n2.000\n")
    assert record == Record(
        "query",
        1,
        sql="SELECT a,\n  b, c FROM t",
        types="ITR",
        sortmode="rowsort",
        label="label-7",
        expected=("1", "x", "2.000"),
    )
    assert record.expected_hash is None


def test_parse_query_defaults_and_hash_line() -> None:
    record = only("query I\nSELECT 1\n----\n30 values hashing to 0123456789abcdef0123456789abcdef")
    assert (record.sortmode, record.label) == ("nosort", None)
    assert record.expected_hash == (30, "0123456789abcdef0123456789abcdef")


def test_parse_query_without_results() -> None:
    record = only("query T valuesort\nSELECT x FROM t WHERE 0\n")
    assert (record.sql, record.expected) == ("SELECT x FROM t WHERE 0", ())
    assert only("query T\nSELECT 1\n----\n").expected == ()


def test_parse_comments_crlf_and_blank_lines() -> None:
    text = (
        "# a comment\r\n"
        "hash-threshold 3\r\n"
        "   \r\n"
        "query I nosort\r\n"
        "# a comment inside a record is dropped, not a separator\r\n"
        "SELECT 1\r\n"
        "----\r\n"
        "1\r\n"
        "\r\n"
        "\r\n"
        "halt\r\n"
    )
    records = list(parse_text(text))
    assert [(r.kind, r.line) for r in records] == [
        ("hash-threshold", 2),
        ("query", 4),
        ("halt", 11),
    ]
    assert records[0].threshold == 3
    assert (records[1].sql, records[1].expected) == ("SELECT 1", ("1",))


def test_parse_conditions() -> None:
    record = only("skipif mysql\nonlyif sqlite # a trailing comment\nstatement ok\nSELECT 1")
    assert record.line == 3
    assert record.conditions == (Condition(True, "mysql"), Condition(False, "sqlite"))
    assert record.runs_on("sqlite")
    assert not record.runs_on("mysql")
    assert not only("onlyif mssql\nhalt").runs_on("sqlite")
    assert not only("skipif SQLite\nhalt").runs_on("sqlite")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("query X\nSELECT 1", "bad type string"),
        ("query\nSELECT 1", "bad type string"),
        ("query I sometimes\nSELECT 1", "unknown sort method"),
        ("statement maybe\nSELECT 1", "'ok' or 'error'"),
        ("frobnicate\nSELECT 1", "unknown record type"),
        ("onlyif\nstatement ok\nSELECT 1", "without an engine name"),
        ("skipif mysql\n\nstatement ok\nSELECT 1", "conditions without a record"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(SltFormatError, match=message) as caught:
        list(parse_text(text, "x.test"))
    assert str(caught.value).startswith("x.test:1: ")


# ---------------------------------------------------------------------------------------------
# Rendering values


@pytest.mark.parametrize(
    ("value", "i", "r", "t"),
    [
        (None, "NULL", "NULL", "NULL"),
        (float("nan"), "NULL", "NULL", "NULL"),
        ("", "0", "0.000", "(empty)"),
        (b"", "0", "0.000", "(empty)"),
        (0, "0", "0.000", "0"),
        (-42, "-42", "-42.000", "-42"),
        (True, "1", "1.000", "1"),
        (3.99, "3", "3.990", "3.99"),
        (-3.99, "-3", "-3.990", "-3.99"),
        (1.0, "1", "1.000", "1.0"),
        (-0.0, "0", "0.000", "0.0"),
        (100.0, "100", "100.000", "100.0"),
        (0.1 + 0.2, "0", "0.300", "0.3"),
        (1e20, "9223372036854775807", "100000000000000000000.000", "1.0e+20"),
        (1.5e-7, "0", "0.000", "1.5e-07"),
        (123456789012345.0, "123456789012345", "123456789012345.000", "123456789012345.0"),
        (1e15, "1000000000000000", "1000000000000000.000", "1.0e+15"),
        (float("inf"), "9223372036854775807", "Inf", "Inf"),
        (float("-inf"), "-9223372036854775808", "-Inf", "-Inf"),
        (2**70, "9223372036854775807", "1180591620717411000000.000", "1180591620717411303424"),
        ("12abc", "12", "12.000", "12abc"),
        (" -7.5e2x", "-7", "-750.000", " -7.5e2x"),
        ("abc", "0", "0.000", "abc"),
        ("tab\there\n", "0", "0.000", "tab@here@"),
        ("héllo", "0", "0.000", "h@@llo"),
        (b"\x01a\xffb", "0", "0.000", "@a@b"),
        (Decimal("2.5"), "2", "2.500", "2.5"),
    ],
)
def test_format_value(value: object, i: str, r: str, t: str) -> None:
    assert [format_value(value, kind) for kind in "IRT"] == [i, r, t]


@pytest.mark.parametrize(
    ("value", "r"),
    [
        (0.0625, "0.063"),  # an exact tie rounds half up (away from zero), unlike Python's %.3f
        (-0.0625, "-0.063"),
        (2.0005, "2.001"),  # 2.000499999999999989... : below the tie
        (0.1235, "0.123"),  # 0.123499999999999998... : below the tie
        (-1e-9, "-0.000"),
        (-9223372036854775808.0, "-9223372036854776000.000"),  # at most 16 significant digits
        (-1.8446744073709552e19, "-18446744073709550000.000"),
        (123456789012345678.0, "123456789012345700.000"),
    ],
)
def test_format_real_rounding(value: float, r: str) -> None:
    assert format_value(value, "R") == r


@pytest.mark.parametrize(
    ("value", "t"),
    [
        (1234567890123.125, "1234567890123.13"),  # 15 significant digits, a tie rounds up
        (0.1, "0.1"),
        (1 / 3, "0.333333333333333"),
        (2 / 3, "0.666666666666667"),
        (123456789012345678.0, "1.23456789012346e+17"),
        (-1.5e-5, "-1.5e-05"),
        (1e100, "1.0e+100"),
        (9.9999999999999999e14, "1.0e+15"),  # rounding carries into a new digit
        (0.0001, "0.0001"),
    ],
)
def test_format_real_as_text(value: float, t: str) -> None:
    assert format_value(value, "T") == t


def test_format_rejects_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        format_value(1, "X")


# ---------------------------------------------------------------------------------------------
# Sorting and hashing


def test_rowsort_compares_columns_as_strings() -> None:
    rows = [["9", "b"], ["10", "z"], ["NULL", "a"], ["10", "a"], ["-1", "c"]]
    assert sort_values(rows, "rowsort") == ["-1", "c", "10", "a", "10", "z", "9", "b", "NULL", "a"]


def test_valuesort_and_nosort() -> None:
    rows = [["9", "b"], ["10", "a"]]
    assert sort_values(rows, "valuesort") == ["10", "9", "a", "b"]
    assert sort_values(rows, "nosort") == ["9", "b", "10", "a"]


def test_hash_values() -> None:
    assert hash_values(["1", "2", "3"]) == hashlib.md5(b"1\n2\n3\n").hexdigest()
    assert hash_values([]) == hashlib.md5(b"").hexdigest()
    assert hash_line(["1", "2", "3"]) == f"3 values hashing to {hash_values(['1', '2', '3'])}"


TABLE = "statement ok\nCREATE TABLE t(a INTEGER, b TEXT)\n\n" + "".join(
    f"statement ok\nINSERT INTO t VALUES({n}, '{n * 'x'}')\n\n" for n in range(1, 6)
)
ALL_ROWS = ["1", "x", "2", "xx", "3", "xxx", "4", "xxxx", "5", "xxxxx"]


def test_results_above_the_hash_threshold_are_hashed(tmp_path: Path) -> None:
    script = (
        TABLE
        + "hash-threshold 4\n\n"
        + f"query IT rowsort\nSELECT a, b FROM t\n----\n{hash_line(ALL_ROWS)}\n\n"
        + "query I nosort\nSELECT a FROM t WHERE a < 5 ORDER BY a\n----\n1\n2\n3\n4\n\n"
        + "query IT rowsort\nSELECT a, b FROM t\n----\n"
        + "\n".join(ALL_ROWS)
        + "\n"
    )
    report = run_script(tmp_path, script)
    assert [r.status for r in report.results][-3:] == ["pass", "pass", "fail"]
    assert report.failures[0].reason == "wrong result hash"
    assert report.failures[0].got == hash_line(ALL_ROWS)


def test_hash_threshold_zero_never_hashes(tmp_path: Path) -> None:
    listed = "\n".join(ALL_ROWS)
    script = TABLE + f"hash-threshold 0\n\nquery IT rowsort\nSELECT a, b FROM t\n----\n{listed}\n"
    assert run_script(tmp_path, script).failed == 0


def test_default_threshold_is_eight(tmp_path: Path) -> None:
    hashed = TABLE + f"query IT rowsort\nSELECT a, b FROM t\n----\n{hash_line(ALL_ROWS)}\n"
    assert run_script(tmp_path, hashed).failed == 0


def test_rows_written_one_per_line(tmp_path: Path) -> None:
    script = TABLE + "query IT nosort\nSELECT a, b FROM t WHERE a < 3 ORDER BY a\n----\n1 x\n2 xx\n"
    assert run_script(tmp_path, script).failed == 0


def test_wrong_results_are_reported(tmp_path: Path) -> None:
    script = TABLE + "query I nosort\nSELECT a FROM t WHERE a < 3 ORDER BY a\n----\n1\n3\n"
    report = run_script(tmp_path, script)
    (failure,) = report.failures
    assert (failure.line, failure.reason, failure.expected, failure.got) == (
        19,
        "wrong result",
        "1 3",
        "1 2",
    )
    assert str(failure) == f"{tmp_path / 'script.test'}:19: wrong result"
    assert "SELECT a FROM t WHERE a < 3 ORDER BY a" in failure.details()


def test_missing_and_extra_values_fail(tmp_path: Path) -> None:
    script = (
        "query I nosort\nSELECT 1 UNION ALL SELECT 2\n----\n1\n\nquery I\nSELECT 1\n----\n1\n2\n"
    )
    assert run_script(tmp_path, script).failed == 2


def test_wrong_column_count_fails(tmp_path: Path) -> None:
    report = run_script(tmp_path, "query II nosort\nSELECT 1\n----\n1\n")
    assert report.failures[0].reason == "wrong number of result columns: expected 2, got 1"


# ---------------------------------------------------------------------------------------------
# Labels, conditions, statements, sampling


def test_labeled_results_must_agree(tmp_path: Path) -> None:
    script = (
        TABLE
        + "query I rowsort label-1\nSELECT a FROM t WHERE a > 3\n----\n4\n5\n\n"
        + "query I rowsort label-1\nSELECT a FROM t WHERE NOT a <= 3\n----\n4\n5\n\n"
        + "query I rowsort label-1\nSELECT a FROM t WHERE a > 2\n----\n3\n4\n5\n\n"
        + "query I rowsort label-2\nSELECT a FROM t WHERE a > 2\n----\n3\n4\n5\n"
    )
    report = run_script(tmp_path, script)
    assert [r.status for r in report.results][-4:] == ["pass", "pass", "fail", "pass"]
    assert report.failures[0].reason == "labeled result [label-1] does not agree with line 19"


def test_skipif_and_onlyif(tmp_path: Path) -> None:
    script = (
        "onlyif mysql\nquery I\nSELECT 'not sqlite'\n----\n1\n\n"
        "skipif sqlite\nstatement ok\nNOT SQL AT ALL\n\n"
        "onlyif sqlite\nquery I\nSELECT 2\n----\n2\n\n"
        "skipif mysql\nquery I\nSELECT 3\n----\n3\n\n"
        "onlyif mssql\nhalt\n\n"
        "query I\nSELECT 4\n----\n4\n\n"
        "skipif mssql\nhalt\n\n"
        "query I\nSELECT 5\n----\n5\n"
    )
    report = run_script(tmp_path, script)
    assert statuses(report) == [(2, "skip"), (8, "skip"), (12, "pass"), (18, "pass"), (26, "pass")]
    assert report.halted
    assert (report.passed, report.failed, report.skipped) == (3, 0, 2)


def test_statement_outcomes(tmp_path: Path) -> None:
    script = (
        "statement ok\nCREATE TABLE t(a)\n\n"
        "statement error\nCREATE TABLE t(a)\n\n"
        "statement error\nINSERT INTO t VALUES(1)\n\n"
        "statement ok\nINSERT INTO nowhere VALUES(1)\n\n"
        "statement ok\nINSERT INTO t VALUES(2);\nINSERT INTO t VALUES(3)\n\n"
        "query I rowsort\nSELECT a FROM t\n----\n1\n2\n3\n"
    )
    report = run_script(tmp_path, script)
    assert [r.status for r in report.results] == ["pass", "pass", "fail", "fail", "pass", "pass"]
    succeeded, failed = report.failures
    assert succeeded.reason == "statement succeeded but an error was expected"
    assert failed.reason.startswith("statement failed: OperationalError: no such table: nowhere")


def test_query_errors(tmp_path: Path) -> None:
    script = (
        "query I\nSELEC 1\n----\n1\n\n"
        "statement ok\nCREATE TABLE t(x INTEGER)\n\n"
        "statement ok\nINSERT INTO t VALUES(1 << 62), (1 << 62)\n\n"
        "query I\nSELECT sum(x) FROM t\n----\n"
    )
    report = run_script(tmp_path, script)
    assert report.failures[0].reason.startswith('query failed: OperationalError: near "SELEC"')
    # as slt_sqlite.c: an error while stepping (integer overflow) just ends the rows
    assert statuses(report)[1:] == [(6, "pass"), (9, "pass"), (12, "pass")]


def test_sample_runs_every_statement_and_every_kth_query(tmp_path: Path) -> None:
    queries = "".join(f"query I\nSELECT count(*) FROM t\n----\n{n}\n\n" for n in (1, 9, 1, 9, 1))
    script = (
        "statement ok\nCREATE TABLE t(a)\n\nstatement ok\nINSERT INTO t VALUES(1)\n\n" + queries
    )
    report = run_script(tmp_path, script, sample=2)
    assert (report.passed, report.failed) == (5, 0)
    assert [r.line for r in report.results] == [1, 4, 7, 17, 27]
    assert run_script(tmp_path, script).failed == 2


def test_format_error_fails_the_script(tmp_path: Path) -> None:
    report = run_script(tmp_path, "statement ok\nSELECT 1\n\nquery Q\nSELECT 1\n")
    (failure,) = report.failures
    assert (failure.line, failure.reason) == (
        4,
        "format error: bad type string 'Q' (I, R or T per column)",
    )


def test_engine_agnostic_rendering(tmp_path: Path) -> None:
    class Fake:
        name = "fake"

        def run_statement(self, sql: str) -> None:
            raise RuntimeError(sql)

        def run_query(self, sql: str) -> list[tuple[object, ...]]:
            return [(Decimal("1.5"), True, None, ""), (2.25, False, "z", "\x00")]

    path = tmp_path / "fake.test"
    path.write_text("query RIIT rowsort\nSELECT\n----\n1.500\n1\nNULL\n(empty)\n2.250\n0\n0\n@\n")
    report = run_file(path, Fake)
    assert (report.passed, report.failed) == (1, 0)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.test", tmp_path / "sub" / "bad.test"
    bad.parent.mkdir()
    good.write_text("query I\nSELECT 1\n----\n1\n")
    bad.write_text("query I\nSELECT 1\n----\n2\n")
    assert collect_scripts([tmp_path]) == [good, bad]
    assert main(["--engine", "sqlite3", str(good)]) == 0
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:1: wrong result" in out
    assert "2 files: 1 passed, 1 failed, 0 skipped; pass rate 50.0000%" in out


# ---------------------------------------------------------------------------------------------
# The corpus: sqlite3 is the reference, so every sampled record must pass


CORPUS = sorted(SLT_ROOT.rglob("*.test")) if SLT_ROOT.is_dir() else []


@pytest.mark.parametrize(
    "path",
    CORPUS or [pytest.param(None, marks=pytest.mark.skip(reason=f"no corpus at {SLT_ROOT}"))],
    ids=[str(path.relative_to(SLT_ROOT)) for path in CORPUS] or ["no-corpus"],
)
def test_sqlite3_passes_the_corpus(path: Path) -> None:
    report = run_file(path, SqliteEngine, sample=CORPUS_SAMPLE)
    assert report.passed > 0
    assert not report.failures, "\n".join(failure.details() for failure in report.failures[:10])
