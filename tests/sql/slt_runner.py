"""An engine-agnostic runner for SQLite's sqllogictest format (test helper, no pytest).

The format, as implemented by sqllogictest's C runner (``sqllogictest.c`` and ``slt_sqlite.c``):

* a script is a sequence of records separated by blank lines (all-space lines are blank, a
  trailing ``\\r`` is dropped); a line starting with ``#`` is a comment and is dropped, even
  inside a record;
* ``skipif <db>`` / ``onlyif <db>`` lines prefix a record (words after the engine name are a
  comment); this runner answers as ``sqlite``;
* ``statement ok`` / ``statement error``: the SQL follows, up to the blank line;
* ``query <types> [<sortmode> [<label>]]``: types is one of ``I``, ``R``, ``T`` per column,
  sortmode ``nosort`` (default), ``rowsort`` or ``valuesort``; the SQL follows up to a ``----``
  line, then the expected values up to the blank line: one value per line or, when the query
  returns more values than the hash threshold, one line ``N values hashing to <md5>``;
* ``hash-threshold N`` sets that threshold (8 by default, 0: never hash); ``halt`` ends the
  script.

Records that share a label must give the same result (the md5 of their values). Each value is
rendered as the C runner renders it with SQLite's conversions, from whatever Python object the
engine returns (see :func:`format_value`).

Run ``python tests/sql/slt_runner.py --engine sqlite3 [--sample K] [paths...]``.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext
from pathlib import Path
from typing import Any, Literal, Protocol

SLT_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "sqllogictest"
DIALECT = "sqlite"
DEFAULT_HASH_THRESHOLD = 8

RecordKind = Literal["statement ok", "statement error", "query", "hash-threshold", "halt"]
SortMode = Literal["nosort", "rowsort", "valuesort"]
Status = Literal["pass", "fail", "skip"]
SORT_MODES: tuple[SortMode, ...] = ("nosort", "rowsort", "valuesort")
HASH_LINE = re.compile(r"(\d+) values hashing to ([0-9a-f]{32})")
SPACES = " \t\n\r\f\v"  # C's isspace()


# --------------------------------------------------------------------------------------------
# The format


class SltFormatError(ValueError):
    """A script that does not follow the sqllogictest format, at ``source:line``."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Condition:
    """A ``skipif <engine>`` (``skip=True``) or ``onlyif <engine>`` (``skip=False``) line."""

    skip: bool
    engine: str

    def excludes(self, dialect: str) -> bool:
        """Whether this condition keeps the record from running on ``dialect``."""
        matches = self.engine.lower() == dialect.lower()
        return matches if self.skip else not matches


@dataclass(frozen=True)
class Record:
    """One record of a script.

    ``line`` is the line of the ``statement``/``query``/... command (after any conditions);
    ``expected`` holds a query's result lines as written (one value, or one hash line, each);
    ``threshold`` is the value of a ``hash-threshold`` record.
    """

    kind: RecordKind
    line: int
    sql: str = ""
    types: str = ""
    sortmode: SortMode = "nosort"
    label: str | None = None
    expected: tuple[str, ...] = ()
    threshold: int = 0
    conditions: tuple[Condition, ...] = ()

    @property
    def expected_hash(self) -> tuple[int, str] | None:
        """``(count, md5)`` when the expected result is an ``N values hashing to H`` line."""
        if len(self.expected) != 1:
            return None
        match = HASH_LINE.fullmatch(self.expected[0])
        return (int(match[1]), match[2]) if match else None

    def runs_on(self, dialect: str) -> bool:
        """Whether no ``skipif``/``onlyif`` condition excludes ``dialect``."""
        return not any(condition.excludes(dialect) for condition in self.conditions)


Line = tuple[int, str]


def parse_file(path: Path) -> list[Record]:
    """Every record of the script at ``path``."""
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    return list(parse_text(text, str(path)))


def parse_text(text: str, source: str = "<text>") -> Iterator[Record]:
    """Yield the records of a script; raise :class:`SltFormatError` on a malformed one."""
    for block in _blocks(text):
        yield _parse_block(block, source)


