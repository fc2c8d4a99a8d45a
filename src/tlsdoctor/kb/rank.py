"""Rank a finished scan into explain's report: matches, candidate causes, advice.

Lives beside the matcher (``kb/match.py``) so that the knowledge base, its
matcher and its ranking form one layer that imports nothing from the command
front ends (``explain``, ``kb_cli``) or the lab; ``rules.kb_link`` (the KB entry
check links a diagnosis to) is here too, for the same reason.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from tlsdoctor import __version__
from tlsdoctor.kb.graph import next_after

NEXT_STEP = ("Run `tlsdoctor check` on the machine that failed: it inspects the interpreter, its "
             "OpenSSL, pip's configuration, CA and proxy variables and probes the index, to confirm "
             "which of these causes it is.")
NEXT_STEP_ZH = ("在出错的机器上运行 `tlsdoctor check`：它会检查 pip 所用的解释器、OpenSSL、pip 配置、"
                "CA 与代理环境变量并探测索引，以确认究竟是哪一个原因。")
_WEIGHT = {3: 3.0, 2: 2.0, 1: 1.0}
# KB domains whose advice is pip's own (pip's options, pip's vendored certifi).
PIP_DOMAINS = ("pip", "urllib3", "pypi")
TOOL_NAMES = {"pip": "pip", "uv": "uv", "poetry": "Poetry", "conda": "conda", "requests": "a script using requests",
              "httpx": "a script using httpx",
              "curl": "curl", "npm": "npm/Node.js", "git": "git",
              "python": "Python's standard library (urllib / ssl)"}
OS_NAMES = {"macos": "macOS", "windows": "Windows", "linux": "Linux"}
# Tools without a KB entry of their own that would match their text: their
# settings in one line (reference: trust-and-tools.md §3; [inferred] there,
# so "documented", not reproduced).
TOOL_SETTINGS = {
    "poetry": ("Poetry uses requests with certifi, not pip's settings: poetry config certificates.<source>.cert "
               "/path/bundle.pem (or POETRY_CERTIFICATES_<NAME>_CERT); REQUESTS_CA_BUNDLE applies when no source "
               "cert is set (documented, not reproduced). pip's --cert / pip.conf do nothing for Poetry.",
               "Poetry 使用 requests 与 certifi，而不是 pip 的设置：poetry config certificates.<源名>.cert "
               "/路径/证书包.pem（或 POETRY_CERTIFICATES_<NAME>_CERT）；未设置源证书时 REQUESTS_CA_BUNDLE 生效"
               "（文档所述，未复现）。pip 的 --cert / pip.conf 对 Poetry 无效。"),
    "uv": ("uv ignores pip.conf, PIP_* and REQUESTS_CA_BUNDLE: use --system-certs (UV_SYSTEM_CERTS=1; --native-tls "
           "before 0.11) or SSL_CERT_FILE=/path/bundle.pem, which replaces uv's bundled roots (documented).",
           "uv 忽略 pip.conf、PIP_* 和 REQUESTS_CA_BUNDLE：使用 --system-certs（UV_SYSTEM_CERTS=1；0.11 之前为 "
           "--native-tls）或 SSL_CERT_FILE=/路径/证书包.pem（会替换 uv 自带的根证书）（文档所述）。"),
    "curl": ("curl reads neither pip's settings nor certifi: --cacert /path/bundle.pem or CURL_CA_BUNDLE "
             "(the file replaces curl's default CA file); Schannel builds on Windows use the Windows store.",
             "curl 既不读 pip 的设置也不读 certifi：使用 --cacert /路径/证书包.pem 或 CURL_CA_BUNDLE"
             "（该文件替换 curl 的默认 CA 文件）；Windows 上的 Schannel 版本使用 Windows 证书库。"),
    "git": ("git (libcurl) has its own CA settings: git config --global http.sslCAInfo /path/bundle.pem "
            "(or GIT_SSL_CAINFO); on Windows http.sslBackend schannel uses the Windows store.",
            "git（libcurl）有自己的 CA 设置：git config --global http.sslCAInfo /路径/证书包.pem（或 GIT_SSL_CAINFO）；"
            "Windows 上 http.sslBackend schannel 使用 Windows 证书库。"),
    "npm": ("Node.js uses its own compiled-in roots: NODE_EXTRA_CA_CERTS=/path/root.pem adds a root; "
            "npm config set cafile /path/bundle.pem replaces them for the registry.",
            "Node.js 使用自己编译进去的根证书：NODE_EXTRA_CA_CERTS=/路径/根证书.pem 追加根证书；"
            "npm config set cafile /路径/证书包.pem 替换访问仓库时的根证书。"),
    "requests": ("requests (not pip's copy) verifies with the installed certifi: REQUESTS_CA_BUNDLE=/path/bundle.pem "
                 "or verify='/path/bundle.pem'; upgrading certifi does help it with a public root an old certifi lacks.",
                 "requests（不是 pip 自带的副本）使用已安装的 certifi 校验：REQUESTS_CA_BUNDLE=/路径/证书包.pem 或 "
                 "verify='/路径/证书包.pem'；对旧 certifi 缺少的公共根证书，升级 certifi 确实有用。"),
    "httpx": ("httpx reads SSL_CERT_FILE / SSL_CERT_DIR (then certifi), not REQUESTS_CA_BUNDLE and not pip's settings "
              "(lab: httpx 0.28.1); a SSL_CERT_FILE naming a missing file makes it crash with FileNotFoundError.",
              "httpx 读取 SSL_CERT_FILE / SSL_CERT_DIR（其次是 certifi），不读取 REQUESTS_CA_BUNDLE 或 pip 的设置（实验室：httpx "
              "0.28.1）；SSL_CERT_FILE 指向不存在的文件时它会直接以 FileNotFoundError 崩溃。"),
    "conda": ("conda's own setting is ssl_verify (a bundle path, or truststore with conda >= 23.9); "
              "pip's --cert does nothing for conda (documented).",
              "conda 自己的设置是 ssl_verify（证书包路径，或 conda >= 23.9 的 truststore）；pip 的 --cert 对 conda 无效（文档所述）。"),
}


def rank(scan) -> dict:
    """Turn a finished scan into the report (JSON-ready)."""
    clues = scan.clues
    client = clues.client()
    matches, wrappers = _matches(scan)
    own_matched = any(m["own_tool"] and m["domain"] == client for m in matches)
    if client is not None and own_matched:
        _omit_pip_advice(matches)
    # The entry of the program that printed the error comes first; then most
    # specific first: higher specificity, then fewer candidate causes (a
    # TLSV13 certificate-required alert explains more than the read-path EOFs
    # that race with it), then order of appearance. pip's own wrappers
    # ("problem confirming the ssl certificate") come after whatever they wrap.
    matches.sort(key=lambda m: (not m["own_tool"], -m["specificity"], m["category"] == "pip_wrapper",
                                len(m["causes"]), m["source"], m["first_line"]))
    settings = TOOL_SETTINGS.get(client, (None, None)) if client and not own_matched else (None, None)
    return {
        "tlsdoctor": __version__,
        "matched": bool(matches),
        "matches": matches,
        # Wrapper entries that matched too but were set aside for the specific
        # ones above (kb verify counts them as evidence for those wrappers).
        "also_matched": sorted(wrappers),
        "candidate_causes": _candidate_causes(matches),
        "clues": clues.as_dict(),
        # The program that printed the errors (None: pip, unknown or several),
        # and a one-line summary of its own settings where no entry of its own matched.
        "client": client,
        "client_name": TOOL_NAMES.get(client) if client else None,
        "client_settings": settings[0],
        "client_settings_zh": settings[1],
        "os": clues.known_os(),
        "lines_read": scan.lines_before + scan.lines,
        "bytes_read": scan.bytes,
        # Candidate lines skipped once explain's work budget was spent (only
        # crafted or pathological input gets here; see kb/match.py).
        "lines_not_analysed": scan.not_analysed,
        "next_step": NEXT_STEP if matches else None,
        "next_step_zh": NEXT_STEP_ZH if matches else None,
    }


def _matches(scan) -> Tuple[List[dict], List[str]]:
    """(matches, wrapper ids set aside) for the scan's hits."""
    eng, clues = scan.engine, scan.clues
    top = max((eng.entries[i]["specificity"] for i in scan.hits), default=0)
    tools = set(clues.clients)
    known_os = clues.known_os()
    matches: List[dict] = []
    wrappers: List[str] = []
    by_id = {e["id"]: e for e in eng.entries}
    for idx, hit in scan.hits.items():
        entry = eng.entries[idx]
        own = entry["domain"] in tools and entry["domain"] not in PIP_DOMAINS
        # A wrapper (specificity 1, e.g. "There was a problem confirming the
        # ssl certificate", which pip prints for *every* requests.SSLError) is
        # only reported when nothing more specific explained the failure —
        # unless it is the entry of the tool that printed the error (conda's,
        # requests'): that one carries the tool's own fixes.
        if entry["specificity"] == 1 and top > 1 and not own:
            wrappers.append(entry["id"])
            continue
        ranked, notes = _ranked_causes(entry, hit, clues)
        workarounds = [dict(w, action_zh=zh) for w, zh in zip(entry["workarounds"], entry["workarounds_zh"])]
        matches.append({
            "id": entry["id"],
            "causes": ranked,
            "signature": entry["signature"],
            "signature_zh": entry["signature_zh"],
            "category": entry["category"],
            "domain": entry["domain"],
            "own_tool": own,
            "specificity": entry["specificity"],
            "verification_tier": entry["verification_tier"],
            "root_cause": entry["root_cause"],
            "root_cause_zh": entry["root_cause_zh"],
            "count": hit.count,
            "source": hit.source,
            "first_line": hit.first_line,
            "excerpt": hit.excerpt,
            "notes": notes,
            "dead_ends": _for_os(entry["dead_ends"], known_os),
            "workarounds": _for_os(workarounds, known_os),
            "checks": entry.get("checks", []),
            "checks_zh": entry.get("checks_zh", []),
            "official_doc_url": entry.get("official_doc_url"),
            # What people meet after this entry's usual fix (kb verify --live
            # measures it in the lab: tlsdoctor.kb.graph).
            "next": next_after(entry, by_id) if entry.get("transition_graph", {}).get("leads_to") else [],
        })
    return matches, wrappers


