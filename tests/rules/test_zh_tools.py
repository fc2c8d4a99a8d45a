"""``check --tool X --lang zh`` / ``--tool all --lang zh``: every sentence of a tool's verdict is Chinese.

Real verdicts: ``tools.judge`` over the rules' probe recordings and the real tools' error texts
(``lab/tool_recordings``, the inputs of ``tests/tools/test_judge.py``), the real resolvers' warnings
(``tools.uv`` / ``requests_lib`` / ``httpx_lib`` / ``conda`` over planted configurations) and the tool
remedies' steps (``tools.remedies``) for every tool — rendered by ``render.tools`` as text and Markdown
through ``zh_detector``. Data stays as measured: the tool's own output and argv, paths, setting
names and values, commands, and the few texts the tools print that tlsdoctor quotes (``QUOTED``).
Negative controls: the English render is caught, and so is one message without Chinese and one bare
string.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from types import SimpleNamespace

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from recorded_facts import by_scenario, facts_of  # noqa: E402
from zh_support import english_lines, mark_values, msg_ids  # noqa: E402

from tlsdoctor import rules  # noqa: E402
from tlsdoctor.messages import M, Msg  # noqa: E402
from tlsdoctor.render import tools as render  # noqa: E402
from tlsdoctor.render import zh  # noqa: E402
from tlsdoctor.tools import Found, Request, RequestStatus, Resolved, ToolVerdict, Trust, TrustKind  # noqa: E402
from tlsdoctor.tools import checktool, conda, httpx_lib, judge, remedies, requests_lib, uv  # noqa: E402

TOOL_RECORDINGS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                               "src", "tlsdoctor", "lab", "tool_recordings")
CLIENT = "py3.13-pip26.3"
# The tools' own words that tlsdoctor quotes in a warning (so they can be searched for): data, like pip's errors.
QUOTED = ("Could not find a suitable TLS CA certificate bundle, invalid path",  # requests' OSError
          "must be a boolean, a path to a certificate bundle file, …",  # conda's ValidationError
          "No default certificates will be trusted", "Ignoring invalid `SSL_CERT_FILE`",  # uv >= 0.12 / < 0.12
          "No valid certificates found", "Path does not exist", "does not exist")  # uv's reasons
BUNDLED = Trust(TrustKind.BUNDLED, None, "default")
CERTIFI = Trust(TrustKind.CERTIFI, None, "default")


@pytest.fixture
def marked_values(monkeypatch):
    """The one-word values a Chinese template inserts are marked as data (``⟦v⟧``); a value with spaces
    must be measured or quoted (test_zh_rules.py does the same), so English prose passed as a value is caught."""
    mark_values(monkeypatch)


def report_of(scenario):
    rec = [r for r in by_scenario(scenario) if r.client == CLIENT][0]
    facts = facts_of(rec)
    return SimpleNamespace(facts=facts, diagnoses=tuple(rules.run(facts).diagnoses), incomplete=[])


def tool_output(scenario, variant=""):
    with open(os.path.join(TOOL_RECORDINGS, scenario, "uv0.13.9" + variant + ".json"), encoding="utf-8") as f:
        return json.load(f)["output"]


def resolved(report, *trust, tool="uv", warnings=()):
    return Resolved(found=Found(tool, "/usr/bin/" + tool, "0.13.9"), index_url=report.facts.hosts[0].url,
                    trust=tuple(trust), warnings=tuple(warnings))


def failed(output, tool="uv"):
    return Request(RequestStatus.FAILED, argv=(tool, "pip", "compile", "-"), exit_code=2, output=output)


def judged():
    """Real verdicts: every kind of failure, and each way the judge decides (or cannot)."""
    out = []
    for scenario in ("untrusted-ca", "tls10-only", "expired-cert", "proxy-407", "wrong-host", "weak-dh"):
        rep, text = report_of(scenario), tool_output(scenario)
        for tool in ("uv", "requests", "httpx", "poetry"):
            out.append(judge.judge(resolved(rep, BUNDLED if tool == "uv" else CERTIFI, tool=tool),
                                   failed(text, tool), rep))
        healthy = report_of("healthy-direct")  # the same text, no rule: "could not tell A / B apart"
        out.append(judge.judge(resolved(healthy, BUNDLED), failed(text), healthy))
    healthy = report_of("healthy-direct")  # pip's cert trusts the index, uv does not read it
    out.append(judge.judge(resolved(healthy, BUNDLED), failed(tool_output("untrusted-ca")), healthy))
    rep = report_of("untrusted-ca")
    nothing = tool_output("untrusted-ca", ".ssl-cert-file-missing")
    out.append(judge.judge(resolved(rep, Trust(TrustKind.NOTHING, None, "SSL_CERT_FILE")), failed(nothing), rep))
    out.append(judge.judge(resolved(rep, BUNDLED), Request(RequestStatus.DEADLINE, output="Using CPython"), rep))
    out.append(judge.judge(resolved(rep, BUNDLED), Request(RequestStatus.OK, exit_code=0), rep))
    out.append(judge.judge(resolved(rep, CERTIFI, tool="conda"), Request(RequestStatus.COULD_NOT_RUN,
                                                                          detail=conda.DETAIL), rep))
    silent = "All attempts to connect to localhost:1 failed."  # Poetry 2 without -v
    out.append(judge.judge(resolved(rep, CERTIFI, tool="poetry"), failed(silent, "poetry"), rep))
    off = Trust(TrustKind.OFF, None, "cert = false")
    out.append(judge.judge(resolved(rep, off, CERTIFI, Trust(TrustKind.DIR, "/etc/ssl/certs", "SSL_CERT_DIR"),
                                    tool="poetry"), failed(silent, "poetry"), rep))
    return out


def remedied(tmp):
    """Every tool's remedies, with and without a confirmed CA, the OS store trusting the CA or not."""
    ca, bad = tmp / "ca.pem", tmp / "empty.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    bad.write_text("no certificate\n")
    out = []
    for tool in ("uv", "poetry", "requests", "httpx"):
        for os_trusts in (True, False):
            for cause in ("untrusted-private-ca", "ca-bundle-path-invalid", "client-cert-required"):
                for confirmed in (True, False):
                    env = {"HOME": str(tmp), "SSL_CERT_FILE": str(bad), "REQUESTS_CA_BUNDLE": str(bad),
                           "POETRY_CERTIFICATES_LAB_CERT": str(ca)}
                    facts = remedies.ToolFacts(os_store_trusts=os_trusts, ca_file=str(ca) if confirmed else None,
                                               bundle=str(tmp / "bundle.pem"), base_bundle="/etc/cacert.pem",
                                               config_home=str(tmp), env=env,
                                               poetry_source="lab" if confirmed else None)
                    r = Resolved(Found(tool, "/usr/bin/" + tool, "0.10.12" if os_trusts else "0.13.9"),
                                 "https://pypi.example/simple/")
                    v = judge.judge(r, failed("[SSL: CERTIFICATE_VERIFY_FAILED]", tool))
                    out.append(dataclasses.replace(v, causes=(cause,), steps=remedies.steps(cause, r, facts)))
    return out