def _lines(text: str) -> Iterator[Line]:
    """``(line_number, line)`` of every non-comment line; blank lines come out as ``""``."""
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.removesuffix("\r")
        if not line.strip(SPACES):
            yield number, ""
        elif not line.startswith("#"):
            yield number, line


def _blocks(text: str) -> Iterator[list[Line]]:
    """The records' lines: runs of non-blank lines."""
    block: list[Line] = []
    for number, line in _lines(text):
        if line:
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _parse_block(block: list[Line], source: str) -> Record:
    """One record from its lines: conditions, then the command line, then its body."""
    conditions: list[Condition] = []
    for index, (number, line) in enumerate(block):
        words = line.split()
        if words[0] not in ("skipif", "onlyif"):
            return _parse_command(words, number, block[index + 1 :], tuple(conditions), source)
        if len(words) < 2:
            raise SltFormatError(source, number, f"{words[0]} without an engine name")
        conditions.append(Condition(skip=words[0] == "skipif", engine=words[1]))
    raise SltFormatError(source, block[-1][0], "conditions without a record")


def _parse_command(
    words: list[str], number: int, body: list[Line], conditions: tuple[Condition, ...], source: str
) -> Record:
    """A record from its command line's words and the lines after it."""
    command = words[0]
    if command == "statement":
        if len(words) < 2 or words[1] not in ("ok", "error"):
            raise SltFormatError(source, number, "statement argument should be 'ok' or 'error'")
        kind: RecordKind = "statement ok" if words[1] == "ok" else "statement error"
        return Record(kind, number, sql=_join(body), conditions=conditions)
    if command == "query":
        return _parse_query(words, number, body, conditions, source)
    if command == "hash-threshold" and len(words) > 1 and words[1].isdigit():
        return Record("hash-threshold", number, threshold=int(words[1]), conditions=conditions)
    if command == "halt":
        return Record("halt", number, conditions=conditions)
    raise SltFormatError(source, number, f"unknown record type: {' '.join(words)!r}")


def _parse_query(
    words: list[str], number: int, body: list[Line], conditions: tuple[Condition, ...], source: str
) -> Record:
    """A ``query`` record: check its types and sort mode, split SQL from expected results."""
    types = words[1] if len(words) > 1 else ""
    if not types or set(types) - set("IRT"):
        raise SltFormatError(source, number, f"bad type string {types!r} (I, R or T per column)")
    sortmode = words[2] if len(words) > 2 else "nosort"
    if sortmode not in SORT_MODES:
        raise SltFormatError(source, number, f"unknown sort method {sortmode!r}")
    label = words[3] if len(words) > 3 else None
    texts = [line for _, line in body]
    split = texts.index("----") if "----" in texts else len(texts)
    return Record(
        "query",
        number,
        sql="\n".join(texts[:split]),
        types=types,
        sortmode=sortmode,
        label=label,
        expected=tuple(texts[split + 1 :]),
        conditions=conditions,
    )


def _join(body: list[Line]) -> str:
    """The body lines as one SQL text."""
    return "\n".join(line for _, line in body)