def _ranked_causes(entry: dict, hit, clues) -> Tuple[List[str], List[dict]]:
    """The entry's causes reordered by the hints that fired, and their notes."""
    causes = list(entry["causes"])
    notes = []
    promoted: List[str] = []
    demoted: List[str] = []
    for k, hint in enumerate(entry.get("cause_hints", [])):
        fired = (k in hit.fired) if "line" in hint else False
        if "clue" in hint:
            fired = clues.test(hint["clue"]) and (fired or "line" not in hint)
        if fired:
            promoted += [c for c in hint.get("promote", []) if c not in promoted]
            demoted += hint.get("demote", [])
            notes.append({"en": hint["note"], "zh": hint.get("note_zh", hint["note"])})
    head = [c for c in promoted if c in causes and c not in demoted]
    extra = [c for c in promoted if c not in causes and c not in demoted]
    tail = [c for c in causes if c not in head and c not in demoted]
    return head + extra + tail + [c for c in causes if c in demoted], notes


def _omit_pip_advice(matches: List[dict]) -> None:
    """The text came from another program whose own entry matched: pip's
    options and pip's vendored certifi are the wrong advice there (e.g.
    "upgrading certifi does not help" is false for requests)."""
    for m in matches:
        if m["domain"] in PIP_DOMAINS:
            m["advice_omitted"] = "pip"
            m["dead_ends"], m["workarounds"] = [], []


