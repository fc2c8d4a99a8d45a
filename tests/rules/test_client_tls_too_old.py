"""Rule client-tls-too-old: real lab measurements (positives), healthy runs and look-alike failures (negative controls).

Every interpreter here has TLS 1.3, so the real "old OpenSSL" client is
constructed from a real recording: the tls13-only measurement with the
OPENSSL_CONF emulation removed and the build's capabilities set to what an
OpenSSL 1.0.2 client reports (no TLS 1.3, no TLSVersion.TLSv1_3).
"""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, facts_of, healthy, ids, mutated, positives  # noqa: F401

from tlsdoctor import rules
from tlsdoctor.rules import client_tls_too_old as rule

POSITIVE = positives("client-tls-too-old")
LOOKALIKES = [r for r in by_scenario("tls10-only", "openssl-conf-caps-tls", "legacy-ciphers", "drop-after-hello") if r.expect == "fail"]


def test_rule_is_registered_and_documented():
    assert rule.CAUSE == "client-tls-too-old"
    assert "Fails like" in (rule.__doc__ or "")
    assert rule in rules.load_rules()


def test_there_are_real_recordings():
    assert POSITIVE, "no lab recording for client-tls-too-old"


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_fires_on_the_real_failure(rec):
    d = rule.diagnose(facts_of(rec))
    assert d is not None and d.cause == "client-tls-too-old"
    assert d.verdict and d.evidence and d.fix


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_ranks_first_among_all_rules(rec):
    outcome = rules.run(facts_of(rec))
    assert not outcome.rule_errors
    assert [d.cause for d in outcome.diagnoses][:1] == ["client-tls-too-old"]


@pytest.mark.parametrize("rec", healthy(), ids=ids(healthy()))
def test_silent_when_pip_works(rec):
    assert rule.diagnose(facts_of(rec)) is None


@pytest.mark.parametrize("rec", LOOKALIKES, ids=ids(LOOKALIKES))
def test_silent_on_lookalike_failures(rec):
    assert rule.diagnose(facts_of(rec)) is None


def _openssl_102(raw):
    f = raw["main"]["facts"]
    f["ssl"]["supported_versions"] = ["TLSv1", "TLSv1.1", "TLSv1.2"]
    f["ssl"]["local_handshake"] = {"status": "ok", "version": "TLSv1.2"}
    f["ssl"]["openssl_version"] = "OpenSSL 1.0.2k-fips  26 Jan 2017"
    f["env"]["openssl_conf"] = None
    for k in list(raw["main"]["probes"]):
        if k.endswith("variant:TLSv1.3"):
            raw["main"]["probes"][k] = {"status": "error", "error": "AttributeError: TLSv1_3"}
    raw["noconf"] = None


@pytest.mark.parametrize("rec", by_scenario("tls13-only"), ids=ids(by_scenario("tls13-only")))
def test_old_openssl_client_constructed(rec):
    outcome = rules.run(mutated(rec, _openssl_102))
    assert [d.cause for d in outcome.diagnoses][:1] == ["client-tls-too-old"]
    assert outcome.diagnoses[0].score >= 70


@pytest.mark.parametrize("rec", by_scenario("tls13-only"), ids=ids(by_scenario("tls13-only")))
def test_not_when_client_reaches_the_servers_version(rec):
    def modern(raw):
        raw["main"]["facts"]["ssl"]["local_handshake"] = {"status": "ok", "version": "TLSv1.3"}
    assert rule.diagnose(mutated(rec, modern)) is None
