"""``fix --lang zh`` prints the rules' text in Chinese: the check it shows first, and in its plan
the explanation of every step (``why:``, ``manual:``, ``refused:``) and the message for the
index's administrators. The plan changes nothing else: the same kinds, argv, files and values.

Run on recorded reports with ``--dry-run`` (the plan is built and printed, nothing is written).
The plan's own words (``refused:``, the scopes) are Chinese too (``PlanContext.lang``, set by
``fix.command``); fix's other lines are covered by ``test_zh_fixrun.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from recorded_facts import facts_of, recordings  # noqa: E402

from tlsdoctor import rules  # noqa: E402
from tlsdoctor.check import Report  # noqa: E402
from tlsdoctor.fix import command  # noqa: E402
from tlsdoctor.render import zh  # noqa: E402

CAUSES = ("cert-expired", "untrusted-private-ca", "hostname-mismatch", "proxy-auth-required", "ca-bundle-path-invalid")


def _rec(cause):
    return next(r for r in recordings() if r.first_cause == cause and "pip23" in r.client)


def _fix(rec, lang, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    f = facts_of(rec)
    out = rules.run(f)
    report = Report(status="problem", python=f.executable, how="--python", facts=f, diagnoses=out.diagnoses,
                    elapsed=0.5, deadline=10.0)
    args = argparse.Namespace(lang=lang, dry_run=True, yes=False, trust_ca_sha256=None, allow_weaker=False,
                              scope="user", ca_file=None, python=f.executable, index_url=None, timeout=30.0,
                              second_host=None, format="text")
    tmp = tmp_path / "fix"
    tmp.mkdir()
    command._after_check(args, report, command._Clock(time.monotonic(), 30.0), str(tmp), "text")
    return out.diagnoses[0], capsys.readouterr().out


def _explanations(d):
    return [s.explanation for s in d.fix if s.explanation and s.kind != "server"]


@pytest.mark.parametrize("cause", CAUSES)
def test_the_plan_explains_in_chinese(cause, capsys, tmp_path, monkeypatch):
    d, text = _fix(_rec(cause), "zh", capsys, tmp_path, monkeypatch)
    plan = text.rpartition("（用时 ")[2]  # after the check's own output: the plan
    assert plan.strip()
    for e in _explanations(d):
        assert zh.tr(e) in text, e
        assert str(e) not in plan, e


def test_the_administrators_message_is_chinese(capsys, tmp_path, monkeypatch):
    d, text = _fix(_rec("cert-expired"), "zh", capsys, tmp_path, monkeypatch)
    assert "致 https://localhost:" in text and "的管理员：服务器的运维方必须续期证书" in text and " — 证据：证书 " in text
    assert "for the administrators of" not in text


def test_english_stays_english(capsys, tmp_path, monkeypatch):
    # Control: without --lang zh the same plan keeps the rules' English sentences, and no Chinese.
    d, text = _fix(_rec("untrusted-private-ca"), "en", capsys, tmp_path, monkeypatch)
    assert all(str(e) in text for e in _explanations(d))
    assert not any("\u4e00" <= c <= "\u9fff" for c in text)


def test_translating_changes_only_the_explanations():
    d = rules.run(facts_of(_rec("untrusted-private-ca"))).diagnoses[0]
    before = list(d.fix)
    after = zh.translated_steps(before)
    assert [s.explanation for s in after] != [s.explanation for s in before]
    strip = [(s.kind, s.argv, s.file, s.key, s.value, s.scope, s.ca_sha256) for s in before]
    assert strip == [(s.kind, s.argv, s.file, s.key, s.value, s.scope, s.ca_sha256) for s in after]


def test_a_masked_setting_becomes_a_chinese_manual_step():
    # fix never writes a masked credential: the step turns manual, and says so in Chinese with the rule's reason.
    from tlsdoctor import remedies
    from tlsdoctor.messages import M

    why = M("common.sets_pip_proxy", "it sets pip's proxy option")
    masked = "http://user:%s@proxy.example:3128" % command.MASK
    step = command.unmask_steps([remedies.set_env("PIP_PROXY", masked, why, source="PIP_PROXY")], {})[0]
    assert str(step.explanation).startswith("set PIP_PROXY to ")  # English (and --json) unchanged
    assert zh.tr(step.explanation) == "自己把 PIP_PROXY 设为 %s，带上它的凭据（tlsdoctor 从不接触凭据）：它设置了 pip 的 proxy 选项" % masked


def test_the_plan_words_are_chinese(capsys, tmp_path, monkeypatch):
    # fix.command sets PlanContext.lang for --lang zh: the plan's own words (refused:, the scopes) are Chinese.
    _, text = _fix(_rec("untrusted-private-ca"), "zh", capsys, tmp_path, monkeypatch)
    assert "已拒绝：添加 CA " in text and "refused: " not in text


def test_the_plan_words_in_english(capsys, tmp_path, monkeypatch):
    # Control: without --lang zh the same plan says "refused: add CA".
    _, text = _fix(_rec("untrusted-private-ca"), "en", capsys, tmp_path, monkeypatch)
    assert "refused: add CA " in text and "已拒绝" not in text
