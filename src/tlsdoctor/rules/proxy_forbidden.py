"""proxy-forbidden: the proxy refuses the CONNECT (403 or another policy answer).

Fails like::

    ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 403 Forbidden'))
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import pip_argv, pip_error_line, proxy_source

CAUSE = "proxy-forbidden"
READS = ("pip_request", "verify", "proxy")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    p = h.attempts.proxy
    st = p.connect_status
    if not h.proxy or st is None or st in (200, 407) or st < 400:
        return None
    return Diagnosis(
        cause=CAUSE,
        verdict=M("proxy_forbidden.proxy_refuses_tunnel",
                  "the proxy %s refuses to tunnel to %s:%d (CONNECT answered %d)", h.proxy, h.host, h.port, st),
        evidence=(
            M("proxy_forbidden.connect_via_from", "CONNECT %s:%d via %s (from %s) -> %d", h.host, h.port, h.proxy,
              proxy_source(f, h), st),
            pip_error_line(h),
        ),
        fix=(
            remedies.server(M("proxy_forbidden.ask_proxy_administrators",
                              "ask the proxy's administrators to allow CONNECT to %s:%d", h.host, h.port)),
            remedies.set_config(pip_argv(f), "global.index-url", "https://MIRROR/simple/",
                                M("proxy_forbidden.use_index_mirror", "or use an index mirror the proxy allows")),
            remedies.set_env("NO_PROXY", h.host,
                             M("proxy_forbidden.if_host_internal",
                               "if the host is internal and should bypass the proxy")),
            remedies.set_env("no_proxy", h.host,
                             M("proxy_forbidden.lowercase_too_urllib", "lowercase too: urllib reads both")),
        ),
        dead_ends=(M("proxy_forbidden.proxy_credentials_policy",
                     "proxy credentials (a 403 is policy, not authentication)"), "--trusted-host / --cert"),
        score=90,
        host=h.url,
    )
