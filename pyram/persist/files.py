"""Database files by path: choose the format, write atomically, read and detect.

Writing goes to a temporary name beside the target and is renamed over it only when complete
(file: flushed, fsynced, ``os.replace``; CSV directory: renamed into place), so a failed or
interrupted export never leaves a half-written file under the target's name.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO, Literal

from pyram.errors import CorruptFileError, PersistenceError, ProgrammingError
from pyram.persist import csvdir, jsonl, pickled, snapshot
from pyram.persist.checkpoint import CKP_MAGIC
from pyram.persist.contents import Definition, SnapshotContents
from pyram.storage import Store

__all__ = ["FORMATS", "Format", "detect_format", "export_store", "read_file"]

Format = Literal["snapshot", "json", "csv", "pickle"]
FORMATS: tuple[Format, ...] = ("snapshot", "json", "csv", "pickle")
Progress = Callable[[int, int], None]


def _check_format(format: str) -> Format:
    for known in FORMATS:
        if format == known:
            return known
    raise ProgrammingError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")


def _os_error(path: Path, exc: OSError) -> PersistenceError:
    return PersistenceError(f"{path}: {exc.strerror or exc}", path=str(path))


def export_store(
    store: Store,
    path: str | os.PathLike[str],
    format: str = "snapshot",
    *,
    definitions: Sequence[Definition] = (),
    tables: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> None:
    """Write tables of ``store`` to ``path`` in ``format`` (a directory for ``"csv"``).

    Raises:
        ProgrammingError: an unknown format or table.
        PersistenceError: the file cannot be written (the target is then untouched).
    """
    kind = _check_format(format)
    target = Path(path)
    options = _Options(definitions, tables, progress)
    try:
        if kind == "csv":
            _write_directory(target, lambda tmp: options.csv(store, tmp))
        else:
            _write_file(target, lambda out: options.write(kind, store, out))
    except OSError as exc:
        raise _os_error(target, exc) from None
    except ValueError as exc:  # e.g. an integer too long for Python's int-to-text limit
        raise PersistenceError(f"{target}: cannot write a value: {exc}", path=str(target)) from exc


class _Options:
    """What every writer takes besides the store and the stream."""

    def __init__(
        self,
        definitions: Sequence[Definition],
        tables: Sequence[str] | None,
        progress: Progress | None,
    ) -> None:
        self.definitions = definitions
        self.tables = tables
        self.progress = progress

    def csv(self, store: Store, directory: Path) -> None:
        csvdir.write_csv_dir(
            store,
            directory,
            definitions=self.definitions,
            tables=self.tables,
            progress=self.progress,
        )

    def write(self, kind: Format, store: Store, out: BinaryIO) -> None:
        defs, tables, progress = self.definitions, self.tables, self.progress
        if kind == "pickle":
            pickled.write_pickle(store, out, definitions=defs, tables=tables, progress=progress)
        elif kind == "snapshot":
            snapshot.write_snapshot(store, out, definitions=defs, tables=tables, progress=progress)
        else:
            text = io.TextIOWrapper(out, encoding="utf-8", errors="surrogatepass", newline="\n")
            try:
                jsonl.write_jsonl(store, text, definitions=defs, tables=tables, progress=progress)
                text.flush()
            finally:
                text.detach()


def _temporary(target: Path) -> Path:
    # a random name beside the target (same file system, so the rename is atomic)
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def _write_file(target: Path, write: Callable[[BinaryIO], None]) -> None:
    tmp = _temporary(target)
    try:
        with open(tmp, "xb") as out:  # "x": never reuse a file; the umask sets permissions
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_directory(target: Path, write: Callable[[Path], None]) -> None:
    if target.exists() and not _is_csv_export(target):
        raise PersistenceError(
            f"{target}: exists and is not a PyRAM CSV export; not overwriting it",
            path=str(target),
        )
    tmp = _temporary(target)
    tmp.mkdir()
    try:
        write(tmp)
        if target.exists():
            old = _temporary(target)
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _is_csv_export(path: Path) -> bool:
    """A directory holding only a schema file and CSV files (what an export writes)."""
    if not path.is_dir():
        return False
    names = [p.name for p in path.iterdir()]
    return csvdir.SCHEMA_FILE in names and all(
        n == csvdir.SCHEMA_FILE or n.endswith(".csv") for n in names
    )


def detect_format(path: str | os.PathLike[str]) -> Format:
    """The format of an existing file or directory, from its first bytes.

    Raises:
        PersistenceError: no such file; CorruptFileError: not a known format.
    """
    target = Path(path)
    if target.is_dir():
        return "csv"
    try:
        with open(target, "rb") as source:
            start = source.read(len(snapshot.MAGIC))
    except OSError as exc:
        raise _os_error(target, exc) from None
    if start == snapshot.MAGIC:
        return "snapshot"
    if start == pickled.MAGIC:
        return "pickle"
    if start.lstrip()[:1] == b"{":
        return "json"
    if start == CKP_MAGIC:
        # a durable database's own file, not an export: its log may hold newer commits
        raise PersistenceError(
            f"{target} is a durable PyRAM database, not an exported file: open it with "
            f"pyram.Database(path={str(target)!r})",
            path=str(target),
        )
    raise CorruptFileError(
        f"{target}: not a PyRAM database file (unknown format)", path=str(target)
    )


def read_file(
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    allow_pickle: bool = False,
    progress: Progress | None = None,
) -> SnapshotContents:
    """Read and check a whole file (format detected when None).

    Raises:
        PersistenceError: no such file, or a pickle without ``allow_pickle``.
        CorruptFileError: a damaged or malformed file (naming file and place).
    """
    target = Path(path)
    kind = detect_format(target) if format is None else _check_format(format)
    name = str(target)
    try:
        if kind == "csv":
            return csvdir.read_csv_dir(target, progress=progress)
        if kind == "json":
            with open(target, encoding="utf-8", errors="surrogatepass", newline="\n") as text:
                return jsonl.read_jsonl(text, path=name, progress=progress)
        with open(target, "rb") as source:
            if kind == "pickle":
                if not allow_pickle:
                    raise PersistenceError(
                        f"{target}: a pickle file can run any code when loaded: UNSAFE unless "
                        "you wrote it yourself; pass allow_pickle=True only for files you trust",
                        path=name,
                    )
                return pickled.read_pickle(source, path=name, progress=progress)
            return snapshot.read_snapshot(source, path=name, progress=progress)
    except OSError as exc:
        raise _os_error(target, exc) from None
