"""Rule clock-skew: the cases specific to this rule (the shared contract is in test_rule_contract.py)."""

from __future__ import annotations

import pytest
from recorded_facts import ids, mutated, positives

from tlsdoctor.rules import clock_skew as rule

POSITIVE = positives("clock-skew")


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_not_when_the_clocks_agree(rec):
    def right_clock(raw):
        import email.utils
        probes = raw["main"]["probes"]
        dates = [v.get("date") for v in probes.values() if v.get("date")]
        raw["main"]["facts"]["time"] = email.utils.parsedate_to_datetime(dates[0]).timestamp()
    assert rule.diagnose(mutated(rec, right_clock)) is None
