"""``tlsdoctor fix --lang zh`` end to end: every line fix itself says is Chinese.

``fix.command._after_check`` over recorded reports (real probe measurements of lab scenarios), in a
private HOME: a dry run, a plan that needs ``--yes`` (no terminal), a verification that fails (the
check the verification makes is scripted: ``check.collect`` returns the report again) and is rolled
back, one that passes, a CA accepted, refused or mistyped, nothing to fix, could not complete, no time
left to verify; ``run_fix``'s questions on a (scripted) terminal; ``fix --tool``'s per-tool lines and
its "still failed" text. What fix prints after check's own output goes through the detector
(``zh_detector``: three English words in a row); values stay as they are in both languages and are
marked as data: the one-word values a Chinese template inserts, what the probe measured, the knowledge
base's signatures and lab steps, the tools' own output and the scripted verification's text.

Controls: the same runs in English are caught by the detector and have no Chinese; ``--json`` is the same
whatever ``--lang`` says; a message without Chinese falls back to English and is caught.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from recorded_facts import facts_of, recordings  # noqa: E402
from test_zh_rules import _measured  # noqa: E402
from zh_detector import english_runs  # noqa: E402
from zh_support import english_lines, mark_values, private_home  # noqa: E402

from tlsdoctor import check, rules  # noqa: E402
from tlsdoctor.check import Report  # noqa: E402
from tlsdoctor.fix import command, whatnext  # noqa: E402
from tlsdoctor.fix._redact import redact_text  # noqa: E402
from tlsdoctor.fix.journal import Journal  # noqa: E402
from tlsdoctor.fix.run import FixOptions, run_fix  # noqa: E402
from tlsdoctor.render import zh  # noqa: E402
from tlsdoctor.render.zh_messages import MESSAGES  # noqa: E402

SCRIPTED = "scripted verification says it still fails"  # the verify callback's own text: a value
CJK = re.compile(r"[\u4e00-\u9fff]")


def _rec(cause):
    if cause == "tls-interception":  # the recording whose probe reports the presented CA's PEM
        return next(r for r in recordings() if r.scenario == "transparent-interception" and "pip23" in r.client)
    return next(r for r in recordings() if r.first_cause == cause and "pip23" in r.client)


@pytest.fixture
def home(tmp_path, monkeypatch):
    # a variable set in a start-up file: ca-bundle-path-invalid's remedy then has a change to apply
    return private_home(tmp_path, monkeypatch, "export REQUESTS_CA_BUNDLE=/nonexistent/ca-bundle.pem\n")


@pytest.fixture
def marked(monkeypatch):
    """The one-word values a Chinese template inserts are marked as data (``⟦value⟧``), as in test_zh_rules."""
    mark_values(monkeypatch)


def _report(rec, status="problem"):
    f = facts_of(rec)
    ds = rules.run(f).diagnoses if status == "problem" else ()
    return Report(status=status, python=f.executable, how="--python", facts=f, diagnoses=ds, elapsed=0.5,
                  deadline=10.0, error="the probe did not answer" if status == "incomplete" else None)


def _ok(report):
    return Report(status="ok", python=report.python, how="--python", facts=report.facts, diagnoses=(),
                  elapsed=0.1, deadline=1.0)


def _fix(report, lang, tmp_path, monkeypatch, capsys, *, verify=None, timeout=30.0, fmt="text", **options):
    """``tlsdoctor fix`` after its first check gave ``report``; ``verify(report)`` is the verification's check."""
    a = dict(lang=lang, dry_run=True, yes=False, trust_ca_sha256=None, allow_weaker=False, scope="user",
             ca_file=None, python=report.python, index_url=None, timeout=timeout, second_host=None, format=fmt)
    a.update(options)
    if verify is not None:
        monkeypatch.setattr(check, "collect", lambda **kw: verify(report))
    tmp = tmp_path / ("fix-%d" % len(list(tmp_path.iterdir())))
    tmp.mkdir()
    code = command._after_check(argparse.Namespace(**a), report, command._Clock(time.monotonic(), timeout), str(tmp),
                                fmt)
    return code, capsys.readouterr().out


def _fix_part(text):
    """What fix says after check's own output (which ends with its elapsed-time line)."""
    m = re.search(r"^(?:（用时 |\(\d[\d.]* s of a ).*$", text, re.M)
    return text[m.end():] if m else text


