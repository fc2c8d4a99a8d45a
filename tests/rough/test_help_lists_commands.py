"""`tlsdoctor --help` (as a user runs it) lists every command, each on one line with what it does."""

from __future__ import annotations

import subprocess
import sys

from tlsdoctor.cli import COMMANDS


def _help():
    p = subprocess.run([sys.executable, "-m", "tlsdoctor", "--help"], stdout=subprocess.PIPE, timeout=60)
    assert p.returncode == 0
    return p.stdout.decode().splitlines()


def test_every_command_has_its_own_line():
    lines = [ln.split(None, 1) for ln in _help() if ln.startswith("    ") and ln.strip()]
    listed = {parts[0]: parts[1].strip() for parts in lines if len(parts) == 2}
    assert set(listed) == set(COMMANDS)
    for name, (_, what) in COMMANDS.items():
        assert listed[name] == what
