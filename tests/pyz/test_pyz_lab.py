"""End to end: with only ``tlsdoctor.pyz`` and a Python >= 3.9 (no site-packages), ``check`` gives
the same diagnosis as the installed tool, on the lab's real servers.

Each case starts a scenario in-process (``tlsdoctor.lab.scenarios``, as
``tests/check/test_check_lab.py`` does), then runs ``check --python <lab
client> --json`` twice under the environment pip would have: from the pyz with
Python 3.9 or 3.13 (``-I -S``), and from the source tree (the installed tool).
The first cause and the status must agree, and must be the scenario's (so the
comparison cannot pass by both sides failing the same way). The pyz gets a
private TMPDIR that must be empty afterwards: it leaves no files behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from lab_support import started
from pyz_helpers import ROOT, pyenv_python, run_pyz

pytestmark = pytest.mark.lab

scenarios = pytest.importorskip("tlsdoctor.lab.scenarios")
from tlsdoctor.lab import clients  # noqa: E402

PYTHONS = ["3.9.18", "3.13.0"]
# A healthy index, a verification failure, a proxy that re-signs, and an
# environment variable beating pip's config: four different layers.
SCENARIOS = ["healthy-direct", "expired-cert", "intercepting-proxy", "env-bundle-overrides-cert"]
CLIENT = ("3.11", "23.2.1")


def _client():
    try:
        return clients.ensure(*CLIENT)
    except Exception as exc:  # no interpreter / no wheel on this machine
        pytest.skip("client %s/pip %s unavailable: %s" % (CLIENT + (exc,)))


def installed_check(client, env, tmpdir):
    env = dict(env, PYTHONPATH=os.path.join(ROOT, "src"), TMPDIR=tmpdir)
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "check", "--python", client.python, "--json"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=90)
    return proc.returncode, json.loads(proc.stdout.decode("utf-8"))


@pytest.mark.parametrize("version", PYTHONS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_pyz_check_matches_installed(pyz, name, version, tmp_path):
    python = pyenv_python(version)
    client = _client()
    sc = scenarios.get(name)
    expect = sc.expect(client)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    with started(sc, str(tmp_path / "lab")) as running:
        env = clients.client_environ(client, running.env)
        ref_code, ref = installed_check(client, env, str(private_tmp))
        # The installed tool leaves nothing either (the probe's throwaway client certificate did).
        left = os.listdir(str(private_tmp))
        assert left == [], "check left files behind: %s" % left
        code, out, err = run_pyz(python, pyz, ["check", "--python", client.python, "--json"], env=env,
                                 tmpdir=str(private_tmp))
    try:
        data = json.loads(out)
    except ValueError:
        raise AssertionError("no JSON from the pyz (exit %s): %s %s" % (code, out[-500:], err[-1500:]))
    left = os.listdir(str(private_tmp))
    assert left == [], "the pyz left files behind: %s" % left
    causes = [d["cause"] for d in data["diagnoses"]]
    ref_causes = [d["cause"] for d in ref["diagnoses"]]
    # The installed tool is right here (test_check_lab proves it against real
    # pip), so agreeing with it is agreeing with the scenario.
    if expect == "ok":
        assert ref["status"] == "ok" and ref_code == 0, ref_causes
    else:
        assert ref_causes[:1] == [sc.causes[0]], ref_causes
    assert data["status"] == ref["status"] and code == ref_code, (data["status"], data["incomplete"])
    assert causes[:1] == ref_causes[:1]


@pytest.mark.parametrize("version", PYTHONS)
def test_pyz_report(pyz, version, tmp_path):
    """``report`` from the pyz: check's verdict first, the log explained, nothing left in TMPDIR."""
    python = pyenv_python(version)
    client = _client()
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    log = tmp_path / "pip.log"
    log.write_text("pip._vendor.urllib3.exceptions.SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
                   "failed: certificate has expired (_ssl.c:1006)\n")
    out = tmp_path / "report.md"
    with scenarios.get("expired-cert").start(str(tmp_path / "lab")) as running:
        env = clients.client_environ(client, running.env)
        code, stdout, err = run_pyz(python, pyz, ["report", "--python", client.python, "--log", str(log),
                                                  "--output", str(out)], env=env, tmpdir=str(private_tmp))
    left = os.listdir(str(private_tmp))
    assert left == [], "the pyz left files behind: %s" % left
    doc = out.read_text(encoding="utf-8")
    assert "pip/ssl-cert-verify-expired" in doc  # explain ran from the zip in any case
    verdict = doc[doc.index("## Verdict"):doc.index("## tlsdoctor check")]
    assert code == 1, err
    assert "1. `cert-expired`" in verdict
