"""``fix --tool X --lang zh``: the tool fix's plan, its steps' explanations (blast radius included), the
alternatives not applied and the manual notes are Chinese; ``--json`` is English whatever the language.

``tool_fix.run_tool_fix`` over checked tools made here (``ToolCheck``: the per-tool work is injectable),
``--dry-run`` so nothing is written. The lines ``fix.run`` prints itself ("Plan (N changes):", the CA
confirmation), the one line per tool and the "still failed" text are covered by ``test_zh_fixrun.py``.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from zh_detector import english_runs  # noqa: E402
from zh_support import private_home  # noqa: E402

from tlsdoctor.fix import tool_fix  # noqa: E402
from tlsdoctor.fix.journal import Journal  # noqa: E402
from tlsdoctor.fix.run import FixOptions  # noqa: E402
from tlsdoctor.tools import Found, Request, RequestStatus, Resolved, Trust, TrustKind  # noqa: E402
from tlsdoctor.tools import remedies  # noqa: E402

NOT_OURS = re.compile(r"^$")  # fix.run's own lines and the per-tool line are Chinese too now (test_zh_fixrun.py)
QUOTED = "No default certificates will be trusted"  # uv's own words, quoted as it prints them


@pytest.fixture
def home(tmp_path, monkeypatch):
    return private_home(tmp_path, monkeypatch, "export SSL_CERT_FILE=/nonexistent.pem\n")


def _check(home, tool, version, causes, os_trusts, status=RequestStatus.FAILED):
    r = Resolved(Found(tool, "/usr/bin/" + tool, version), "https://pypi.example/simple/",
                 trust=(Trust(TrustKind.BUNDLED, None, "default"),))
    c = tool_fix.ToolCheck(tool, r, Request(status, exit_code=2, output="x"), causes=causes)
    c.facts = remedies.ToolFacts(os_store_trusts=os_trusts, bundle=str(home / "bundle.pem"),
                                 base_bundle="/etc/ssl/certs/ca-certificates.crt", config_home=str(home / ".config"),
                                 env={"HOME": str(home), "SSL_CERT_FILE": "/nonexistent.pem"}, poetry_source="lab")
    return c


def _fix(home, checks, lang, as_json=False):
    out = io.StringIO()
    res = tool_fix.run_tool_fix(checks, options=FixOptions(dry_run=True, json=as_json), environ={"HOME": str(home)},
                                deadline=time.monotonic() + 30, workdir=str(home), journal=Journal(str(home / "st")),
                                out=out, lang=lang)
    return res.exit_code, out.getvalue()


def _sets(home):
    return [[_check(home, "uv", "0.13.9", ("tool-ignores-os-store",), True)],
            [_check(home, "uv", "0.10.12", ("untrusted-private-ca",), False),
             _check(home, "requests", "2.32", ("untrusted-private-ca",), False)],
            [_check(home, "httpx", "0.28", ("client-cert-required",), None),
             _check(home, "poetry", "2.1", ("untrusted-private-ca",), False)],
            [_check(home, "uv", "0.13.9", (), None, status=RequestStatus.DEADLINE)],
            [_check(home, "uv", "0.13.9", (), None, status=RequestStatus.OK)]]


def _english(text):
    lines = [ln.replace(QUOTED, "⟦⟧") for ln in text.splitlines() if not NOT_OURS.match(ln)]
    return [(ln, english_runs(ln)) for ln in lines if english_runs(ln)]


def test_the_tool_fix_speaks_chinese(home):
    text = "".join(_fix(home, checks, "zh")[1] for checks in _sets(home))
    for words in ("1. [这个用户] ", "   原因：SSL_CERT_FILE 指向一个不含证书的文件", "备选方案（未应用）：uv，改用：",
                  "；然后 export UV_SYSTEM_CERTS=1", "手动：uv：把 CA 加入操作系统信任库", "没有可以自动更改的内容",
                  "手动：requests：先确认 CA", "无法判断：uv 超时", "每个工具都能连接：没有需要修复的"):
        assert words in text, words
    assert _english(text) == [], _english(text)


def test_english_and_json_are_unchanged(home):
    # Control: the English run keeps its words (and is caught by the detector); --json ignores --lang.
    text = "".join(_fix(home, checks, "en")[1] for checks in _sets(home))
    for words in ("alternative (not applied): uv, instead: unset SSL_CERT_FILE   (", "; then export UV_SYSTEM_CERTS=1",
                  "manual: uv: add the CA to the OS store", "   why: ", "could not tell: uv deadline",
                  "every tool connects: nothing to fix"):
        assert words in text, words
    assert len(_english(text)) >= 8
    for checks in _sets(home):
        assert _fix(home, checks, "zh", as_json=True) == _fix(home, checks, "en", as_json=True)
