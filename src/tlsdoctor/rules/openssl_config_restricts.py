"""openssl-config-restricts: an OpenSSL configuration narrows versions or ciphers.

Fails like::

    [SSL: NO_PROTOCOLS_AVAILABLE] no protocols available
    [SSL: UNSUPPORTED_PROTOCOL] unsupported protocol

Evidence: OPENSSL_CONF sets MinProtocol/MaxProtocol/CipherString, the target's
default context reflects it, and the *same* interpreter without OPENSSL_CONF
completes the handshake with the same server.

Or OPENSSL_CONF names a FIFO, a device or a file over the probe's read cap:
OpenSSL reads that file whole when it initialises, i.e. at pip's first
``import ssl`` (CPython's _ssl/_hashlib call OPENSSL_init_ssl, which loads
the config), so pip blocks there for ever (a FIFO) or fails. The probe never
reads it (it measures without it and says so: ``ssl.openssl_conf_ignored``),
so every network finding was made without the setting pip would suffer.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import pip_error_line, short, tls_index

CAUSE = "openssl-config-restricts"
READS = ("pip_request", "verify", "tls")


def _without_the_config(f: Facts, h: Host):
    """The same handshake by the same interpreter without OPENSSL_CONF (the second look), if made."""
    without = None
    for other in f.without_openssl_conf or ():
        if other.url == h.url:
            without = other.attempts.tls
    return without


def _score(tls, restr) -> int:
    """Certain when OpenSSL itself refused locally, or the ceiling is below every modern server's floor."""
    text = (tls.error or "").lower()
    local = "no protocols available" in text or "no_protocols_available" in text or "no ciphers available" in text
    cap = restr.get("MaxProtocol")
    below_floor = cap is not None and 0 <= tls_index(cap.strip()) < tls_index("TLSv1.2")
    return 78 if (local or below_floor or "MaxProtocol" not in restr) else 62


@rule(CAUSE, on="facts", reads=READS)
def diagnose(f: Facts):
    unsafe = _unreadable(f)
    if unsafe:
        return unsafe
    for h in f.failing_hosts:
        d = _restricts(f, h)
        if d is not None:
            return d
    return None


def _unreadable(f: Facts):
    """OPENSSL_CONF is a FIFO / device / over the cap: pip's own ``import ssl`` blocks or fails on it."""
    conf = f.openssl_conf or {}
    why = conf.get("unsafe")
    if not why:
        return None
    path = conf.get("path")
    kind = conf.get("file_type") or "?"
    what = {"fifo": M("openssl_config_restricts.fifo", "a FIFO"),
            "character device": M("openssl_config_restricts.device", "a device"),
            "block device": M("openssl_config_restricts.device", "a device")}.get(kind, why)
    evidence = [
        M("openssl_config_restricts.openssl_conf", "OPENSSL_CONF=%s is %s (%s)", path, what, why),
        M("openssl_config_restricts.openssl_reads_file",
          "OpenSSL reads that file whole when it initialises, at pip's first `import ssl`: "
          "a FIFO blocks that import for ever, a device or a huge file fails or exhausts memory"),
        M("openssl_config_restricts.tlsdoctor_did_not", "tlsdoctor did not read it: %s",
          f.openssl_conf_ignored or M("openssl_config_restricts.probe_measured_without",
                                      "the probe measured without OPENSSL_CONF")),
    ]
    return Diagnosis(
        cause=CAUSE,
        verdict=M("openssl_config_restricts.openssl_conf_openssl",
                  "OPENSSL_CONF=%s is %s: OpenSSL reads it when pip imports ssl, so pip blocks or fails", path, what),
        evidence=tuple(evidence),
        fix=(remedies.unset_env("OPENSSL_CONF",
                                M("openssl_config_restricts.names_not_openssl",
                                  "it names %s, not an OpenSSL configuration file; find where it is "
                                  "set: shell profile, /etc/environment, a wrapper script", what),
                                source="OPENSSL_CONF"),),
        dead_ends=(M("openssl_config_restricts.trusted_host_cert",
                     "--trusted-host / --cert / certifi (pip never gets past `import ssl`)"),
                     M("openssl_config_restricts.upgrading_pip", "upgrading pip")),
        # pip cannot start any request: this comes before every network finding
        # (which the probe made without the setting).
        score=100,
    )


def _restricts(f: Facts, h: Host):
    conf = f.openssl_conf or {}
    restr = conf.get("restrictions") or {}
    if not restr:
        return None
    tls = h.attempts.tls
    if not (tls.failed and tls.stage == "handshake"):
        return None
    without = _without_the_config(f, h)
    if without is None or not without.ok:
        return None
    score = _score(tls, restr)
    return Diagnosis(
        cause=CAUSE,
        verdict=M("openssl_config_restricts.openssl_conf_restricts",
                  "OPENSSL_CONF=%s restricts TLS (%s), so the handshake with %s:%d fails", conf.get("path"),
                  ", ".join("%s = %s" % kv for kv in sorted(restr.items())), h.host, h.port),
        evidence=(
            M("openssl_config_restricts.openssl_conf_sets", "OPENSSL_CONF=%s sets %s", conf.get("path"),
              ", ".join("%s = %s" % kv for kv in sorted(restr.items()))),
            M("openssl_config_restricts.interpreter_default_context",
              "this interpreter's default context now allows %s .. %s", f.default_minimum_version or "?",
              f.default_maximum_version or "?"),
            M("openssl_config_restricts.handshake", "handshake with it: %s", short(tls.error)),
            M("openssl_config_restricts.same_interpreter_without",
              "the same interpreter without OPENSSL_CONF: succeeds (%s, %s)", without.version, without.cipher),
            pip_error_line(h),
        ),
        fix=(
            remedies.unset_env("OPENSSL_CONF",
                               M("openssl_config_restricts.find_where_set",
                                 "find where it is set: shell profile, /etc/environment, a wrapper "
                                 "script"), source="OPENSSL_CONF"),
            remedies.manual(M("openssl_config_restricts.remove_widen", "or remove or widen %s in %s",
                              ", ".join(sorted(restr)), conf.get("path"))),
        ),
        dead_ends=("--trusted-host / --cert / certifi", M("openssl_config_restricts.upgrading_pip", "upgrading pip")),
        score=score,
        host=h.url,
    )
