"""The contract every rule keeps, one table for all causes (rule-specific cases live in test_<cause>.py).

For each cause: its rule is registered and documented ("Fails like"), real lab
recordings exist where it is pip's first cause, it fires on each of them with
a verdict, evidence and a fix, it ranks first among all rules there, it stays
silent wherever real pip succeeds, and it stays silent on its look-alikes:
real failures of other scenarios with the same symptoms (negative controls).
"""

from __future__ import annotations

import importlib
import re

import pytest
from recorded_facts import by_scenario, facts_of, healthy, positives

from tlsdoctor import rules
from tlsdoctor.causes import CAUSES

# cause -> lab scenarios that fail in a similar way, where this rule must stay silent.
LOOKALIKES = {
    "ca-bundle-env-overrides-cert": ("untrusted-ca", "bundle-path-missing", "missing-intermediate"),
    "ca-bundle-path-invalid": ("untrusted-ca", "env-bundle-overrides-cert", "trust-store-missing-root"),
    "cert-expired": ("clock-behind", "untrusted-ca", "wrong-host"),
    "cipher-mismatch": ("weak-dh", "client-cert-tls12", "tls10-only", "drop-after-hello"),
    "client-cert-required": ("legacy-ciphers", "weak-dh", "tls10-only", "drop-after-hello"),
    "client-tls-too-old": ("tls10-only", "openssl-conf-caps-tls", "legacy-ciphers", "drop-after-hello"),
    "clock-skew": ("expired-cert", "untrusted-ca", "wrong-host"),
    "hostname-mismatch": ("untrusted-ca", "expired-cert", "clock-behind", "self-signed-leaf"),
    "https-on-http-port": ("drop-after-hello", "tls10-only"),
    "index-unreachable": ("proxy-unreachable", "drop-after-hello"),
    "legacy-renegotiation": ("legacy-ciphers", "tls10-only", "drop-after-hello"),
    "missing-intermediate": ("untrusted-ca", "self-signed-leaf", "expired-cert", "clock-behind", "wrong-host",
                             "private-ca-aia-root"),
    # The same "unable to get local issuer certificate" with a default store that exists.
    "no-default-ca-store": ("untrusted-ca", "intercepting-proxy", "missing-intermediate", "wrong-host"),
    "openssl-config-restricts": ("tls10-only", "legacy-ciphers", "drop-after-hello"),
    "outdated-ca-bundle": ("untrusted-ca", "missing-intermediate", "self-signed-leaf"),
    "proxy-auth-required": ("proxy-403", "proxy-unreachable", "proxy-https-scheme", "proxy-https-scheme-private-ca"),
    "proxy-forbidden": ("proxy-407", "proxy-unreachable", "proxy-407-interception"),
    "proxy-scheme-mismatch": ("proxy-407", "proxy-403", "proxy-unreachable", "proxy-407-interception"),
    "proxy-unreachable": ("index-unreachable", "proxy-407", "proxy-403", "proxy-407-interception"),
    "server-tls-too-old": ("tls13-only", "legacy-ciphers", "openssl-conf-caps-tls"),
    "ssl-module-missing": ("untrusted-ca", "proxy-unreachable", "tls10-only", "bundle-path-missing"),
    "strict-x509-rejects-ca": ("untrusted-ca", "missing-intermediate", "expired-cert"),
    "tls-connection-dropped": ("plain-http-port", "tls10-only", "legacy-ciphers"),
    # The stacked scenarios' second faults are hidden behind their first (a
    # 407, a proxy scheme): nothing measured shows them, so their rules stay
    # silent. A probe that learns to look past the first fault drops these.
    "tls-interception": ("untrusted-ca", "missing-intermediate", "self-signed-leaf", "proxy-407-interception"),
    # pip 21 (no truststore) meets the same ValueError from urllib3 1.26's https:// proxy by IP.
    "truststore-ip-address": ("healthy-direct", "wrong-host", "untrusted-ca", "proxy-https-scheme"),
    "untrusted-private-ca": ("expired-cert", "clock-behind", "wrong-host", "strict-ca", "trust-store-missing-root",
                             "env-bundle-overrides-cert", "missing-intermediate-aia", "proxy-https-scheme-private-ca"),
    "weak-dh-key": ("legacy-ciphers", "client-cert-tls12", "tls10-only"),
}
# Causes whose rule is owned elsewhere may be added to CAUSES before their row
# here: they still get the registry checks, and this list says which lack a row.
WITHOUT_ROW = sorted(set(CAUSES) - set(LOOKALIKES))


