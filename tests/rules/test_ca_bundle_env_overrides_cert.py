"""Rule ca-bundle-env-overrides-cert: the cases specific to this rule (the shared contract is in test_rule_contract.py)."""

from __future__ import annotations

import pytest
from recorded_facts import ids, mutated, positives

from tlsdoctor.rules import ca_bundle_env_overrides_cert as rule

POSITIVE = positives("ca-bundle-env-overrides-cert")


@pytest.mark.parametrize("rec", POSITIVE, ids=ids(POSITIVE))
def test_not_when_pip_has_no_cert_of_its_own(rec):
    def no_cert(raw):
        raw["main"]["facts"]["pip"]["options"]["cert"] = None
    assert rule.diagnose(mutated(rec, no_cert)) is None
