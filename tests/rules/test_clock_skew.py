"""Rule clock-skew: real lab measurements (positives), healthy runs and look-alike failures (negative controls)."""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, facts_of, healthy, ids, mutated, positives  # noqa: F401

from tlsdoctor import rules
from tlsdoctor.rules import clock_skew as rule

POSITIVE = positives("clock-skew")
LOOKALIKES = [r for r in by_scenario("expired-cert", "untrusted-ca", "wrong-host") if r.expect == "fail"]


def test_rule_is_registered_and_documented():
    assert rule.CAUSE == "clock-skew"
    assert "Fails like" in (rule.__doc__ or "")
    assert rule in rules.load_rules()


def test_there_are_real_recordings():
    assert POSITIVE, "no lab recording for clock-skew"


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_fires_on_the_real_failure(rec):
    d = rule.diagnose(facts_of(rec))
    assert d is not None and d.cause == "clock-skew"
    assert d.verdict and d.evidence and d.fix


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_ranks_first_among_all_rules(rec):
    outcome = rules.run(facts_of(rec))
    assert not outcome.rule_errors
    assert [d.cause for d in outcome.diagnoses][:1] == ["clock-skew"]


@pytest.mark.parametrize("rec", healthy(), ids=ids(healthy()))
def test_silent_when_pip_works(rec):
    assert rule.diagnose(facts_of(rec)) is None


@pytest.mark.parametrize("rec", LOOKALIKES, ids=ids(LOOKALIKES))
def test_silent_on_lookalike_failures(rec):
    assert rule.diagnose(facts_of(rec)) is None


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_not_when_the_clocks_agree(rec):
    def right_clock(raw):
        import email.utils
        probes = raw["main"]["probes"]
        dates = [v.get("date") for v in probes.values() if v.get("date")]
        raw["main"]["facts"]["time"] = email.utils.parsedate_to_datetime(dates[0]).timestamp()
    assert rule.diagnose(mutated(rec, right_clock)) is None