# --------------------------------------------------------------------------------------------
# Rendering values as the C runner does (SQLite's conversions)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
EXACT = Context(prec=1100)  # enough digits for any double's exact decimal expansion
_INT_PREFIX = re.compile(r"[ \t\n\r\f\v]*([+-]?\d+)")
_REAL_PREFIX = re.compile(r"[ \t\n\r\f\v]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def format_value(value: object, type_char: str) -> str:
    """``value`` as the C runner prints it for a column of type ``I``, ``R`` or ``T``.

    ``None`` (and a float NaN, which SQLite stores as NULL) is ``NULL``; ``I`` is the value as
    a 64-bit integer (``sqlite3_column_int64``: floats truncated, text by its integer prefix);
    ``R`` is ``%.3f`` of the value as a double, rounded the way SQLite's printf rounds; ``T``
    is the value as text (numbers as SQLite renders them), ``(empty)`` for an empty string,
    every byte outside 0x20..0x7e replaced by ``@``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NULL"
    if type_char == "I":
        return str(sqlite_integer(value))
    if type_char == "R":
        return sqlite_fixed3(sqlite_real(value))
    if type_char == "T":
        return printable(sqlite_text(value)) or "(empty)"
    raise ValueError(f"unknown type character {type_char!r}")


def sqlite_integer(value: object) -> int:
    """``value`` converted to an integer the way ``sqlite3_column_int64`` converts it."""
    if isinstance(value, int | float | Decimal):
        return _clamp_int64(value)
    match = _INT_PREFIX.match(_as_text(value))
    return _clamp_int64(int(match[1])) if match else 0


def sqlite_real(value: object) -> float:
    """``value`` converted to a double the way ``sqlite3_column_double`` converts it."""
    if isinstance(value, int | float | Decimal):
        try:
            return float(value)
        except OverflowError:  # an int beyond the range of doubles
            return math.inf if value > 0 else -math.inf
    match = _REAL_PREFIX.match(_as_text(value))
    return float(match[1]) if match else 0.0


def sqlite_text(value: object) -> str:
    """``value`` as SQLite renders it as text (``sqlite3_column_text``)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return sqlite_real_text(float(value))
    return _as_text(value)


def _as_text(value: object) -> str:
    """Text and blobs as text; anything else by ``str``."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="surrogateescape")
    return value if isinstance(value, str) else str(value)


def _clamp_int64(value: float | Decimal) -> int:
    """A number truncated toward zero and clamped into the 64-bit range (NaN is 0)."""
    if isinstance(value, float) and math.isnan(value):
        return 0
    if value <= INT64_MIN:
        return INT64_MIN
    if value >= INT64_MAX:
        return INT64_MAX
    return int(value)


def printable(text: str) -> str:
    """``text`` with every byte of its UTF-8 form outside 0x20..0x7e replaced by ``@``."""
    return "".join(char if " " <= char <= "~" else "@" * _utf8_len(char) for char in text)


def _utf8_len(char: str) -> int:
    """Bytes in the UTF-8 form of ``char`` (an escaped undecodable byte is one)."""
    return len(char.encode("utf-8", errors="surrogateescape"))


def _special_float(value: float) -> str | None:
    """SQLite's printf text for infinities and NaN; ``None`` for finite values."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return None


def sqlite_fixed3(value: float) -> str:
    """``sqlite3_snprintf("%.3f", value)`` as the SQLite that wrote the corpus prints it: the
    value rounded half up (away from zero) to 3 decimals and to at most 16 significant digits,
    then padded with zeros (``-9223372036854775808.0`` is ``-9223372036854776000.000``)."""
    special = _special_float(value)
    if special is not None:
        return special
    exact = Decimal(abs(value))
    quantum = max(exact.adjusted() - 15, -3) if exact else -3
    digits = exact.quantize(Decimal(1).scaleb(quantum), ROUND_HALF_UP, EXACT)
    sign = "-" if value < 0 else ""
    return f"{sign}{digits:.3f}"


def sqlite_real_text(value: float) -> str:
    """A double as SQLite renders it as text (``%!.15g``): 15 significant digits rounded half
    up, trailing zeros dropped but at least one digit after the point, ``e+NN`` exponents."""
    special = _special_float(value)
    if special is not None:
        return special
    sign = "-" if value < 0 else ""
    exact = Decimal(abs(value))
    if not exact:
        return "0.0"
    exponent = exact.adjusted()
    with localcontext(EXACT):
        mantissa = exact.scaleb(-exponent) + Decimal("5e-15")
        if mantissa >= 10:
            mantissa, exponent = mantissa / 10, exponent + 1
        digits = mantissa.quantize(Decimal("1e-14"), ROUND_DOWN)
    if exponent < -4 or exponent > 14:
        return f"{sign}{_trim(f'{digits:.14f}')}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    return f"{sign}{_trim(f'{digits.scaleb(exponent):.{14 - exponent}f}')}"


def _trim(number: str) -> str:
    """Drop trailing zeros after the decimal point, keeping at least one digit after it."""
    whole, _, fraction = number.partition(".")
    return f"{whole}.{fraction.rstrip('0') or '0'}"


def format_rows(rows: Sequence[Sequence[object]], types: str) -> list[list[str]]:
    """Every row's values rendered for the query's type string."""
    return [
        [format_value(value, kind) for value, kind in zip(row, types, strict=True)] for row in rows
    ]


def sort_values(rows: list[list[str]], sortmode: SortMode) -> list[str]:
    """The rendered values in output order: rows sorted (``rowsort``, comparing column by
    column as ``strcmp`` does), every value sorted (``valuesort``) or as returned."""
    if sortmode == "rowsort":
        rows = sorted(rows)
    values = [value for row in rows for value in row]
    return sorted(values) if sortmode == "valuesort" else values


def hash_values(values: Iterable[str]) -> str:
    """The md5 (hex) of every value followed by a newline."""
    digest = hashlib.md5()
    for value in values:
        digest.update(value.encode("utf-8", errors="surrogateescape") + b"\n")
    return digest.hexdigest()


def hash_line(values: Sequence[str]) -> str:
    """The ``N values hashing to H`` line for ``values``."""
    return f"{len(values)} values hashing to {hash_values(values)}"


# --------------------------------------------------------------------------------------------
# Engines


class Engine(Protocol):
    """A database under test: a fresh, empty database per script."""

    name: str

    def run_statement(self, sql: str) -> None:
        """Run a statement; raise any exception on error."""

    def run_query(self, sql: str) -> list[tuple[object, ...]]:
        """Run a query and return its rows; raise any exception on error."""
        ...


EngineFactory = Callable[[], Engine]


class SqliteEngine:
    """The reference: stdlib ``sqlite3`` on ``:memory:`` in autocommit mode (as ``sqlite3_exec``
    runs statements)."""

    name = "sqlite3"

    def __init__(self) -> None:
        self._connection = sqlite3.connect(":memory:", isolation_level=None)
        self._connection.text_factory = lambda data: data.decode("utf-8", "surrogateescape")

    def run_statement(self, sql: str) -> None:
        """Run ``sql`` to completion (several statements go through ``executescript``)."""
        try:
            self._connection.execute(sql).fetchall()
        except sqlite3.ProgrammingError as error:
            if "one statement at a time" not in str(error):
                raise
            self._connection.executescript(sql)

    def run_query(self, sql: str) -> list[tuple[object, ...]]:
        """The rows of ``sql``, as ``slt_sqlite.c`` collects them: an error while stepping
        (say, an integer overflow in ``sum``) ends the rows silently; only SQL that does not
        compile is an error."""
        rows: list[tuple[object, ...]] = []
        try:
            rows.extend(self._connection.execute(sql))
        except sqlite3.Error:
            self._connection.execute(f"EXPLAIN {sql}")  # raises if the SQL does not compile
        return rows


class PyramEngine:
    """PyRAM through its SQL front end (``Database.sql``)."""

    name = "pyram"

    def __init__(self) -> None:
        import pyram  # lazily: the runner itself does not need PyRAM

        self._db: Any = pyram.Database()

    def run_statement(self, sql: str) -> None:
        """Run ``sql``, ignoring any result."""
        self._db.sql(sql)

    def run_query(self, sql: str) -> list[tuple[object, ...]]:
        """The rows of ``sql`` as tuples."""
        return [tuple(row) for row in self._db.sql(sql).all()]


ENGINES: dict[str, EngineFactory] = {"sqlite3": SqliteEngine, "pyram": PyramEngine}


# --------------------------------------------------------------------------------------------
# Running scripts


@dataclass(frozen=True)
class RecordResult:
    """The outcome of one record (at ``path:line``); a failure says why, and may show the
    expected and the actual result."""

    path: Path
    line: int
    sql: str
    status: Status
    reason: str = ""
    expected: str = ""
    got: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason or self.status}"

    def details(self) -> str:
        """The one-line summary, then the SQL and expected/got, indented."""
        lines = [str(self), *(f"    {line}" for line in self.sql.splitlines())]
        if self.expected or self.got:
            lines += [f"  expected: {self.expected}", f"  got:      {self.got}"]
        return "\n".join(lines)


