"""Each error family pip prints (errors.md), across pip 9-26 and Python 2.7-3.14 wordings."""

from __future__ import annotations

import pytest

from tlsdoctor.explain import explain_text

R = "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by "

CASES = [
    # (name, text, expected first entry, a cause that must be a candidate)
    ("pip9-protocol", "Could not fetch URL https://pypi.python.org/simple/x/: There was a problem confirming the ssl certificate: [SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:590) - skipping",
     "pip/ssl-tlsv1-alert-protocol-version", "client-tls-too-old"),
    ("brownout", "HTTPError: 403 Client Error: TLSv1.2+ is required for url: https://pypi.org/simple/x/", "pypi/tls12-required-brownout", "client-tls-too-old"),
    ("unsupported", R + "'SSLError(SSLError(1, '[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol (_ssl.c:1006)'))': /simple/x/", "pip/ssl-unsupported-protocol", "server-tls-too-old"),
    ("curl-ssl3", "curl: (35) error:14094410:SSL routines:SSL3_READ_BYTES:sslv3 alert handshake failure", "pip/ssl-sslv3-alert-handshake-failure", "cipher-mismatch"),
    ("pyopenssl", "Error([('SSL routines', 'ssl3_read_bytes', 'sslv3 alert handshake failure')])", "pip/ssl-sslv3-alert-handshake-failure", "client-cert-required"),
    ("tls13-certreq", "(Caused by SSLError(SSLError(1, '[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required (_ssl.c:2633)')))", "pip/ssl-tlsv13-alert-certificate-required", "client-cert-required"),
    ("py2-u-repr", R + "'SSLError(SSLError(1, u'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:727)'),)': /simple/x/", "pip/ssl-cert-verify-failed-no-reason", "untrusted-private-ca"),
    ("py36-no-reason", "Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'SSLError(SSLError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:852)'),)': /simple/x/", "pip/ssl-cert-verify-failed-no-reason", "cert-expired"),
    ("self-signed-chain", "certificate verify failed: self signed certificate in certificate chain (_ssl.c:1129)", "pip/ssl-cert-verify-self-signed-in-chain", "tls-interception"),
    ("issuer", "certificate verify failed: unable to get issuer certificate (_ssl.c:1129)", "pip/ssl-cert-verify-unable-to-get-issuer", "untrusted-private-ca"),
    ("expired", "certificate verify failed: certificate has expired (_ssl.c:1006)", "pip/ssl-cert-verify-expired", "cert-expired"),
    ("not-yet-valid", "certificate verify failed: certificate is not yet valid (_ssl.c:1006)", "pip/ssl-cert-verify-not-yet-valid", "clock-skew"),
    ("hostname-py3", "certificate verify failed: Hostname mismatch, certificate is not valid for 'pypi.example'. (_ssl.c:1129)", "pip/ssl-hostname-mismatch", "hostname-mismatch"),
    ("strict", "certificate verify failed: Basic Constraints of CA cert not marked critical (_ssl.c:1028)", "pip/ssl-cert-verify-strict-x509", "strict-x509-rejects-ca"),
    ("dh", "[SSL: DH_KEY_TOO_SMALL] dh key too small (_ssl.c:1006)", "pip/ssl-dh-key-too-small", "weak-dh-key"),
    ("weak-server-key", "certificate verify failed: EE certificate key too weak (_ssl.c:1006)", "pip/ssl-weak-key-or-digest", "openssl-config-restricts"),
    ("weak-own-client-cert", "ssl.SSLError: [SSL: EE_KEY_TOO_SMALL] ee key too small (_ssl.c:3874)", "pip/ssl-weak-key-or-digest", "client-cert-required"),
    ("proxy-not-http", "ProxyError('Cannot connect to proxy.', BadStatusLine('\\x05\\xff'))", "pip/proxy-cannot-connect", "proxy-scheme-mismatch"),
    ("reneg", "[SSL: UNSAFE_LEGACY_RENEGOTIATION_DISABLED] unsafe legacy renegotiation disabled (_ssl.c:1006)", "pip/ssl-unsafe-legacy-renegotiation", "legacy-renegotiation"),
    ("sigalg-misleading-name", "SSLError(SSLError(1, u'[SSL: BAD_MAC_LENGTH] legacy sigalg disallowed or unsupported (_ssl.c:727)'),)", "pip/ssl-legacy-sigalg-disallowed", "server-tls-too-old"),
    ("eof-misleading-name", "SSLError(SSLError(1, '[SSL: KRB5_S_TKT_NYV] unexpected eof while reading (_ssl.c:852)'),)", "pip/ssl-eof-violation-of-protocol", "tls-connection-dropped"),
    ("eof-py39-zero-return", "SSLError(SSLZeroReturnError(6, 'TLS/SSL connection has been closed (EOF) (_ssl.c:1129)'))", "pip/ssl-eof-violation-of-protocol", "https-on-http-port"),
    ("proxy-https-hint", "ProxyError('Your proxy appears to only use HTTP and not HTTPS, try changing your proxy URL to be HTTP. See: https://urllib3.readthedocs.io/en/1.26.x/advanced-usage.html#https-proxy-error-http-proxy', SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1129)')))",
     "urllib3/proxy-appears-to-only-use-http", "proxy-scheme-mismatch"),
    ("proxy-refused", R + "'ProxyError('Cannot connect to proxy.', NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))': /simple/x/",
     "pip/proxy-cannot-connect", "proxy-unreachable"),
    ("proxy-407", R + "'ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 407 Proxy Authentication Required'))': /simple/x/", "pip/proxy-tunnel-407", "proxy-auth-required"),
    ("proxy-407-py2", "ProxyError('Cannot connect to proxy.', error('Tunnel connection failed: 407 Proxy Authentication Required',))", "pip/proxy-tunnel-407", "proxy-auth-required"),
    ("proxy-403-urllib3-2", "ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: 403 Forbidden'))", "pip/proxy-tunnel-403", "proxy-forbidden"),
    ("proxy-502", "ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 502 Bad Gateway'))", "pip/proxy-tunnel-failed", "index-unreachable"),
    ("no-scheme", "ProxySchemeUnknown: Proxy URL had no scheme, should start with http:// or https://", "pip/proxy-url-no-scheme", "proxy-scheme-mismatch"),
    ("ca-bundle", "ERROR: Could not install packages due to an OSError: Could not find a suitable TLS CA certificate bundle, invalid path: /etc/ssl/gone.pem", "pip/ca-bundle-invalid-path", "ca-bundle-path-invalid"),
    ("ssl-missing", "WARNING: pip is configured with locations that require TLS/SSL, however the ssl module in Python is not available.", "pip/ssl-module-not-available", "ssl-module-missing"),
    ("ssl-missing-262", "error: ssl-missing\n\n× The 'ssl' module is unavailable but required for HTTPS URLs", "pip/ssl-module-not-available", "ssl-module-missing"),
    ("dll", "ImportError: DLL load failed while importing _ssl: The specified module could not be found.", "python/ssl-dll-load-failed", "ssl-module-missing"),
    ("index-refused", R + "'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/x/", "pip/index-connection-failed", "index-unreachable"),
    ("uv", "error: Request failed after 3 retries\n  Caused by: client error (Connect)\n  Caused by: invalid peer certificate: UnknownIssuer", "uv/invalid-peer-certificate", "tls-interception"),
    ("windows-truststore", "Could not fetch URL https://pypi.org/simple/x/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/x/ (Caused by SSLError(SSLCertVerificationError('A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider.'))) - skipping",
     "truststore/os-verifier-rejected", "untrusted-private-ca"),
    ("localized-unknown", "Could not fetch URL https://pypi.org/simple/x/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/x/ (Caused by SSLError(SSLError('Ein Zertifikat ist nicht vertrauenswürdig'))) - skipping",
     "pip/could-not-fetch-url-ssl", "tls-interception"),
    ("pip262-wrapped", "error: ssl-verification-failed\n\n× Failed to establish a secure connection to pypi.org while fetching\n│ https://pypi.org/simple/x/\n╰─> [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get\n    local issuer certificate (_ssl.c:1032)\n\nhint: You may need to use --cert or check your proxy/firewall configuration",
     "pip/ssl-cert-verify-unable-to-get-local-issuer", "tls-interception"),
]


