"""Rule tls-interception: real lab measurements (positives), healthy runs and look-alike failures (negative controls)."""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, facts_of, healthy, ids, mutated, positives  # noqa: F401

from tlsdoctor import rules
from tlsdoctor.rules import tls_interception as rule

POSITIVE = positives("tls-interception")
LOOKALIKES = [r for r in by_scenario("untrusted-ca", "missing-intermediate", "self-signed-leaf") if r.expect == "fail"]


def test_rule_is_registered_and_documented():
    assert rule.CAUSE == "tls-interception"
    assert "Fails like" in (rule.__doc__ or "")
    assert rule in rules.load_rules()


def test_there_are_real_recordings():
    assert POSITIVE, "no lab recording for tls-interception"


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_fires_on_the_real_failure(rec):
    d = rule.diagnose(facts_of(rec))
    assert d is not None and d.cause == "tls-interception"
    assert d.verdict and d.evidence and d.fix


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_ranks_first_among_all_rules(rec):
    outcome = rules.run(facts_of(rec))
    assert not outcome.rule_errors
    assert [d.cause for d in outcome.diagnoses][:1] == ["tls-interception"]


@pytest.mark.parametrize("rec", healthy(), ids=ids(healthy()))
def test_silent_when_pip_works(rec):
    assert rule.diagnose(facts_of(rec)) is None


@pytest.mark.parametrize("rec", LOOKALIKES, ids=ids(LOOKALIKES))
def test_silent_on_lookalike_failures(rec):
    assert rule.diagnose(facts_of(rec)) is None


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_not_when_direct_and_proxied_certificates_match(rec):
    def same_cert(raw):
        probes = raw["main"]["probes"]
        if "0:variant:direct" in probes:
            via = next(v["chain"] for k, v in sorted(probes.items()) if v.get("chain") and "direct" not in k)
            probes["0:variant:direct"]["chain"] = via
    assert rule.diagnose(mutated(rec, same_cert)) is None


def _as_pypi(raw):
    """Constructed from a real recording: the same re-signed chain, but for pypi.org (no proxy).

    Loopback tests never reach pypi.org; the host name is the only change.
    """
    main = raw["main"]
    main["facts"]["targets"] = ["https://pypi.org/simple/"]
    for s in main.get("sessions", {}).values():
        s["proxy_for_url"] = None


@pytest.mark.parametrize("rec", by_scenario("untrusted-ca"), ids=ids(by_scenario("untrusted-ca")))
def test_transparent_interception_of_a_public_host(rec):
    f = mutated(rec, _as_pypi)
    d = rule.diagnose(f)
    if rule._certifi_age_days(f) > rule.RECENT_CERTIFI_DAYS:
        assert d is None  # an old certifi may just be outdated
    else:
        assert d is not None and "intercepted" in d.verdict
        assert rules.run(f).diagnoses[0].cause == "tls-interception"


@pytest.mark.parametrize("rec", by_scenario("untrusted-ca"), ids=ids(by_scenario("untrusted-ca")))
def test_a_private_host_with_a_private_ca_is_not_interception(rec):
    assert rule.diagnose(facts_of(rec)) is None
