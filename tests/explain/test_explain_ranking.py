"""Clues in the text narrow and order the causes (mechanisms, not fixture names)."""

from __future__ import annotations

from tlsdoctor.explain import explain_text

WVN = "SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1129)'))"


def first(text):
    return explain_text(text + "\n")["matches"][0]


def test_wrong_version_direct_means_http_port():
    assert first("(Caused by %s)" % WVN)["causes"][0] == "https-on-http-port"


def test_wrong_version_inside_proxy_error_means_proxy_scheme():
    m = first("(Caused by ProxyError('Cannot connect to proxy.', %s))" % WVN)
    assert m["causes"][0] == "proxy-scheme-mismatch" and m["notes"]


def test_https_proxy_url_in_the_log_promotes_proxy_scheme_for_eof():
    text = ("HTTPS_PROXY=https://10.0.0.1:7890\n"
            "(Caused by SSLError(SSLEOFError(8, 'EOF occurred in violation of protocol (_ssl.c:997)')))")
    report = explain_text(text)
    assert "https-proxy" in report["clues"]["flags"]
    assert report["matches"][0]["causes"][0] == "proxy-scheme-mismatch"


def test_read_path_eof_means_dropped_connection():
    report = explain_text("SSLError(SSLEOFError(8, 'EOF occurred in violation of protocol (_ssl.c:2427)'))")
    assert "ssl-c-read" in report["clues"]["flags"]
    assert report["matches"][0]["causes"][0] == "tls-connection-dropped"


def test_python_version_from_ssl_c_line_orders_protocol_causes():
    modern = first("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:1006)")
    old = first("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:590)")
    assert modern["causes"][0] == "server-tls-too-old"
    assert old["causes"][0] == "client-tls-too-old"


def test_python2_repr_is_a_clue():
    report = explain_text("SSLError(SSLError(1, u'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed (_ssl.c:727)'),)")
    assert "python2" in report["clues"]["flags"]
    assert report["clues"]["python"].endswith("2.7")


def test_pip_version_line_is_a_clue():
    report = explain_text("pip 21.1.3 from /usr/lib/python3.9/site-packages/pip (python 3.9)\nValueError: check_hostname requires server_hostname")
    assert report["clues"]["pip"] == "21.1" and report["clues"]["python"] == "3.9"


def test_wrapper_is_dropped_when_the_reason_is_known():
    report = explain_text("Could not fetch URL https://x/simple/y/: There was a problem confirming the ssl certificate: [SSL: DH_KEY_TOO_SMALL] dh key too small (_ssl.c:1006) - skipping")
    assert [m["id"] for m in report["matches"]] == ["pip/ssl-dh-key-too-small"]


def test_new_connection_error_inside_proxy_error_is_not_an_index_problem():
    report = explain_text("ProxyError('Cannot connect to proxy.', NewConnectionError('<x>: Failed to establish a new connection: [Errno 111] Connection refused'))")
    assert [m["id"] for m in report["matches"]] == ["pip/proxy-cannot-connect"]
    assert report["matches"][0]["causes"][0] == "proxy-unreachable"


def test_two_failures_in_one_log_are_both_reported_most_specific_first():
    text = ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)\n"
            "ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 407 Proxy Authentication Required'))\n")
    got = [m["id"] for m in explain_text(text)["matches"]]
    assert set(got) == {"pip/ssl-cert-verify-expired", "pip/proxy-tunnel-407"}


def test_urllib3_2_refused_connection_to_a_non_index_host_is_the_proxy():
    # pip >= 26.1 (urllib3 2) reports a dead proxy as a plain NewConnectionError
    # naming the proxy's host:port; the index is another host.
    retry = ("WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection "
             "broken by 'NewConnectionError(\"HTTPSConnection(host='%s', port=%s): Failed to establish a new "
             "connection: [Errno 111] Connection refused\")': /simple/x/\n")
    via_proxy = "Looking in indexes: https://pypi.example.org/simple/\n" + retry % ("proxy.corp", "3128")
    direct = "Looking in indexes: https://pypi.example.org/simple/\n" + retry % ("pypi.example.org", "443")
    assert explain_text(via_proxy)["matches"][0]["causes"][0] == "proxy-unreachable"
    assert explain_text(direct)["matches"][0]["causes"][0] == "index-unreachable"
