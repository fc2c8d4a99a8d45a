"""strict-x509-rejects-ca for a non-pip tool, decided from the probe's strict/non-strict handshakes.

Why the judge needs its own route: the strict *rule* is pip's and is gated on pip's own
request failing. In requests' lab venv (Python 3.13, pip 24.2) pip connects to the
``strict-ca`` index (``--use-deprecated=legacy-certs`` gives it its vendored urllib3 1.26,
which never sets VERIFY_X509_STRICT), so the probe has no strict *diagnosis*, while
requests 2.34.2 (urllib3 2.8, which sets the flag on 3.13) fails. The probe still
*measures* the mechanism in that interpreter: ``verify_strict`` (the bundle with the
flag) fails "Missing Authority Key Identifier" and ``verify_nostrict`` (same bundle,
without it) verifies. ``judge.strict_measured`` reads that when the bundle is the
tool's own anchor and the interpreter is the tool's (>= 3.13).

Everything here is real: the scenario's server on loopback, the probe run in requests'
interpreter, requests' own resolve and GET. Where a tool's text does not give OpenSSL's
reason (the last two cases), the text is the real one with the reason cut out, and the
test first proves that the cut text alone no longer says "strict".
"""

from __future__ import annotations

import dataclasses
import re
import time

import pytest

from tlsdoctor import check
from tlsdoctor.lab import clients, scenarios, tools
from tlsdoctor.tools import RequestStatus, judge, requests_lib

from test_check_tool_matrix import cell_env

pytestmark = pytest.mark.lab

STRICT = "strict-x509-rejects-ca"
TID = "requests2.34.2-py3.13"


def _tool(tid):
    try:
        return tools.get(tid)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))


def _run(name, tmp_path_factory, probe_tid=TID, drop=()):
    """One real cell: (resolved, request, report) for requests in scenario ``name``.

    ``probe_tid``: whose interpreter the probe runs in; ``drop``: variables removed from the tool's environment."""
    tool, probe_tool = _tool(TID), _tool(probe_tid)
    with scenarios.get(name).start(str(tmp_path_factory.mktemp(name))) as running:
        env, url = cell_env(tool, running)
        for k in drop:
            env.pop(k, None)
        deadline = time.monotonic() + 60
        found = requests_lib.find(env, tool.python, deadline)
        assert found is not None and found.version == tool.version
        resolved = requests_lib.resolve(found, env, running.workdir, deadline)
        request = requests_lib.request(resolved, env, deadline, running.workdir)
        report = check.collect(python=probe_tool.python, index_url=resolved.index_url, timeout=60, env=env)
    return resolved, request, report


def _without_reason(output):
    """The tool's text with OpenSSL's reason cut out: "certificate verify failed" and nothing after it."""
    cut = re.sub(r"(certificate verify failed)[^(')]*", r"\1 ", output)
    assert judge.classify(cut) == judge.TRUST, cut[-400:]  # the text alone no longer says "strict"
    return cut


def _host(report):
    return report.facts.hosts[0]


@pytest.fixture(scope="module")
def strict_ca(tmp_path_factory):
    return _run("strict-ca", tmp_path_factory)


def test_pip_in_requests_interpreter_connects_so_the_rule_is_silent(strict_ca):
    # Why the question arose: no strict diagnosis from the probe, because pip itself connects there.
    resolved, request, report = strict_ca
    assert request.status == RequestStatus.FAILED, request  # requests itself fails
    assert STRICT not in [d.cause for d in report.diagnoses]
    a = _host(report).attempts
    assert a.verify_strict.failed and a.verify_nostrict.ok  # ...but the mechanism was measured


def test_requests_strict_ca_cites_the_probe_measurement(strict_ca):
    resolved, request, report = strict_ca
    v = judge.judge(resolved, request, report)
    assert (v.status, v.causes[:1]) == ("problem", (STRICT,)), v
    ev = " | ".join(str(e) for e in v.evidence)
    assert "with VERIFY_X509_STRICT: " in ev and "without VERIFY_X509_STRICT: verifies" in ev, ev


def test_requests_strict_ca_text_without_reason_is_still_strict(strict_ca):
    # Before the probe's measurement was read, this was "could not tell untrusted-private-ca /
    # tls-interception": the bundle's strict failure counted as "the anchors do not verify".
    resolved, request, report = strict_ca
    req = dataclasses.replace(request, output=_without_reason(request.output))
    v = judge.judge(resolved, req, report)
    assert (v.status, v.causes) == ("problem", (STRICT,)), v


def test_control_untrusted_ca_is_not_strict(tmp_path_factory):
    # Negative control: the CA is missing from the bundle, so the handshake fails without the flag too.
    resolved, request, report = _run("untrusted-ca", tmp_path_factory)
    a = _host(report).attempts
    assert a.verify_strict.failed and a.verify_nostrict.failed
    assert judge.strict_measured(resolved, report, _host(report)) == []
    req = dataclasses.replace(request, output=_without_reason(request.output))
    v = judge.judge(resolved, req, report)
    assert STRICT not in v.causes and STRICT not in v.candidates, v


def test_control_bundle_not_the_tools_anchor(tmp_path_factory):
    # Negative control: without REQUESTS_CA_BUNDLE requests trusts certifi; the probe's strict pair was
    # measured with pip's bundle (PIP_CERT), which says nothing about requests' anchors.
    resolved, request, report = _run("strict-ca", tmp_path_factory, drop=("REQUESTS_CA_BUNDLE",))
    a = _host(report).attempts
    assert a.verify_strict.failed and a.verify_nostrict.ok
    assert judge.strict_measured(resolved, report, _host(report)) == []
    v = judge.judge(resolved, request, report)
    assert STRICT not in v.causes, v


def test_control_probe_in_another_interpreter(tmp_path_factory):
    # Negative control: the probe ran in Python 3.11 (whose defaults never set VERIFY_X509_STRICT), not in
    # requests' 3.13: its strict pair says nothing about what requests' interpreter does by default.
    # (pip 23.2.1 there has no --use-deprecated=legacy-certs, a usage error that would leave pip's bundle unread.)
    resolved, _, report = _run("strict-ca", tmp_path_factory, probe_tid="requests2.34.2-py3.11",
                               drop=("PIP_USE_DEPRECATED",))
    a = _host(report).attempts
    assert a.verify_strict.failed and a.verify_nostrict.ok
    assert report.facts.python_version_info[:2] == (3, 11)
    assert judge.strict_measured(resolved, report, _host(report)) == []