@dataclass
class Tally:
    """Record outcomes and their counts."""

    results: list[RecordResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        """How many records had ``status``."""
        return sum(result.status == status for result in self.results)

    @property
    def passed(self) -> int:
        """Records that ran and passed."""
        return self.count("pass")

    @property
    def failed(self) -> int:
        """Records that ran and failed."""
        return self.count("fail")

    @property
    def skipped(self) -> int:
        """Records left out by ``skipif``/``onlyif``."""
        return self.count("skip")

    @property
    def pass_rate(self) -> float:
        """Passed over run (passed + failed); 1.0 when nothing ran."""
        ran = self.passed + self.failed
        return self.passed / ran if ran else 1.0

    @property
    def failures(self) -> list[RecordResult]:
        """The failed records' outcomes, in order."""
        return [result for result in self.results if result.status == "fail"]


@dataclass
class FileReport(Tally):
    """The outcomes of one script."""

    path: Path = Path()
    halted: bool = False
    seconds: float = 0.0


@dataclass
class Report(Tally):
    """The outcomes of several scripts."""

    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, file_report: FileReport) -> None:
        """Fold in one script's outcomes."""
        self.files.append(file_report)
        self.results.extend(file_report.results)
        self.seconds += file_report.seconds

    def summary(self) -> str:
        """One line: counts, pass rate and time."""
        return (
            f"{len(self.files)} files: {self.passed} passed, {self.failed} failed, "
            f"{self.skipped} skipped; pass rate {self.pass_rate:.4%}; {self.seconds:.1f} s"
        )


