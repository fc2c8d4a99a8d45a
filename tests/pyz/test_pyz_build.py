"""``tools/build_pyz.py``: one reproducible file, under 1 MB, and an entry point old Pythons can read.

Each property is paired with a negative control that shows the test can fail.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile

import pytest
from pyz_helpers import ROOT, build, pyenv_python, run_pyz


def sha256(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_same_source_same_bytes(tmp_path):
    a = build(str(tmp_path / "a.pyz"))
    # Touch every source file's mtime: zipapp.create_archive would record it.
    src = tmp_path / "src"
    shutil.copytree(os.path.join(ROOT, "src"), str(src), ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for dirpath, _, files in os.walk(str(src)):
        for name in files:
            os.utime(os.path.join(dirpath, name), (1234567890, 1234567890))
    b = build(str(tmp_path / "b.pyz"), source=str(src))
    assert sha256(a) == sha256(b)
    # Negative control: one changed byte in one source file changes the pyz.
    causes = src / "tlsdoctor" / "causes.py"
    causes.write_bytes(causes.read_bytes() + b"\n")
    c = build(str(tmp_path / "c.pyz"), source=str(src))
    assert sha256(c) != sha256(a)


def test_contents_and_size(pyz):
    size = os.path.getsize(pyz)
    assert size < 1 << 20, "%d bytes" % size
    with open(pyz, "rb") as fh:
        assert fh.readline() == b"#!/usr/bin/env python3\n"
    names = zipfile.ZipFile(pyz).namelist()
    assert names == sorted(names)
    assert "__main__.py" in names
    # The probe and the KB's data files travel with the code.
    assert "tlsdoctor/probe/target.py" in names
    assert "tlsdoctor/kb/schema.json" in names
    assert any(n.startswith("tlsdoctor/kb/entries/") and n.endswith(".json") for n in names)
    # Left out: the lab (trustme, recordings), byte code, tests.
    assert not [n for n in names if n.startswith("tlsdoctor/lab/") or n.endswith(".pyc") or "__pycache__" in n
                or n.startswith("tests/")]
    # Negative control for the exclusion check: the source tree does have a lab.
    assert os.path.isdir(os.path.join(ROOT, "src", "tlsdoctor", "lab", "recordings"))
    assert os.access(pyz, os.X_OK)


@pytest.mark.parametrize("version", ["2.7.18", "3.6.15", "3.7.16", "3.8.18"])
def test_old_python_is_told_what_to_do(pyz, version, tmp_path):
    python = pyenv_python(version)
    # Python 2.7 has no -I; -E -s is its nearest equivalent.
    flags = ("-E", "-s", "-S") if version.startswith("2.") else ("-I", "-S")
    code, out, err = run_pyz(python, pyz, ["check"], flags=flags)
    assert code == 2
    assert "Traceback" not in err and "SyntaxError" not in err
    assert "tlsdoctor needs Python >= 3.9" in err
    assert "--python %s" % python in err  # the exact command to check this interpreter
    assert out == ""


def test_new_python_is_not_turned_away(pyz):
    """Negative control for the gate: Python 3.9 runs the tool, no version message."""
    code, out, err = run_pyz(pyenv_python("3.9.18"), pyz, ["--version"])
    assert code == 0, err
    assert "tlsdoctor 0." in out
    assert "needs Python" not in err


def test_python_m_from_source_gates_too(tmp_path):
    """`PYTHONPATH=src python2.7 -m tlsdoctor` (the README's no-install route) gets the same message."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    proc = subprocess.run([pyenv_python("2.7.18"), "-m", "tlsdoctor", "explain"], env=env, cwd=str(tmp_path),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2 and "Traceback" not in err, err
    assert "python3 -m tlsdoctor check --python" in err


def test_same_bytes_whichever_python_builds_it(tmp_path):
    """The build does not depend on the building interpreter (zipfile's headers, member order)."""
    import subprocess

    from pyz_helpers import BUILD

    digests = {sha256(build(str(tmp_path / "here.pyz")))}
    for version in ("3.9.18", "3.13.0"):
        out = str(tmp_path / ("%s.pyz" % version))
        subprocess.run([pyenv_python(version), BUILD, "--output", out], check=True, stdout=subprocess.PIPE,
                       timeout=120)
        digests.add(sha256(out))
    assert len(digests) == 1
