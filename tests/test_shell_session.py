"""A person at the shell: pexpect drives ``python -m pyram app.pyram`` in a pseudo-terminal.

One session opens (creates) a durable file, switches to box mode, imports a CSV past its header
with ``.import --csv --skip 1``, sends a result to a file with ``.once``, completes names with
Tab, interrupts a long query and an unfinished line with Ctrl-C, and leaves; a second session
finds the imported rows in the file. Every wait has a timeout, so the test cannot hang.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect  # in the `test` extra
import pytest

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "pyram> "
#: A query that runs for minutes unless interrupted.
LONG_QUERY = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT count(*) FROM c;"
)


def spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYRAM_HISTORY": str(tmp_path / "history"),
        "TERM": "xterm",
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "pyram", *args],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 200),
    )
    child.expect_exact(PROMPT)
    return child


def run(child: pexpect.spawn, line: str) -> str:
    """Send one line; what the shell printed before its next prompt."""
    child.sendline(line)
    child.expect_exact(PROMPT)
    return str(child.before)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_session_like_a_person(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("id,name,age\n1,Ada,36\n2,Grace,45\n3,Linus,28\n")
    child = spawn(tmp_path, "app.pyram")
    try:
        assert "app.pyram" in str(child.before)  # the banner names the open file
        run(child, "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT, age INTEGER);")
        run(child, ".mode box")
        imported = run(child, ".import --csv --skip 1 people.csv person")
        assert "Error" not in imported
        rows = run(child, "SELECT name, age FROM person ORDER BY id;")
        assert "│ name  │ age │" in rows and "│ Grace │  45 │" in rows and "└" in rows

        once = run(child, ".once oldest.txt")
        assert "Error" not in once
        shown = run(child, "SELECT max(age) AS oldest FROM person;")
        assert "│ oldest │" not in shown  # it went to the file
        assert "│ oldest │" in (tmp_path / "oldest.txt").read_text()
        assert "45" in run(child, "SELECT max(age) FROM person;")  # and back to the screen

        # Tab completes a dot-command, a table and a column
        child.send(".ta\t")
        child.expect_exact(".tables")
        assert "person" in run(child, "")
        child.send("SELECT count(*) FROM pers\t")
        child.expect_exact("person")
        assert "│        3 │" in run(child, ";")
        child.send("SELECT person.na\t")
        child.expect_exact("person.name")
        assert "Linus" in run(child, " FROM person;")

        # Ctrl-C stops a long query; the shell stays usable
        child.sendline(LONG_QUERY)
        child.expect_exact("FROM c;")  # the terminal echoed the line: it is being read
        time.sleep(1.0)  # ... and is running by now
        child.sendintr()
        child.expect_exact("Interrupted")
        child.expect_exact(PROMPT)
        # Ctrl-C clears an unfinished line
        child.send("SELECT nosuch")
        time.sleep(0.3)
        child.sendintr()
        child.expect_exact(PROMPT)
        answer = run(child, "SELECT 6 * 7 AS answer;")
        assert "42" in answer and "nosuch" not in answer

        child.sendline(".quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0

    again = spawn(tmp_path, "app.pyram")  # the import was committed to the file
    try:
        assert "Grace" in run(again, "SELECT name FROM person WHERE id = 2;")
        again.sendeof()  # Ctrl-D leaves too
        again.expect(pexpect.EOF)
    finally:
        again.close()
    assert again.exitstatus == 0