@dataclass
class _Session:
    """One script running on one engine: its hash threshold and its labels' verified hashes
    (label -> (md5, line of the first record that verified it))."""

    path: Path
    engine: Engine
    threshold: int = DEFAULT_HASH_THRESHOLD
    labels: dict[str, tuple[str, int]] = field(default_factory=dict)

    def run(self, record: Record) -> RecordResult:
        """Run a statement or query record."""
        if record.kind == "query":
            return self._query(record)
        return self._statement(record)

    def _result(
        self, record: Record, reason: str = "", expected: str = "", got: str = ""
    ) -> RecordResult:
        """A pass, or a failure when there is a reason."""
        status: Status = "fail" if reason else "pass"
        return RecordResult(self.path, record.line, record.sql, status, reason, expected, got)

    def _statement(self, record: Record) -> RecordResult:
        try:
            self.engine.run_statement(record.sql)
        except Exception as error:
            if record.kind == "statement ok":
                return self._result(record, f"statement failed: {_describe(error)}")
            return self._result(record)
        if record.kind == "statement error":
            return self._result(record, "statement succeeded but an error was expected")
        return self._result(record)

    def _query(self, record: Record) -> RecordResult:
        try:
            rows = self.engine.run_query(record.sql)
        except Exception as error:
            return self._result(record, f"query failed: {_describe(error)}")
        widths = sorted({len(row) for row in rows} - {len(record.types)})
        if widths:
            return self._result(
                record,
                f"wrong number of result columns: expected {len(record.types)}, got {widths[0]}",
            )
        values = sort_values(format_rows(rows, record.types), record.sortmode)
        reason, expected, got = self._compare(record, values)
        if not reason and record.label:
            reason = self._check_label(record.label, hash_values(values), record.line)
        return self._result(record, reason, expected, got)

    def _compare(self, record: Record, values: list[str]) -> tuple[str, str, str]:
        """``(reason, expected, got)``; no reason when the values are as expected. Above the
        hash threshold the values are compared as their hash line, as the C runner does."""
        if self.threshold > 0 and len(values) > self.threshold:
            got = hash_line(values)
            expected = "\n".join(record.expected)
            return ("" if expected == got else "wrong result hash"), expected, got
        if _expected_values(record.expected, len(values)) == values:
            return "", "", ""
        return "wrong result", _abbreviate(record.expected), _abbreviate(values)

    def _check_label(self, label: str, digest: str, line: int) -> str:
        """Register a label's first verified hash; a later one must agree with it."""
        first_digest, first_line = self.labels.setdefault(label, (digest, line))
        if first_digest == digest:
            return ""
        return f"labeled result [{label}] does not agree with line {first_line}"