def _values(report):
    """Data in any language: what the probe measured, the KB's signatures and lab steps, the scripted text."""
    out = set(_measured(report)) | {SCRIPTED}
    for n in whatnext.what_next(whatnext.causes_of(report.diagnoses)):
        out.update([n["signature"], "; ".join(n["after"])] + list(n["after"]))
    out |= {redact_text(v) for v in out}  # as printed: fix redacts every line (the lab step's USER:PASSWORD@)
    return sorted((v for v in out if v), key=len, reverse=True)


def _plain(text):
    return text.replace("⟦", "").replace("⟧", "")


def _sha(report):
    return list(command.presented_pems(report.facts))[-1]


# (name, cause, options, scripted verification, the exit code, words the Chinese must say)
RUNS = [
    ("dry-run", "tls-interception", {}, None, 1,
     ["这次修复会信任这个 CA 证书：", "  主体：      ", "（自签名根证书）", "  SHA-256 指纹：A8:0F:DF",
      "  -> 未确认：先与 IT 部门公布的指纹比对，再用 --trust-ca-sha256 ", "已拒绝：添加 CA "]),
    ("dry-run-next", "proxy-auth-required", {}, None, 1,
     ["proxy-auth-required 修复之后，你很可能接着遇到：", "可能的原因：", "在实验室中出现过 "]),
    ("needs-yes", "ca-bundle-path-invalid", {"dry_run": False}, None, 1,
     ["计划（1 项更改）：", "注释掉设置 REQUESTS_CA_BUNDLE 的行",
      "没有可以提问的终端：什么都没有更改。要应用这个计划，请加上 --yes 重新运行。"]),
    ("rolled-back", "ca-bundle-path-invalid", {"dry_run": False, "yes": True}, lambda r: r, 3,
     ["未通过验证：check 仍然发现：ca-bundle-path-invalid（pip 使用的 CA 证书包 ", "这次运行的所有更改都已回滚"]),
    ("verified", "ca-bundle-path-invalid", {"dry_run": False, "yes": True}, _ok, 0,
     ["已修复并通过验证：更改了 1 个文件；撤销命令：tlsdoctor undo "]),
    ("ca-trusted-rolled-back", "tls-interception", {"dry_run": False, "yes": True, "trust_ca_sha256": "SHA"},
     lambda r: r, 3,
     ["  -> 已信任：与 --trust-ca-sha256 一致", "计划（3 项更改）：", "未通过验证：check 仍然发现：tls-interception（"]),
    ("ca-other-fingerprint", "tls-interception", {"dry_run": False, "yes": True, "trust_ca_sha256": "ab" * 32},
     lambda r: r, 1, ["  -> 已拒绝：所出示 CA 的 SHA-256 是 A8:0F:DF", "不是 --trust-ca-sha256 给出的那个；什么都没有更改"]),
    ("ca-short-fingerprint", "tls-interception", {"dry_run": False, "yes": True, "trust_ca_sha256": "abc"},
     lambda r: r, 1, ["  -> 已拒绝：--trust-ca-sha256 必须是完整的 SHA-256 指纹（64 个十六进制数字）"]),
    ("no-time-left", "ca-bundle-path-invalid", {"dry_run": False, "yes": True, "timeout": 0.2}, lambda r: r, 3,
     ["未通过验证：在 --timeout 0.2 之内没有剩余时间来验证；这次运行的所有更改都已回滚"]),
    ("verification-incomplete", "ca-bundle-path-invalid", {"dry_run": False, "yes": True},
     lambda r: Report(status="incomplete", python=r.python, how="", facts=r.facts, diagnoses=(), elapsed=0.1,
                      deadline=1.0, error=SCRIPTED), 3,
     ["未通过验证：check 无法确认现在能正常连接：" + SCRIPTED]),
]


def _run(name, lang, home, tmp_path, monkeypatch, capsys, fmt="text"):
    _, cause, options, verify, _, _ = next(r for r in RUNS if r[0] == name)
    report = _report(_rec(cause))
    options = dict(options)
    if options.get("trust_ca_sha256") == "SHA":
        options["trust_ca_sha256"] = _sha(report)
    code, text = _fix(report, lang, tmp_path, monkeypatch, capsys, verify=verify, fmt=fmt, **options)
    return report, code, text


@pytest.mark.parametrize("name", [r[0] for r in RUNS])
def test_fix_speaks_chinese(name, home, tmp_path, monkeypatch, capsys, marked):
    report, code, text = _run(name, "zh", home, tmp_path, monkeypatch, capsys)
    expected, words = next((r[4], r[5]) for r in RUNS if r[0] == name)
    assert code == expected, text
    part = _fix_part(text)
    for w in words:
        assert w in _plain(text), (w, part)
    assert english_lines(part, _values(report)) == [], english_lines(part, _values(report))


