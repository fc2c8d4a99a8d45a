"""Renderers for ``tlsdoctor check``: text checklist, JSON, Markdown; English or Chinese.

The verdict comes first; then the facts as a ✓ / ! / ✗ checklist. JSON is
documented in the README (``status``, ``diagnoses``, ``facts``...). Every
string passes through ``redact`` once more before it is printed.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List

from tlsdoctor import __version__
from tlsdoctor.causes import describe
from tlsdoctor.redact import redact_text as redact

OK, WARN, BAD = "✓", "!", "✗"

L10N = {
    "en": {
        "title": "tlsdoctor check",
        "ok": "OK: pip can reach its index securely from this interpreter.",
        "problem": "PROBLEM",
        "incomplete": "INCOMPLETE: the check could not finish",
        "evidence": "evidence",
        "fix": "fix",
        "dead_ends": "will not help",
        "more": "more",
        "also": "also possible",
        "facts": "This interpreter",
        "index": "Index hosts (probed the way pip connects)",
        "config": "pip configuration (where each value comes from)",
        "trust": "Trust pip really uses",
        "env": "CA and proxy environment",
        "not_checked": "not checked",
        "target": "target",
    },
    "zh": {
        "title": "tlsdoctor 检查",
        "ok": "正常：pip 可以从这个解释器安全地连接到它的索引。",
        "problem": "发现问题",
        "incomplete": "未完成：检查没能完成",
        "evidence": "证据",
        "fix": "解决办法",
        "dead_ends": "无效的做法",
        "more": "更多",
        "also": "其他可能",
        "facts": "这个解释器",
        "index": "索引主机（按 pip 的连接方式探测）",
        "config": "pip 配置（每个值的来源）",
        "trust": "pip 实际使用的信任来源",
        "env": "CA 与代理环境变量",
        "not_checked": "未检查",
        "target": "目标",
    },
}



def render(report, fmt: str = "text", lang: str = "en") -> str:
    if fmt == "json":
        return redact(json.dumps(to_json(report), indent=2, sort_keys=False, ensure_ascii=False, default=str))
    if fmt == "markdown":
        return redact(markdown(report, lang))
    return redact(text(report, lang))


# ----------------------------------------------------------------------------- JSON

def to_json(report) -> Dict[str, Any]:
    f = report.facts
    out: Dict[str, Any] = {
        "tlsdoctor": __version__,
        "status": report.status,
        "exit_code": report.exit_code if report.status in ("ok", "problem", "incomplete") else 2,
        "verdict": headline(report, "en"),
        "target": {"python": report.python, "how": report.how},
        "diagnoses": [d.to_json() for d in report.diagnoses],
        "incomplete": list(report.incomplete) + ([report.error] if report.error else []),
        "rule_errors": [{"rule": e.rule, "error": e.error} for e in report.rule_errors],
        "elapsed": round(report.elapsed, 3),
        "deadline": report.deadline,
    }
    if f is not None:
        from tlsdoctor.pipconfig import provenance, trust_explanation

        out["facts"] = facts_json(f)
        out["pip_config"] = {k: {"value": p.value, "source": p.source, "overridden": list(p.overridden)}
                             for k, p in provenance(f).items()}
        out["trust"] = trust_explanation(f)
        out["hosts"] = [host_json(h) for h in f.hosts]
    return out


def facts_json(f) -> Dict[str, Any]:
    neg = next((h.get("tls").version for h in f.hosts if h.get("tls").version), None)
    return {
        "python": {"version": f.python_version, "executable": f.executable, "implementation": f.implementation,
                   "platform": f.platform},
        "ssl": {
            "importable": f.has_ssl, "import_error": f.ssl_import_error,
            "openssl_version": f.openssl_version,
            "supported_tls_versions": list(f.supported_versions),
            "highest_tls_version": f.highest_tls,
            "default_minimum_version": f.default_minimum_version,
            "default_maximum_version": f.default_maximum_version,
            "x509_strict_by_default": f.default_x509_strict,
            "default_verify_paths": f.default_verify_paths,
        },
        "negotiated_tls_version": neg,
        "pip": {
            "version": f.pip_version, "location": f.pip_location, "import_error": f.pip_import_error,
            "vendored": f.pip_vendored,
            "uses_os_trust_store": _uses_truststore(f),
            "certifi": _bundle_json(f.certifi),
            "options": f.pip_options,
            "options_error": f.pip_options_error,
            "config_files": f.pip_config.get("levels", []),
        },
        "env": {
            "ca": {k: {"value": v, "bundle": _bundle_json(b)} for k, (v, b) in f.ca_env.items()},
            "other_ca": f.other_ca_env,
            "proxy": f.proxy_env,
            "pip": f.pip_env,
            "openssl_conf": f.openssl_conf,
            "loader": f.loader_env,
        },
        "clock": {"target_time": f.target_time, "checker_time": f.checker_time},
        "checker": {"ssl_import_error": f.checker_ssl_error},
    }


def _uses_truststore(f):
    measured = [h.session.uses_truststore for h in f.hosts if h.session]
    return any(measured) if measured else f.truststore_expected


def _bundle_json(b):
    if b is None:
        return None
    import dataclasses

    d = dataclasses.asdict(b)
    d["problem"] = b.problem
    return d


def host_json(h) -> Dict[str, Any]:
    import dataclasses

    def att(a):
        d = dataclasses.asdict(a)
        return {k: v for k, v in d.items() if v not in (None, (), [], False) or k == "status"}

    return {
        "url": h.url,
        "proxy": h.proxy,
        "session": dataclasses.asdict(h.session) if h.session else None,
        "pip_request": att(h.pip),
        "probes": {k: att(v) for k, v in sorted(h.attempts.items()) if k != "pip_request"},
    }


# ----------------------------------------------------------------------------- text

def headline(report, lang: str) -> str:
    t = L10N[lang]
    if report.status == "ok":
        return t["ok"]
    if report.status == "incomplete" and report.incomplete and report.facts is not None \
            and report.facts.pip_options_error:
        return "%s: %s" % (t["incomplete"], report.incomplete[0])
    if report.status == "problem":
        d = report.diagnoses[0]
        if lang == "zh":
            return "%s: %s — %s" % (t["problem"], d.cause, describe(d.cause, "zh"))
        return "%s: %s — %s" % (t["problem"], d.cause, d.verdict)
    why = report.error or "; ".join(report.incomplete) or "?"
    return "%s: %s" % (t["incomplete"], why)


def text(report, lang: str = "en") -> str:
    t = L10N[lang]
    f = report.facts
    lines: List[str] = []
    who = "Python %s, pip %s" % (f.python_version, f.pip_version or "-") if f else ""
    lines.append("%s %s — %s %s (%s)" % (t["title"], __version__, t["target"], report.python or "?", who or report.how))
    lines.append("")
    mark = {"ok": OK, "problem": BAD, "incomplete": WARN}.get(report.status, WARN)
    lines.append("%s %s" % (mark, headline(report, lang)))
    for i, d in enumerate(report.diagnoses):
        if i == 1:
            lines.append("")
            lines.append("%s:" % t["also"])
        if i >= 1:
            lines.append("  %s %s — %s" % (WARN, d.cause, d.verdict if lang == "en" else (describe(d.cause, "zh") or d.verdict)))
            continue
        if lang == "zh":
            lines.append("  (%s)" % d.verdict)
        lines.append("  %s:" % t["evidence"])
        lines += ["    - %s" % e for e in d.evidence]
        lines.append("  %s:" % t["fix"])
        lines += ["    $ %s" % x if _is_command(x) else "    - %s" % x for x in d.fix]
        if d.dead_ends:
            lines.append("  %s: %s" % (t["dead_ends"], "; ".join(d.dead_ends)))
        if d.link:
            lines.append("  %s: tlsdoctor kb show %s" % (t["more"], d.link))
    for i in report.incomplete:
        lines.append("%s %s" % (WARN, i))
    for e in report.rule_errors:
        lines.append("%s rule %s crashed: %s" % (WARN, e.rule, e.error))
    if f is None:
        return "\n".join(lines)
    lines.append("")
    lines += facts_checklist(f, t)
    lines.append("")
    lines.append(t["index"] + ":")
    if not f.hosts:
        lines.append("  %s no http(s) index configured (%s)" % (WARN, f.pip_options.get("index_url") or "no-index"))
    for h in f.hosts:
        lines += host_lines(h)
    local = [u for u in [f.pip_options.get("index_url")] + list(f.pip_options.get("extra_index_urls") or [])
             if u and not u.startswith(("http://", "https://"))]
    for u in local:
        lines.append("  %s %s — a local index: no network, no TLS (not probed)" % (OK, u))
    from tlsdoctor.pipconfig import provenance, trust_explanation

    prov = provenance(f)
    lines.append("")
    lines.append(t["config"] + ":")
    if "index-url" not in prov:
        lines.append("  index-url = %s   ← pip's default" % (f.pip_options.get("index_url") or "-"))
    for k, p in prov.items():
        extra = " (overrides %s)" % ", ".join(p.overridden) if p.overridden else ""
        lines.append("  %s = %s   ← %s%s" % (k, p.value, p.source, extra))
    lines.append("")
    lines.append(t["trust"] + ":")
    lines += ["  " + x for x in trust_explanation(f)] or ["  -"]
    lines.append("")
    lines.append("(%.1f s of a %.0f s deadline)" % (report.elapsed, report.deadline))
    return "\n".join(lines)


def _is_command(x: str) -> bool:
    return bool(re.match(r"^(sudo |export |unset |cat |certutil |[^ ]*python[^ ]* |pip |grep )", x))


def facts_checklist(f, t) -> List[str]:
    out = [t["facts"] + ":"]
    out.append("  %s Python %s (%s) at %s" % (OK, f.python_version, f.implementation, f.executable))
    if f.has_ssl:
        top = f.highest_tls or "?"
        mark = OK if top in ("TLSv1.2", "TLSv1.3") else BAD
        cap = ""
        if f.default_maximum_version not in (None, "maximum"):
            cap = ", capped at %s by configuration" % f.default_maximum_version
        out.append("  %s ssl: %s; speaks %s; highest TLS version %s%s; default minimum %s" % (
            mark, f.openssl_version, ", ".join(f.supported_versions), top, cap, f.default_minimum_version or "-"))
    else:
        out.append("  %s ssl: cannot be imported: %s" % (BAD, f.ssl_import_error))
    if f.checker_ssl_error:
        out.append("  %s tlsdoctor's own interpreter cannot import ssl either: %s" % (WARN, f.checker_ssl_error))
    if f.pip_version:
        v = f.pip_vendored
        out.append("  %s pip %s (urllib3 %s, requests %s, certifi %s) at %s" % (
            OK, f.pip_version, v.get("urllib3") or "-", v.get("requests") or "-", v.get("certifi") or "-",
            f.pip_location))
        ts = _uses_truststore(f)
        out.append("  %s OS trust store: %s" % (OK, "used (truststore, pip >= 24.2 on Python >= 3.10)" if ts else
                                                 "not used (pip < 24.2, Python < 3.10 or legacy-certs): certifi only"))
    else:
        out.append("  %s pip: %s" % (BAD, f.pip_import_error or "not found"))
    if f.certifi:
        age = ""
        cv = f.pip_vendored.get("certifi")
        try:  # certifi versions are release dates (YYYY.MM.DD)
            import datetime

            y, m, d = (int(x) for x in (cv or "").split(".")[:3])
            now = f.target_time or f.checker_time
            if now:
                days = (datetime.datetime.fromtimestamp(now, datetime.timezone.utc).date() - datetime.date(y, m, d)).days
                age = ", %d days old" % days
        except (ValueError, TypeError):
            age = ""
        out.append("  %s certifi bundle %s (%s certificates, version %s%s)" % (
            OK if not f.certifi.problem else BAD, f.certifi.path, f.certifi.pem_certificates, cv or "?", age))
    for name, (value, b) in sorted(f.ca_env.items()):
        prob = b.problem if b else None
        note = ""
        if name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") and f.pip_options.get("cert") \
                and f.pip_options.get("cert") != value:
            note = " (beats pip's cert=%s while trust_env is on)" % f.pip_options.get("cert")
        out.append("  %s %s=%s%s%s" % (BAD if prob else WARN if note else OK, name, value,
                                       (": " + prob) if prob else "", note))
    if f.other_ca_env:
        out.append("  %s other CA variables (pip does not read them): %s" % (
            OK, ", ".join("%s=%s" % kv for kv in sorted(f.other_ca_env.items()))))
    dvp = f.default_verify_paths or {}
    if dvp:
        out.append("  %s OpenSSL default verify paths: cafile %s, capath %s" % (
            OK, dvp.get("cafile") or dvp.get("openssl_cafile"), dvp.get("capath") or dvp.get("openssl_capath")))
    for name, value in sorted(f.proxy_env.items()):
        out.append("  %s %s=%s" % (OK, name, value))
    for name in ("PYTHONPATH", "PYTHONHOME"):
        if f.loader_env.get(name):
            # The probe runs isolated (-I / -E) as its contract says; pip does not.
            out.append("  %s %s=%s is set: pip sees it, the isolated probe does not" % (WARN, name, f.loader_env[name]))
    if f.loader_env.get("LD_LIBRARY_PATH"):
        out.append("  %s LD_LIBRARY_PATH=%s" % (WARN, f.loader_env["LD_LIBRARY_PATH"]))
    if f.openssl_conf:
        r = f.openssl_conf.get("restrictions") or {}
        out.append("  %s OPENSSL_CONF=%s%s" % (WARN if r else OK, f.openssl_conf.get("path"),
                                               (" restricts: " + ", ".join("%s = %s" % kv for kv in sorted(r.items())))
                                               if r else ""))
    if f.target_time:
        from tlsdoctor.rules._common import fmt_time, server_time

        skew = None
        for h in f.hosts:
            st = server_time(h)
            if st is not None:
                skew = f.target_time - st
                break
        if skew is None:
            out.append("  %s clock: %s (no server time to compare)" % (OK, fmt_time(f.target_time)))
        else:
            out.append("  %s clock: %s (%+.0f s from the index's HTTP Date)" % (
                OK if abs(skew) < 300 else BAD, fmt_time(f.target_time), skew))
    return out


def host_lines(h) -> List[str]:
    out = []
    pip = h.pip
    tls = h.get("tls")
    via = " via proxy %s" % h.proxy if h.proxy else ""
    if pip.ok:
        out.append("  %s %s%s — pip's request: HTTP %s" % (OK, h.url, via, pip.http_status))
    elif pip.failed:
        out.append("  %s %s%s — pip's request failed: %s" % (BAD, h.url, via, (pip.error or "")[:300]))
    else:
        out.append("  %s %s%s — pip's request: %s" % (WARN, h.url, via, pip.status))
    if tls.ok:
        out.append("      TLS: %s, %s (handshake %s ms)" % (tls.version, tls.cipher, _ms(tls)))
        for c in tls.chain:
            out.append("      cert: %s | issuer %s | %s .. %s%s" % (
                c.subject, c.issuer, c.not_before, c.not_after,
                (" | SAN " + ", ".join(c.sans[:4])) if c.sans else ""))
    elif tls.failed:
        out.append("      TLS handshake (%s): %s" % (tls.stage, tls.error))
    from tlsdoctor.rules._common import stores

    st = stores(h)
    if st:
        out.append("      verifies against: " + ", ".join(
            "%s %s" % (n, OK if a.ok else BAD if a.failed else "…") for n, a in sorted(st.items())))
    var = h.variants()
    if var:
        out.append("      variants: " + ", ".join(
            "%s %s" % (n, OK if a.ok else BAD if a.failed else "…") for n, a in sorted(var.items())))
    from tlsdoctor.rules.tls_interception import PUBLIC_HOSTS

    if h.host in PUBLIC_HOSTS and pip.ok and h.get("verify:certifi").failed and tls.chain:
        # Works, but only thanks to a local CA: worth knowing before it breaks.
        out.append("      %s %s's certificate is issued by %s, which certifi does not trust: TLS to it is "
                   "re-signed on this network (pip works because %s trusts that CA)" % (
                       WARN, h.host, tls.chain[-1].issuer, "the bundle it uses"))
    p = h.get("proxy")
    if p.ran:
        out.append("      proxy: TCP %s, CONNECT %s" % (OK if p.stage != "tcp" else BAD, p.connect_status or p.error))
    return out


def _ms(a):
    return "?" if a.elapsed is None else "%.0f" % (a.elapsed * 1000)


# ----------------------------------------------------------------------------- markdown

def markdown(report, lang: str = "en") -> str:
    t = L10N[lang]
    body = text(report, lang)
    lines = ["### %s: %s" % (t["title"], report.status), "", "**%s**" % headline(report, lang), ""]
    for d in report.diagnoses[:1]:
        lines.append("#### `%s`" % d.cause)
        lines.append("")
        lines.append("%s:" % t["evidence"])
        lines += ["- %s" % e for e in d.evidence]
        lines.append("")
        lines.append("%s:" % t["fix"])
        lines.append("```sh")
        lines += list(d.fix)
        lines.append("```")
        lines.append("")
    lines.append("<details><summary>tlsdoctor check output</summary>")
    lines.append("")
    lines.append("```")
    lines.append(body)
    lines.append("```")
    lines.append("</details>")
    return "\n".join(lines)
