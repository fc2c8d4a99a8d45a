"""Rule tls-interception: the cases specific to this rule (the shared contract is in test_rule_contract.py)."""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, facts_of, ids, mutated, positives

from tlsdoctor import rules
from tlsdoctor.rules import tls_interception as rule

POSITIVE = positives("tls-interception")
# Where going direct is what decides (an inspecting proxy): transparent interception has no proxy to
# bypass and is decided from the CA and the other hosts it signs (test_transparent_interception.py).
VIA_PROXY = [r for r in POSITIVE if any(h.proxy for h in facts_of(r).hosts)]


@pytest.mark.parametrize("rec", VIA_PROXY, ids=ids(VIA_PROXY))
def test_not_when_direct_and_proxied_certificates_match(rec):
    def same_cert(raw):
        probes = raw["main"]["probes"]
        if "0:variant:direct" in probes:
            via = next(v["chain"] for k, v in sorted(probes.items()) if v.get("chain") and "direct" not in k)
            probes["0:variant:direct"]["chain"] = via
    assert rule.diagnose(mutated(rec, same_cert)) is None


def _as_pypi(raw):
    """Constructed from a real recording: the same chain, but for pypi.org (no proxy)."""
    main = raw["main"]
    main["facts"]["targets"] = ["https://pypi.org/simple/"]
    for s in main.get("sessions", {}).values():
        s["proxy_for_url"] = None


@pytest.mark.parametrize("rec", by_scenario("untrusted-ca"), ids=ids(by_scenario("untrusted-ca")))
def test_never_decided_from_the_host_name(rec):
    """A private CA no store trusts is the same finding at "pypi.org" as at localhost (issue 8: no host lists)."""
    assert rule.diagnose(mutated(rec, _as_pypi)) is None
    assert rules.run(mutated(rec, _as_pypi)).diagnoses[0].cause == rules.run(facts_of(rec)).diagnoses[0].cause


@pytest.mark.parametrize("rec", by_scenario("untrusted-ca"), ids=ids(by_scenario("untrusted-ca")))
def test_a_private_host_with_a_private_ca_is_not_interception(rec):
    assert rule.diagnose(facts_of(rec)) is None


def _direct_gave_no_answer(how):
    """Constructed from a real recording: the direct handshake (the deciding attempt) lost to load."""
    def change(raw):
        probes = raw["main"]["probes"]
        for k in list(probes):
            if k.endswith(":variant:direct"):
                probes[k] = ({"status": "deadline"} if how == "deadline" else
                             {"status": "error", "error_kind": "timeout", "timeout": True, "stage": "tcp",
                              "error": "timed out"})
    return change


@pytest.mark.parametrize("how", ["deadline", "timeout"])
@pytest.mark.parametrize("rec", VIA_PROXY, ids=ids(VIA_PROXY))
def test_a_deciding_attempt_without_answer_is_undecided_never_another_cause(rec, how):
    """Issue 8 item 4: under load the direct handshake may not answer; then no private-CA verdict."""
    f = mutated(rec, _direct_gave_no_answer(how))
    out = rules.run(f)
    assert "untrusted-private-ca" not in [d.cause for d in out.diagnoses]
    assert [u.candidates for u in out.undecided if u.cause == "tls-interception"] == [
        ("tls-interception", "untrusted-private-ca")]


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_negative_control_with_its_answer_it_is_interception(rec):
    out = rules.run(facts_of(rec))
    assert out.diagnoses[0].cause == "tls-interception" and not out.undecided


def _request_after_handshake_timed_out(raw):
    """Constructed from a real recording (seen under CPU load): the unverified handshake completed and
    recorded the chain, then its HEAD request timed out, and the phase-2 handshakes were not launched
    (as in that run: only tls, direct, plain_http and second_host were there)."""
    probes = raw["main"]["probes"]
    for k in list(probes):
        if ":variant:" in k and not k.endswith((":direct", ":second_host", ":plain_http")):
            del probes[k]
    for k, v in probes.items():
        if k.endswith(":tls"):
            v.update(status="error", error_kind="timeout", timeout=True, stage="after_handshake",
                     error="TimeoutError: The read operation timed out")


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_a_chain_seen_before_a_later_timeout_is_still_evidence(rec):
    out = rules.run(mutated(rec, _request_after_handshake_timed_out))
    assert out.diagnoses and out.diagnoses[0].cause == "tls-interception", [d.cause for d in out.diagnoses]