@pytest.mark.parametrize("name", [r[0] for r in RUNS])
def test_english_is_english(name, home, tmp_path, monkeypatch, capsys):
    # Control: the same run in English says the same in English (caught by the detector), with no Chinese,
    # and ends the same way.
    report, code, text = _run(name, "en", home, tmp_path, monkeypatch, capsys)
    assert code == next(r[4] for r in RUNS if r[0] == name)
    part = _fix_part(text)
    assert english_lines(part, _values(report)), part
    assert not CJK.search(text)


def test_the_english_sentences_themselves(home, tmp_path, monkeypatch, capsys):
    # Control with words: the English of the runs above, as before the messages had ids.
    names = ("needs-yes", "rolled-back", "no-time-left", "ca-trusted-rolled-back")
    said = {n: _run(n, "en", home, tmp_path, monkeypatch, capsys)[2] for n in names}
    assert "Plan (1 change):\n" in said["needs-yes"]
    assert "No terminal to ask on: nothing changed. Re-run with --yes to apply this plan." in said["needs-yes"]
    assert "not verified: check still finds: ca-bundle-path-invalid (the CA bundle pip uses" in said["rolled-back"]
    assert "; every change of this run was rolled back" in said["rolled-back"]
    assert "not verified: no time left to verify within --timeout 0.2; every" in said["no-time-left"]
    assert "The fix would trust this CA certificate:\n  subject:     O=tlsdoctor lab" in said["ca-trusted-rolled-back"]
    assert "  -> trusted: matches --trust-ca-sha256\nPlan (3 changes):" in said["ca-trusted-rolled-back"]


@pytest.mark.parametrize("name", ["dry-run", "needs-yes", "rolled-back", "ca-trusted-rolled-back"])
def test_json_ignores_lang(name, home, tmp_path, monkeypatch, capsys):
    def data(lang):
        text = _run(name, lang, home, tmp_path, monkeypatch, capsys, fmt="json")[2]
        d = json.loads(text)
        d.pop("transaction", None)
        return json.dumps(d, sort_keys=True).replace(str(tmp_path), "")

    zh_json = data("zh")
    assert zh_json == data("en") and not CJK.search(zh_json)


def test_a_message_without_chinese_is_caught(home, tmp_path, monkeypatch, capsys, marked):
    # Negative control for the whole pipeline: a fix message whose Chinese is missing falls back to English
    # (render.zh.tr) and the detector finds it.
    monkeypatch.delitem(MESSAGES, "fix.no_terminal")
    report, _, text = _run("needs-yes", "zh", home, tmp_path, monkeypatch, capsys)
    assert [ln for ln, _ in english_lines(_fix_part(text), _values(report))] == [
        "No terminal to ask on: nothing changed. Re-run with --yes to apply this plan."]


def test_nothing_to_fix_and_could_not_complete(home, tmp_path, monkeypatch, capsys):
    rec = _rec("cert-expired")
    code, text = _fix(_report(rec, "ok"), "zh", tmp_path, monkeypatch, capsys)
    assert (code, text) == (0, "pip 能正常连接（check：ok）：没有需要修复的。\n")
    code, text = _fix(_report(rec, "incomplete"), "zh", tmp_path, monkeypatch, capsys)
    assert (code, text) == (3, "tlsdoctor fix：什么都没有更改；无法完成：the probe did not answer\n")
    # control: the English lines as before
    assert _fix(_report(rec, "ok"), "en", tmp_path, monkeypatch, capsys)[1] == \
        "pip connects (check: ok): nothing to fix.\n"
    assert _fix(_report(rec, "incomplete"), "en", tmp_path, monkeypatch, capsys)[1] == \
        "tlsdoctor fix: nothing changed; could not complete: the probe did not answer\n"


def test_usage_errors(home, tmp_path, capsys):
    a = dict(lang="zh", dry_run=True, yes=False, trust_ca_sha256=None, allow_weaker=False, scope="user",
             ca_file=str(tmp_path / "missing.pem"), python=None, index_url=None, timeout=5.0, second_host=None,
             format="text", tool="pip")
    assert command.run(argparse.Namespace(**a)) == 2
    assert "--ca-file %s：没有这个文件" % (tmp_path / "missing.pem") in capsys.readouterr().err
    a["format"] = "json"  # control: --json's error is English, whatever --lang says
    assert command.run(argparse.Namespace(**a)) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "--ca-file %s: no such file" % (tmp_path / "missing.pem")


# ---------------------------------------------------------------- on a terminal (run_fix with a scripted one)