def warned(tmp):
    """The resolvers' own warnings (and settings' sources) over planted configurations."""
    home, bad, ca = tmp / "home", tmp / "bad.pem", tmp / "ca.pem"
    (home / ".config" / "uv").mkdir(parents=True)
    bad.write_text("not a certificate\n")
    ca.write_text("x")
    (tmp / "uv.toml").write_text("native-tls = true\n")
    deadline = time.monotonic() + 30
    out = []

    def env(**kw):
        return dict({"HOME": str(home), "PATH": os.defpath, "XDG_CONFIG_DIRS": str(tmp / "none")}, **kw)

    for version in ("0.13.9", "0.10.12", "0.4.30"):
        found = Found("uv", "/usr/bin/uv", version)
        for kw in (dict(SSL_CERT_FILE=str(bad)), dict(SSL_CERT_FILE=str(bad), UV_NATIVE_TLS="1"),
                   dict(SSL_CERT_FILE=""), dict(SSL_CERT_DIR=str(tmp)), dict(UV_SYSTEM_CERTS="1", SSL_CERT_FILE=str(ca)),
                   dict(HTTPS_PROXY="http://proxy.example:3128", NO_PROXY="pypi.org", PIP_CERT=str(ca)),
                   dict(UV_NO_CONFIG="1"), dict(UV_CONFIG_FILE=str(tmp / "uv.toml"))):
            out.append(uv.resolve(found, env(**kw), str(tmp), deadline))
    (home / ".config" / "uv" / "uv.toml").write_text("system-certs = true\n")
    out.append(uv.resolve(Found("uv", "/usr/bin/uv", "0.10.12"), env(), str(tmp), deadline))
    out.append(requests_lib.resolve(Found("requests", "/usr/bin/python3", "2.32"),
                                    {"REQUESTS_CA_BUNDLE": str(tmp / "gone.pem"), "SSL_CERT_FILE": str(ca)},
                                    str(tmp), deadline))
    out.append(httpx_lib.resolve(Found("httpx", "/usr/bin/python3", "0.28"),
                                 {"SSL_CERT_FILE": str(tmp / "gone.pem"), "SSL_CERT_DIR": str(tmp),
                                  "REQUESTS_CA_BUNDLE": str(ca)}, str(tmp), deadline))
    condarc = tmp / "chome" / ".condarc"
    condarc.parent.mkdir()
    for text, extra in (("ssl_verify: false\n", {}), ("ssl_verify: %s\n" % (tmp / "gone.pem"), {}),
                        ("ssl_verify: truststore\n", {"SSL_CERT_FILE": str(ca)}),
                        ("ssl_verify: %s\n" % ca, {"REQUESTS_CA_BUNDLE": str(tmp / "gone.pem")}),
                        ("channels: [a\n  b: {\n", {})):
        condarc.write_text(text)
        out.append(conda.resolve(Found("conda", "/usr/bin/conda", "24.1"),
                                 dict({"HOME": str(condarc.parent), "PATH": str(tmp / "nobin")}, **extra), "/",
                                 deadline))
    return [judge.judge(r, failed("[SSL: CERTIFICATE_VERIFY_FAILED]", r.found.tool)) for r in out]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    return judged() + remedied(tmp_path_factory.mktemp("remedies")) + warned(tmp_path_factory.mktemp("warned"))


