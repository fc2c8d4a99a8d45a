"""The pyz runs the offline commands with Python 3.9 and 3.13 and no site-packages, like the installed tool.

``check`` and ``report`` against real servers are in ``test_pyz_lab.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pyz_helpers import ROOT, pyenv_python, run_pyz

from tlsdoctor.cli import COMMANDS

PYTHONS = ["3.9.18", "3.13.0"]
EXPIRED = (b"WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after "
           b"connection broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
           b"certificate verify failed: certificate has expired (_ssl.c:1006)'))': /simple/requests/\n")


def installed(args, stdin=b""):
    """The same command from the source tree (what `pip install .` gives)."""
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor"] + list(args), input=stdin, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


@pytest.fixture
def private_tmp(tmp_path):
    """A TMPDIR of the pyz's own: whatever it leaves behind shows up here."""
    d = tmp_path / "tmp"
    d.mkdir()
    yield str(d)
    assert os.listdir(str(d)) == [], "the pyz left files behind"


@pytest.mark.parametrize("version", PYTHONS)
def test_help_lists_every_command(pyz, version, private_tmp):
    code, out, err = run_pyz(pyenv_python(version), pyz, ["--help"], tmpdir=private_tmp)
    assert code == 0, err
    lines = [line.split() for line in out.splitlines()]
    for name, (_, summary) in COMMANDS.items():
        # One line each: the name, then the whole summary (argparse wraps long ones at 80 columns).
        assert [name] + summary.split() in lines, name


@pytest.mark.parametrize("version", PYTHONS)
def test_explain_same_as_installed(pyz, version, private_tmp):
    code, out, err = run_pyz(pyenv_python(version), pyz, ["explain", "--json"], stdin=EXPIRED, tmpdir=private_tmp)
    ref_code, ref_out = installed(["explain", "--json"], stdin=EXPIRED)
    assert code == ref_code == 1, err
    got, ref = json.loads(out), json.loads(ref_out)
    assert [m["id"] for m in got["matches"]] == [m["id"] for m in ref["matches"]] == ["pip/ssl-cert-verify-expired"]
    assert got["candidate_causes"] == ref["candidate_causes"]
    # Negative control: a line that is no TLS failure matches nothing, exit 0.
    code, out, _ = run_pyz(pyenv_python(version), pyz, ["explain", "--json"], stdin=b"Successfully installed six\n",
                           tmpdir=private_tmp)
    assert code == 0 and json.loads(out)["matches"] == []


@pytest.mark.parametrize("version", PYTHONS)
def test_kb_reads_its_data_from_the_zip(pyz, version, private_tmp):
    from tlsdoctor.kb import load_entries

    code, out, err = run_pyz(pyenv_python(version), pyz, ["kb", "list", "--json"], tmpdir=private_tmp)
    assert code == 0, err
    ids = [r["id"] for r in json.loads(out)]
    assert ids == [e["id"] for e in load_entries()] and ids
    code, out, err = run_pyz(pyenv_python(version), pyz, ["kb", "show", ids[0], "--json"], tmpdir=private_tmp)
    assert code == 0 and json.loads(out)["id"] == ids[0], err
    code, out, err = run_pyz(pyenv_python(version), pyz, ["kb", "validate"], tmpdir=private_tmp)
    assert code == 0, out + err
    # Negative control: an unknown id is a usage error.
    code, _, err = run_pyz(pyenv_python(version), pyz, ["kb", "show", "no/such-entry"], tmpdir=private_tmp)
    assert code == 2 and "no entry" in err


@pytest.mark.parametrize("version", PYTHONS)
def test_lab_says_what_to_install(pyz, version, private_tmp):
    code, out, err = run_pyz(pyenv_python(version), pyz, ["lab", "list"], tmpdir=private_tmp)
    assert code == 3
    assert "[lab] extra" in err and "Traceback" not in err


@pytest.mark.parametrize("version", PYTHONS)
def test_every_command_imports_from_the_zip(pyz, version, private_tmp):
    """``COMMAND --help`` imports the command's module from the zip: code that needs a newer Python than
    3.9, a file the pyz lacks, or a third-party import fails here. The lab (left out) and mcp (the SDK is
    an extra) say what to install instead."""
    for name in COMMANDS:
        code, out, err = run_pyz(pyenv_python(version), pyz, [name, "--help"], tmpdir=private_tmp)
        if name == "lab":
            assert code == 3 and "[lab] extra" in err, err
            continue
        assert code == 0 and "Traceback" not in err, (name, err)
        assert "usage: tlsdoctor %s" % name in out, name
