"""check end to end on the AIA scenarios, with this interpreter's pip (real servers on loopback).

A stalled AIA server (accepts, never answers) must end in "could not tell
untrusted-private-ca / missing-intermediate apart" within the deadline, never
in either cause; the same scenario with a live AIA server (the negative
control) names missing-intermediate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

scenarios = pytest.importorskip("tlsdoctor.lab.scenarios")
from tlsdoctor.lab import aia  # noqa: E402

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")
# The stalled case waits for the AIA fetch's slice of the deadline (0.3 of it), so a
# short deadline keeps it quick; the rest of the probe (pip's import, the
# handshakes) must still fit in the deadline on a loaded 2-CPU CI machine, where
# 6 s was once not enough. The live-AIA control makes no timing claim at all.
STALL_TIMEOUT = 20.0
CONTROL_TIMEOUT = 60.0


def _check(running, tmp_path, timeout=CONTROL_TIMEOUT):
    env = dict(os.environ)
    env.update(running.env)
    env["PYTHONPATH"] = SRC
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "check", "--python", sys.executable, "--json",
                           "--timeout", str(timeout)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout + 60)
    return proc.returncode, json.loads(proc.stdout.decode()), time.monotonic() - t0


@pytest.mark.parametrize("stall", [True, False], ids=["aia-stalls", "aia-answers"])
def test_a_stalled_aia_fetch_is_could_not_tell(stall, tmp_path):
    with scenarios.get("missing-intermediate").start(str(tmp_path / "lab")) as running:
        server = aia.IssuerServer.of(running)
        if stall:
            server.stall = threading.Event()
        try:
            rc, data, took = _check(running, tmp_path, STALL_TIMEOUT if stall else CONTROL_TIMEOUT)
        finally:
            if server.stall is not None:
                server.stall.set()
    causes = [d["cause"] for d in data["diagnoses"]]
    if stall:
        assert "missing-intermediate" not in causes and "untrusted-private-ca" not in causes, causes
        cands = [i.get("candidates") for i in data["incomplete"] if i.get("candidates")]
        assert ["untrusted-private-ca", "missing-intermediate"] in cands, data["incomplete"]
        assert data["status"] == "incomplete" and rc == 3
        # --timeout bounds the whole command (a hard bound, not a timing claim).
        assert took <= STALL_TIMEOUT + 0.5, took
    else:
        assert causes[:1] == ["missing-intermediate"] and rc == 1, (causes, data["incomplete"])


def test_a_private_ca_without_aia_and_cert_at_an_os_like_bundle_is_a_private_ca(tmp_path):
    """The issue's case: pip.conf-style cert pointing at an OS bundle (other CAs), a lone leaf from a
    private root, no AIA URL. A configured bundle is no evidence of a missing intermediate: private CA
    first, its evidence naming the alternative and the question that tells them apart."""
    with scenarios.get("untrusted-ca").start(str(tmp_path / "lab")) as running:
        import trustme

        os_like = tmp_path / "ca-certificates.crt"
        os_like.write_bytes(trustme.CA().cert_pem.bytes() + trustme.CA().cert_pem.bytes())
        running.env["PIP_CERT"] = str(os_like)
        rc, data, _ = _check(running, tmp_path)
    causes = [d["cause"] for d in data["diagnoses"]]
    assert causes[:1] == ["untrusted-private-ca"] and rc == 1, (causes, data["incomplete"])
    assert "missing-intermediate" not in causes
    evidence = " ".join(data["diagnoses"][0]["evidence"])
    assert "missing-intermediate" in evidence and "full chain" in evidence, evidence
    # nothing was fetched: the leaf names no AIA URL
    assert all(not k.endswith("aia_issuer") for h in data["hosts"] for k in h["probes"]), data["hosts"]
