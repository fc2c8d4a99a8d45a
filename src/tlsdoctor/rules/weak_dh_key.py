"""weak-dh-key: the server's Diffie-Hellman group is below the client's security level.

Fails like::

    [SSL: DH_KEY_TOO_SMALL] dh key too small (_ssl.c:1006)

OpenSSL reports this locally, after reading the server's key exchange; the
wide-cipher variant at ``@SECLEVEL=0`` then succeeds with a DHE suite.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import all_text, pip_error_line, short

CAUSE = "weak-dh-key"
READS = ("pip_request", "tls", "verify", "wide_ciphers")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    text = all_text(h)
    wide = h.attempts.wide_ciphers
    said = "dh key too small" in text or "dh_key_too_small" in text
    if not said:
        return None
    ev = [M("weak_dh_key.handshake", "handshake: %s", short(h.attempts.tls.error or h.verdict_attempt.error))]
    if wide.ok:
        ev.append(M("weak_dh_key.seclevel_handshake_succeeds", "at @SECLEVEL=0 the handshake succeeds with %s (%s)",
                    wide.cipher, wide.version))
    ev.append(pip_error_line(h))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("weak_dh_key.uses_diffie_hellman",
                  "%s:%d uses a Diffie-Hellman group too small for this client's security level", h.host, h.port),
        evidence=tuple(ev),
        fix=(
            remedies.server(M("weak_dh_key.server_side_use",
                              "server side: use ECDHE suites, or DHE with a >= 2048-bit group (e.g. ffdhe2048)")),
            remedies.manual(M("weak_dh_key.no_pip_option",
                              "no pip option lowers the security level; an OPENSSL_CONF cannot undo Python's explicit "
                              "@SECLEVEL=2")),
        ),
        dead_ends=("--trusted-host / --cert / certifi", M("weak_dh_key.upgrading_pip", "upgrading pip")),
        score=77,
        host=h.url,
    )
