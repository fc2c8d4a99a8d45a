"""The documented JSON shape and the text checklist, rendered from real recorded measurements."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules"))

from recorded_facts import facts_of, positives  # noqa: E402

from tlsdoctor import rules  # noqa: E402
from tlsdoctor.check import Report  # noqa: E402
from tlsdoctor.render import check as render  # noqa: E402


def report_for(cause):
    rec = positives(cause)[0]
    f = facts_of(rec)
    out = rules.run(f)
    return Report(status="problem" if out.diagnoses else "ok", python=f.executable, how="--python", facts=f,
                  diagnoses=out.diagnoses, rule_errors=out.rule_errors, elapsed=0.5, deadline=10.0)


def test_json_has_the_documented_keys():
    data = json.loads(render.render(report_for("cert-expired"), fmt="json"))
    assert {"status", "exit_code", "verdict", "diagnoses", "facts", "pip_config", "trust", "hosts",
            "incomplete"} <= set(data)
    d = data["diagnoses"][0]
    assert {"cause", "verdict", "evidence", "fix", "dead_ends", "kb"} <= set(d)
    assert (data["status"], data["exit_code"], d["cause"]) == ("problem", 1, "cert-expired")
    ssl = data["facts"]["ssl"]
    assert ssl["highest_tls_version"] in ("TLSv1.2", "TLSv1.3") and data["facts"]["negotiated_tls_version"]


def test_text_puts_the_verdict_first_and_marks_the_checklist():
    text = render.render(report_for("proxy-forbidden"), fmt="text")
    lines = text.splitlines()
    assert lines[2].startswith("✗ PROBLEM: proxy-forbidden")
    assert "✓ Python" in text and "evidence:" in text and "fix:" in text


def test_markdown_is_pasteable():
    md = render.render(report_for("hostname-mismatch"), fmt="markdown")
    assert md.startswith("### tlsdoctor check: problem")
    assert md.count("```") % 2 == 0 and "<details>" in md


def test_zh_translates_the_headline():
    text = render.render(report_for("weak-dh-key"), fmt="text", lang="zh")
    assert "发现问题" in text and "证据" in text and "解决办法" in text
