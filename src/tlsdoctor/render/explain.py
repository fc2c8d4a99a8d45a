"""Render an explain report as text, Markdown or JSON, in English or Chinese.

The text form is for people and is not meant to be parsed (like ``pip debug``);
the JSON form is the documented contract.
"""

from __future__ import annotations

import json
from typing import List

from tlsdoctor.redact import redact_text

_L = {
    "en": {
        "none": "No known TLS, proxy or CA-bundle failure found in the input ({lines} lines read).",
        "found": "{n} known failure(s) found ({lines} lines read).",
        "seen": "seen {count}×, first at {source}:{line}",
        "what": "What it is",
        "causes": "Candidate causes (most likely first)",
        "why": "Why this order",
        "dead": "Don't try",
        "works": "What works",
        "check": "How to check",
        "overall": "Candidate causes overall",
        "next": "Next step",
        "fail": "fails {rate:.0%}",
        "ok": "works {rate:.0%}",
        "basis": {"lab": "measured in the lab", "mechanism": "follows from the mechanism", "estimate": "estimate"},
        "clues": "Clues from the text",
        "tier": "evidence",
        "dead_cols": ("action", "why it fails", "rate"),
        "fail0": "makes the error go away, but is no fix",
        "client": "This output comes from {tool} (recognised by `{marker}`): its own fixes are shown first.",
        "omitted": "(pip's own fixes are left out: this output comes from {tool}.)",
        "settings": "{tool}'s own settings",
        "on_os": "on {os}: ",
        "skipped": "{n} candidate line(s) were not analysed: explain's work budget for this input was spent "
                   "(only crafted or pathological input gets there).",
    },
    "zh": {
        "none": "输入中没有发现已知的 TLS、代理或 CA 证书包故障（读取 {lines} 行）。",
        "found": "发现 {n} 个已知故障（读取 {lines} 行）。",
        "seen": "出现 {count} 次，首次在 {source}:{line}",
        "what": "这是什么",
        "causes": "可能的原因（最可能的在前）",
        "why": "排序依据",
        "dead": "不要尝试",
        "works": "有效的办法",
        "check": "如何确认",
        "overall": "总体可能原因",
        "next": "下一步",
        "fail": "失败率 {rate:.0%}",
        "ok": "成功率 {rate:.0%}",
        "basis": {"lab": "实验室实测", "mechanism": "由机制决定", "estimate": "估计"},
        "clues": "从文本中得到的线索",
        "tier": "证据",
        "dead_cols": ("做法", "为什么无效", "比率"),
        "fail0": "能让报错消失，但不是修复",
        "client": "这段输出来自 {tool}（依据 `{marker}` 识别）：优先给出它自己的修复办法。",
        "omitted": "（未列出 pip 自己的修复办法：这段输出来自 {tool}。）",
        "settings": "{tool} 自己的设置",
        "on_os": "仅限 {os}：",
        "skipped": "有 {n} 个候选行未被分析：explain 对此输入的工作量预算已用完（只有构造的或异常的输入会出现这种情况）。",
    },
}

_C = {"bold": "\x1b[1m", "red": "\x1b[31m", "green": "\x1b[32m", "yellow": "\x1b[33m", "dim": "\x1b[2m", "reset": "\x1b[0m"}


def render(report: dict, fmt: str = "text", lang: str = "en", color: bool = False) -> str:
    """The report in one format. Every output passes through ``redact_text``
    once more (excerpts are redacted when cut; this also covers file names,
    notes and anything a future field echoes)."""
    if fmt == "json":
        return redact_text(json.dumps(report, ensure_ascii=False, indent=2)) + "\n"
    if fmt == "markdown":
        return redact_text(_markdown(report, lang))
    return redact_text(_text(report, lang, color))


def _c(color: bool, name: str, text: str) -> str:
    return "%s%s%s" % (_C[name], text, _C["reset"]) if color else text


def _pick(item: dict, key: str, lang: str) -> str:
    if lang == "zh":
        return item.get(key + "_zh") or item.get(key, "")
    return item.get(key, "")


def _fail(L: dict, rate: float) -> str:
    # A dead end never reads "fails 0%" (issue 8 item 9): that one "works"
    # only by switching something off.
    return L["fail0"] if rate == 0 else L["fail"].format(rate=rate)


def _action(item: dict, lang: str) -> str:
    L = _L[lang]
    prefix = L["on_os"].format(os=item["os_note"]) if item.get("os_note") else ""
    return prefix + _pick(item, "action", lang)


def _client_lines(report: dict, lang: str) -> List[str]:
    L = _L[lang]
    client = report.get("client")
    if not client:
        return []
    tool = report.get("client_name") or client
    marker = report.get("clues", {}).get("clients", {}).get(client, client)
    out = [L["client"].format(tool=tool, marker=marker)]
    settings = report.get("client_settings_zh" if lang == "zh" else "client_settings")
    if settings:
        out.append("%s: %s" % (L["settings"].format(tool=tool), settings))
    return out


def _cause_desc(cause: str, lang: str = "en") -> str:
    from tlsdoctor.causes import describe

    return describe(cause, lang)


