"""Rendering ``check --tool X`` / ``--tool all`` (``tools.checktool.ToolsReport``): text, markdown, JSON.

Per tool: its version and path, every setting with its source (values a higher
source overrides are shown, marked), the trust anchors in order, the proxy,
the decisive request (argv, exit code, the tail of the tool's own output), the
verdict and the steps. ``--tool all`` starts with one table, tool × verdict.
JSON is documented in ``docs/check-tool.schema.json``. Everything printed passes
``tlsdoctor.redact`` (values were redacted when made; the text is masked again
as a whole, as check's renderer does).
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from tlsdoctor import __version__
from tlsdoctor.causes import describe
from tlsdoctor.redact import redact_text, redact_tree, redact_url, truncate

OUTPUT_LINES = 12  # the tail of the tool's output shown in text/markdown (JSON keeps more)
OUTPUT_JSON_CHARS = 8000

LABELS = {
    "en": {
        "title": "tlsdoctor check --tool %s", "tool": "tool", "verdict": "verdict", "index": "index",
        "settings": "settings", "trust": "trusts", "proxy": "proxy", "client_cert": "client certificate",
        "warnings": "warnings", "request": "request (by the tool itself)", "output": "its output (last lines)",
        "cause": "cause", "candidates": "could not tell apart", "evidence": "evidence", "steps": "what to do",
        "overridden": "overridden", "ignored": "not read", "skipped": "not checked", "none": "(none)", "status": "status",
        "ok": "ok", "problem": "fails", "incomplete": "could not tell", "exit": "exit",
        "pip_details": "pip's own details: run `tlsdoctor check` (without --tool)", "paren": "%s (%s)",
    },
    "zh": {
        "title": "tlsdoctor check --tool %s", "tool": "工具", "verdict": "结论", "index": "索引",
        "settings": "设置", "trust": "信任", "proxy": "代理", "client_cert": "客户端证书",
        "warnings": "警告", "request": "请求（由工具本身发出）", "output": "工具输出（最后几行）",
        "cause": "原因", "candidates": "无法区分", "evidence": "证据", "steps": "解决步骤",
        "overridden": "已被覆盖", "ignored": "不读取", "skipped": "未检查", "none": "（无）", "status": "状态",
        "ok": "正常", "problem": "失败", "incomplete": "无法判断", "exit": "退出码",
        "pip_details": "pip 的详细信息：运行 `tlsdoctor check`（不带 --tool）", "paren": "%s（%s）",
        # the report's and the request's status words (English keeps the values as they are)
        "states": {"ok": "正常", "problem": "有问题", "incomplete": "无法判断", "usage": "用法错误",
                   "failed": "失败", "could_not_run": "无法运行", "deadline": "超时"},
    },
}


def render(report, fmt: str = "text", lang: str = "en") -> str:
    if fmt == "json":
        return json.dumps(redact_tree(to_json(report)), indent=2, ensure_ascii=False, default=str)
    if fmt == "markdown":
        return redact_text(markdown(report, lang))
    return redact_text(text(report, lang))


# ----------------------------------------------------------------------------- JSON


def _step_json(step) -> Dict[str, Any]:
    to_json = getattr(step, "to_json", None)
    if callable(to_json):
        return to_json()
    return {"text": str(step)}


def _step_text(step, lang: str = "en") -> str:
    if lang == "zh" and callable(getattr(step, "command", None)):
        from tlsdoctor.render import zh

        return zh.step_text(step)
    t = getattr(step, "text", None)
    return t() if callable(t) else _say(lang)(step) if lang == "zh" else str(step)


def _say(lang: str):
    """How a sentence of the verdicts is printed in ``lang``: in Chinese, a message (``tlsdoctor.messages.M``)
    by its id; what is not a message (a tool's own output, a path) stays as it is. English: unchanged."""
    if lang != "zh":
        return lambda x: x
    from tlsdoctor.messages import Msg
    from tlsdoctor.render import zh

    return lambda x: zh.tr(x) if isinstance(x, Msg) else x


def _word(L, status) -> str:
    return L.get("states", {}).get(str(status), status)


def verdict_json(v) -> Dict[str, Any]:
    r = v.resolved
    q = v.request
    found = r.found if r is not None else v.extra.get("found") if isinstance(v.extra, dict) else None
    out: Dict[str, Any] = {
        "tool": v.tool,
        "status": v.status,
        "summary": v.summary,
        "found": None if found is None else {"path": found.path, "version": found.version, "python": found.python},
        "causes": [{"id": c, "description": describe(c)} for c in v.causes],
        "candidates": list(v.candidates),
        "evidence": list(v.evidence),
        "steps": [_step_json(s) for s in v.steps],
    }
    if r is not None:
        out.update({
            "index_url": redact_url(r.index_url),
            "settings": [{"name": s.name, "value": s.value, "source": s.source, "effective": s.effective}
                         for s in r.settings],
            "trust": [{"kind": str(t.kind), "path": t.path, "source": t.source} for t in r.trust],
            "proxy": redact_url(r.proxy) if r.proxy else None,
            "client_cert": r.client_cert,
            "warnings": list(r.warnings),
        })
    if q is not None:
        out["request"] = {"status": str(q.status), "argv": list(q.argv), "exit_code": q.exit_code,
                          "elapsed": round(q.elapsed, 3), "detail": q.detail,
                          "output": (truncate(q.output[-OUTPUT_JSON_CHARS:], OUTPUT_JSON_CHARS) or "")}
    if isinstance(v.extra, dict) and v.extra.get("remedies_error"):
        out["remedies_error"] = v.extra["remedies_error"]
    return out


def to_json(report) -> Dict[str, Any]:
    return {
        "tlsdoctor": __version__,
        "tool": report.asked,
        "status": report.status,
        "exit_code": report.exit_code,
        "tools": [verdict_json(v) for v in report.verdicts],
        "skipped": [{"tool": t, "why": why} for t, why in report.skipped],
        "elapsed": round(report.elapsed, 3),
        "deadline": report.timeout,
    }


# ----------------------------------------------------------------------------- text


def _state(v, L) -> str:
    return {"ok": "✓ " + L["ok"], "problem": "✗ " + L["problem"]}.get(v.status, "? " + L["incomplete"])


def _tail(output: str, n: int = OUTPUT_LINES) -> List[str]:
    lines = [ln.rstrip() for ln in (output or "").splitlines() if ln.strip()]
    return [truncate(ln, 240) or "" for ln in lines[-n:]]


def table_lines(report, L, lang: str = "en") -> List[str]:
    say = _say(lang)
    rows = [(v.tool, say(v.summary)) for v in report.verdicts] + [(t, L["paren"] % (L["skipped"], say(why)))
                                                                   for t, why in report.skipped]
    width = max([len(L["tool"])] + [len(t) for t, _ in rows])
    out = ["%-*s  %s" % (width, L["tool"], L["verdict"]), "%s  %s" % ("-" * width, "-" * 7)]
    out += ["%-*s  %s" % (width, t, s) for t, s in rows]
    return out


def _resolved_lines(r, L, say) -> List[str]:
    """What the tool's own configuration resolves to: index, every setting (marked when not in effect),
    trust anchors, proxy, client certificate and the resolver's warnings."""
    from tlsdoctor.tools.judge import trust_text

    out = ["  %s: %s" % (L["index"], redact_url(r.index_url)), "  %s:" % L["settings"]]
    for s in r.settings:
        mark = "" if s.effective else "  [%s]" % (L["ignored"] if "ignore" in s.source else L["overridden"])
        out.append("    %s = %s   (%s)%s" % (s.name, s.value, say(s.source), mark))
    out.append("  %s: %s" % (L["trust"], say(trust_text(r.trust))))
    if r.proxy:
        out.append("  %s: %s" % (L["proxy"], redact_url(r.proxy)))
    if r.client_cert:
        out.append("  %s: %s" % (L["client_cert"], r.client_cert))
    out += ["  ! %s" % say(w) for w in r.warnings]
    return out


def _request_lines(v, q, L, say) -> List[str]:
    """The tool's own request: its command, outcome and time, detail, and (unless it worked) its output's tail."""
    code = "" if q.exit_code is None else ", %s %s" % (L["exit"], q.exit_code)
    out = ["  %s: %s → %s%s (%.1f s)" % (L["request"], " ".join(q.argv) or "-", _word(L, q.status), code,
                                          q.elapsed)]
    if q.detail:
        out.append("    %s" % say(q.detail))
    tail = _tail(q.output)
    if tail and v.status != "ok":
        out.append("  %s:" % L["output"])
        out += ["    | %s" % ln for ln in tail]
    return out


def _verdict_lines(v, L, lang: str, say) -> List[str]:
    """The verdict, its causes, candidates, evidence and numbered remedy steps."""
    out = ["  %s: %s" % (L["verdict"], say(v.summary))]
    out += ["  %s: %s — %s" % (L["cause"], c, describe(c, lang)) for c in v.causes]
    if v.candidates:
        out.append("  %s: %s" % (L["candidates"], " / ".join(v.candidates)))
    out += ["  %s: %s" % (L["evidence"], say(e)) for e in v.evidence]
    if v.steps:
        out.append("  %s:" % L["steps"])
        out += ["    %d. %s" % (i, _step_text(s, lang)) for i, s in enumerate(v.steps, 1)]
    return out


def tool_lines(v, L, lang: str) -> List[str]:
    say = _say(lang)
    r, q = v.resolved, v.request
    found = r.found if r is not None else None
    head = v.tool if found is None else "%s %s (%s)" % (v.tool, found.version or "?", found.path)
    out = ["%s — %s" % (head, _state(v, L))]
    if r is not None:
        out += _resolved_lines(r, L, say)
    if q is not None:
        out += _request_lines(v, q, L, say)
    return out + _verdict_lines(v, L, lang, say)


def text(report, lang: str = "en") -> str:
    L = LABELS.get(lang, LABELS["en"])
    say = _say(lang)
    out = ["%s: %s (%s %d)" % (L["title"] % report.asked, _word(L, report.status), L["exit"], report.exit_code), ""]
    if report.asked == "all":
        # The one line to paste ("pip ok; uv fails: uv does not use the OS store, which trusts …").
        out += ["; ".join(say(v.summary) for v in report.verdicts), ""]
        out += table_lines(report, L, lang) + [""]
    for v in report.verdicts:
        if v.tool == "pip":
            out += ["pip — %s" % _state(v, L), "  %s: %s" % (L["verdict"], say(v.summary))]
            out += ["  %s: %s — %s" % (L["cause"], c, describe(c, lang)) for c in v.causes]
            out += ["  %s" % L["pip_details"], ""]
            continue
        out += tool_lines(v, L, lang) + [""]
    if report.asked != "all":
        out += ["%s: %s" % (L["skipped"], L["paren"] % (t, say(why))) for t, why in report.skipped]
    return "\n".join(out).rstrip() + "\n"


def markdown(report, lang: str = "en") -> str:
    L = LABELS.get(lang, LABELS["en"])
    say = _say(lang)
    out = ["## %s: %s" % (L["title"] % report.asked, _word(L, report.status)), ""]
    out += ["| %s | %s | %s |" % (L["tool"], L["status"], L["verdict"]), "|---|---|---|"]
    for v in report.verdicts:
        out.append("| %s | %s | %s |" % (v.tool, _word(L, v.status), say(v.summary).replace("|", "\\|")))
    for t, why in report.skipped:
        out.append("| %s | %s | %s |" % (t, L["skipped"], say(why)))
    out.append("")
    for v in report.verdicts:
        if v.tool == "pip":
            continue
        out += ["### %s" % v.tool, "", "```"] + tool_lines(v, L, lang) + ["```", ""]
    return "\n".join(out)