@pytest.mark.parametrize("name, text, entry_id, cause", CASES, ids=[c[0] for c in CASES])
def test_family(name, text, entry_id, cause):
    report = explain_text(text + "\n")
    assert report["matches"], "no match"
    assert report["matches"][0]["id"] == entry_id, [m["id"] for m in report["matches"]]
    assert cause in [c["id"] for c in report["candidate_causes"]]


CHECK_HOSTNAME_TRACEBACK = """ERROR: Exception:
Traceback (most recent call last):
  File "c:\\python39\\lib\\site-packages\\pip\\_vendor\\urllib3\\connectionpool.py", line 696, in urlopen
    self._prepare_proxy(conn)
  File "c:\\python39\\lib\\site-packages\\pip\\_vendor\\urllib3\\connection.py", line 411, in _connect_tls_proxy
    ssl_context=ssl_context,
  File "c:\\python39\\lib\\ssl.py", line 1032, in _create
    raise ValueError("check_hostname requires server_hostname")
ValueError: check_hostname requires server_hostname
"""


def test_uncaught_check_hostname_traceback_with_https_proxy():
    report = explain_text(CHECK_HOSTNAME_TRACEBACK)
    m = report["matches"][0]
    assert m["id"] == "pip/check-hostname-requires-server-hostname"
    assert m["causes"][0] == "proxy-scheme-mismatch"
    assert "https-proxy" in report["clues"]["flags"]
    assert any("20.2.4" in d["action"] for d in m["dead_ends"])


NEGATIVE = [
    ("success", "Collecting requests\n  Downloading requests-2.32.3-py3-none-any.whl (64 kB)\nSuccessfully installed requests-2.32.3\n"),
    ("no-such-package", "ERROR: Could not find a version that satisfies the requirement nosuchpkg (from versions: none)\nERROR: No matching distribution found for nosuchpkg\n"),
    ("import-error", "Traceback (most recent call last):\n  File \"app.py\", line 1, in <module>\nModuleNotFoundError: No module named 'requests'\n"),
    ("build-openssl-package", "Building wheel for pyopenssl (setup.py) ... done\nSuccessfully built pyopenssl\nCollecting ssl-utils\n"),
    ("compiler", "gcc -pthread -fPIC -I/usr/include/openssl -c _cffi_backend.c -o build/temp/_cffi_backend.o\nerror: command 'gcc' failed with exit status 1\n"),
    ("tls-prose", "We enabled TLS 1.3 and HSTS on the proxy; certificates renew automatically via ACME.\n"),
    ("pip-http-warning", "WARNING: The repository located at mirror.local is not a trusted or secure host and is being ignored.\n"),
]


@pytest.mark.parametrize("name, text", NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_no_tls_failure_no_match(name, text):
    report = explain_text(text)
    assert report["matches"] == []
    assert report["candidate_causes"] == []
