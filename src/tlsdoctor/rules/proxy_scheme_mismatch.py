"""proxy-scheme-mismatch: the proxy URL says https:// but the proxy speaks plain HTTP.

Fails like (pip >= 20.3, urllib3 >= 1.26, pypa/pip#9216)::

    SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1129)'))
    ... Your proxy appears to only use HTTP and not HTTPS, try changing your proxy URL to be HTTP.

Evidence: a TLS handshake *to the proxy* fails, while a plain HTTP CONNECT to
the same host:port succeeds.
"""

from __future__ import annotations

from tlsdoctor.facts import Facts, Host
from tlsdoctor.messages import M
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import pip_error_line, proxy_source, proxy_vars_fix, short

CAUSE = "proxy-scheme-mismatch"
READS = ("pip_request", "verify", "proxy")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    p = h.attempts.proxy
    if not h.proxy or not p.ran:
        return None
    scheme = h.proxy.split("://", 1)[0].lower()
    ttp = p.tls_to_proxy
    if scheme == "https" and ttp is not None and ttp.failed and p.connect_status is not None:
        plain = h.proxy.replace("https://", "http://", 1)
        return Diagnosis(
            cause=CAUSE,
            verdict=M("proxy_scheme_mismatch.proxy_url_says_2",
                      "the proxy URL %s says https://, but the proxy speaks plain HTTP", h.proxy),
            evidence=(
                M("proxy_scheme_mismatch.proxy_comes_from", "proxy %s comes from %s", h.proxy, proxy_source(f, h)),
                M("proxy_scheme_mismatch.tls_handshake_proxy", "TLS handshake with the proxy itself: %s",
                  short(ttp.error)),
                M("proxy_scheme_mismatch.plain_http_connect", "plain-HTTP CONNECT %s:%d to the same proxy: answered %s",
                  h.host, h.port, p.connect_status),
                pip_error_line(h),
            ),
            fix=tuple(proxy_vars_fix(f, h, plain)),
            dead_ends=(M("proxy_scheme_mismatch.trusted_host_cert",
                         "--trusted-host / --cert (the failing TLS is to the proxy, not the index)"),
                       M("proxy_scheme_mismatch.downgrading_pip_only",
                         "downgrading pip to 20.2 (it only hid the wrong scheme)")),
            score=90,
            host=h.url,
        )
    if scheme == "http" and p.failed and p.stage == "connect" and "not an http answer" in (p.error or "").lower() \
            and ("\\x15\\x03" in (p.error or "") or "\\x16\\x03" in (p.error or "")):
        return Diagnosis(
            cause=CAUSE,
            verdict=M("proxy_scheme_mismatch.proxy_url_says",
                      "the proxy URL %s says http://, but the proxy expects TLS (an HTTPS proxy)", h.proxy),
            evidence=(M("proxy_scheme_mismatch.plain_connect_proxy",
                        "a plain CONNECT to the proxy was answered with TLS bytes: %s", short(p.error)),
                      pip_error_line(h)),
            fix=tuple(proxy_vars_fix(f, h, h.proxy.replace("http://", "https://", 1))),
            dead_ends=("--trusted-host / --cert",),
            score=88,
            host=h.url,
        )
    return None
