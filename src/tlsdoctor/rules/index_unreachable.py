"""index-unreachable: the index itself cannot be reached (no proxy involved).

Fails like::

    WARNING: Retrying (Retry(total=4, ...)) after connection broken by 'NewConnectionError(...: Failed to establish a new connection: [Errno 111] Connection refused')'
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
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
        why = M("index_unreachable.does_not_answer",
                "does not answer (TCP connect timed out: a firewall dropping packets, or the host is down)")
    elif "refused" in low or tcp.errno == 111:
        why = M("index_unreachable.refuses_connection_nothing", "refuses the connection (nothing listens on port %d)",
                h.port)
    elif "name" in low or "nodename" in low or "getaddrinfo" in low:
        why = M("index_unreachable.cannot_resolved_dns", "cannot be resolved (DNS)")
    else:
        why = M("index_unreachable.cannot_reached", "cannot be reached (%s)", short(tcp.error, 100))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("index_unreachable.index", "the index %s %s", h.url, why),
        evidence=(M("index_unreachable.no_proxy_used", "no proxy is used for %s", h.url),
                  M("index_unreachable.tcp_connect", "TCP connect to %s:%d: %s", h.host, h.port, short(tcp.error)),
                  pip_error_line(h)),
        fix=(
            remedies.manual(M("index_unreachable.check_index_url",
                              "check the index URL (pip config list; PIP_INDEX_URL) and that the host/port is right")),
            # PROXY:PORT is a placeholder: only the user knows their proxy, so fix shows the
            # command and never writes it (it would only trade one failure for another).
            remedies.set_env("https_proxy", "http://PROXY:PORT",
                             M("index_unreachable.if_you_need", "if you need a proxy to reach it"), automatic=False),
            remedies.manual(M("index_unreachable.if_index_vpn", "if the index is on a VPN, connect it first")),
        ),
        dead_ends=(M("index_unreachable.trusted_host_cert", "--trusted-host / --cert / certifi: no TLS happened"),
                   M("index_unreachable.more_retries", "more --retries")),
        score=85,
        host=h.url,
    )
