"""Rule tls-interception: the cases specific to this rule (the shared contract is in test_rule_contract.py)."""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, facts_of, ids, mutated, positives

from tlsdoctor import rules
from tlsdoctor.rules import tls_interception as rule

POSITIVE = positives("tls-interception")


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
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
