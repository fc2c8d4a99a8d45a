"""Rule no-default-ca-store: what only this rule has (the shared contract, with its look-alikes, is in
test_rule_contract.py): the deciding facts mutated one at a time, and the per-OS fix."""

from __future__ import annotations

import pytest
from recorded_facts import ids, mutated, positives

from tlsdoctor.causes import CAUSES, CAUSES_ZH
from tlsdoctor.rules import no_default_ca_store as rule

POSITIVE = positives("no-default-ca-store")


def test_has_chinese_text_and_both_truststore_pips():
    assert rule.CAUSE in CAUSES and CAUSES_ZH[rule.CAUSE]
    assert {r.client for r in POSITIVE} >= {"py3.13-pip26.3", "py3.13-pip24.2"}


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_names_the_missing_store_and_points_it_at_the_os_bundle(rec):
    d = rule.diagnose(mutated(rec, lambda raw: None))
    assert any("SSL_CERT_FILE=" in e and "(missing)" in e for e in d.evidence)
    assert any(step.key == "SSL_CERT_FILE" and step.value for step in d.fix)


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
    assert d is not None and any("Install Certificates.command" in step.text() for step in d.fix)
