"""index-unreachable: the index itself cannot be reached (no proxy involved).

Fails like::

    WARNING: Retrying (Retry(total=4, ...)) after connection broken by 'NewConnectionError(...: Failed to establish a new connection: [Errno 111] Connection refused')'
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import pip_error_line, short

CAUSE = "index-unreachable"
READS = ("pip_request", "verify", "tcp")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    if h.proxy:
        return None
    tcp = h.attempts.tcp
    if not tcp.failed:
        return None
    low = (tcp.error or "").lower()
    if tcp.timeout:
        why = "does not answer (TCP connect timed out: a firewall dropping packets, or the host is down)"
    elif "refused" in low or tcp.errno == 111:
        why = "refuses the connection (nothing listens on port %d)" % h.port
    elif "name" in low or "nodename" in low or "getaddrinfo" in low:
        why = "cannot be resolved (DNS)"
    else:
        why = "cannot be reached (%s)" % short(tcp.error, 100)
    return Diagnosis(
        cause=CAUSE,
        verdict="the index %s %s" % (h.url, why),
        evidence=("no proxy is used for %s" % h.url, "TCP connect to %s:%d: %s" % (h.host, h.port, short(tcp.error)),
                  pip_error_line(h)),
        fix=(
            remedies.manual("check the index URL (pip config list; PIP_INDEX_URL) and that the host/port is right"),
            remedies.set_env("https_proxy", "http://PROXY:PORT", "if you need a proxy to reach it"),
            remedies.manual("if the index is on a VPN, connect it first"),
        ),
        dead_ends=("--trusted-host / --cert / certifi: no TLS happened", "more --retries"),
        score=85,
        host=h.url,
    )
