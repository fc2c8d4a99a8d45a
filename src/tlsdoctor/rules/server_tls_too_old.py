"""server-tls-too-old: the server offers only TLS versions the client refuses.

Fails like::

    [SSL: UNSUPPORTED_PROTOCOL] unsupported protocol (_ssl.c:1006)
    [SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version

Evidence: the default handshake fails, but a handshake pinned to TLS 1.0 or
1.1 (with ``@SECLEVEL=0``, which OpenSSL 3 needs for them) succeeds, while
TLS 1.2 and 1.3 fail. The server is the old side.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import TLS_VERSIONS, pip_error_line, short

CAUSE = "server-tls-too-old"
READS = ("pip_request", "verify", "tls") + TLS_VERSIONS


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    tls = h.attempts.tls
    if not tls.failed:
        return None
    v = h.attempts.tls_versions()
    old_ok = [n for n in ("TLSv1", "TLSv1.1") if v.get(n) and v[n].ok]
    new_ok = [n for n in ("TLSv1.2", "TLSv1.3") if v.get(n) and v[n].ok]
    if not old_ok or new_ok:
        return None
    floor = f.default_minimum_version or M("server_tls_too_old.tls_openssl_security",
                                           "TLS 1.2 (OpenSSL 3 security level)")
    return Diagnosis(
        cause=CAUSE,
        verdict=M("server_tls_too_old.speaks_only_which",
                  "%s:%d speaks only %s, which this client refuses (its minimum is %s)", h.host, h.port,
                  " / ".join(old_ok), floor),
        evidence=(
            M("server_tls_too_old.default_handshake", "default handshake: %s", short(tls.error)),
            M("server_tls_too_old.pinned_seclevel_succeeds", "pinned to %s at @SECLEVEL=0: succeeds",
              " / ".join(old_ok)),
            M("server_tls_too_old.pinned_tls", "pinned to TLS 1.2 / 1.3: %s / %s",
              short((v.get("TLSv1.2").error if v.get("TLSv1.2") else None)
                    or M("server_tls_too_old.not_run", "not run"), 80),
              short((v.get("TLSv1.3").error if v.get("TLSv1.3") else None)
                    or M("server_tls_too_old.not_run", "not run"), 80)),
            M("server_tls_too_old.client_python_speaks", "client: Python %s, %s, speaks up to %s", f.python_version,
              f.openssl_version, f.highest_tls),
            pip_error_line(h),
        ),
        fix=(
            remedies.server(M("server_tls_too_old.server_must_enable",
                              "the server must enable TLS 1.2 (TLS 1.0/1.1 are deprecated by RFC 8996; PyPI dropped "
                              "them in 2018)")),
            remedies.manual(M("server_tls_too_old.there_no_safe",
                              "there is no safe client-side fix; do not lower the client's minimum TLS version for a "
                              "package index")),
        ),
        dead_ends=("--trusted-host / --cert / certifi",
                   M("server_tls_too_old.upgrading_pip_python",
                     "upgrading pip or Python (newer clients refuse old TLS even more)")),
        score=74,
        host=h.url,
    )
