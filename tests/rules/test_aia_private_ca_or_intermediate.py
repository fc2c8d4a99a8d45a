"""Private CA or missing intermediate: decided by the leaf's AIA issuer, never by a configured bundle.

Replays real recordings (``missing-intermediate``: a lone leaf whose AIA URL
serves the forgotten intermediate; ``private-ca-aia-root``: a leaf straight
from a private root, AIA naming that root, pip's cert an OS-like bundle) and
derives from them, changing only the named fields, the cases that decide
nothing: no AIA URL, a fetch that failed, a fetch that did not finish.
"""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, ids, mutated

from tlsdoctor import rules
from tlsdoctor.remedies import StepKind
from tlsdoctor.rules import Undecided, missing_intermediate, untrusted_private_ca

MISSING = by_scenario("missing-intermediate", "missing-intermediate-aia")
PRIVATE = by_scenario("private-ca-aia-root")
# Python 2.7's pip request does not say "certificate verify failed" differently; every client fetched it.
assert MISSING and PRIVATE, "re-record: python tests/rules/record_facts.py missing-intermediate private-ca-aia-root"


def _aia(raw):
    return raw["main"]["probes"]["0:aia_issuer"]


def _causes(facts):
    return [d.cause for d in rules.run(facts).diagnoses]


@pytest.mark.parametrize("rec", MISSING, ids=ids(MISSING))
def test_the_fetched_intermediate_that_chains_to_a_store_is_a_missing_intermediate(rec):
    out = rules.run(mutated(rec, lambda raw: None))
    assert [d.cause for d in out.diagnoses][:1] == ["missing-intermediate"], out
    d = out.diagnoses[0]
    text = " ".join(d.evidence)
    assert "http://127.0.0.1:" in text and "effective" in text  # the URL and the store
    add = [s for s in d.fix if s.kind is StepKind.ADD_CA]
    assert add and add[0].automatic and add[0].ca_sha256 == _aia(rec.raw)["issuer_cert"]["sha256"]
    assert "untrusted-private-ca" not in [x.cause for x in out.diagnoses]


@pytest.mark.parametrize("rec", PRIVATE, ids=ids(PRIVATE))
def test_a_private_root_named_by_aia_is_a_private_ca_even_with_cert_configured(rec):
    f = mutated(rec, lambda raw: None)
    assert f.pip_options.get("cert")  # pip.conf-style cert = an OS-like bundle
    assert _causes(f)[:1] == ["untrusted-private-ca"]
    assert missing_intermediate.diagnose(f) is None
    d = untrusted_private_ca.diagnose(f)
    assert any("self-signed root" in e for e in d.evidence), d.evidence
    assert any(s.ca_sha256 == _aia(rec.raw)["issuer_cert"]["sha256"] for s in d.fix if s.kind is StepKind.ADD_CA)


def _no_aia(raw):
    raw["main"]["probes"].pop("0:aia_issuer", None)
    for c in raw["main"]["probes"]["0:tls"]["chain"]:
        c["ca_issuers"] = []


@pytest.mark.parametrize("rec", MISSING, ids=ids(MISSING))
def test_without_aia_the_configured_bundle_decides_nothing_private_ca_first_with_the_question(rec):
    """The issue's case: cert configured, a lone leaf, no AIA. Negative control for the first test."""
    f = mutated(rec, _no_aia)
    assert f.pip_options.get("cert") or "PIP_CERT" in f.pip_env
    assert missing_intermediate.diagnose(f) is None
    assert _causes(f)[:1] == ["untrusted-private-ca"]
    d = untrusted_private_ca.diagnose(f)
    text = " ".join(d.evidence)
    assert "missing-intermediate" in text and "full chain" in text


@pytest.mark.parametrize("status", ["deadline", "could_not_run", "bug"])
def test_an_unfinished_fetch_is_could_not_tell_never_a_cause(status):
    rec = MISSING[0]
    f = mutated(rec, lambda raw: raw["main"]["probes"].update({"0:aia_issuer": {"status": status, "error_kind": None}}))
    out = rules.run(f)
    assert "missing-intermediate" not in [d.cause for d in out.diagnoses]
    assert "untrusted-private-ca" not in [d.cause for d in out.diagnoses]
    und = [u for u in out.undecided if u.cause == "untrusted-private-ca"]
    assert und and und[0].candidates == ("untrusted-private-ca", "missing-intermediate"), out.undecided
    assert isinstance(und[0], Undecided) and "aia_issuer" in und[0].why


def test_a_failed_fetch_says_both_private_ca_first():
    rec = MISSING[0]
    f = mutated(rec, lambda raw: raw["main"]["probes"].update({"0:aia_issuer": {
        "status": "error", "error_kind": "network", "url": "http://127.0.0.1:9/issuer.cer",
        "error": "ConnectionRefusedError: [Errno 111] Connection refused"}}))
    assert _causes(f)[:1] == ["untrusted-private-ca"]
    d = untrusted_private_ca.diagnose(f)
    assert any("could not be fetched" in e and "missing-intermediate" in e for e in d.evidence), d.evidence


def test_an_intermediate_that_chains_to_no_store_is_a_private_ca():
    rec = MISSING[0]
    f = mutated(rec, lambda raw: _aia(raw).update({"chains_to": []}))
    assert missing_intermediate.diagnose(f) is None
    assert _causes(f)[:1] == ["untrusted-private-ca"]


def test_an_issuer_that_does_not_sign_the_leaf_decides_nothing():
    rec = MISSING[0]
    f = mutated(rec, lambda raw: _aia(raw).update({"verifies_leaf": False}))
    assert missing_intermediate.diagnose(f) is None
    d = untrusted_private_ca.diagnose(f)
    assert any("does not verify the leaf" in e for e in d.evidence), d.evidence


def test_a_fetch_cut_off_by_the_deadline_is_could_not_tell():
    """The fetch's socket timeout is the probe's deadline: a timeout there did not finish."""
    rec = MISSING[0]
    f = mutated(rec, lambda raw: raw["main"]["probes"].update({"0:aia_issuer": {
        "status": "error", "error_kind": "timeout", "timeout": True, "url": "http://127.0.0.1:9/issuer.cer",
        "error": "timeout: timed out", "stage": "fetch"}}))
    out = rules.run(f)
    assert not [d for d in out.diagnoses if d.cause in ("untrusted-private-ca", "missing-intermediate")]
    assert [u.candidates for u in out.undecided if u.cause == "untrusted-private-ca"] == [
        ("untrusted-private-ca", "missing-intermediate")]
