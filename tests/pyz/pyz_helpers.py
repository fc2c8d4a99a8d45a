"""Helpers for the pyz tests: build it with the real build command, run it without site-packages.

The tests never depend on ``dist/`` existing: they run ``tools/build_pyz.py``
as a user (or CI) would and use what it wrote.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "tools", "build_pyz.py")
PYENV = os.path.expanduser("~/.pyenv/versions")


def pyenv_python(version: str) -> str:
    path = os.path.join(PYENV, version, "bin", "python")
    if not os.path.exists(path):
        pytest.skip("Python %s is not installed here (%s)" % (version, path))
    return path


def build(output: str, source: str = os.path.join(ROOT, "src")) -> str:
    proc = subprocess.run([sys.executable, BUILD, "--output", output, "--source", source],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    return output


def run_pyz(python: str, pyz_path: str, args, env=None, stdin: bytes = b"", tmpdir: str = None, timeout: float = 90,
            flags=("-I", "-S")):
    """Run the pyz the way a user without site-packages would: ``-I`` (no user site, no PYTHON*
    variables) and ``-S`` (no site-packages at all), so nothing outside the pyz can be imported."""
    env = dict(os.environ if env is None else env)
    if tmpdir:
        env["TMPDIR"] = tmpdir
    proc = subprocess.run([python] + list(flags) + [pyz_path] + list(args), input=stdin, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
