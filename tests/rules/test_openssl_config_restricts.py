"""Rule openssl-config-restricts: the cases specific to this rule (the shared contract is in test_rule_contract.py)."""

from __future__ import annotations

import pytest
from recorded_facts import ids, mutated, positives

from tlsdoctor.rules import openssl_config_restricts as rule

POSITIVE = positives("openssl-config-restricts")


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_needs_proof_that_the_config_is_the_cause(rec):
    """Without the second look (same interpreter, no OPENSSL_CONF) there is no proof."""
    def no_second_look(raw):
        raw["noconf"] = None
    assert rule.diagnose(mutated(rec, no_second_look)) is None
