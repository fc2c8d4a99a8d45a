"""truststore-ip-address: pip 24.2-26.0 with truststore cannot use an https:// index (or proxy) given by IP.

Fails like::

    ValueError: check_hostname requires server_hostname

Mechanism (pypa/pip#12905): urllib3 1.26 passes no ``server_hostname`` for an
IP literal (no SNI for IPs) and checks the IP itself after the handshake;
truststore's context keeps ``check_hostname=True``, so ``SSLSocket._create``
raises before a byte is sent. urllib3 2 (pip >= 26.1) passes the IP and lets
OpenSSL check it. Evidence: the host is an IP literal, pip's session uses a
truststore context, pip's own request dies with that ValueError, and a plain
handshake with the same host works.
"""

from __future__ import annotations

import ipaddress

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import pip_argv, pip_error_line

CAUSE = "truststore-ip-address"
READS = ("pip_request", "verify", "tls")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    text = h.verdict_attempt.text
    if "check_hostname requires server_hostname" not in text:
        return None
    proxy_host = None
    if h.proxy and "://" in h.proxy:
        proxy_host = h.proxy.split("://", 1)[1].split("@")[-1].rsplit(":", 1)[0]
    ip_index = _is_ip(h.host)
    ip_proxy = bool(proxy_host and _is_ip(proxy_host) and h.proxy.lower().startswith("https://"))
    if not (ip_index or ip_proxy):
        return None
    truststore = bool(h.session and h.session.uses_truststore) or f.truststore_expected
    if not truststore:
        # pip <= 24.1 (or Python < 3.10, or legacy-certs) verifies with urllib3's own
        # context: the same ValueError there comes from urllib3 1.26's
        # _connect_tls_proxy to an https:// proxy given by IP (proxy-scheme-mismatch
        # when that proxy speaks plain HTTP), not from truststore.
        return None
    what = M("truststore_ip_address.index", "index %s",
             h.url) if ip_index else M("truststore_ip_address.https_proxy", "https:// proxy %s", h.proxy)
    return Diagnosis(
        cause=CAUSE,
        verdict=M("truststore_ip_address.pip_truststore_cannot",
                  "pip %s with truststore cannot verify an %s addressed by IP", f.pip_version, what),
        evidence=(
            M("truststore_ip_address.ip_address_not", "%s is an IP address, not a host name",
              h.host if ip_index else proxy_host),
            M("truststore_ip_address.pip_python_verifies", "pip %s on Python %s verifies with %s", f.pip_version,
              f.python_version,
              M("truststore_ip_address.truststore_context",
                "a truststore context") if truststore else M("truststore_ip_address.default_context",
                                                             "its default context")),
            M("truststore_ip_address.plain_tls_handshake", "a plain TLS handshake with the same address: %s",
              M("truststore_ip_address.works",
                "works") if h.attempts.tls.ok else (h.attempts.tls.error or h.attempts.tls.status)),
            pip_error_line(h),
        ),
        fix=(
            remedies.manual(M("truststore_ip_address.address_host_name",
                              "address the %s by a host name its certificate lists (e.g. an /etc/hosts entry)",
                              M("truststore_ip_address.the_index",
                                "index") if ip_index else M("truststore_ip_address.the_proxy", "proxy"))),
            remedies.run(pip_argv(f) + ("install", "--upgrade", "pip"),
                         M("truststore_ip_address.upgrade_pip_passes",
                           "or upgrade pip (>= 26.1 passes the IP to OpenSSL)")),
            remedies.set_config(pip_argv(f), "global.use-deprecated", "legacy-certs",
                                M("truststore_ip_address.now_verify_certifi",
                                  "or, for now: verify with certifi only (pip's --use-deprecated=legacy-certs)")),
        ),
        dead_ends=(M("truststore_ip_address.cert_certifi_failure",
                     "--cert / certifi (the failure is before any certificate is seen)"),
                   M("truststore_ip_address.trusted_host_valueerror",
                     "--trusted-host (the ValueError happens all the same)")),
        score=88,
        host=h.url,
    )
