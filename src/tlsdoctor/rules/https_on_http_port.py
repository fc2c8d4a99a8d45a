"""https-on-http-port: an https:// URL points at a port that speaks plain HTTP.

Fails like::

    SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)'))
    (OpenSSL 3.2+: 'record layer failure')

Evidence: the TLS handshake fails, and a plain ``HEAD / HTTP/1.0`` on the
same host:port gets an ``HTTP/`` answer.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import pip_error_line, short

CAUSE = "https-on-http-port"
READS = ("pip_request", "tls", "plain_http")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    if h.scheme != "https":
        return None
    tls = h.attempts.tls
    plain = h.attempts.plain_http
    if not (tls.failed and tls.stage == "handshake" and plain.ok and plain.speaks_http):
        return None
    http_url = "http://" + h.url.split("://", 1)[1]
    return Diagnosis(
        cause=CAUSE,
        verdict=M("https_on_http_port.speaks_plain_http",
                  "%s:%d speaks plain HTTP, not TLS: the https:// URL points at an HTTP port", h.host, h.port),
        evidence=(
            M("https_on_http_port.tls_handshake", "TLS handshake: %s", short(tls.error)),
            M("https_on_http_port.plain_http_request", "plain HTTP request to the same port answered: %r",
              plain.first_bytes),
            pip_error_line(h),
        ),
        fix=(
            remedies.manual(M("https_on_http_port.use_index_https",
                              "use the index's HTTPS port (often 443) in the URL")),
            # Never --trusted-host or an http:// index (nothing then protects the downloads):
            remedies.server(M("https_on_http_port.if_really_serves",
                              "if %s really serves only plain HTTP, its administrators must enable HTTPS", http_url)),
        ),
        dead_ends=(M("https_on_http_port.cert_certifi_requests",
                     "--cert / certifi / REQUESTS_CA_BUNDLE: no certificate was ever sent"),
                   M("https_on_http_port.trusted_host_https",
                     "--trusted-host with the https:// URL (TLS is still attempted)")),
        score=80,
        host=h.url,
    )
