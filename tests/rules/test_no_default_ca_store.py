"""Rule no-default-ca-store: what only this rule has (the shared contract, with its look-alikes, is in
test_rule_contract.py): the deciding facts mutated one at a time, both ways.

pip >= 24.2's truststore falls back to the first existing file of its ``_CA_FILE_CANDIDATES`` when
OpenSSL's default store is empty (pip/_vendor/truststore/_openssl.py), so the real recordings (this
machine has /etc/ssl/certs/ca-certificates.crt) are *negative* controls: pip fails there because the
root is missing from that file. The positives are recorded on an emulated machine (a private mount
namespace, record_facts.py --no-candidates) with no candidate file and the root in the build's own
bundle (/usr/lib/ssl/cert.pem, hidden from OpenSSL's defaults by SSL_CERT_FILE): "+no-fallback"; the
same machine whose bundle lacks the root ("+no-fallback-other-root") is the negative control.
"""

from __future__ import annotations

import copy

import pytest
from recorded_facts import by_scenario, facts_of, healthy, ids, positives

from tlsdoctor import rules
from tlsdoctor.causes import CAUSES, CAUSES_ZH
from tlsdoctor.render import check as render_check
from tlsdoctor.render import zh
from tlsdoctor.rules import no_default_ca_store as rule

POSITIVE = positives("no-default-ca-store")
REAL = [r for r in by_scenario("no-default-ca-store") if "+" not in r.client]
OTHER_ROOT = [r for r in by_scenario("no-default-ca-store") if r.client.endswith("+no-fallback-other-root")]


def test_has_chinese_text_and_both_truststore_pips():
    assert rule.CAUSE in CAUSES and CAUSES_ZH[rule.CAUSE]
    assert {r.client for r in POSITIVE} >= {"py3.13-pip26.3+no-fallback", "py3.13-pip24.2+no-fallback"}
    assert {r.client for r in REAL} >= {"py3.13-pip26.3", "py3.13-pip24.2"}
    assert len(OTHER_ROOT) >= 2


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_names_the_missing_store_and_points_it_at_the_bundle_that_verifies(rec):
    d = rule.diagnose(facts_of(rec))
    assert any("SSL_CERT_FILE=" in e and "(missing)" in e for e in d.evidence)
    assert any("found no CA file either" in e and "/etc/ssl/certs/ca-certificates.crt" in e for e in d.evidence)
    assert any(step.key == "SSL_CERT_FILE" and step.value == "/usr/lib/ssl/cert.pem" for step in d.fix)
    assert [x.cause for x in rules.run(facts_of(rec)).diagnoses][:1] == [rule.CAUSE]


@pytest.mark.parametrize("rec", REAL, ids=ids(REAL))
def test_silent_when_truststore_falls_back_to_a_file_without_the_root(rec):
    # Negative control, real: truststore loaded this machine's ca-certificates.crt (measured), which
    # lacks the lab's root; pip fails because the root is in no store it reads.
    f = facts_of(rec)
    assert f.truststore.loads == "fallback" and f.truststore.fallback_file
    assert rec.first_cause == "untrusted-private-ca"
    assert rule.diagnose(f) is None
    assert [x.cause for x in rules.run(f).diagnoses][:1] == ["untrusted-private-ca"]


@pytest.mark.parametrize("rec", OTHER_ROOT, ids=ids(OTHER_ROOT))
def test_silent_when_no_store_this_machine_has_holds_the_root(rec):
    # Negative control, real: no candidate file either, but the build's bundle lacks the root (another
    # CA): pointing OpenSSL at it cannot help, the root is in no store at all.
    f = facts_of(rec)
    assert f.truststore.sees_no_roots and f.hosts[0].attempts.store("os_bundle").failed
    assert rule.diagnose(f) is None
    assert [x.cause for x in rules.run(f).diagnoses][:1] == ["untrusted-private-ca"]


def _positive_mutated(rec, change):
    raw = copy.deepcopy(rec.raw)
    change(raw)
    return facts_of(rec, raw)


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_fires_for_a_truststore_without_the_fallback_list(rec):
    # A truststore module without _CA_FILE_CANDIDATES (measured as candidates None) loads nothing either.
    def no_list(raw):
        raw["main"]["facts"]["pip"]["truststore"]["candidates"] = None

    d = rule.diagnose(_positive_mutated(rec, no_list))
    assert d is not None and any("no fallback list" in e for e in d.evidence)


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_silent_when_the_default_store_exists(rec):
    # Negative control on the deciding fact: OpenSSL's default CA directory exists (as on Debian,
    # whose cafile is absent but whose capath is full): then it is a root missing from the store.
    def give_capath(raw):
        raw["main"]["facts"]["ssl"]["default_verify_paths"]["capath"] = "/usr/lib/ssl/certs"

    assert rule.diagnose(_positive_mutated(rec, give_capath)) is None


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_silent_when_pip_does_not_use_the_os_store(rec):
    # pip <= 23.x verifies with certifi alone: the empty default store is not why it fails.
    def old_pip(raw):
        raw["main"]["facts"]["pip"]["version"] = "23.2.1"

    assert rule.diagnose(_positive_mutated(rec, old_pip)) is None


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
@pytest.mark.parametrize("backend", ["_macos", "_windows"])
def test_silent_where_truststore_asks_the_os(rec, backend):
    # macOS/Windows: truststore verifies with the OS (_macos/_windows), never OpenSSL's paths.
    def other_os(raw):
        raw["main"]["facts"]["pip"]["truststore"] = {"backend": backend}

    assert rule.diagnose(_positive_mutated(rec, other_os)) is None


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_silent_when_truststore_was_not_measured(rec):
    # An older probe's facts: what truststore loads is unknown, so no claim that it loads nothing.
    def older_probe(raw):
        del raw["main"]["facts"]["pip"]["truststore"]

    assert rule.diagnose(_positive_mutated(rec, older_probe)) is None


# ---- the warning: an empty default store is always said, as what it breaks

def _warnings(f):
    return [w for w in render_check.warnings(f) if w["code"] == "no_default_ca_store"]


@pytest.mark.parametrize("rec", REAL, ids=ids(REAL))
def test_warns_for_urllib_and_says_where_truststore_falls_back(rec):
    (w,) = _warnings(facts_of(rec))
    assert w["severity"] == "warning"
    assert "urllib and ssl.create_default_context() see no roots" in w["message"]
    assert "pip's truststore falls back to /etc/ssl/certs/ca-certificates.crt" in w["message"]
    line = zh.line(render_check.Check(render_check.WARN, w["code"], w["message"]).line())
    assert "see no roots" not in line and "falls back" not in line and "/etc/ssl/certs/ca-certificates.crt" in line


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_warning_says_truststore_finds_nothing(rec):
    (w,) = _warnings(facts_of(rec))
    assert "finds no CA file either" in w["message"]


@pytest.mark.parametrize("rec", healthy()[:4], ids=ids(healthy()[:4]))
def test_no_warning_when_the_default_store_exists(rec):
    assert _warnings(facts_of(rec)) == []
