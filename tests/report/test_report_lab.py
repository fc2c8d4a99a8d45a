"""The report's order and its pre-answered questions, on real servers (a direct index, an intercepting proxy)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.lab

scenarios = pytest.importorskip("tlsdoctor.lab.scenarios")
from tlsdoctor.lab import clients  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECTIONS = ["## Verdict", "## tlsdoctor check", "## System and versions", "## What maintainers ask first"]


def report_in(name, tmp_path, extra=()):
    try:
        client = clients.ensure("3.11", "23.2.1")
    except Exception as exc:
        pytest.skip("client unavailable: %s" % exc)
    try:
        ctx = scenarios.get(name).start(str(tmp_path / "lab"))
        running = ctx.__enter__()
    except scenarios.ScenarioUnavailable as exc:
        pytest.skip(str(exc))
    try:
        env = dict(clients.client_environ(client, running.env), PYTHONPATH=os.path.join(ROOT, "src"))
        proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "report", "--python", client.python] + list(extra),
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=90)
    finally:
        ctx.__exit__(None, None, None)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def answer(doc, question):
    row = next(line for line in doc.splitlines() if line.startswith("| %s |" % question))
    return row.split(" | ", 1)[1]


def test_intercepting_proxy_report(tmp_path):
    code, doc, err = report_in("intercepting-proxy", tmp_path)
    assert code == 1, err  # check's exit code: a problem
    positions = [doc.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    verdict = doc[doc.index("## Verdict"):doc.index("## tlsdoctor check")]
    assert "1. `tls-interception`" in verdict
    assert answer(doc, "Proxy: transparent or explicit?").startswith("explicit: pip uses http://127.0.0.1:")
    assert "private index or mirror" in answer(doc, "Public or private index?")
    assert ": no (" in answer(doc, "Does the OS trust store have the CA?")
    assert "pip 23.2.1" in answer(doc, "Tool versions")
    assert "not attached" in answer(doc, "Full output of the failing command")


def test_healthy_direct_report(tmp_path):
    """Negative control for the answers above: no proxy, and a healthy verdict."""
    code, doc, err = report_in("healthy-direct", tmp_path)
    assert code == 0, err
    assert "Diagnoses, most likely first" not in doc
    assert answer(doc, "Proxy: transparent or explicit?").startswith("no proxy configured")