def rule_of(cause: str):
    return importlib.import_module("tlsdoctor.rules." + cause.replace("-", "_"))


def cases(recs_of):
    out = []
    for cause in sorted(LOOKALIKES):
        for rec in recs_of(cause):
            out.append(pytest.param(cause, rec, id="%s@%s" % (cause, rec.id)))
    return out


POSITIVES = cases(positives)
HEALTHY = cases(lambda cause: healthy())
LOOKALIKE = cases(lambda cause: [r for r in by_scenario(*LOOKALIKES[cause]) if r.expect == "fail"])


def test_the_table_names_real_causes_and_scenarios():
    assert set(LOOKALIKES) <= set(CAUSES)
    known = {r.scenario for r in healthy()} | {r.scenario for c in CAUSES for r in positives(c)}
    for cause, scenarios in LOOKALIKES.items():
        assert set(scenarios) <= known | {r.scenario for r in by_scenario(*scenarios)}, cause
        assert by_scenario(*scenarios), cause


@pytest.mark.parametrize("cause", sorted(LOOKALIKES))
def test_rule_is_registered_and_documented(cause):
    rule = rule_of(cause)
    assert rule.CAUSE == cause
    assert "Fails like" in (rule.__doc__ or "")
    assert rule in rules.load_rules()


@pytest.mark.parametrize("cause", sorted(LOOKALIKES))
def test_there_are_real_recordings(cause):
    assert positives(cause), "no lab recording for %s" % cause


@pytest.mark.parametrize("cause, rec", POSITIVES)
def test_fires_on_the_real_failure(cause, rec):
    d = rule_of(cause).diagnose(facts_of(rec))
    assert d is not None and d.cause == cause
    assert d.verdict and d.evidence and d.fix


@pytest.mark.parametrize("cause, rec", POSITIVES)
def test_ranks_first_among_all_rules(cause, rec):
    outcome = rules.run(facts_of(rec))
    assert not outcome.rule_errors
    assert [d.cause for d in outcome.diagnoses][:1] == [cause]


@pytest.mark.parametrize("cause, rec", HEALTHY)
def test_silent_when_pip_works(cause, rec):
    assert rule_of(cause).diagnose(facts_of(rec)) is None


@pytest.mark.parametrize("cause, rec", LOOKALIKE)
def test_silent_on_lookalike_failures(cause, rec):
    assert rule_of(cause).diagnose(facts_of(rec)) is None


def test_every_cause_has_lookalikes_unless_said_otherwise():
    """A new cause gets a row (its negative controls) here; until then it is named, not silently skipped."""
    assert WITHOUT_ROW == [], "add these causes to LOOKALIKES: %s" % WITHOUT_ROW


# A value in capitals with a colon (``http://PROXY:PORT``, ``USER:PASSWORD``) is a placeholder
# for what only the user knows: a rule may show it, never hand it to fix as automatic.
_PLACEHOLDER = re.compile(r"\b[A-Z]{3,}:[A-Z]{3,}\b")


@pytest.mark.parametrize("cause, rec", POSITIVES)
def test_no_placeholder_is_an_automatic_value(cause, rec):
    d = rule_of(cause).diagnose(facts_of(rec))
    for step in d.fix:
        if step.automatic:
            assert not _PLACEHOLDER.search(step.value or ""), (cause, step)


def test_the_placeholder_check_can_fail():
    """Negative control: the old index-unreachable step (automatic) is caught."""
    from tlsdoctor import remedies

    step = remedies.set_env("https_proxy", "http://PROXY:PORT", "if you need a proxy")
    assert step.automatic and _PLACEHOLDER.search(step.value)
