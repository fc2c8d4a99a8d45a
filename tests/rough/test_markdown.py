"""--format markdown: the verdict, the diagnoses and the warnings in view; only raw details folded."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules"))

from recorded_facts import facts_of, positives, recordings  # noqa: E402

from tlsdoctor import rules  # noqa: E402
from tlsdoctor.check import Report  # noqa: E402
from tlsdoctor.render import check as render  # noqa: E402


def _report(rec):
    f = facts_of(rec)
    out = rules.run(f)
    return Report(status="problem" if out.diagnoses else "ok", python=f.executable, how="--python", facts=f,
                  diagnoses=out.diagnoses, rule_errors=out.rule_errors, elapsed=0.5, deadline=10.0)


def _split(md):
    """(what is in view, what is inside <details>)."""
    head, _, rest = md.partition("<details>")
    return head, rest


def test_verdict_evidence_fix_in_view_raw_facts_folded():
    r = _report(positives("hostname-mismatch")[0])
    shown, folded = _split(render.render(r, fmt="markdown"))
    d = r.diagnoses[0]
    assert "hostname-mismatch" in shown
    for e in d.evidence:
        assert e in shown
    # the raw checklist and probe lines are only in the folded part
    assert "This interpreter:" not in shown and "This interpreter:" in folded
    assert "Index hosts" not in shown and "Index hosts" in folded


def test_every_diagnosis_and_warning_is_in_view():
    rec = next(r for r in recordings() if r.scenario == "healthy-direct" and "pip19" in r.client)
    r = _report(rec)
    warnings = [w["message"] for w in render.warnings(r.facts)]
    assert warnings, "control: this recording has warnings (an old certifi)"
    shown, _ = _split(render.render(r, fmt="markdown"))
    for w in warnings:
        assert w in shown
    many = [rec for rec in recordings() if len(rules.run(facts_of(rec)).diagnoses) > 1]
    if many:
        r = _report(many[0])
        shown, _ = _split(render.render(r, fmt="markdown"))
        for d in r.diagnoses:
            assert d.cause in shown


def test_no_warnings_no_warnings_section():
    # Negative control: a report with nothing to warn about shows no warning list.
    r = Report(status="ok", python="/usr/bin/python3", how="--python", facts=None, diagnoses=[], rule_errors=[],
               elapsed=0.5, deadline=10.0)
    shown, _ = _split(render.render(r, fmt="markdown"))
    assert "warnings:" not in shown and "OK" in shown
