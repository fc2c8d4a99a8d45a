"""Rule client-tls-too-old: the cases specific to this rule (the shared contract is in test_rule_contract.py).

Every interpreter here has TLS 1.3, so the real "old OpenSSL" client is
constructed from a real recording: the tls13-only measurement with the
OPENSSL_CONF emulation removed and the build's capabilities set to what an
OpenSSL 1.0.2 client reports (no TLS 1.3, no TLSVersion.TLSv1_3).
"""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, ids, mutated

from tlsdoctor import rules
from tlsdoctor.rules import client_tls_too_old as rule

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
