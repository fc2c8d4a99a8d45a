"""The probe file must parse on every interpreter it may run inside (2.7, 3.6-3.14)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tlsdoctor.probe import TARGET

PYENV = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
VERSIONS = ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]


def interpreter(minor):
    root = os.path.join(PYENV, "versions")
    if not os.path.isdir(root):
        return None
    for name in sorted(os.listdir(root), reverse=True):
        if name == minor or name.startswith(minor + "."):
            exe = os.path.join(root, name, "bin", "python")
            if os.path.exists(exe):
                return exe
    return None


@pytest.mark.parametrize("minor", VERSIONS)
def test_probe_compiles(minor, tmp_path):
    exe = interpreter(minor)
    if exe is None:
        pytest.skip("no pyenv Python %s here" % minor)
    code = "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')"
    proc = subprocess.run([exe, "-c", code, TARGET], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("minor", ["2.7", "3.6", "3.9", "3.13"])
def test_probe_runs_and_prints_one_json_object(minor):
    """Run for real (no index: only local facts), with a scrubbed environment."""
    import json

    exe = interpreter(minor)
    if exe is None:
        pytest.skip("no pyenv Python %s here" % minor)
    flags = ["-E", "-s", "-B"] if minor == "2.7" else ["-I", "-B"]
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "PIP_CONFIG_FILE": os.devnull,
           "PIP_INDEX_URL": "https://user:hunter2secret@127.0.0.1:9/simple/"}
    proc = subprocess.run([exe] + flags + [TARGET], input='{"timeout": 3}', capture_output=True, text=True,
                          timeout=30, env=env)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout + proc.stderr
    data = json.loads(lines[0])
    assert data["result"] == "success"
    assert data["facts"]["ssl"]["local_handshake"]["version"] in ("TLSv1.2", "TLSv1.3")
    assert "hunter2secret" not in proc.stdout and "user:" not in proc.stdout


def test_bad_request_is_an_error_object():
    import json
    import sys

    proc = subprocess.run([sys.executable, "-I", "-B", TARGET], input="{not json", capture_output=True,
                          text=True, timeout=30)
    data = json.loads(proc.stdout)
    assert data == {"result": "error", "kind": "bad_request", "message": data["message"]}
