"""proxy-unreachable: the proxy pip uses cannot be reached.

Fails like::

    ProxyError('Cannot connect to proxy.', NewConnectionError('...: Failed to establish a new connection: [Errno 111] Connection refused'))

Evidence: the probe's TCP connect to the proxy (refused / not resolved /
timed out), or a proxy that accepts TCP but never answers CONNECT.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import pip_error_line, proxy_source, short

CAUSE = "proxy-unreachable"
READS = ("pip_request", "verify", "proxy")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    if not h.proxy:
        return None
    p = h.attempts.proxy
    silent = p.failed and p.stage == "connect" and p.timeout
    if not (p.failed and p.stage == "tcp") and not silent:
        return None
    if silent:
        what = M("proxy_unreachable.accepts_tcp_but", "accepts TCP but never answered the CONNECT request (timed out)")
    elif p.timeout:
        what = M("proxy_unreachable.does_not_answer", "does not answer TCP connections (timed out)")
    else:
        what = M("proxy_unreachable.refuses_cannot_found", "refuses or cannot be found (%s)", short(p.error, 120))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("proxy_unreachable.proxy", "the proxy %s %s", h.proxy, what),
        evidence=(
            M("proxy_unreachable.pip_sends_through", "pip sends %s through proxy %s, set by %s", h.url, h.proxy,
              proxy_source(f, h)),
            M("proxy_unreachable.tcp_connect_proxy", "TCP/CONNECT to the proxy: %s", short(p.error)),
            pip_error_line(h),
        ),
        fix=(
            remedies.manual(M("proxy_unreachable.check_proxy_host",
                              "check the proxy host and port (and that the VPN that provides it is up)")),
            remedies.set_env("NO_PROXY", h.host,
                             M("proxy_unreachable.if_host_must", "if this host must not use a proxy (and no_proxy)")),
        ) + tuple(
            remedies.unset_env(n, M("proxy_unreachable.unset_proxy_variables", "or unset the proxy variables"),
                               source=n)
            for n in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")
            if n in f.proxy_env or not f.proxy_env
        ),
        dead_ends=(M("proxy_unreachable.trusted_host_cert", "--trusted-host / --cert: the failure is before any TLS"),
                   M("proxy_unreachable.more_retries_longer", "more --retries or a longer --timeout")),
        score=90,
        host=h.url,
    )
