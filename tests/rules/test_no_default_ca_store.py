"""Rule no-default-ca-store: real lab measurements (positives), healthy runs and look-alike failures (negative controls)."""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, facts_of, healthy, ids, mutated, positives  # noqa: F401

from tlsdoctor import rules
from tlsdoctor.causes import CAUSES, CAUSES_ZH
from tlsdoctor.rules import no_default_ca_store as rule

POSITIVE = positives("no-default-ca-store")
# The same "unable to get local issuer certificate" with a default store that
# exists: a private CA, interception, a missing intermediate.
LOOKALIKES = [r for r in by_scenario("untrusted-ca", "intercepting-proxy", "missing-intermediate", "wrong-host")
              if r.expect == "fail"]


def test_rule_is_registered_and_documented():
    assert rule.CAUSE == "no-default-ca-store"
    assert rule.CAUSE in CAUSES and CAUSES_ZH[rule.CAUSE]
    assert "Fails like" in (rule.__doc__ or "")
    assert rule in rules.load_rules()


def test_there_are_real_recordings():
    assert {r.client for r in POSITIVE} >= {"py3.13-pip26.3", "py3.13-pip24.2"}


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_fires_on_the_real_failure(rec):
    d = rule.diagnose(facts_of(rec))
    assert d is not None and d.cause == "no-default-ca-store"
    assert any("SSL_CERT_FILE=" in e and "(missing)" in e for e in d.evidence)
    assert any("SSL_CERT_FILE" in step for step in d.fix)


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_ranks_first_among_all_rules(rec):
    outcome = rules.run(facts_of(rec))
    assert not outcome.rule_errors
    assert [d.cause for d in outcome.diagnoses][:1] == ["no-default-ca-store"]


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_silent_when_the_default_store_exists(rec):
    # Negative control on the deciding fact: the same failure, but OpenSSL's
    # default CA directory exists (as on Debian, whose cafile is absent but
    # whose capath is full): then it is a root missing from the store.
    def give_capath(raw):
        raw["main"]["facts"]["ssl"]["default_verify_paths"]["capath"] = "/usr/lib/ssl/certs"

    assert rule.diagnose(mutated(rec, give_capath)) is None


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_silent_when_pip_does_not_use_the_os_store(rec):
    # pip <= 23.x verifies with certifi alone: the empty default store is not
    # why it fails (it breaks urllib, not this pip).
    def old_pip(raw):
        raw["main"]["facts"]["pip"]["version"] = "23.2.1"

    assert rule.diagnose(mutated(rec, old_pip)) is None


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_says_install_certificates_on_macos(rec):
    def on_macos(raw):
        raw["main"]["facts"]["python"]["platform"] = "darwin"

    d = rule.diagnose(mutated(rec, on_macos))
    assert d is not None and any("Install Certificates.command" in step for step in d.fix)


@pytest.mark.parametrize("rec", healthy(), ids=ids(healthy()))
def test_silent_when_pip_works(rec):
    assert rule.diagnose(facts_of(rec)) is None


@pytest.mark.parametrize("rec", LOOKALIKES, ids=ids(LOOKALIKES))
def test_silent_on_lookalike_failures(rec):
    assert rule.diagnose(facts_of(rec)) is None