def _expected_values(lines: tuple[str, ...], count: int) -> list[str]:
    """The expected values: one per line or, in older scripts, a row per line (split on
    whitespace) when that is what makes the count right."""
    if len(lines) == count:
        return list(lines)
    words = [word for line in lines for word in line.split()]
    return words if len(words) == count else list(lines)


def _abbreviate(values: Sequence[str], limit: int = 12) -> str:
    """A few values, space separated, then how many there are in all."""
    shown = " ".join(values[:limit])
    return shown + (f" ... ({len(values)} values)" if len(values) > limit else "")


def _describe(error: Exception) -> str:
    """An exception as ``Type: message`` on one (bounded) line."""
    return f"{type(error).__name__}: {' '.join(str(error).split())}"[:300]


def run_file(
    path: Path, engine_factory: EngineFactory, sample: int | None = None, dialect: str = DIALECT
) -> FileReport:
    """Run one script on a fresh engine from ``engine_factory``.

    With ``sample=K`` only every K-th query record of the script runs (the 1st, the K+1-th,
    ...); every statement still runs, since statements build the tables. Statements and
    queries excluded by ``skipif``/``onlyif`` are reported as skipped; records left out by
    sampling are not reported. A script that breaks the format is one failure.
    """
    started = time.perf_counter()
    report = FileReport(path=path)
    try:
        records = parse_file(path)
    except SltFormatError as error:
        failure = RecordResult(path, error.line, "", "fail", f"format error: {error.message}")
        report.results.append(failure)
        return report
    session = _Session(path, engine_factory())
    for record in _sampled(records, sample):
        if not record.runs_on(dialect):
            if record.kind in ("query", "statement ok", "statement error"):
                report.results.append(RecordResult(path, record.line, record.sql, "skip"))
        elif record.kind == "halt":
            report.halted = True
            break
        elif record.kind == "hash-threshold":
            session.threshold = record.threshold
        else:
            report.results.append(session.run(record))
    report.seconds = time.perf_counter() - started
    return report


def _sampled(records: list[Record], sample: int | None) -> Iterator[Record]:
    """The records to run: every non-query record, and every ``sample``-th query record."""
    queries = 0
    for record in records:
        if record.kind == "query":
            queries += 1
            if sample and (queries - 1) % sample:
                continue
        yield record


def collect_scripts(paths: Iterable[Path]) -> list[Path]:
    """The ``.test`` scripts named by ``paths`` (files, or folders searched recursively)."""
    scripts: list[Path] = []
    for path in paths:
        scripts += sorted(path.rglob("*.test")) if path.is_dir() else [path]
    return scripts


def run_scripts(
    paths: Iterable[Path],
    engine_factory: EngineFactory,
    sample: int | None = None,
    progress: Callable[[FileReport], None] | None = None,
) -> Report:
    """Run every script (a fresh engine each) and gather the outcomes."""
    report = Report()
    for path in collect_scripts(paths):
        file_report = run_file(path, engine_factory, sample)
        report.add(file_report)
        if progress is not None:
            progress(file_report)
    return report


# --------------------------------------------------------------------------------------------
# Command line


def _print_progress(file_report: FileReport) -> None:
    print(
        f"{file_report.path}: {file_report.passed} passed, {file_report.failed} failed, "
        f"{file_report.skipped} skipped ({file_report.seconds:.1f} s)"
        + (" [halted]" if file_report.halted else ""),
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run scripts on an engine, print per-file counts, a summary and the failures."""
    parser = argparse.ArgumentParser(description="Run sqllogictest scripts on an engine.")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="sqlite3")
    parser.add_argument("--sample", type=int, default=None, help="run every K-th query")
    parser.add_argument("--max-failures", type=int, default=50, help="failures to print")
    parser.add_argument("paths", nargs="*", type=Path, default=[SLT_ROOT])
    args = parser.parse_args(argv)
    report = run_scripts(args.paths, ENGINES[args.engine], args.sample, _print_progress)
    failures = report.failures
    for failure in failures[: args.max_failures]:
        print(failure.details())
    if len(failures) > args.max_failures:
        print(f"... and {len(failures) - args.max_failures} more failures")
    print(report.summary())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
