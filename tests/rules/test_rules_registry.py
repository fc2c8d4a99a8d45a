"""The rule registry: every cause id has a rule; a crashing rule is reported, not fatal."""

from __future__ import annotations

from recorded_facts import facts_of, positives

from tlsdoctor import rules
from tlsdoctor.causes import CAUSES


def test_every_cause_has_exactly_one_rule():
    assert sorted(m.CAUSE for m in rules.load_rules()) == sorted(CAUSES)


def test_a_crashing_rule_is_reported_and_the_others_still_run(monkeypatch):
    from tlsdoctor.rules import cert_expired

    def boom(facts):
        raise RuntimeError("bug in a rule")

    monkeypatch.setattr(cert_expired, "diagnose", boom)
    rec = positives("proxy-auth-required")[0]
    outcome = rules.run(facts_of(rec))
    assert [e.rule for e in outcome.rule_errors] == ["cert-expired"]
    assert "bug in a rule" in outcome.rule_errors[0].error
    assert outcome.diagnoses[0].cause == "proxy-auth-required"


def test_rules_are_pure_functions_of_the_facts():
    """Same facts in, same diagnoses out (no I/O, no hidden state)."""
    rec = positives("untrusted-private-ca")[0]
    a = rules.run(facts_of(rec))
    b = rules.run(facts_of(rec))
    assert a == b
