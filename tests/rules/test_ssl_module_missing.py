"""Rule ssl-module-missing: the cases specific to this rule (the shared contract is in test_rule_contract.py)."""

from __future__ import annotations

from recorded_facts import facts_of, positives

from tlsdoctor.rules import ssl_module_missing as rule


def test_evidence_quotes_the_import_error():
    rec = positives("ssl-module-missing")[0]
    d = rule.diagnose(facts_of(rec))
    assert "import ssl" in d.evidence[0]
