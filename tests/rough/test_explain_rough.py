"""explain's rough edges: the paste hint on a terminal, an unreadable file reported alone."""

from __future__ import annotations

import os
import subprocess
import sys

from tlsdoctor import exitcodes
from tlsdoctor.cli import main

HINT = "Ctrl-D"


def _run_with_stdin(stdin):
    return subprocess.run([sys.executable, "-m", "tlsdoctor", "explain"], stdin=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)


def test_terminal_stdin_gets_the_paste_hint():
    # A real pseudo-terminal as stdin; we close the writer side at once so the read ends (EOF/EIO).
    master, slave = os.openpty()
    try:
        os.write(master, b"\x04")  # Ctrl-D on the terminal: EOF for the reader
        p = _run_with_stdin(slave)
    finally:
        os.close(slave)
        os.close(master)
    assert HINT in p.stderr.decode(), p.stderr


def test_piped_stdin_gets_no_hint():
    # Negative control: a pipe is not a person at a terminal.
    p = subprocess.run([sys.executable, "-m", "tlsdoctor", "explain"], input=b"hello\n", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    assert HINT not in p.stderr.decode()
    assert p.returncode == exitcodes.OK


def test_missing_file_prints_only_the_error(tmp_path, capsys):
    missing = str(tmp_path / "missing.log")
    assert main(["explain", missing]) == exitcodes.INCOMPLETE
    cap = capsys.readouterr()
    assert cap.out == ""
    assert "cannot read" in cap.err and "missing.log" in cap.err


def test_one_readable_file_still_renders(tmp_path, capsys):
    # Control: when something was read, its result is shown (and the missing one still makes it exit 3).
    ok = tmp_path / "ok.log"
    ok.write_text("nothing interesting\n")
    assert main(["explain", str(ok), str(tmp_path / "missing.log")]) == exitcodes.INCOMPLETE
    assert capsys.readouterr().out.strip()
