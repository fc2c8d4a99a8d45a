"""proxy-auth-required: the proxy answers CONNECT with 407.

Fails like::

    ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 407 Proxy Authentication Required'))

Evidence: the probe's own CONNECT through the same proxy, with the same
credentials pip would send (Basic, from the proxy URL), gets 407.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import pip_error_line, proxy_source, proxy_vars_fix

CAUSE = "proxy-auth-required"
READS = ("pip_request", "verify", "proxy")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    p = h.attempts.proxy
    if not h.proxy or p.connect_status != 407:
        return None
    has_creds = "***@" in (h.proxy or "")
    scheme = p.proxy_authenticate or "?"
    fix = []
    if scheme.lower() in ("ntlm", "negotiate", "kerberos"):
        fix.append(remedies.manual(M("proxy_auth_required.proxy_only_offers",
                                     "the proxy only offers %s, which pip (requests) cannot do: run a local relay such "
                                     "as px or cntlm and point https_proxy at it (http://127.0.0.1:3128)", scheme)))
    base = h.proxy.split("://", 1)
    new = "%s://USER:PASSWORD@%s" % (base[0],
                                     base[-1].split("@")[-1]) if len(base) == 2 else "http://USER:PASSWORD@proxy:port"
    fix += proxy_vars_fix(f, h, new, automatic=False)  # USER:PASSWORD: only the user knows them
    fix.append(remedies.manual(M("proxy_auth_required.percent_encode_special",
                                 "percent-encode special characters in the password (@ -> %40, : -> %3A, # -> %23)")))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("proxy_auth_required.proxy_demands_authentication",
                  "the proxy %s demands authentication (407) and pip %s", h.proxy,
                  M("proxy_auth_required.sends_credentials_rejects",
                    "sends credentials it rejects") if has_creds else M("proxy_auth_required.sends_none",
                                                                        "sends none")),
        evidence=(
            M("proxy_auth_required.connect_via_from",
              "CONNECT %s:%d via %s (from %s) -> 407 Proxy Authentication Required", h.host, h.port, h.proxy,
              proxy_source(f, h)),
            M("proxy_auth_required.proxy_asks", "the proxy asks for: %s", scheme),
            M("proxy_auth_required.credentials_proxy_url", "credentials in the proxy URL: %s",
              M("proxy_auth_required.yes_redacted",
                "yes (redacted)") if has_creds else M("proxy_auth_required.none", "none")),
            pip_error_line(h),
        ),
        fix=tuple(fix),
        dead_ends=(M("proxy_auth_required.trusted_host_cert",
                     "--trusted-host / --cert: the proxy refuses before TLS starts"),
                     M("proxy_auth_required.setting_only_http", "setting only HTTP_PROXY")),
        score=90,
        host=h.url,
    )