def _candidate_causes(matches: List[dict]) -> List[dict]:
    from tlsdoctor.causes import ALL_CAUSES as CAUSES  # pip's causes and the tools' (issue 12)

    scores: Dict[str, float] = {}
    origin: Dict[str, List[str]] = {}
    for m in matches:
        w = _WEIGHT[m["specificity"]]
        for r, c in enumerate(m["causes"]):
            # Most likely first: the first cause of a specific match dominates.
            scores[c] = scores.get(c, 0.0) + w / (1 + r)
            origin.setdefault(c, [])
            if m["id"] not in origin[c]:
                origin[c].append(m["id"])
    return [{"id": c, "score": round(scores[c], 3), "description": CAUSES.get(c, ""), "from": origin[c]}
            for c in sorted(scores, key=lambda c: (-scores[c], c))]


def _for_os(items: List[dict], known_os: Optional[str]) -> List[dict]:
    """OS-only advice where it applies: kept when the text shows that OS,
    marked ``os_note`` ("on macOS: …") when no OS is known, left out when the
    text shows another OS (issue 8 item 8: a macOS-only step for a Windows paste)."""
    out = []
    for item in items:
        tag = item.get("os")
        if tag is None or tag == known_os:
            out.append(item)
        elif known_os is None:
            out.append(dict(item, os_note=OS_NAMES.get(tag, tag)))
    return out


def kb_link(cause: str, error_text: str = "") -> Optional[str]:
    """The KB entry for this cause: the one matching pip's actual error, else the most specific.

    The KB has one entry per error message, each listing its possible causes
    most likely first.
    """
    try:
        from tlsdoctor import kb

        entries = kb.load_entries()
    except Exception:
        return None
    ranked = []
    for e in entries:
        causes = e.get("causes") or []
        ids = [c if isinstance(c, str) else (c.get("id") or c.get("cause")) for c in causes]
        if cause not in ids:
            continue
        matched = False
        if error_text and e.get("regex"):
            try:
                matched = re.search(e["regex"], error_text) is not None
            except re.error:
                matched = False
        ranked.append((not matched, ids.index(cause), not str(e.get("id", "")).startswith("pip/"), e.get("id")))
    ranked.sort()
    return ranked[0][3] if ranked else None