def _text(report: dict, lang: str, color: bool) -> str:
    L = _L[lang]
    out: List[str] = []
    if not report["matches"]:
        out.append(L["none"].format(lines=report["lines_read"]))
        return "\n".join(out) + "\n"
    out.append(_c(color, "bold", L["found"].format(n=len(report["matches"]), lines=report["lines_read"])))
    if report.get("lines_not_analysed"):
        out.append(L["skipped"].format(n=report["lines_not_analysed"]))
    out += _client_lines(report, lang)
    for n, m in enumerate(report["matches"], 1):
        out.append("")
        out.append(_c(color, "bold", "%d. %s" % (n, m["id"])) + _c(color, "dim", "  [%s: %s]" % (L["tier"], m["verification_tier"])))
        out.append("   " + _c(color, "red", _pick(m, "signature", lang)))
        out.append("   " + _c(color, "dim", L["seen"].format(count=m["count"], source=m["source"], line=m["first_line"])))
        out.append("   > " + m["excerpt"])
        out.append("   %s: %s" % (L["what"], _pick(m, "root_cause", lang)))
        out.append("   %s:" % L["causes"])
        for r, c in enumerate(m["causes"], 1):
            out.append("     %d. %s — %s" % (r, _c(color, "yellow", c), _cause_desc(c, lang)))
        if m["notes"]:
            out.append("   %s:" % L["why"])
            for note in m["notes"]:
                out.append("     - " + note[lang])
        out += _text_advice(report, m, lang, color)
        checks = m["checks_zh"] if lang == "zh" and m["checks_zh"] else m["checks"]
        if checks:
            out.append("   %s:" % L["check"])
            for ck in checks:
                out.append("     - " + ck)
    out.append("")
    out.append(_c(color, "bold", L["overall"] + ":"))
    for r, c in enumerate(report["candidate_causes"], 1):
        out.append("  %d. %s — %s" % (r, c["id"], c["description"]))
    clues = report["clues"]
    facts = []
    if clues.get("pip"):
        facts.append("pip " + clues["pip"])
    if clues.get("python"):
        facts.append("Python " + clues["python"])
    facts += clues.get("flags", [])
    if facts:
        out.append("")
        out.append("%s: %s" % (L["clues"], ", ".join(facts)))
    out.append("")
    out.append(_c(color, "bold", L["next"] + ": ") + (report["next_step_zh"] if lang == "zh" else report["next_step"]))
    return "\n".join(out) + "\n"


def _text_advice(report: dict, m: dict, lang: str, color: bool) -> List[str]:
    """A match's dead ends and fixes (or why pip's are left out)."""
    L = _L[lang]
    out: List[str] = []
    if m.get("advice_omitted"):
        out.append("   " + L["omitted"].format(tool=report.get("client_name") or report.get("client")))
    if m["dead_ends"]:
        out.append("   %s:" % _c(color, "red", L["dead"]))
    for d in m["dead_ends"]:
        out.append("     ✗ %s (%s, %s)" % (_action(d, lang), _fail(L, d["fail_rate"]), L["basis"][d["rate_basis"]]))
        out.append("       " + _pick(d, "why_fails", lang))
    if m["workarounds"]:
        out.append("   %s:" % _c(color, "green", L["works"]))
    for w in m["workarounds"]:
        out.append("     ✓ %s (%s, %s)" % (_action(w, lang), L["ok"].format(rate=w["success_rate"]), L["basis"][w["rate_basis"]]))
        if lang == "en":
            out.append("       " + w["how"])
    return out


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown(report: dict, lang: str) -> str:
    L = _L[lang]
    out: List[str] = ["# tlsdoctor explain", ""]
    if not report["matches"]:
        out.append(L["none"].format(lines=report["lines_read"]))
        return "\n".join(out) + "\n"
    out.append(L["found"].format(n=len(report["matches"]), lines=report["lines_read"]))
    if report.get("lines_not_analysed"):
        out.append("")
        out.append(L["skipped"].format(n=report["lines_not_analysed"]))
    client = _client_lines(report, lang)
    if client:
        out += [""] + client
    for m in report["matches"]:
        out += ["", "## `%s`" % m["id"], "", "**%s** (%s: %s)" % (_md_escape(_pick(m, "signature", lang)), L["tier"], m["verification_tier"]), ""]
        out += ["```", m["excerpt"].replace("```", "ˋˋˋ"), "```", ""]
        out += ["%s: %s" % (L["what"], _pick(m, "root_cause", lang)), "", "### " + L["causes"], ""]
        out += ["%d. `%s`: %s" % (r, c, _cause_desc(c, lang)) for r, c in enumerate(m["causes"], 1)]
        if m["notes"]:
            out += ["", "### " + L["why"], ""] + ["- " + n[lang] for n in m["notes"]]
        if m.get("advice_omitted"):
            out += ["", L["omitted"].format(tool=report.get("client_name") or report.get("client"))]
        if m["dead_ends"]:
            out += ["", "### " + L["dead"], "", "| %s |" % " | ".join(L["dead_cols"]), "|---|---|---|"]
            out += ["| %s | %s | %s |" % (_md_escape(_action(d, lang)), _md_escape(_pick(d, "why_fails", lang)),
                                            _fail(L, d["fail_rate"])) for d in m["dead_ends"]]
        if m["workarounds"]:
            out += ["", "### " + L["works"], ""]
            out += ["- %s (%s)" % (_action(w, lang), L["ok"].format(rate=w["success_rate"])) for w in m["workarounds"]]
    out += ["", "## " + L["overall"], ""]
    out += ["%d. `%s`: %s" % (r, c["id"], c["description"]) for r, c in enumerate(report["candidate_causes"], 1)]
    out += ["", "**%s:** %s" % (L["next"], report["next_step_zh"] if lang == "zh" else report["next_step"])]
    return "\n".join(out) + "\n"
