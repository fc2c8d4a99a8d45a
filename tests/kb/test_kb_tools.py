"""The KB's entries for the other tools, reproduced from the lab's real recordings (issue 12 item 4).

Every recording read here is real output of a real tool run in a lab scenario
(``tlsdoctor/lab/tool_recordings``, made by ``python -m tlsdoctor.lab.tools
record``); nothing is typed in by hand. Each success is paired with its
negative control: the neighbour entry (another reason of the same tool, the
same tool's other version's wording) must not match the same output.
No tool runs here: the live runs are tests/lab/test_tools.py.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from tlsdoctor.explain import explain_text
from tlsdoctor.kb import get_entry, load_entries
from tlsdoctor.lab import tools

REC = tools.TOOL_RECORDINGS_DIR
UV_REASONS = ["uv/invalid-peer-certificate", "uv/invalid-peer-certificate-expired",
              "uv/invalid-peer-certificate-not-valid-yet", "uv/invalid-peer-certificate-not-valid-for-name"]
UV_CERT_FILE = ["uv/invalid-ssl-cert-file", "uv/ignoring-invalid-ssl-cert-file",
                "uv/no-valid-certificates-in-ssl-cert-file"]


def _output(rel: str) -> str:
    with open(os.path.join(REC, rel + ".json"), encoding="utf-8") as f:
        rec = json.load(f)
    assert rec["outcome"] == "fail", rel  # the table below only uses failures
    return rec["output"]


def _matched(report: dict) -> list:
    return [m["id"] for m in report["matches"]] + report["also_matched"]


# (recording, the entry explain must name first, neighbours that must not match it at all)
FIRST = [
    # uv's certificate reasons, old (rustls variant names) and new wording
    ("untrusted-ca/uv0.13.9", "uv/invalid-peer-certificate", UV_REASONS[1:]),
    ("untrusted-ca/uv0.4.30", "uv/invalid-peer-certificate", UV_REASONS[1:]),
    ("expired-cert/uv0.4.30", "uv/invalid-peer-certificate-expired", [UV_REASONS[0], UV_REASONS[2], UV_REASONS[3]]),
    ("expired-cert/uv0.10.12", "uv/invalid-peer-certificate-expired", [UV_REASONS[0], UV_REASONS[2], UV_REASONS[3]]),
    ("clock-behind/uv0.13.9", "uv/invalid-peer-certificate-not-valid-yet", [UV_REASONS[0], UV_REASONS[1], UV_REASONS[3]]),
    ("clock-behind/uv0.4.30", "uv/invalid-peer-certificate-not-valid-yet", [UV_REASONS[0], UV_REASONS[1], UV_REASONS[3]]),
    ("wrong-host/uv0.4.30", "uv/invalid-peer-certificate-not-valid-for-name", UV_REASONS[:3]),
    ("wrong-host/uv0.13.9", "uv/invalid-peer-certificate-not-valid-for-name", UV_REASONS[:3]),
    # uv's SSL_CERT_FILE warnings differ by version: 0.12+ trusts nothing, older ones ignore the file
    ("untrusted-ca/uv0.13.9.ssl-cert-file-missing", "uv/invalid-ssl-cert-file", UV_CERT_FILE[1:]),
    ("untrusted-ca/uv0.13.9.ssl-cert-file-garbage", "uv/no-valid-certificates-in-ssl-cert-file", UV_CERT_FILE[:2]),
    # 0.4.30 only warns and goes on: the untrusted CA is still the reason it fails
    ("untrusted-ca/uv0.4.30.ssl-cert-file-missing", "uv/invalid-peer-certificate",
     [UV_CERT_FILE[0], UV_CERT_FILE[2]]),
    ("no-default-ca-store/uv0.13.9", "uv/invalid-ssl-cert-file", UV_CERT_FILE[1:]),
    ("proxy-407/uv0.13.9", "uv/proxy-authorization-required", ["uv/proxy-tunnel-create-failed"]),
    ("proxy-407/uv0.4.30", "uv/proxy-authorization-required", ["uv/proxy-tunnel-create-failed"]),
    ("proxy-unreachable/uv0.13.9", "uv/proxy-tunnel-create-failed", ["uv/proxy-authorization-required"]),
    ("index-unreachable/uv0.13.9", "uv/connection-refused", ["uv/proxy-tunnel-create-failed"]),
    # a socks5:// proxy: uv speaks SOCKS itself, so it is the proxy's address (not requests' missing extra)
    ("healthy-direct/uv0.4.30.socks-proxy", "uv/socks-proxy-unreachable", ["pip/proxy-socks-missing-dependencies"]),
    # requests: its own entry first (the OpenSSL reason follows as the second match)
    ("untrusted-ca/requests2.34.2-py3.13", "requests/ssl-error", ["poetry/connection-pool-error"]),
    ("healthy-direct/requests2.34.2-py3.13.socks-proxy", "pip/proxy-socks-missing-dependencies",
     ["httpx/socks-missing-socksio"]),
    # httpx: what only httpx says
    ("untrusted-ca/httpx0.28.1-py3.13.ssl-cert-file-missing", "httpx/ssl-cert-file-unloadable",
     ["uv/invalid-ssl-cert-file", "pip/ca-bundle-invalid-path"]),
    ("no-default-ca-store/httpx0.28.1-py3.11", "httpx/ssl-cert-file-unloadable", ["uv/invalid-ssl-cert-file"]),
    ("proxy-403/httpx0.28.1-py3.13", "httpx/proxy-error", ["pip/proxy-tunnel-407"]),
    ("healthy-direct/httpx0.28.1-py3.13.socks-proxy", "httpx/socks-missing-socksio",
     ["pip/proxy-socks-missing-dependencies"]),
    ("no-ssl-module/httpx0.28.1-py3.13", "python/ssl-import-failed", ["httpx/connect-error"]),
    # a garbage CA bundle: the same OpenSSL words from requests / Poetry as from pip
    ("untrusted-ca/poetry1.8.5-py3.11.requests-ca-bundle-garbage", "pip/ssl-ca-bundle-not-pem",
     ["pip/ca-bundle-invalid-path"]),
    # a bundle holding the issuing CA without its root: OpenSSL's error 2, not 20 (Python 3.11; 3.13 accepts
    # it). httpx's own entry leads (test_intermediate_only_bundle_reason checks the reason behind it)
    ("missing-intermediate/httpx0.28.1-py3.11.bundle-intermediate-only", "httpx/connect-error",
     ["pip/ssl-cert-verify-unable-to-get-local-issuer"]),
    # a system-wide OpenSSL security level 3 against an RSA-2048 leaf (curl; CPython keeps its own level 2)
    ("healthy-direct/curl.openssl-seclevel-3", "curl/ssl-certificate-problem", ["pip/ssl-cert-verify-failed"]),
    # the proxy cannot reach the index: 502 from the proxy, not a 403 / 407 of its own
    ("healthy-proxy/urllib-py3.13.proxy-upstream-unreachable", "pip/proxy-tunnel-failed",
     ["pip/proxy-tunnel-403", "pip/proxy-tunnel-407"]),
    ("healthy-proxy/httpx0.28.1-py3.13.proxy-upstream-unreachable", "httpx/proxy-error", ["pip/proxy-tunnel-407"]),
    # the other programs this machine has
    ("untrusted-ca/curl", "curl/ssl-certificate-problem", ["git/unable-to-access-ssl"]),
    ("untrusted-ca/git", "git/unable-to-access-ssl", ["curl/ssl-certificate-problem"]),
    ("expired-cert/npm", "npm/cert-verification-failed", ["git/unable-to-access-ssl"]),
]


@pytest.mark.parametrize("rel, first, neighbours", FIRST, ids=[f[0] for f in FIRST])
def test_explain_names_the_tools_entry_first(rel, first, neighbours):
    report = explain_text(_output(rel))
    assert report["matches"][0]["id"] == first, [m["id"] for m in report["matches"]]
    # negative control: the neighbours' regexes do not fire on this real output
    assert not set(neighbours) & set(_matched(report))


def test_intermediate_only_bundle_reason():
    report = explain_text(_output("missing-intermediate/httpx0.28.1-py3.11.bundle-intermediate-only"))
    ids = [m["id"] for m in report["matches"]]
    assert ids[:2] == ["httpx/connect-error", "pip/ssl-cert-verify-unable-to-get-issuer"], ids
    assert report["candidate_causes"][0]["id"] == get_entry("pip/ssl-cert-verify-unable-to-get-issuer")["causes"][0]


def test_a_proxy_5xx_means_the_index_is_unreachable_behind_it():
    report = explain_text(_output("healthy-proxy/httpx0.28.1-py3.13.proxy-upstream-unreachable"))
    assert report["candidate_causes"][0]["id"] == "index-unreachable"
    # negative control: the proxy's own 403 keeps its policy cause first
    report = explain_text(_output("proxy-403/httpx0.28.1-py3.13"))
    assert report["candidate_causes"][0]["id"] == "proxy-forbidden"


def test_seclevel_3_reason_is_the_weak_key():
    report = explain_text(_output("healthy-direct/curl.openssl-seclevel-3"))
    assert "pip/ssl-weak-key-or-digest" in _matched(report)
    assert report["candidate_causes"][0]["id"] == "openssl-config-restricts"
    # negative control: the same policy did not stop CPython's clients (their recordings succeeded)
    with open(os.path.join(REC, "healthy-direct", "requests2.34.2-py3.11.openssl-seclevel-3.json")) as f:
        assert json.load(f)["outcome"] == "ok"


@pytest.mark.parametrize("eid", UV_REASONS + UV_CERT_FILE)
def test_uv_entries_do_not_match_each_others_examples(eid):
    # The entries' own examples (copied from the recordings) against every sibling's regex.
    entry = get_entry(eid)
    for other in UV_REASONS + UV_CERT_FILE:
        if other == eid:
            continue
        rx = re.compile(get_entry(other)["regex"])
        assert not any(rx.search(ex) for ex in entry["examples"]), (eid, other)


def test_uv_advice_is_uvs_own():
    # The corporate case: the OS store trusts the inspection root, uv does not use it.
    report = explain_text(_output("intercepting-proxy/uv0.13.9.os-store-trusts-proxy"))
    top = report["matches"][0]
    assert report["client"] == "uv" and top["id"] == "uv/invalid-peer-certificate"
    advice = " ".join(w["action"] for w in top["workarounds"])
    assert "--system-certs" in advice and "PIP_CERT" not in advice
    assert report["candidate_causes"][0]["id"] == "tls-interception"
    # negative control: the same root cause printed by pip keeps pip's entry and advice
    pip = explain_text("WARNING: Retrying (Retry(total=4)) after connection broken by 'SSLError(SSLCertVerificationError("
                       "1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in "
                       "certificate chain (_ssl.c:1006)'))': /simple/x/\n")
    assert pip["client"] is None and not pip["matches"][0]["id"].startswith("uv/")


def test_poetry_texts():
    # Poetry 1.8 prints the bare urllib3 message, which a requests script prints too: explain
    # cannot tell Poetry from it, so the OpenSSL reason leads and Poetry's wrapper is set aside.
    report = explain_text(_output("untrusted-ca/poetry1.8.5-py3.11"))
    assert report["client"] is None
    assert report["matches"][0]["id"] == "pip/ssl-cert-verify-unable-to-get-local-issuer"
    assert "poetry/connection-pool-error" in _matched(report)
    # Poetry 2 with -v: its own "All attempts to connect to" line names Poetry, so Poetry's entry
    # (with its certificates.<source>.cert advice) leads; the urllib3 reason follows without pip's advice.
    report = explain_text(_output("untrusted-ca/poetry2.5.1-py3.13.verbose"))
    ids = [m["id"] for m in report["matches"]]
    assert report["client"] == "poetry" and ids[0] == "poetry/connection-pool-error", ids
    assert "pip/ssl-cert-verify-unable-to-get-local-issuer" in ids and "poetry/all-attempts-failed" in ids
    # the -v output holds the reason: "run it again with -v" comes after the entry that reads it
    assert ids.index("poetry/all-attempts-failed") > ids.index("poetry/connection-pool-error")
    # Poetry 2 without -v: "All attempts to connect to HOST:PORT failed." carries no reason; the
    # entry says so (run again with -v) and claims no single cause.
    plain = _output("untrusted-ca/poetry2.5.1-py3.13")
    report = explain_text(plain)
    assert [m["id"] for m in report["matches"]] == ["poetry/all-attempts-failed"]
    assert report["client"] == "poetry"
    assert "-v" in report["matches"][0]["workarounds"][0]["action"]
    assert len(report["matches"][0]["causes"]) >= 10  # every failing lab scenario printed it
    # negative control: the line's neighbours in Poetry's output match nothing
    rest = "\n".join(ln for ln in plain.splitlines() if "All attempts to connect to" not in ln)
    assert explain_text(rest)["matches"] == []


UV_ALERTS = [
    ("tls10-only/uv0.13.9", "uv/received-fatal-alert-protocol-version"),
    ("tls10-only/uv0.4.30", "uv/received-fatal-alert-protocol-version"),
    ("weak-dh/uv0.13.9", "uv/received-fatal-alert-handshake-failure"),
    ("legacy-ciphers/uv0.4.30", "uv/received-fatal-alert-handshake-failure"),
    ("no-secure-renegotiation/uv0.4.30", "uv/received-fatal-alert-bad-record-mac"),
    ("client-cert-tls13/uv0.13.9", "uv/received-fatal-alert-certificate-required"),
    ("drop-after-hello/uv0.10.12", "uv/tls-handshake-eof"),
    ("plain-http-port/uv0.4.30", "uv/corrupt-message-invalid-content-type"),
    # behind an https:// proxy URL for a plain-HTTP proxy, the corrupt message is the reason
    # uv's "failed to create underlying connection" wraps (that entry follows it)
    ("proxy-https-scheme/uv0.13.9", "uv/corrupt-message-invalid-content-type"),
    ("proxy-403/uv0.4.30", "uv/proxy-tunnel-unsuccessful"),
    ("healthy-proxy/uv0.13.9.proxy-upstream-unreachable", "uv/proxy-tunnel-unsuccessful"),
]
_UV_ALERT_IDS = sorted({e for _, e in UV_ALERTS})


@pytest.mark.parametrize("rel, first", UV_ALERTS, ids=[r for r, _ in UV_ALERTS])
def test_uv_handshake_and_tunnel_words_are_named(rel, first):
    # uv's handshake alerts, a plaintext answer and a refused CONNECT sit on lines that hold
    # none of pip's words: the prefilter reads them (kb/match.py PREFILTER_TOKENS) and the
    # entry of the reason uv printed comes first, as uv's.
    report = explain_text(_output(rel))
    assert report["client"] == "uv"
    assert report["matches"][0]["id"] == first and report["matches"][0]["own_tool"]
    # negative control: no sibling entry matches the same output
    assert not (set(_UV_ALERT_IDS) - {first}) & set(_matched(report)), _matched(report)


def test_uv_alert_entries_do_not_match_pip_or_other_tools():
    # Where pip, requests or curl meet the same server, they print OpenSSL's words: the uv entries stay out.
    for rel in ("tls10-only/requests2.34.2-py3.13", "client-cert-tls13/curl", "no-secure-renegotiation/httpx0.28.1-py3.13"):
        assert not set(_UV_ALERT_IDS) & set(_matched(explain_text(_output(rel)))), rel


# --- kb verify's tiers: the floor and the provenance ----------------------------------------

ENTRIES = load_entries()


def test_at_least_80_percent_of_the_kb_is_reproduced():
    reproduced = [e["id"] for e in ENTRIES if e["verification_tier"] == "reproduced"]
    assert len(reproduced) >= 0.8 * len(ENTRIES), (len(reproduced), len(ENTRIES))
    # negative control of the count itself: it is a share of every entry, not of the reproduced ones
    assert len(ENTRIES) > len(reproduced)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["verification_tier"] != "reproduced"],
                         ids=lambda e: e["id"])
def test_an_entry_not_reproduced_says_why(entry):
    assert entry.get("not_reproduced") and not entry["lab_evidence"]



def _pip_recording(rel: str) -> str:
    with open(os.path.join(os.path.dirname(REC), "recordings", rel + ".json"), encoding="utf-8") as f:
        return json.load(f)["output"]


def test_httpx_advice_is_httpxs_own():
    # httpx re-raises httpcore's error as httpx.ConnectError: explain names httpx, its entry leads
    # (SSL_CERT_FILE, not REQUESTS_CA_BUNDLE or pip's settings), pip's advice is left out.
    report = explain_text(_output("untrusted-ca/httpx0.28.1-py3.13"))
    assert report["client"] == "httpx"
    top = report["matches"][0]
    assert top["id"] == "httpx/connect-error" and top["own_tool"]
    advice = " ".join(w["action"] for w in top["workarounds"])
    assert "SSL_CERT_FILE" in advice and "PIP_CERT" not in advice and "--cert" not in advice
    reason = next(m for m in report["matches"] if m["id"] == "pip/ssl-cert-verify-unable-to-get-local-issuer")
    assert reason["advice_omitted"] == "pip" and reason["workarounds"] == []
    # negative control: pip's own recording of the same scenario keeps pip's entry and advice
    pip = explain_text(_pip_recording("untrusted-ca/py3.13-pip25.3"))
    assert pip["client"] is None and pip["matches"][0]["id"].startswith("pip/")
    assert pip["matches"][0]["workarounds"] and "advice_omitted" not in pip["matches"][0]
    assert "httpx/connect-error" not in _matched(pip)


def test_poetry_advice_is_poetrys_own():
    report = explain_text(_output("expired-cert/poetry2.5.1-py3.13.verbose"))
    assert report["client"] == "poetry"
    top = report["matches"][0]
    assert top["id"] == "poetry/connection-pool-error"
    assert "poetry config certificates" in " ".join(w["action"] for w in top["workarounds"])
    assert all(m.get("advice_omitted") == "pip" for m in report["matches"] if m["domain"] == "pip")
    # negative control: the same urllib3 message from pip (its recording) keeps pip's advice
    pip = explain_text(_pip_recording("expired-cert/py3.13-pip25.3"))
    assert pip["client"] is None and not any(m["domain"] == "poetry" for m in pip["matches"])
    assert all("advice_omitted" not in m for m in pip["matches"])


def test_uv_is_named_from_its_cause_lines_alone():
    # A paste of uv 0.10+'s "cause:" lines without "invalid peer certificate" or the
    # "Request failed after" line (cut from the real output): uv's tunnel words name it.
    out = _output("proxy-403/uv0.13.9")
    causes = "\n".join(ln for ln in out.splitlines() if ln.lstrip().startswith("cause:"))
    assert "Request failed after" not in causes and "tunnel error: " in causes
    report = explain_text(causes)
    assert report["client"] == "uv" and report["matches"][0]["id"] == "uv/proxy-tunnel-unsuccessful"
    # uv 0.13's UnknownIssuer hint names uv by itself too
    hint = next(ln for ln in _output("untrusted-ca/uv0.13.9").splitlines() if ln.startswith("hint: "))
    assert explain_text(hint)["client"] == "uv"
    # negative control: the proxy's refusal in pip's words is pip's
    pip = explain_text(_pip_recording("proxy-403/py3.13-pip25.3"))
    assert pip["client"] is None and not any(m["domain"] == "uv" for m in pip["matches"])

def _tool_items(entry: dict) -> list:
    return [ev for ev in entry["lab_evidence"] if "tools" in ev]


@pytest.mark.parametrize("entry", [e for e in ENTRIES if _tool_items(e)], ids=lambda e: e["id"])
def test_tool_evidence_is_a_real_recording_that_matches(entry):
    # One recording per evidence item, named by scenario + tool id + variant: explain of its
    # real output lists the entry (kb verify's own rule).
    ev = _tool_items(entry)[0]
    names = [ev["scenario"] + "/" + c + ("" if v == "plain" else "." + v) for c in ev["clients"] for v in ev["variants"]]
    existing = [n for n in names if os.path.exists(os.path.join(REC, n + ".json"))]
    assert existing, names
    hits = [n for n in existing if entry["id"] in _matched(explain_text(_output_any(n)))]
    assert hits, existing
    assert "not_reproduced" not in entry


def _output_any(rel: str) -> str:
    with open(os.path.join(REC, rel + ".json"), encoding="utf-8") as f:
        return json.load(f)["output"]


# Tool entries whose text is not the tool's output (so no recording can hold it).
NOT_TOOL_OUTPUT = {"uv/ca-bundle-variable-for-another-tool"}  # the pasted command line (toolcheck's entry)


def test_the_tool_entries_are_reproduced_from_tool_recordings():
    # The issue's "done means": uv's, Poetry's, requests' and httpx's entries are reproduced,
    # and their evidence is tool evidence (conda has no client here: documented, with the reason).
    for e in ENTRIES:
        if e["domain"] in ("uv", "poetry", "requests", "httpx") and e["id"] not in NOT_TOOL_OUTPUT:
            assert e["verification_tier"] == "reproduced" and _tool_items(e), e["id"]
        if e["domain"] == "conda":
            assert e["verification_tier"] == "documented" and "conda" in e["not_reproduced"]
