"""proxy-forbidden: the proxy refuses the CONNECT (403 or another policy answer).

Fails like::

    ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 403 Forbidden'))
"""

from __future__ import annotations

from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import pip_error_line, proxy_source

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
        verdict="the proxy %s refuses to tunnel to %s:%d (CONNECT answered %d)" % (h.proxy, h.host, h.port, st),
        evidence=(
            "CONNECT %s:%d via %s (from %s) -> %d" % (h.host, h.port, h.proxy, proxy_source(f, h), st),
            pip_error_line(h),
        ),
        fix=(
            "ask the proxy's administrators to allow CONNECT to %s:%d" % (h.host, h.port),
            "or use an index mirror the proxy allows: %s config set global.index-url https://MIRROR/simple/" % (
                f.executable + " -m pip"),
            "if the host is internal and should bypass the proxy: export NO_PROXY=%s no_proxy=%s" % (h.host, h.host),
        ),
        dead_ends=("proxy credentials (a 403 is policy, not authentication)", "--trusted-host / --cert"),
        score=90,
        host=h.url,
    )
