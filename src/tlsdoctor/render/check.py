"""Renderers for ``tlsdoctor check``: text checklist, JSON, Markdown; English or Chinese.

The verdict comes first; then the facts as a ✓ / ! / ✗ checklist. JSON is
documented in the README (``status``, ``diagnoses``, ``facts``...). Every
string passes through ``redact`` once more before it is printed.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from tlsdoctor import __version__
from tlsdoctor.causes import describe
from tlsdoctor.facts import SKEW, fmt_time
from tlsdoctor.redact import redact_text as redact, redact_tree

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
        "warnings": "warnings",
        "details": "details: the facts and every probe (tlsdoctor check output)",
    },
    "zh": {
        "title": "tlsdoctor check",  # the command's name: what the reader types, in every language
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
        "warnings": "警告",
        "details": "详细信息：事实与每个探测（tlsdoctor check 的输出）",
    },
}



def render(report, fmt: str = "text", lang: str = "en") -> str:
    if fmt == "json":
        # Redact each value, then serialise: masking the serialised text could swallow a
        # quote or an escape and leave invalid JSON (seen with a target printing random bytes).
        return json.dumps(redact_tree(to_json(report)), indent=2, sort_keys=False, ensure_ascii=False, default=str)
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
        "incomplete": [incomplete_json(i) for i in list(report.incomplete) + ([report.error] if report.error else [])],
        "rule_errors": [{"rule": e.rule, "error": e.error} for e in report.rule_errors],
        "elapsed": round(report.elapsed, 3),
        "deadline": report.deadline,
    }
    if f is not None:
        from tlsdoctor.pipconfig import trust_records

        out["facts"] = facts_json(f)
        out["pip_config"] = pip_config_json(f)
        out["trust"] = [t.to_json() for t in trust_records(f)]
        out["hosts"] = [host_json(h) for h in f.hosts]
        out["warnings"] = warnings(f)
        out["variants_legend"] = variants_legend()
    return out


def incomplete_json(item) -> Dict[str, Any]:
    """check.Incomplete (kind, detail, candidates), or a plain string from an older pipeline."""
    kind = getattr(item, "kind", None)
    return {"kind": str(getattr(kind, "value", kind)) if kind is not None else "unspecified",
            "detail": str(getattr(item, "detail", item)),
            "candidates": list(getattr(item, "candidates", None) or ())}


def pip_config_json(f) -> Dict[str, Any]:
    """Every key the text shows, where its value comes from (index-url too, when it is pip's default)."""
    from tlsdoctor.pipconfig import provenance

    prov = provenance(f)
    out: Dict[str, Any] = {}
    if "index-url" not in prov:
        out["index-url"] = {"value": f.pip_options.get("index_url"), "source": "pip's default", "overridden": []}
    for k, p in prov.items():
        out[k] = {"value": p.value, "source": p.source, "overridden": list(p.overridden)}
    return out


def _unsafe_config(f) -> List[str]:
    """pip config files that are a FIFO / device / over the cap: pip blocks or fails reading them."""
    return ["%s is %s: pip reads its config files whole, so it blocks or fails there (not read)"
            % (u.get("path"), u.get("reason")) for u in (f.pip_config.get("unsafe") or []) if isinstance(u, dict)]


def variants_legend() -> Dict[str, Any]:
    """What each name in a host's ``variants`` / ``stores`` and each mark means."""
    from tlsdoctor.facts import ATTEMPT_WHAT, VARIANT_NAMES

    return {
        "marks": {"ok": "%s: succeeded" % OK, "error": "%s: ran and failed (a finding)" % BAD,
                  "other": "…: did not finish, could not run, or a bug of tlsdoctor's (no finding)"},
        "variants": {label: ATTEMPT_WHAT[name] for name, label in VARIANT_NAMES.items()},
        "stores": ATTEMPT_WHAT["verify"] + " (effective: the one pip's session uses)",
    }


def facts_json(f) -> Dict[str, Any]:
    neg = next((h.attempts.tls.version for h in f.hosts if h.attempts.tls.version), None)
    return {
        "python": {"version": f.python_version, "executable": f.executable, "implementation": f.implementation,
                   "platform": f.platform, "environment": _python_env_json(f.python_env)},
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
            "config_unsafe": list(f.pip_config.get("unsafe") or []),
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


def _python_env_json(env) -> Dict[str, Any]:
    import dataclasses

    d = dataclasses.asdict(env)
    d["_ssl"] = d.pop("ssl_c")
    return d


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
        "stores": {n: a.status for n, a in sorted(h.attempts.verify.items())},
        "variants": {n: a.status for n, a in sorted(h.variants().items())},
        "pip_request": att(h.pip),
        "probes": {k: att(v) for k, v in sorted(h.wire.items()) if k != "pip_request"},
    }


# ----------------------------------------------------------------------------- text

def headline(report, lang: str) -> str:
    t = L10N[lang]
    say, _ = _rule_text(lang)
    if report.status == "ok":
        return t["ok"]
    if report.status == "incomplete" and report.incomplete and report.facts is not None \
            and report.facts.pip_options_error:
        return "%s: %s" % (t["incomplete"], say(_detail(report.incomplete[0])))
    if report.status == "problem":
        d = report.diagnoses[0]
        if lang == "zh":
            return "%s: %s — %s" % (t["problem"], d.cause, describe(d.cause, "zh"))
        return "%s: %s — %s" % (t["problem"], d.cause, d.verdict)
    why = say(_detail(report.error)) if report.error else "; ".join(say(_detail(i)) for i in report.incomplete)
    return "%s: %s" % (t["incomplete"], why or "?")


def _detail(item):
    """check.Incomplete's detail (a message with an id where check made one), or the item itself."""
    return getattr(item, "detail", item)


def text(report, lang: str = "en") -> str:
    t = L10N[lang]
    f = report.facts
    who = "Python %s, pip %s" % (f.python_version, f.pip_version or "-") if f else ""
    lines = ["%s %s — %s %s (%s)" % (t["title"], __version__, t["target"], report.python or "?",
                                     who or _rule_text(lang)[0](report.how)), ""]
    mark = {"ok": OK, "problem": BAD, "incomplete": WARN}.get(report.status, WARN)
    lines.append("%s %s" % (mark, headline(report, lang)))
    lines += _diagnosis_lines(report.diagnoses, t, lang)
    say, _ = _rule_text(lang)
    lines += ["%s %s" % (WARN, say(_detail(i))) for i in report.incomplete]
    lines += ["%s rule %s crashed: %s" % (WARN, e.rule, e.error) for e in report.rule_errors]
    if f is None:
        if lang == "zh":
            from tlsdoctor.render import zh

            lines = zh.lines(lines)
        return "\n".join(lines)
    lines += [""] + facts_checklist(f, t) + ["", t["index"] + ":"] + _index_lines(f)
    lines += ["", t["config"] + ":"] + _config_lines(f)
    from tlsdoctor.pipconfig import trust_explanation

    lines += ["", t["trust"] + ":"] + (["  " + x for x in trust_explanation(f)] or ["  -"])
    lines.append("")
    lines.append("(%.1f s of a %.0f s deadline)" % (report.elapsed, report.deadline))
    if lang == "zh":
        from tlsdoctor.render import zh

        lines = zh.lines(lines)
    return "\n".join(lines)


def _diagnosis_lines(diagnoses, t, lang: str) -> List[str]:
    """The first diagnosis in full (evidence, fix, dead ends, KB entry); the others as one line each."""
    if not diagnoses:
        return []
    d = diagnoses[0]
    say, step = _rule_text(lang)
    lines = ["  （%s）" % say(d.verdict)] if lang == "zh" else []
    if len(d.all_hosts) > 1:
        lines.append("  %s" % ", ".join(_host_name(u) for u in d.all_hosts))
    lines.append("  %s:" % t["evidence"])
    lines += ["    - %s" % say(e) for e in d.evidence]
    lines.append("  %s:" % t["fix"])
    lines += ["    $ %s" % step(x) if x.command() else "    - %s" % step(x) for x in d.fix]
    if d.dead_ends:
        lines.append("  %s: %s" % (t["dead_ends"], _SEP[lang].join(say(x) for x in d.dead_ends)))
    if d.link:
        lines.append("  %s: tlsdoctor kb show %s" % (t["more"], d.link))
    if len(diagnoses) > 1:
        lines += ["", "%s:" % t["also"]]
    for d in diagnoses[1:]:
        lines.append("  %s %s — %s" % (WARN, d.cause, d.verdict if lang == "en" else (describe(d.cause, "zh") or d.verdict)))
    return lines


_SEP = {"en": "; ", "zh": "；"}  # between the things that will not help


def _rule_text(lang: str):
    """How to print a rule's sentence and a fix step: as built (English), or by message id in Chinese."""
    if lang != "zh":
        return str, lambda step: step.text()
    from tlsdoctor.render import zh

    return zh.tr, zh.step_text


def _host_name(url: str) -> str:
    """"pypi.org" for https://pypi.org/simple/ (the port only when it is not the scheme's)."""
    from urllib.parse import urlsplit

    p = urlsplit(url)
    default = {"https": 443, "http": 80}.get(p.scheme)
    try:
        port = p.port
    except ValueError:
        port = None
    return (p.hostname or url) + (":%d" % port if port and port != default else "")


def _index_lines(f) -> List[str]:
    lines = [] if f.hosts else [no_index_check(f).line()]
    for h in f.hosts:
        lines += host_lines(h)
    local = [u for u in [f.pip_options.get("index_url")] + list(f.pip_options.get("extra_index_urls") or [])
             if u and not u.startswith(("http://", "https://"))]
    for u in local:
        lines.append("  %s %s — a local index: no network, no TLS (not probed)" % (OK, u))
    return lines


def _config_lines(f) -> List[str]:
    from tlsdoctor.pipconfig import provenance

    prov = provenance(f)
    lines = [Check(BAD, "pip_config_unsafe", u).line() for u in _unsafe_config(f)]
    if "index-url" not in prov:
        lines.append("  index-url = %s   ← pip's default" % (f.pip_options.get("index_url") or "-"))
    for k, p in prov.items():
        extra = " (overrides %s)" % ", ".join(p.overridden) if p.overridden else ""
        lines.append("  %s = %s   ← %s%s" % (k, p.value, p.source, extra))
    return lines


@dataclass(frozen=True)
class Check:
    """One checklist line: its mark, a stable code (for --json's ``warnings``), the text, the host it is about."""

    mark: str
    code: str
    text: str
    host: Optional[str] = None
    indent: int = 2

    def line(self) -> str:
        return "%s%s %s" % (" " * self.indent, self.mark, self.text)


def facts_checklist(f, t) -> List[str]:
    return [t["facts"] + ":"] + [c.line() for c in facts_checks(f)]


def facts_checks(f) -> List[Check]:
    out = [Check(OK, "python", "Python %s (%s) at %s" % (f.python_version, f.implementation, f.executable))]
    out += _ssl_checks(f) + _pip_checks(f) + _env_checks(f) + _lab_switch_checks()
    if f.target_time:
        skew = f.clock_skew
        if skew is None:
            out.append(Check(OK, "clock", "clock: %s (no server time to compare)" % fmt_time(f.target_time)))
        else:
            out.append(Check(OK if abs(skew) < SKEW else BAD, "clock", "clock: %s (%+.0f s from the index's HTTP Date)"
                             % (fmt_time(f.target_time), skew)))
    return out


def _lab_switch_checks() -> List[Check]:
    """The lab's test switch (tlsdoctor.public_roots.lab_switch), whenever it is set: never silent."""
    from tlsdoctor import public_roots

    lab = public_roots.lab_switch()
    return [Check(WARN, "lab_public_roots", lab.describe())] if lab is not None else []


def _ssl_checks(f) -> List[Check]:
    out = []
    if f.has_ssl:
        top = f.highest_tls or "?"
        cap = ""
        if f.default_maximum_version not in (None, "maximum"):
            cap = ", capped at %s by configuration" % f.default_maximum_version
        out.append(Check(OK if top in ("TLSv1.2", "TLSv1.3") else BAD, "ssl",
                         "ssl: %s; speaks %s; highest TLS version %s%s; default minimum %s" % (
                             f.openssl_version, ", ".join(f.supported_versions), top, cap,
                             f.default_minimum_version or "-")))
    else:
        out.append(Check(BAD, "ssl", "ssl: cannot be imported: %s" % f.ssl_import_error))
    if f.checker_ssl_error:
        out.append(Check(WARN, "checker_ssl", "tlsdoctor's own interpreter cannot import ssl either: %s"
                         % f.checker_ssl_error))
    return out


def _pip_checks(f) -> List[Check]:
    out = []
    if f.pip_version:
        v = f.pip_vendored
        out.append(Check(OK, "pip", "pip %s (urllib3 %s, requests %s, certifi %s) at %s" % (
            f.pip_version, v.get("urllib3") or "-", v.get("requests") or "-", v.get("certifi") or "-",
            f.pip_location)))
        out.append(Check(OK, "os_trust_store", "OS trust store: %s" % (
            "used (truststore, pip >= 24.2 on Python >= 3.10)" if _uses_truststore(f) else
            "not used (pip < 24.2, Python < 3.10 or legacy-certs): certifi only")))
    else:
        out.append(Check(BAD, "pip", "pip: %s" % (f.pip_import_error or "not found")))
    if f.certifi:
        cv = f.pip_vendored.get("certifi")
        age = _certifi_age(cv, f.target_time or f.checker_time)
        stale = not f.certifi.problem and age is not None and age > CERTIFI_STALE_DAYS
        out.append(Check(BAD if f.certifi.problem else WARN if stale else OK, "certifi_stale" if stale else "certifi",
                         "certifi bundle %s (%s certificates, version %s%s)%s"
                         % (f.certifi.path, f.certifi.pem_certificates, cv or "?",
                            ", %d days old" % age if age is not None else "",
                            ": over %d years old — it lacks newer roots and still has removed ones; pip vendors "
                            "certifi, so upgrade pip (python -m pip install --upgrade pip)"
                            % (CERTIFI_STALE_DAYS // 365) if stale else "")))
    return out


# certifi ships a new root list every few months (Mozilla's); one over two years old (by the target's
# clock) has missed root additions and removals. pip vendors it (pip/_vendor/certifi), so pip's age is it.
CERTIFI_STALE_DAYS = 2 * 365


def _certifi_age(version, now) -> Optional[int]:
    """certifi versions are release dates (YYYY.MM.DD)."""
    try:
        y, m, d = (int(x) for x in (version or "").split(".")[:3])
        if not now:
            return None
        return (datetime.datetime.fromtimestamp(now, datetime.timezone.utc).date() - datetime.date(y, m, d)).days
    except (ValueError, TypeError):
        return None


def _env_checks(f) -> List[Check]:
    return _ca_env_checks(f) + _proxy_loader_checks(f)


def _ca_env_checks(f) -> List[Check]:
    out = []
    cert = f.pip_options.get("cert")
    for name, (value, b) in sorted(f.ca_env.items()):
        prob = b.problem if b else None
        note = ""
        if name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") and cert and cert != value:
            note = " (beats pip's cert=%s while trust_env is on)" % cert
        out.append(Check(BAD if prob else WARN if note else OK, "ca_env",
                         "%s=%s%s%s" % (name, value, (": " + prob) if prob else "", note)))
    if f.other_ca_env:
        out.append(Check(OK, "other_ca_env", "other CA variables (pip does not read them): %s" % (
            ", ".join("%s=%s" % kv for kv in sorted(f.other_ca_env.items())))))
    dvp = f.default_verify_paths or {}
    if dvp and _default_store_empty(dvp):
        out.append(Check(WARN, "no_default_ca_store", "OpenSSL default verify paths: cafile %s, capath %s — neither "
                         "exists: urllib and ssl.create_default_context() see no roots%s" % (
                             dvp.get("openssl_cafile"), dvp.get("openssl_capath"), _truststore_sees(f))))
    elif dvp:
        out.append(Check(OK, "default_verify_paths", "OpenSSL default verify paths: cafile %s, capath %s" % (
            dvp.get("cafile") or dvp.get("openssl_cafile"), dvp.get("capath") or dvp.get("openssl_capath"))))
    return out


def _default_store_empty(dvp) -> bool:
    """Measured: OpenSSL's default cafile and capath both resolve to nothing (ssl.get_default_verify_paths)."""
    return "cafile" in dvp and "capath" in dvp and not dvp["cafile"] and not dvp["capath"]


def _truststore_sees(f) -> str:
    """What pip's own trust makes of an empty default store (the probe's truststore facts): rule
    no-default-ca-store names it as pip's cause only when truststore loads nothing *and* an OS bundle
    it does not read has the root; otherwise this is the warning."""
    ts = f.truststore
    tail = ""
    if ts is not None and _uses_truststore(f):
        if ts.backend == "_openssl" and ts.loads == "fallback":
            tail = "; pip's truststore falls back to %s" % ts.fallback_file
        elif ts.sees_no_roots:
            tail = "; pip's truststore finds no CA file either (pip trusts certifi alone)"
        elif ts.backend in ("_macos", "_windows"):
            tail = "; pip's truststore asks the OS instead"
    if f.platform == "darwin":
        tail += ' (python.org Python: run "Install Certificates.command")'
    return tail


def _python_env_checks(f) -> List[Check]:
    """What acts on pip's imports: the variables, the user site, sitecustomize, and where ssl comes from.

    The probe runs in pip's own environment (not -I), so these were in effect for its measurements too."""
    env = f.python_env
    out = []
    off = env.isolated or env.ignore_environment
    for name, value in sorted(env.variables.items()):
        out.append(Check(OK if off else WARN, "python_env", "%s=%s%s" % (
            name, value, " (no effect: the interpreter ran with -I/-E)" if off else
            " is set: it changes what pip imports")))
    if not env.variables:
        for name in ("PYTHONPATH", "PYTHONHOME"):  # probes before facts.python.environment
            if f.loader_env.get(name):
                out.append(Check(WARN, "loader_env", "%s=%s is set" % (name, f.loader_env[name])))
    for module in ("ssl", "_ssl"):
        o = env.origin(module)
        if o is None or not o.path:
            continue
        if module in env.shadowed or o.in_stdlib is False:
            var = env.put_there_by(o.path)
            out.append(Check(BAD, "ssl_shadowed", "%s is imported from %s, outside the stdlib%s%s" % (
                module, o.path, (" (put first by %s)" % var) if var else "",
                (": " + o.error) if o.error else "")))
    for name in ("sitecustomize", "usercustomize"):
        sc = getattr(env, name)
        if sc.get("loaded"):
            out.append(Check(WARN, "python_env", "%s loaded from %s: it runs before pip" % (name, sc.get("path"))))
    us = env.user_site
    if us.get("enabled") and us.get("in_sys_path"):
        out.append(Check(OK, "user_site", "user site %s is on sys.path" % us.get("path")))
    return out


def _proxy_loader_checks(f) -> List[Check]:
    out = [Check(OK, "proxy_env", "%s=%s" % (name, value)) for name, value in sorted(f.proxy_env.items())]
    out += _python_env_checks(f)
    if f.loader_env.get("LD_LIBRARY_PATH"):
        out.append(Check(WARN, "loader_env", "LD_LIBRARY_PATH=%s" % f.loader_env["LD_LIBRARY_PATH"]))
    if f.openssl_conf and f.openssl_conf.get("unsafe"):
        # OpenSSL reads it whole at pip's `import ssl`: the probe never did (measured without it).
        out.append(Check(BAD, "openssl_conf", "OPENSSL_CONF=%s is %s: OpenSSL reads it when pip imports ssl "
                         "(pip blocks or fails there); measured without it" % (
                             f.openssl_conf.get("path"), f.openssl_conf.get("unsafe"))))
    elif f.openssl_conf:
        r = f.openssl_conf.get("restrictions") or {}
        out.append(Check(WARN if r else OK, "openssl_conf", "OPENSSL_CONF=%s%s" % (
            f.openssl_conf.get("path"),
            (" restricts: " + ", ".join("%s = %s" % kv for kv in sorted(r.items()))) if r else "")))
    return out


def host_checks(h) -> List[Check]:
    """The marked lines about one index host: pip's outcome, then any warning about how it got there."""
    pip = h.pip
    via = " via proxy %s" % h.proxy if h.proxy else ""
    if pip.ok:
        out = [Check(OK, "pip_request", "%s%s — pip's request: HTTP %s" % (h.url, via, pip.http_status), h.url)]
    elif pip.failed:
        out = [Check(BAD, "pip_request", "%s%s — pip's request failed: %s" % (h.url, via, (pip.error or "")[:300]),
                     h.url)]
    elif pip.status == "bug":
        out = [Check(WARN, "pip_request", "%s%s — tlsdoctor could not run pip's request (a bug in its probe: %s)"
                     % (h.url, via, (pip.error or "?")[:300]), h.url)]
    else:
        out = [Check(WARN, "pip_request", "%s%s — pip's request: %s" % (h.url, via, pip.status), h.url)]
    bugs = [a.name for a in h.bugs() if a is not pip]
    if bugs:
        out.append(Check(WARN, "probe_bug", "tlsdoctor could not run these measurements (a bug in its probe, not a "
                         "finding about the network): %s" % ", ".join(bugs), h.url, indent=6))
    if h.resigned_by_local_ca:
        # Works, but only thanks to a local CA: worth knowing before it breaks.
        out.append(Check(WARN, "resigned_on_this_network",
                         "%s's certificate is issued by %s, a CA outside the public root list that certifi does "
                         "not trust: TLS to it is re-signed on this network or served by a private CA (pip works "
                         "because the bundle it uses trusts that CA; another bundle breaks it)" % (
                             h.host, h.attempts.tls.chain[-1].issuer), h.url, indent=6))
    return out


def host_lines(h) -> List[str]:
    checks = host_checks(h)
    out = [checks[0].line()]
    tls = h.attempts.tls
    if tls.ok:
        out.append("      TLS: %s, %s (handshake %s ms)" % (tls.version, tls.cipher, _ms(tls)))
        for c in tls.chain:
            out.append("      cert: %s | issuer %s | %s .. %s%s" % (
                c.subject, c.issuer, c.not_before, c.not_after,
                (" | SAN " + ", ".join(c.sans[:4])) if c.sans else ""))
    elif tls.failed:
        out.append("      TLS handshake (%s): %s" % (tls.stage, tls.error))
    st = h.attempts.verify
    if st:
        out.append("      verifies against: " + ", ".join("%s %s" % (n, _mark(a)) for n, a in sorted(st.items())))
    var = h.variants()
    if var:
        out.append("      variants: " + ", ".join("%s %s" % (n, _mark(a)) for n, a in sorted(var.items())))
    out += [c.line() for c in checks[1:]]
    p = h.attempts.proxy
    if p.ran:
        out.append("      proxy: TCP %s, CONNECT %s" % (OK if p.stage != "tcp" else BAD, p.connect_status or p.error))
    return out


def _mark(a) -> str:
    return OK if a.ok else BAD if a.failed else "…"


def no_index_check(f) -> Optional[Check]:
    if f.hosts:
        return None
    return Check(WARN, "no_index", "no http(s) index configured (%s)" % (f.pip_options.get("index_url") or "no-index"))


def warnings(f) -> List[Dict[str, Any]]:
    """Every line the text marks ! or ✗, as records (the text and --json cannot drift apart)."""
    checks = facts_checks(f) + [c for h in f.hosts for c in host_checks(h)]
    checks += [Check(BAD, "pip_config_unsafe", u) for u in _unsafe_config(f)]
    extra = no_index_check(f)
    if extra:
        checks.append(extra)
    return [{"code": c.code, "severity": "problem" if c.mark == BAD else "warning", "message": c.text,
             "host": c.host} for c in checks if c.mark != OK]


def _ms(a):
    return "?" if a.elapsed is None else "%.0f" % (a.elapsed * 1000)


# ----------------------------------------------------------------------------- markdown

def _markdown_diagnosis(d, t, lang: str) -> List[str]:
    """The leading diagnosis in full: its cause, evidence, the fix as a pasteable script, dead ends, kb link."""
    say, _ = _rule_text(lang)
    lines = ["#### `%s`" % d.cause, ""]
    if lang == "zh":
        lines += ["（%s）" % say(d.verdict), ""]
    lines.append("%s:" % t["evidence"])
    lines += ["- %s" % say(e) for e in d.evidence]
    lines.append("")
    lines.append("%s:" % t["fix"])
    lines.append("```sh")
    # A command line, then why; a step that is not a command stays a comment (pasteable as a script).
    lines += [("%s  # %s" % (x.command(), say(x.explanation)) if x.explanation else x.command()) if x.command()
              else "# %s" % say(x.explanation) for x in d.fix]
    lines.append("```")
    lines.append("")
    if d.dead_ends:
        lines += ["%s: %s" % (t["dead_ends"], _SEP[lang].join(say(x) for x in d.dead_ends)), ""]
    if d.link:
        lines += ["%s: `tlsdoctor kb show %s`" % (t["more"], d.link), ""]
    return lines


def _markdown_also(rest, t, lang: str) -> List[str]:
    """The other diagnoses, one line each (in Chinese, the cause table's description)."""
    if not rest:
        return []
    return (["%s:" % t["also"]]
            + ["- `%s` — %s" % (d.cause, d.verdict if lang == "en" else (describe(d.cause, "zh") or d.verdict))
               for d in rest]
            + [""])


def _markdown_notes(report, t, lang: str) -> List[str]:
    """What could not be decided, rule crashes and the checklist's warnings, as one bulleted list."""
    say, _ = _rule_text(lang)
    notes = [say(_detail(i)) for i in report.incomplete] + ["rule %s crashed: %s" % (e.rule, e.error)
                                                   for e in report.rule_errors]
    if report.facts is not None:
        notes += ["%s %s" % (BAD if w["severity"] == "problem" else WARN, w["message"])
                  for w in warnings(report.facts)]
    if notes and lang == "zh":
        from tlsdoctor.render import zh

        notes = zh.lines(notes)
    if not notes:
        return []
    return ["%s:" % t["warnings"]] + ["- %s" % n for n in notes] + [""]


def markdown(report, lang: str = "en") -> str:
    """What a reader of an issue needs in view (verdict, every diagnosis, the warnings); the raw
    measurements (the checklist, the per-host probe lines, pip's config) folded in <details>."""
    t = L10N[lang]
    lines = ["### %s: %s" % (t["title"], report.status), "", "**%s**" % headline(report, lang), ""]
    for d in report.diagnoses[:1]:
        lines += _markdown_diagnosis(d, t, lang)
    lines += _markdown_also(report.diagnoses[1:], t, lang)
    lines += _markdown_notes(report, t, lang)
    lines.append("<details><summary>%s</summary>" % t["details"])
    lines.append("")
    lines.append("```")
    lines.append(text(report, lang))
    lines.append("```")
    lines.append("</details>")
    return "\n".join(lines)
