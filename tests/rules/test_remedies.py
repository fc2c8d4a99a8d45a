"""Remedies are data: typed steps with exact argv / file+key+value, and never a step that weakens TLS.

Runs every rule over every real recording (and the recordings' mutations the
rule tests use are covered by their own files).
"""

from __future__ import annotations

import pytest
from recorded_facts import facts_of, ids, recordings

from tlsdoctor import rules
from tlsdoctor.remedies import Scope, Step, StepKind, add_ca_bundle, manual, set_config, set_env

FAILING = [r for r in recordings() if r.expect == "fail"]
_INDEX_KEYS = ("index-url", "extra-index-url", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")
_CERT_KEYS = ("cert", "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


def unsafe(fix) -> list:
    """What in these steps would switch verification off, allow plain HTTP, or trust one CA alone."""
    bad = []
    lone_cas = {s.value for s in fix if s.kind is StepKind.ADD_CA and s.value}
    for s in fix:
        words = " ".join(s.argv + (s.key or "", s.value or "")).lower()
        if "trusted-host" in words or "trusted_host" in words:
            bad.append("trusted-host: %s" % s.text())
        key = (s.key or "").split(".")[-1]
        if s.kind in (StepKind.SET_CONFIG, StepKind.SET_ENV):
            if key in _INDEX_KEYS and (s.value or "").lower().startswith("http://"):
                bad.append("plain-HTTP index: %s" % s.text())
            if key in _CERT_KEYS + ("verify",) and (s.value or "").lower() in ("false", "0", "no", "off", ""):
                bad.append("verification off: %s" % s.text())
            if key in _CERT_KEYS and s.value in lone_cas:
                bad.append("a bundle of the new CA alone: %s" % s.text())
        if s.kind is StepKind.ADD_CA and s.scope is Scope.USER and s.argv:
            inputs = [a for a in s.argv[1:] if a != s.value]
            if not inputs:
                bad.append("a bundle of the new CA alone: %s" % s.text())
        if "--index-url" in words and "http://" in words:
            bad.append("plain-HTTP index: %s" % s.text())
    return bad


@pytest.mark.parametrize("rec", FAILING, ids=ids(FAILING))
def test_every_fix_is_typed_and_safe(rec):
    outcome = rules.run(facts_of(rec))
    for d in outcome.diagnoses:
        assert d.fix and all(isinstance(s, Step) for s in d.fix), d.cause
        for s in d.fix:
            assert s.text() and s.explanation or s.command(), (d.cause, s)
            if s.kind is StepKind.RUN:
                assert s.argv, (d.cause, s)
            if s.kind in (StepKind.SET_CONFIG, StepKind.UNSET_CONFIG):
                assert s.key and "." in s.key and s.argv[-2 if s.kind is StepKind.UNSET_CONFIG else -3] in (
                    "set", "unset"), (d.cause, s)
            if s.kind in (StepKind.SET_ENV, StepKind.UNSET_ENV):
                assert s.key and " " not in s.key, (d.cause, s)
            if s.needs_root:
                assert s.scope is Scope.SYSTEM and not s.automatic, (d.cause, s)
            assert not s.weakens_security or not s.automatic, (d.cause, s)
            j = s.to_json()
            assert {"kind", "argv", "file", "key", "value", "scope", "explanation", "needs_root", "automatic",
                    "weakens_security"} <= set(j)
        assert unsafe(d.fix) == [], d.cause


def test_the_safety_check_catches_what_it_forbids():
    """Negative control: each forbidden step is caught."""
    pip = ("python", "-m", "pip")
    assert unsafe([set_config(pip, "global.trusted-host", "example.org")])
    assert unsafe([set_config(pip, "global.index-url", "http://example.org/simple/")])
    assert unsafe([set_env("PIP_CERT", "false")])
    assert unsafe([Step(StepKind.RUN, "", Scope.USER, argv=pip + ("install", "--index-url", "http://x/", "y"))])
    lone = add_ca_bundle((), "ca.pem", "~/b.pem", "x")
    assert unsafe([lone])
    assert unsafe([add_ca_bundle(("certifi.pem",), "ca.pem", "~/b.pem", "x"), set_env("PIP_CERT", "ca.pem")])
    assert unsafe([add_ca_bundle(("certifi.pem",), "ca.pem", "~/b.pem", "x"), set_env("PIP_CERT", "~/b.pem")]) == []
    assert unsafe([manual("ask the administrators")]) == []


def test_step_text_is_a_command_then_why():
    s = set_env("REQUESTS_CA_BUNDLE", "~/pip ca.pem", "it beats --cert")
    assert s.text() == "export REQUESTS_CA_BUNDLE=~/'pip ca.pem'   (it beats --cert)"
    b = add_ca_bundle(("/etc/ssl/certs/ca-certificates.crt",), "inspection-ca.pem", "~/pip-ca-bundle.pem", "why")
    assert b.command() == "cat /etc/ssl/certs/ca-certificates.crt inspection-ca.pem > ~/pip-ca-bundle.pem"
    c = set_config(("/opt/py 3/bin/python", "-m", "pip"), "global.cert", "/x.pem")
    assert c.text() == "'/opt/py 3/bin/python' -m pip config set global.cert /x.pem"
    assert (c.kind, c.key, c.value, c.scope, c.automatic) == ("set_config", "global.cert", "/x.pem", "user", True)
    assert manual("ask them").text() == "ask them" and manual("ask them").command() == ""


@pytest.mark.parametrize("platform, expect", [
    ("linux", "sudo cp index-ca.pem /usr/local/share/ca-certificates/index-ca.crt && sudo update-ca-certificates"),
    ("darwin", "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain index-ca.pem"),
    ("win32", "certutil -addstore -f Root index-ca.pem"),
])
def test_os_store_steps_are_exact_and_need_root_on_each_platform(platform, expect):
    import dataclasses

    from tlsdoctor.rules._common import os_store_steps

    f = dataclasses.replace(facts_of(FAILING[0]), platform=platform)
    steps = os_store_steps(f, "index-ca.pem", "ab" * 32)
    assert steps[0].command() == expect
    assert all(s.kind is StepKind.ADD_CA and s.scope is Scope.SYSTEM and not s.automatic for s in steps)
    assert all(s.ca_sha256 == "ab" * 32 and s.value == "index-ca.pem" for s in steps)
    assert all(s.needs_root for s in steps)  # sudo, or an administrator on Windows


def test_a_bundle_is_set_where_it_wins():
    """REQUESTS_CA_BUNDLE beats PIP_CERT beats pip.conf: the step changes the one that is in force."""
    import dataclasses

    from tlsdoctor.rules._common import use_bundle_steps

    rec = [r for r in recordings() if r.scenario == "untrusted-ca"][0]
    f = facts_of(rec)
    h = f.hosts[0]
    plain = use_bundle_steps(f, h, "ca.pem")
    assert plain[-1].kind is StepKind.SET_CONFIG and plain[-1].key == "global.cert"
    with_pip_cert = use_bundle_steps(dataclasses.replace(f, pip_env={"PIP_CERT": "/x.pem"}), h, "ca.pem")
    assert (with_pip_cert[-1].kind, with_pip_cert[-1].key) == (StepKind.SET_ENV, "PIP_CERT")
    assert plain[0].kind is StepKind.ADD_CA and len(plain[0].argv) >= 3  # cat <roots> ca.pem: never the CA alone
