"""Helpers for the check --tool tests: run tlsdoctor as a user would, next to a real tool."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")


def run_tlsdoctor(args, env, cwd=None, timeout=120, wrap=None):
    """``python -m tlsdoctor check …`` in ``env`` (this checkout first on PYTHONPATH); (rc, JSON or text, stderr).

    ``wrap(argv)`` may wrap the command (the emulated OS store's mount namespace)."""
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join([SRC] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    argv = [sys.executable, "-m", "tlsdoctor", "check"] + list(args)
    if wrap is not None:
        argv = wrap(argv)
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if "--json" in args:
        try:
            return proc.returncode, json.loads(out), err
        except ValueError:
            raise AssertionError("no JSON (exit %s): %s %s" % (proc.returncode, out[-1500:], err[-1500:]))
    return proc.returncode, out, err


@pytest.fixture()
def tlsdoctor_check():
    return run_tlsdoctor
