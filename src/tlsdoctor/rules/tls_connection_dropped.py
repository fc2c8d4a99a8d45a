"""tls-connection-dropped: TCP connects, but the TLS handshake is cut off.

Fails like::

    SSLError(SSLEOFError(8, 'EOF occurred in violation of protocol (_ssl.c:1006)'))
    ConnectionResetError(104, 'Connection reset by peer')
    ... The handshake operation timed out

Evidence: TCP works; every handshake variant (other versions, wide cipher
set, a client certificate) ends in EOF/reset/timeout, and the port does not
speak plain HTTP either. The peer (or a middlebox) hangs up on the
ClientHello itself.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import VARIANTS, EOF_MARKERS, TIMEOUT_MARKERS, has, pip_error_line, short

CAUSE = "tls-connection-dropped"
READS = ("pip_request", "verify", "tls") + VARIANTS


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    if h.scheme != "https":
        return None
    tls = h.attempts.tls
    if not (tls.failed and tls.stage == "handshake"):
        return None
    text = (tls.error or "").lower()
    if not (has(text, EOF_MARKERS) or tls.timeout or has(text, TIMEOUT_MARKERS)):
        return None
    variants = h.attempts.variants(exclude=("plain_http", "direct"))
    if any(v.ok for v in variants.values()):
        return None
    plain = h.attempts.plain_http
    if plain.ok and plain.speaks_http:
        return None
    tried = ", ".join(sorted(k for k,
                             v in variants.items() if v.ran)) or M("tls_connection_dropped.none_finished",
                                                                   "none finished")
    timed_out = tls.timeout or has(text, TIMEOUT_MARKERS)
    direct = h.attempts.direct
    evidence = [
        M("tls_connection_dropped.tcp", "TCP to %s:%d %s", h.host, h.port,
          M("tls_connection_dropped.via_proxy", "via proxy %s",
            h.proxy) if h.proxy else M("tls_connection_dropped.connects", "connects")),
        M("tls_connection_dropped.tls_handshake", "TLS handshake: %s", short(tls.error)),
        M("tls_connection_dropped.handshake_variants_also", "handshake variants that also failed the same way: %s",
          tried),
    ]
    if direct.ok:
        evidence.append(M("tls_connection_dropped.bypassing_proxy_handshake",
                          "bypassing the proxy, the handshake works: the proxy path drops TLS"))
    evidence.append(pip_error_line(h))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("tls_connection_dropped.accepts_tcp_but", "%s:%d accepts TCP but %s the TLS handshake", h.host,
                  h.port,
                  M("tls_connection_dropped.never_completes",
                    "never completes") if timed_out else M("tls_connection_dropped.cuts_off", "cuts off")),
        evidence=tuple(evidence),
        fix=(
            remedies.manual(M("tls_connection_dropped.something_path_closes",
                              "something on the path closes TLS to this host: a firewall/DPI rule, a VPN, antivirus "
                              "web "
                              "filtering, or the server itself; test from another network to tell which")),
            remedies.server(M("tls_connection_dropped.ask_network_security",
                              "ask the network/security team to allow TLS to %s:%d", h.host, h.port)),
        ),
        dead_ends=(M("tls_connection_dropped.cert_certifi_requests",
                     "--cert / certifi / REQUESTS_CA_BUNDLE: no certificate was received"),
                   M("tls_connection_dropped.trusted_host_tls", "--trusted-host (TLS is still attempted)"),
                   M("tls_connection_dropped.other_tls_versions",
                     "other TLS versions or ciphers (tried: same result)")),
        score=55,
        host=h.url,
    )