def the_report(verdicts, asked="all"):
    return checktool.ToolsReport(asked=asked, verdicts=list(verdicts), elapsed=1.0, timeout=10.0,
                                 skipped=[("pixi", checktool.NOT_SUPPORTED), ("conda", checktool.NOT_FOUND)])


def _measured(verdicts):
    """What was measured or is the tools' own: output, argv, paths, settings, commands, quoted tool texts."""
    out = set(QUOTED)
    for v in verdicts:
        q, r = v.request, v.resolved
        if q is not None:
            out.add(" ".join(q.argv))
            out.update(ln.strip() for ln in (q.output or "").splitlines() if ln.strip())
            out.add(judge.error_line(q.output))
        if r is not None:
            out.update(x for s in r.settings for x in (s.name, s.value))
            out.update(x for t in r.trust for x in (t.path, t.source) if x and not isinstance(x, Msg))
        out.update(s.command() for s in v.steps if s.command())
    return sorted((s for s in out if s and len(s) >= 6), key=len, reverse=True)


def test_every_tool_verdict_is_chinese(verdicts, marked_values):
    measured = _measured(verdicts)
    for asked in ("all", "uv"):
        report = the_report(verdicts, asked)
        for fmt in ("text", "markdown"):
            text = render.render(report, fmt=fmt, lang="zh")
            assert "证据" in text and "解决步骤" in text
            assert english_lines(text, measured) == [], (asked, fmt)


def test_the_verdicts_reach_the_tool_messages(verdicts):
    # The render above is worth something only if it meets the tools' messages: most of those the catalogue
    # holds (tests/rules/test_zh_catalogue.py checks every one statically).
    seen = set()
    for v in verdicts:
        for x in (v.summary,) + tuple(v.evidence) + tuple(s.explanation for s in v.steps) + (
                tuple(v.resolved.warnings) + tuple(s.source for s in v.resolved.settings) if v.resolved else ()):
            msg_ids(x, seen)
    prefixes = ("judge.", "checktool.", "uv.", "requests.", "httpx.", "conda.", "toolrem.")
    assert len([i for i in seen if i.startswith(prefixes)]) >= 60, sorted(seen)


def test_the_english_render_is_caught(verdicts, marked_values):
    # Negative control: the same detector over the English render finds its sentences, and English is unchanged
    # by the messages (the summary is exactly the old %-formatted string).
    left = english_lines(render.render(the_report(verdicts), fmt="text", lang="en"), _measured(verdicts))
    assert len(left) >= 50 and any("does not read" in ln for ln, _ in left)
    v = next(v for v in verdicts if v.causes == ("tool-ignores-ca-setting",))
    assert v.summary == "uv fails: uv does not read pip's cert (PIP_CERT / pip.conf cert=), which trusts the index's CA"


def test_one_untranslated_message_and_one_bare_string_are_caught(verdicts, marked_values):
    # Negative controls: an evidence line whose id has no Chinese, and a warning that is a bare str.
    v = next(v for v in verdicts if v.resolved is not None and v.evidence)
    stray = M("test.no_such_id", "the tool %s answered with something unexpected", "uv")
    bare = "uv reads this setting from somewhere else"
    v = dataclasses.replace(v, evidence=v.evidence + (stray,),
                            resolved=dataclasses.replace(v.resolved, warnings=v.resolved.warnings + (bare,)))
    for fmt in ("text", "markdown"):
        left = english_lines(render.render(the_report([v], "uv"), fmt=fmt, lang="zh"), _measured([v]))
        assert sorted(r for _, runs in left for r in runs) == [
            "the tool uv answered with something unexpected", "uv reads this setting from somewhere else"], fmt


def test_json_stays_english(verdicts):
    # --json is for programs: the same report, whatever --lang, is the English one byte for byte.
    report = the_report(verdicts)
    j = render.render(report, fmt="json", lang="zh")
    assert j == render.render(report, fmt="json", lang="en")
    assert not any("\u4e00" <= c <= "\u9fff" for c in j) and "does not read" in j


def test_a_cause_description_is_said_by_the_cause_table():
    from tlsdoctor import causes

    m = M("causes.describe", "%s", causes.describe("cert-expired"))
    assert zh.tr(m) == causes.describe("cert-expired", "zh")
    # control: a text that is no cause's description stays as it is
    assert zh.tr(M("causes.describe", "%s", "a description of nothing")) == "a description of nothing"


def test_usage_error_in_chinese(capsys):
    # `check --tool X --lang zh` for a tool that is not there: the usage error in Chinese, --json in English.
    err = M("checktool.usage_not_found", "%s was not found (%s)", "uv", M("checktool.not_on_path", "not on PATH"))
    assert str(err) == "uv was not found (not on PATH)"
    assert zh.tr(err) == "未找到 uv（不在 PATH 中）"
