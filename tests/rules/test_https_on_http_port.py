"""Rule https-on-http-port: real lab measurements (positives), healthy runs and look-alike failures (negative controls)."""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, facts_of, healthy, ids, mutated, positives  # noqa: F401

from tlsdoctor import rules
from tlsdoctor.rules import https_on_http_port as rule

POSITIVE = positives("https-on-http-port")
LOOKALIKES = [r for r in by_scenario("drop-after-hello", "tls10-only") if r.expect == "fail"]


def test_rule_is_registered_and_documented():
    assert rule.CAUSE == "https-on-http-port"
    assert "Fails like" in (rule.__doc__ or "")
    assert rule in rules.load_rules()


def test_there_are_real_recordings():
    assert POSITIVE, "no lab recording for https-on-http-port"


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_fires_on_the_real_failure(rec):
    d = rule.diagnose(facts_of(rec))
    assert d is not None and d.cause == "https-on-http-port"
    assert d.verdict and d.evidence and d.fix


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_ranks_first_among_all_rules(rec):
    outcome = rules.run(facts_of(rec))
    assert not outcome.rule_errors
    assert [d.cause for d in outcome.diagnoses][:1] == ["https-on-http-port"]


@pytest.mark.parametrize("rec", healthy(), ids=ids(healthy()))
def test_silent_when_pip_works(rec):
    assert rule.diagnose(facts_of(rec)) is None


@pytest.mark.parametrize("rec", LOOKALIKES, ids=ids(LOOKALIKES))
def test_silent_on_lookalike_failures(rec):
    assert rule.diagnose(facts_of(rec)) is None
