"""Advice for the program that printed the error, OS-only advice, seed 002 (issue 8 items 7-9).

Each case pairs the tool's text with a negative control: the same OpenSSL
reason printed by pip keeps pip's advice, and a macOS-only step is dropped
only when the text shows another OS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tlsdoctor.explain import explain_text
from tlsdoctor.kb import load_entries
from tlsdoctor.render.explain import render

REASON = "unable to get local issuer certificate"
PIP_LINE = ("WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection "
            "broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
            "failed: unable to get local issuer certificate (_ssl.c:1006)'))': /simple/requests/\n")

TOOLS = [
    # (client, text, its own entry, an action of its own that must be shown)
    ("curl", "curl: (60) SSL certificate problem: %s\nMore details here: https://curl.se/docs/sslcerts.html\n" % REASON,
     "curl/ssl-certificate-problem", "--cacert"),
    ("git", "Cloning into 'repo'...\nfatal: unable to access 'https://git.corp/org/repo.git/': SSL certificate problem: %s\n" % REASON,
     "git/unable-to-access-ssl", "http.sslCAInfo"),
    ("npm", "npm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY\nnpm ERR! errno UNABLE_TO_GET_ISSUER_CERT_LOCALLY\n"
            "npm ERR! request to https://registry.npmjs.org/left-pad failed, reason: %s\n" % REASON,
     "npm/cert-verification-failed", "NODE_EXTRA_CA_CERTS"),
    ("requests", "Traceback (most recent call last):\n  File \"/home/ci/fetch.py\", line 3, in <module>\n"
                 "    requests.get('https://api.corp/v1')\n"
                 "  File \"/home/ci/.venv/lib/python3.11/site-packages/requests/adapters.py\", line 517, in send\n"
                 "    raise SSLError(e, request=request)\n"
                 "requests.exceptions.SSLError: HTTPSConnectionPool(host='api.corp', port=443): Max retries exceeded "
                 "with url: /v1 (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
                 "certificate verify failed: %s (_ssl.c:1006)')))\n" % REASON,
     "requests/ssl-error", "REQUESTS_CA_BUNDLE"),
    ("conda", "CondaSSLError: Encountered an SSL error. Most likely a certificate verification issue.\n\n"
              "Exception: HTTPSConnectionPool(host='conda.anaconda.org', port=443): Max retries exceeded with url: "
              "/conda-forge/linux-64/repodata.json (Caused by SSLError(SSLCertVerificationError(1, "
              "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: %s (_ssl.c:1006)')))\n" % REASON,
     "conda/ssl-error", "ssl_verify"),
    ("uv", "error: Request failed after 3 retries\n  Caused by: Failed to fetch: `https://pypi.org/simple/requests/`\n"
           "  Caused by: client error (Connect)\n  Caused by: invalid peer certificate: UnknownIssuer\n",
     "uv/invalid-peer-certificate", "--system-certs"),
]


def actions(match):
    return " ".join(d["action"] for d in match["dead_ends"]) + " " + " ".join(w["action"] for w in match["workarounds"])


@pytest.mark.parametrize("client, text, own, fix", TOOLS, ids=[t[0] for t in TOOLS])
def test_the_tools_own_entry_and_fixes_come_first(client, text, own, fix):
    report = explain_text(text)
    assert report["client"] == client
    assert report["matches"][0]["id"] == own  # first, not set aside for a pip entry
    assert own not in report["also_matched"]
    assert fix in actions(report["matches"][0])
    for m in report["matches"][1:]:
        if m["domain"] == "pip":
            # pip's own options are the wrong advice for another program.
            assert m["dead_ends"] == [] and m["workarounds"] == [] and m["advice_omitted"] == "pip"
    out = render(report, "text")
    assert "comes from" in out and fix in out


def test_negative_control_pip_keeps_pips_advice():
    report = explain_text(PIP_LINE)
    assert report["client"] is None
    m = report["matches"][0]
    assert m["id"] == "pip/ssl-cert-verify-unable-to-get-local-issuer"
    assert "pip install --upgrade certifi" in " ".join(d["action"] for d in m["dead_ends"])
    assert m["workarounds"] and "advice_omitted" not in m


def test_requests_upgrading_certifi_is_a_fix_not_a_dead_end():
    report = explain_text(TOOLS[3][1])
    first = report["matches"][0]
    assert any("upgrade certifi" in w["action"] for w in first["workarounds"])
    everything = [d["action"] for m in report["matches"] for d in m["dead_ends"]]
    assert not any(a.startswith("pip install --upgrade certifi") for a in everything)


def test_a_log_with_pip_and_curl_keeps_both():
    # A CI job that runs curl and pip: pip's advice stays for pip's error, and
    # curl's entry is still shown (not set aside).
    report = explain_text(TOOLS[0][1] + PIP_LINE + "Looking in indexes: https://pypi.org/simple\n")
    assert report["client"] is None
    ids = [m["id"] for m in report["matches"]]
    assert "curl/ssl-certificate-problem" in ids
    pip_match = next(m for m in report["matches"] if m["domain"] == "pip")
    assert pip_match["workarounds"]


def test_poetry_has_no_entry_but_gets_its_settings():
    text = ("  at ~/.local/share/pypoetry/venv/lib/python3.11/site-packages/requests/adapters.py:517 in send\n"
            "  SSLError\n  HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /pypi/x/json "
            "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
            "failed: %s (_ssl.c:1006)')))\n" % REASON)
    report = explain_text(text)
    assert report["client"] == "poetry"
    assert "certificates.<source>.cert" in report["client_settings"]
    assert "certificates.<source>.cert" in render(report, "markdown")


# --- OS-only advice --------------------------------------------------------------

INSTALL_CERTS = "Install Certificates.command"


def _dead(report):
    return [d for m in report["matches"] for d in m["dead_ends"]]


def test_macos_only_dead_end_is_left_out_of_a_windows_paste():
    text = "C:\\Users\\dev> pip install requests\n" + PIP_LINE.replace("WARNING", "  WARNING") + \
           "ERROR: Could not install packages due to an OSError: [WinError 10054]\n"
    report = explain_text(text)
    assert report["os"] == "windows"
    assert not any(INSTALL_CERTS in d["action"] for d in _dead(report))


def test_macos_only_dead_end_is_shown_plainly_on_macos():
    text = "  File \"/Library/Frameworks/Python.framework/Versions/3.12/lib/python3.12/site-packages/pip/_internal/cli/base_command.py\"\n" + PIP_LINE
    report = explain_text(text)
    assert report["os"] == "macos"
    dead = [d for d in _dead(report) if INSTALL_CERTS in d["action"]]
    assert dead and not any(d.get("os_note") for d in dead)


def test_macos_only_dead_end_says_on_macos_when_no_os_is_known():
    report = explain_text(PIP_LINE)
    assert report["os"] is None
    dead = [d for d in _dead(report) if INSTALL_CERTS in d["action"]]
    assert dead and all(d["os_note"] == "macOS" for d in dead)
    assert "on macOS: Run macOS 'Install Certificates.command'" in render(report, "text")


def test_install_certificates_is_the_fix_for_urllib_on_python_org_macos():
    text = ("  File \"/Library/Frameworks/Python.framework/Versions/3.12/lib/python3.12/urllib/request.py\", line 1347, in do_open\n"
            "urllib.error.URLError: <urlopen error [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
            "unable to get local issuer certificate (_ssl.c:1000)>\n")
    report = explain_text(text)
    first = report["matches"][0]
    assert first["id"] == "python/urlopen-certificate-verify-failed"
    assert first["causes"][0] == "no-default-ca-store"
    assert any(INSTALL_CERTS in w["action"] for w in first["workarounds"])
    assert not any(INSTALL_CERTS in d["action"] for d in first["dead_ends"])
    # Negative control: the same error on Linux has no macOS step at all.
    linux = explain_text(text.replace("/Library/Frameworks/Python.framework/Versions/3.12", "/usr/lib/python3.12"))
    assert linux["os"] == "linux"
    assert not any(INSTALL_CERTS in w["action"] for w in linux["matches"][0]["workarounds"])


# --- seed 002 ------------------------------------------------------------------------

SEED_002 = sorted((Path("/work/shared/seeds")).glob("002_*.txt")) if Path("/work/shared/seeds").exists() else []
CHECK_HOSTNAME = ("  File \"C:\\Python39\\lib\\site-packages\\pip\\_vendor\\urllib3\\connection.py\", line 411, in connect\n"
                  "ValueError: check_hostname requires server_hostname\n")


def test_seed_002_with_a_proxy_error_ranks_proxy_scheme_first():
    text = ("WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection "
            "broken by 'ProxyError('Cannot connect to proxy.', ValueError('check_hostname requires server_hostname'))': "
            "/simple/requests/\n")
    report = explain_text(text)
    assert report["matches"][0]["causes"][0] == "proxy-scheme-mismatch"
    assert report["candidate_causes"][0]["id"] == "proxy-scheme-mismatch"


@pytest.mark.parametrize("clue", ["  File \"x/urllib3/connection.py\", line 362, in _connect_tls_proxy\n",
                                  "HTTPS_PROXY=https://127.0.0.1:7890\n"])
def test_seed_002_other_proxy_clues(clue):
    report = explain_text(clue + CHECK_HOSTNAME)
    assert report["matches"][0]["causes"][0] == "proxy-scheme-mismatch"


def test_seed_002_truststore_without_a_proxy_keeps_truststore_first():
    # Negative control: pip's truststore frames and no proxy anywhere.
    text = ("  File \"/usr/lib/python3/site-packages/pip/_vendor/truststore/_api.py\", line 101, in wrap_socket\n"
            + CHECK_HOSTNAME)
    report = explain_text(text)
    assert report["matches"][0]["causes"][0] == "truststore-ip-address"


@pytest.mark.skipif(not SEED_002, reason="seed files not on this machine")
def test_seed_002_text_itself():
    report = explain_text(SEED_002[0].read_text(encoding="utf-8"))
    ids = [m["id"] for m in report["matches"]]
    assert "pip/check-hostname-requires-server-hostname" in ids


def test_no_dead_end_reads_fails_0_percent():
    # Every entry's dead ends, rendered in every format and language.
    zero = [(e["id"], d) for e in load_entries() for d in e["dead_ends"] if d["fail_rate"] == 0]
    assert zero  # the KB has such a dead end, so this is a real test
    report = explain_text("ValueError: check_hostname requires server_hostname\n")
    for fmt in ("text", "markdown"):
        for lang in ("en", "zh"):
            out = render(report, fmt, lang)
            assert "fails 0%" not in out and "失败率 0%" not in out
            assert ("no fix" in out) or ("不是修复" in out)
