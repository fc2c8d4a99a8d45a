"""Every error line in the seed documents (shared/seeds/000-004) is explained correctly.

The lines are copied here verbatim so the test does not depend on the shared
research folder. Where the seed's own advice is wrong, the KB must list it as
a dead end.
"""

from __future__ import annotations

import pytest

from tlsdoctor.explain import explain_text

SEEDS = [
    # 000: pip 9 wording, Python 2.7.10 (_ssl.c:590), PyPI's 2018 TLS 1.2 cut-off.
    ("000-tlsv1", "Could not fetch URL https://pypi.python.org/simple/xdict/: There was a problem confirming the ssl certificate: [SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:590) - skipping\n"
     "Could not find a version that satisfies the requirement xdict (from versions: )\nNo matching distribution found for xdict\n",
     "pip/ssl-tlsv1-alert-protocol-version", "client-tls-too-old", True),
    # 001: the seed KB entry's signature, with the SSL3_ spelling Python never prints.
    ("001-handshake", "pip._vendor.urllib3.exceptions.SSLError: [SSL: SSL3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1129)\n",
     "pip/ssl-sslv3-alert-handshake-failure", "cipher-mismatch", False),
    # 002: the Chinese article: check_hostname traceback, and EOF under pip >= 20.3.
    ("002-check-hostname", "check_hostname requires server_hostname\n\n    raise ValueError(\"check_hostname requires server_hostname\")\n\nValueError: check_hostname requires server_hostname\n",
     "pip/check-hostname-requires-server-hostname", "proxy-scheme-mismatch", False),
    ("002-eof", "EOF occurred in violation of protocol\n\nCould not fetch URL https://pypi.org/simple/xxx/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/xxx/ (Caused by SSLError(SSLEOFError(8, 'EOF occurred in violation of protocol (_ssl.c:997)'))) - skipping\n",
     "pip/ssl-eof-violation-of-protocol", "tls-connection-dropped", False),
    # 003: local issuer, and a snippet whose reason was cut off.
    ("003-local-issuer", "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1007)'))': /simple/requests/\n",
     "pip/ssl-cert-verify-unable-to-get-local-issuer", "tls-interception", True),
    ("003-truncated", "Could not fetch URL https://pypi.org/simple/requests/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/requests/ (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED]')))\n",
     "pip/ssl-cert-verify-failed", "tls-interception", False),
    # 004: the prose names the error in lowercase only.
    ("004-prose", "If you see \"TLS 1.2\", your interpreter's TLS is up to date. If you see \"TLS 1.0\" or an error like \"tlsv1 alert protocol version\", then you must upgrade.\n",
     "pip/ssl-tlsv1-alert-protocol-version", "client-tls-too-old", False),
]


@pytest.mark.parametrize("name, text, entry_id, cause, first", SEEDS, ids=[s[0] for s in SEEDS])
def test_seed_lines(name, text, entry_id, cause, first):
    report = explain_text(text)
    ids = [m["id"] for m in report["matches"]]
    assert ids[0] == entry_id
    causes = report["matches"][0]["causes"]
    assert cause in causes
    if first:
        assert causes[0] == cause


def test_seed_000_wrong_advice_is_a_dead_end():
    m = explain_text(SEEDS[0][1])["matches"][0]
    assert any("9.0.1" in d["action"] for d in m["dead_ends"])
    assert any("upgrade pip" in d["action"].lower() for d in m["dead_ends"])


def test_seed_002_wrong_advice_is_a_dead_end():
    for text in (SEEDS[2][1], SEEDS[3][1]):
        m = explain_text(text)["matches"][0]
        actions = " ".join(d["action"] for d in m["dead_ends"])
        assert "20.2.4" in actions and "http://" in actions


def test_seed_001_trusted_host_is_a_dead_end():
    m = explain_text(SEEDS[1][1])["matches"][0]
    assert any("--trusted-host" in d["action"] and d["fail_rate"] == 1.0 for d in m["dead_ends"])
