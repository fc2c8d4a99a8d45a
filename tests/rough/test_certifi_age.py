"""A certifi bundle years old by the target's clock is a warning (!), in the text and in --json."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules"))

from recorded_facts import mutated, recordings  # noqa: E402

from tlsdoctor import rules  # noqa: E402
from tlsdoctor.check import Report  # noqa: E402
from tlsdoctor.render import check as render  # noqa: E402

HEALTHY = [r for r in recordings() if r.scenario == "healthy-direct"][0]
DAY = 86400.0


def _report(certifi_version, years_later):
    """The real healthy recording, with the vendored certifi version and the target's clock set."""
    def change(raw):
        import calendar

        facts = raw["main"]["facts"]
        facts["pip"]["certifi_version"] = certifi_version
        y, m, d = (int(x) for x in certifi_version.split("."))
        facts["time"] = calendar.timegm((y, m, d, 0, 0, 0)) + years_later * 365 * DAY
        facts.pop("time_end", None)
    f = mutated(HEALTHY, change)
    out = rules.run(f)
    return Report(status="problem" if out.diagnoses else "ok", python=f.executable, how="--python", facts=f,
                  diagnoses=out.diagnoses, rule_errors=out.rule_errors, elapsed=0.5, deadline=10.0)


def _certifi_line(text):
    return [ln for ln in text.splitlines() if "certifi bundle" in ln][0]


def test_a_three_year_old_certifi_is_a_warning():
    r = _report("2020.06.20", 3)
    line = _certifi_line(render.render(r, fmt="text"))
    assert line.lstrip().startswith("!"), line
    assert "upgrade pip" in line
    codes = [w["code"] for w in json.loads(render.render(r, fmt="json"))["warnings"]]
    assert "certifi_stale" in codes


def test_a_recent_certifi_is_fine():
    # Negative control: the same bundle a few months later is ✓ and not in --json's warnings.
    r = _report("2020.06.20", 0.3)
    line = _certifi_line(render.render(r, fmt="text"))
    assert line.lstrip().startswith("✓"), line
    assert "certifi_stale" not in [w["code"] for w in json.loads(render.render(r, fmt="json"))["warnings"]]
