"""tools.judge over real probe recordings (tests/rules/recordings) and real uv error texts
(src/tlsdoctor/lab/tool_recordings): the cause comes from mechanisms, each case with its control."""

from __future__ import annotations

import json
import os
import sys
from types import SimpleNamespace

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules"))
from recorded_facts import by_scenario, facts_of  # noqa: E402

from tlsdoctor import rules  # noqa: E402
from tlsdoctor.tools import Found, Request, RequestStatus, Resolved, Trust, TrustKind  # noqa: E402
from tlsdoctor.tools.judge import classify, judge  # noqa: E402

TOOL_RECORDINGS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                               "src", "tlsdoctor", "lab", "tool_recordings")
CLIENT = "py3.13-pip26.3"


def report_of(scenario, client=CLIENT):
    rec = [r for r in by_scenario(scenario) if r.client == client][0]
    facts = facts_of(rec)
    outcome = rules.run(facts)
    return SimpleNamespace(facts=facts, diagnoses=tuple(outcome.diagnoses), incomplete=[])


def uv_output(scenario, tid="uv0.13.9", variant=""):
    with open(os.path.join(TOOL_RECORDINGS, scenario, tid + variant + ".json"), encoding="utf-8") as f:
        return json.load(f)["output"]


def resolved(report, *trust, tool="uv"):
    url = report.facts.hosts[0].url
    return Resolved(found=Found(tool, "/usr/bin/" + tool, "0.13.9"), index_url=url, trust=tuple(trust))


def failed(output):
    return Request(RequestStatus.FAILED, exit_code=2, output=output)


BUNDLED = Trust(TrustKind.BUNDLED, None, "default")


def test_untrusted_ca_is_the_rules_trust_cause():
    rep = report_of("untrusted-ca")
    v = judge(resolved(rep, BUNDLED), failed(uv_output("untrusted-ca")), rep)
    assert (v.status, v.causes[:1]) == ("problem", ("untrusted-private-ca",)), v
    # control: the tool's own request decides whether: an ok request is ok whatever the facts
    v = judge(resolved(rep, BUNDLED), Request(RequestStatus.OK, exit_code=0), rep)
    assert (v.status, v.causes) == ("ok", ())


def test_a_ca_setting_the_tool_does_not_read():
    # healthy-direct: pip trusts the index through PIP_CERT; uv (bundled roots) does not read it
    rep = report_of("healthy-direct")
    v = judge(resolved(rep, BUNDLED), failed(uv_output("untrusted-ca")), rep)
    assert v.causes == ("tool-ignores-ca-setting",) and "does not read" in v.summary, v
    # control: a tool whose own file *is* that bundle is not said to ignore it
    pip_cert = rep.facts.hosts[0].attempts.store("pip_cert").cafile
    v = judge(resolved(rep, Trust(TrustKind.FILE, pip_cert, "SSL_CERT_FILE")), failed(uv_output("untrusted-ca")), rep)
    assert "tool-ignores-ca-setting" not in v.causes


def test_a_tool_file_the_probe_did_not_measure_is_not_a_guess(tmp_path):
    rep = report_of("healthy-direct")
    other = tmp_path / "poetry-source-cert.pem"
    other.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    v = judge(resolved(rep, Trust(TrustKind.FILE, str(other), "certificates.lab.cert"), tool="poetry"),
              failed("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
                     "certificate"), rep)
    assert v.status == "incomplete" and v.causes == () and "tool-ignores-ca-setting" in v.candidates, v


def test_trust_nothing_is_the_bundle_path():
    rep = report_of("untrusted-ca")
    out = uv_output("untrusted-ca", variant=".ssl-cert-file-missing")
    assert "No default certificates will be trusted" in out
    v = judge(resolved(rep, Trust(TrustKind.NOTHING, None, "SSL_CERT_FILE")), failed(out), rep)
    assert v.causes == ("ca-bundle-path-invalid",), v


@pytest.mark.parametrize("scenario,cause", [("tls10-only", "server-tls-too-old"), ("expired-cert", "cert-expired"),
                                            ("proxy-407", "proxy-auth-required"),
                                            ("wrong-host", "hostname-mismatch"), ("weak-dh", "weak-dh-key")])
def test_tool_independent_causes_come_from_the_rules(scenario, cause):
    rep = report_of(scenario)
    out = uv_output(scenario)
    assert classify(out) is not None
    v = judge(resolved(rep, BUNDLED), failed(out), rep)
    assert v.causes[:1] == (cause,), v
    # control: the same text against a healthy index's facts names no cause (no guessing)
    healthy = report_of("healthy-direct")
    v = judge(resolved(healthy, BUNDLED), failed(out), healthy)
    assert v.status == "incomplete" and v.causes == (), v


def test_deadline_is_could_not_tell_never_a_cause():
    rep = report_of("untrusted-ca")
    v = judge(resolved(rep, BUNDLED), Request(RequestStatus.DEADLINE, output="Using CPython 3.13"), rep)
    assert v.status == "incomplete" and v.causes == () and "could not tell" in v.summary


def test_silent_tool_failure_judged_by_the_tools_anchors():
    # Poetry 2 prints only "All attempts to connect to HOST:PORT failed." without -v
    rep = report_of("untrusted-ca")
    text = "All attempts to connect to localhost:1 failed.\n\nProbable Causes:\n - the server is not responding"
    certifi = Trust(TrustKind.CERTIFI, None, "default")
    v = judge(resolved(rep, certifi, tool="poetry"), failed(text), rep)
    assert v.causes[:1] == ("untrusted-private-ca",), v
    # control: verification off for that host: its anchors are not the reason, so no trust cause
    off = Trust(TrustKind.OFF, None, "cert = false")
    v = judge(resolved(rep, off, certifi, tool="poetry"), failed(text), rep)
    assert "untrusted-private-ca" not in v.causes


def test_could_not_run_predicts_only_candidates():
    rep = report_of("untrusted-ca")
    v = judge(resolved(rep, Trust(TrustKind.CERTIFI, None, "default"), tool="conda"),
              Request(RequestStatus.COULD_NOT_RUN, detail="could not confirm with conda itself"), rep)
    assert v.status == "incomplete" and v.causes == () and "untrusted-private-ca" in v.candidates


def test_a_store_attempt_cut_off_says_nothing_about_anchors():
    # drop-after-hello: every verified handshake dies with the connection, not with a verdict on the
    # chain; a silent tool failure there must not become a trust cause
    rep = report_of("drop-after-hello")
    text = "All attempts to connect to localhost:1 failed."
    v = judge(resolved(rep, Trust(TrustKind.CERTIFI, None, "default"), tool="poetry"), failed(text), rep)
    assert not set(v.causes) & {"untrusted-private-ca", "tls-interception", "tool-ignores-os-store",
                                "tool-ignores-ca-setting"}, v
    assert v.causes[:1] == ("tls-connection-dropped",), v
    # control: on untrusted-ca the same silent failure is judged by the anchors (a trust cause)
    rep = report_of("untrusted-ca")
    v = judge(resolved(rep, Trust(TrustKind.CERTIFI, None, "default"), tool="poetry"), failed(text), rep)
    assert v.causes[:1] == ("untrusted-private-ca",)
