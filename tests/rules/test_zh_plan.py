"""``fix --lang zh``: the plan's own words are Chinese too (``fix.plan``: scopes, ``why:``, ``manual:``,
``refused: … not confirmed``, ``nothing to change automatically``, what each change does).

The plans are built from the rules' real fix steps over the probe recordings (translated as ``fix``
does, ``render.zh.translated_steps``) and from steps the safety gate refuses; each is rendered with
``PlanContext(lang="zh")`` and every line goes through ``zh_detector``. Paths, keys, values and
commands are data. Controls: the same plans in English are caught, keep the English words byte for
byte, and ``to_json`` is the same whatever the language.
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from recorded_facts import facts_of, recordings  # noqa: E402
from zh_support import english_lines, mark_values, private_home  # noqa: E402

from tlsdoctor import rules  # noqa: E402
from tlsdoctor.fix.plan import PlanContext, build_plan  # noqa: E402
from tlsdoctor.remedies import Scope, Step, StepKind  # noqa: E402
from tlsdoctor.render import zh  # noqa: E402

CAUSES = ("cert-expired", "untrusted-private-ca", "tls-interception", "ca-bundle-path-invalid",
          "ca-bundle-env-overrides-cert", "proxy-auth-required", "outdated-ca-bundle")


@pytest.fixture
def marked_values(monkeypatch):
    """One-word values a Chinese template inserts are data (``⟦v⟧``); see test_zh_rules.py."""
    mark_values(monkeypatch)


@pytest.fixture
def home(tmp_path, monkeypatch):
    bashrc = "export REQUESTS_CA_BUNDLE=/old/corp.pem\nexport SSL_CERT_FILE=$(cat /x)\n"
    return private_home(tmp_path, monkeypatch, bashrc, config=".config/pip", unset=("XDG_CONFIG_HOME", "PIP_CONFIG_FILE"))


def rule_steps():
    out = []
    for cause in CAUSES:
        rec = next((r for r in recordings() if r.first_cause == cause), None)
        if rec is not None:
            out.extend(zh.translated_steps(list(rules.run(facts_of(rec)).diagnoses[0].fix)))
    return out


def gate_steps(home):
    one = home / "one.pem"
    one.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    user = Scope.USER

    def cfg(key, value, **kw):
        return Step(StepKind.SET_CONFIG, "x", user, key=key, value=value, automatic=True, **kw)

    def env(key, value=None):
        return Step(StepKind.SET_ENV if value is not None else StepKind.UNSET_ENV, "x", user, key=key, value=value,
                    automatic=True)

    def tool(key, value):
        return Step(StepKind.SET_TOOL_CONFIG, "x", user, file=str(home / ".config" / "pypoetry" / "config.toml"),
                    key=key, value=value, automatic=True)

    return [
        env("REQUESTS_CA_BUNDLE"), env("SSL_CERT_FILE", "/etc/ssl/cert.pem"), env("PIP_TIMEOUT", "60"),
        env("CURL_CA_BUNDLE"), cfg("global.timeout", "60"), Step(StepKind.UNSET_CONFIG, "x", user,
                                                                 key="global.proxy", automatic=True),
        Step(StepKind.SET_CONFIG, "x", Scope.SYSTEM, file="/etc/pip.conf", key="global.timeout", value="1",
             automatic=True, needs_root=True),
        Step(StepKind.ADD_CA, "x", user, ca_sha256="ab" * 32, automatic=True),
        cfg("global.trusted-host", "pypi.org", weakens_security=True), cfg("global.trusted-host", "pypi.org"),
        cfg("global.index-url", "http://mirror.example/simple"), cfg("global.cert", str(one)), cfg("global.cert", "no"),
        cfg("global.cert", "/does/not/exist.pem"), cfg("global.proxy", "http://u:***@proxy.example:3128"),
        env("PYTHONHTTPSVERIFY", "0"), env("PIP_NO_VERIFY", "1"), tool("certificates.lab.cert", "false"),
        tool("certificates.lab.verify", "x"), tool("certificates.lab.cert", str(one)),
    ]


def _english_lines(text, steps):
    """The English left in ``text`` once the steps' commands (data) are masked."""
    return english_lines(text, sorted({s.command() for s in steps if s.command()}, key=len, reverse=True))


def _plans(home, lang):
    return [build_plan(steps, PlanContext(lang=lang)) for steps in (rule_steps(), gate_steps(home), [])]


def test_the_plans_say_everything_the_gate_can(home):
    plans = _plans(home, "en")
    text = "\n".join(p.render() for p in plans)
    for words in ("1. [this user] ", "   why: ", "manual: ", "refused: add CA abab", ": not confirmed",
                  "nothing to change automatically", "(system-wide: needs root and --scope system)",
                  "(weakens security: only with --allow-weaker)", "is not set in any start-up file",
                  "uses quoting or substitutions", "holds a redaction mask", "a verification switch is never written",
                  "comment out the line(s) that set REQUESTS_CA_BUNDLE", "(the line that sets it is kept"):
        assert words in text, words


def test_every_plan_line_is_chinese(home, marked_values):
    steps = rule_steps() + gate_steps(home)
    for plan in _plans(home, "zh"):
        text = plan.render()
        assert _english_lines(text, steps) == [], text
    text = "\n".join(p.render() for p in _plans(home, "zh"))
    for words in ("1. [这个用户] ", "   原因：", "手动：", "已拒绝：添加 CA ⟦abab", "：未确认（", "没有可以自动更改的内容"):
        assert words in text, words


def test_the_english_plan_is_caught_and_unchanged(home, marked_values):
    # Negative control: the same plans in English are caught by the detector; their JSON is the same in both.
    steps = rule_steps() + gate_steps(home)
    en, zh_ = _plans(home, "en"), _plans(home, "zh")
    assert len(_english_lines("\n".join(p.render() for p in en), steps)) >= 20
    assert [p.to_json() for p in en] == [p.to_json() for p in zh_]
    assert [c.summary() for p in zh_ for c in p.changes] == [c.summary() for p in en for c in p.changes]
    assert build_plan([]).render() == "nothing to change automatically"  # PlanContext() is English


def test_a_bare_string_in_the_plan_is_caught(home, marked_values):
    # Negative control: a manual entry that is a plain str (no id) stays English under zh, and is found.
    plan = build_plan([], PlanContext(lang="zh"))
    plan.manual.append("ask the administrator to renew it soon")
    assert [r for _, runs in _english_lines(plan.render(), []) for r in runs] == [
        "ask the administrator to renew it soon"]
