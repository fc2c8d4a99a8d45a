"""client-tls-too-old: the client cannot speak the TLS version the server requires.

Fails like::

    [SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:...)

*The server* sent the protocol_version alert: it rejected the highest version
this client offered. The evidence is the client's own ceiling (its OpenSSL's
``HAS_TLSv1_3``/``maximum_version``) and, when measured, a client without
that ceiling negotiating a higher version with the same server.

Not reproducible for real on this machine (every interpreter here links
OpenSSL 3.0 with TLS 1.3): the lab emulates an old client with an
OPENSSL_CONF ``MaxProtocol = TLSv1.2``; the rule's tests also use
constructed facts of a client without TLS 1.3.
"""

from __future__ import annotations

from typing import Optional

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import TLS_ORDER, Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import TLS_VERSIONS, all_text, pip_error_line, short, tls_index

CAUSE = "client-tls-too-old"
READS = ("pip_request", "tls", "verify") + TLS_VERSIONS


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    top = f.highest_tls
    if top is None or top == TLS_ORDER[-1]:
        return None
    tls = h.attempts.tls
    text = all_text(h)
    if not tls.failed or "alert protocol version" not in text:
        return None  # the *server* must be the one refusing
    variants = h.attempts.tls_versions()
    if any(variants[v].ok for v in TLS_ORDER[: tls_index(top) + 1] if v in variants):
        return None  # some version within this client's reach does work
    higher = _higher_version_that_works(f, h, top, variants)
    ev = [M("client_tls_too_old.client_speaks_most", "this client speaks at most %s (Python %s, %s%s)", top,
            f.python_version, f.openssl_version,
            M("client_tls_too_old.capped_openssl_conf", ", capped by OPENSSL_CONF") if _capped(f) else "")]
    ev.append(M("client_tls_too_old.server_rejected", "the server rejected it: %s", short(tls.error)))
    if higher:
        ev.append(M("client_tls_too_old.client_can_speak", "a client that can speak %s connects to the same server",
                    higher))
    ev.append(pip_error_line(h))
    cap = _cap(f)
    if cap and 0 <= tls_index(cap) < tls_index("TLSv1.2"):
        # A configured ceiling below every modern client's floor is a
        # configuration problem (openssl-config-restricts), not an old client.
        return None
    score = 74
    fix = [remedies.manual(M("client_tls_too_old.use_python_built",
                             "use a Python built against OpenSSL >= 1.1.1 (TLS 1.3): e.g. a current python.org, distro "
                             "or pyenv build"), remedies.Scope.INTERPRETER),
           remedies.run(("python", "-c", "import ssl; print(ssl.HAS_TLSv1_3, ssl.OPENSSL_VERSION)"),
                        M("client_tls_too_old.check_new_interpreter", "check the new interpreter"))]
    if _capped(f):
        fix.insert(0,
                   remedies.unset_env("OPENSSL_CONF",
                                      M("client_tls_too_old.ceiling_comes_from",
                                        "the ceiling comes from OPENSSL_CONF=%s (MaxProtocol = %s): "
                                        "remove that line or unset OPENSSL_CONF", (f.openssl_conf or {}).get("path"),
                                         cap), source="OPENSSL_CONF"))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("client_tls_too_old.requires_newer_tls",
                  "%s:%d requires a newer TLS version than this client's maximum (%s)", h.host, h.port, top),
        evidence=tuple(ev),
        fix=tuple(fix),
        dead_ends=("--trusted-host / --cert / certifi",
                   M("client_tls_too_old.upgrading_only_pip", "upgrading only pip (TLS comes from Python's OpenSSL)")),
        score=score,
        host=h.url,
    )


def _higher_version_that_works(f: Facts, h: Host, top: str, variants) -> Optional[str]:
    """A TLS version above this client's maximum that the same server accepts, if one was seen."""
    higher = None
    for v in TLS_ORDER[tls_index(top) + 1:]:
        # A variant pinned above the configured ceiling (possible when the
        # ceiling is configuration, not the build) shows what the server wants.
        if v in variants and variants[v].ok:
            higher = v
    for other in f.without_openssl_conf or ():
        if other.url == h.url and other.attempts.tls.ok and tls_index(other.attempts.tls.version) > tls_index(top):
            higher = other.attempts.tls.version
    return higher


def _cap(f: Facts):
    r = ((f.openssl_conf or {}).get("restrictions") or {})
    v = r.get("MaxProtocol") or r.get("maxprotocol")
    return v.strip() if v else None


def _capped(f: Facts) -> bool:
    return bool(_cap(f))