def _conversation(cause, lang, answers, home):
    rec = _rec(cause)
    f = facts_of(rec)
    steps, _ = command.collect_steps(rules.run(f).diagnoses)
    steps = command.resolve_ca(steps, f, None, str(home))
    if lang == "zh":
        steps = zh.translated_steps(steps)
    ctx = command.plan_context(f, command.config_target(f), steps)
    ctx.lang = lang
    said = io.StringIO()
    it = iter(answers)

    def ask(prompt):
        said.write(prompt)
        return next(it) + "\n"

    outcome = run_fix(steps, options=FixOptions(), ctx=ctx, journal=Journal(str(home / "state")), interactive=True,
                      ask=ask, out=said, verify=lambda: (False, SCRIPTED))
    return outcome, said.getvalue()


def test_the_questions_are_chinese_and_the_answer_stays_y(home):
    outcome, text = _conversation("ca-bundle-path-invalid", "zh", ["y"], home)
    assert "应用 1 项更改？[y/N] " in text and outcome.status == "rolled_back"
    assert "未通过验证：%s；这次运行的所有更改都已回滚" % SCRIPTED in text
    outcome, text = _conversation("ca-bundle-path-invalid", "zh", ["是"], home)
    assert outcome.status == "declined" and text.endswith("什么都没有更改。\n")  # only y/yes applies
    outcome, text = _conversation("tls-interception", "zh", ["1234abcd"], home)
    assert "请与 IT 部门公布的指纹比对。\n要信任这个 CA，请输入它的 SHA-256 指纹的前 8 个十六进制数字：" in text
    assert "  -> 未确认：输入的数字不一致；什么都没有更改" in text
    info = _sha(_report(_rec("tls-interception")))
    outcome, text = _conversation("tls-interception", "zh", [info[:8], "n"], home)
    assert "  -> 已信任：已通过输入指纹确认" in text and "应用 3 项更改？[y/N] " in text and outcome.status == "declined"
    assert english_lines(text, [SCRIPTED]) == [], english_lines(text, [SCRIPTED])


def test_the_questions_in_english(home):
    # Control: the English conversation, word for word as before.
    outcome, text = _conversation("ca-bundle-path-invalid", "en", ["n"], home)
    assert text.endswith("Apply 1 change? [y/N] Nothing changed.\n") and outcome.status == "declined"
    outcome, text = _conversation("tls-interception", "en", ["1234abcd"], home)
    assert ("Compare the fingerprint with the one your IT department publishes.\n"
            "To trust this CA, type the first 8 hex digits of its SHA-256: "
            "  -> not confirmed: the typed digits do not match; nothing was changed\n") in text
    assert not CJK.search(text)


# ---------------------------------------------------------------- fix --tool: one line per tool, "still failed"

def test_tool_fix_lines_are_chinese(home):
    import test_zh_toolfix as T
    from tlsdoctor.fix import tool_fix
    from tlsdoctor.tools import Request, RequestStatus

    tail = "error: invalid peer certificate: UnknownIssuer"  # the tool's own last line: quoted as it is

    def run(lang, checks):
        out = io.StringIO()
        res = tool_fix.run_tool_fix(checks, options=FixOptions(yes=True), environ={"HOME": str(home)},
                                    deadline=time.monotonic() + 30, workdir=str(home),
                                    journal=Journal(str(home / "st")), out=out, lang=lang,
                                    verify_request=lambda c, env, dl, wd: Request(RequestStatus.FAILED, exit_code=2,
                                                                                   output="x\n" + tail))
        return res.exit_code, out.getvalue()

    checks = [T._check(home, "uv", "0.13.9", ("tool-ignores-os-store",), True)]
    code, text = run("zh", checks)
    assert code == 3
    assert text.startswith("uv 0.13.9：失败（tool-ignores-os-store）\n计划（1 项更改）：\n")
    assert "未通过验证：uv 仍然失败：%s；这次运行的所有更改都已回滚" % tail in text
    assert [ln for ln in text.splitlines() if english_runs(ln.replace(tail, "").replace(T.QUOTED, ""))] == []
    deadline = [T._check(home, "uv", "0.13.9", (), None, status=RequestStatus.DEADLINE)]
    assert run("zh", deadline)[1] == "无法判断：uv 超时\n"
    # control: English as before
    code, text = run("en", checks)
    assert text.startswith("uv 0.13.9: failed (tool-ignores-os-store)\nPlan (1 change):\n")
    assert "not verified: uv still failed: %s; every change of this run was rolled back" % tail in text
    assert run("en", deadline)[1] == "could not tell: uv deadline\n"
