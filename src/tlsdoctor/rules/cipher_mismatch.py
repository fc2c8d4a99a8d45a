"""cipher-mismatch: client and server share no cipher suite.

Fails like::

    [SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1006)

Evidence: the default handshake fails, but the same versions with a wide
cipher list (``ALL:@SECLEVEL=0``) succeed, negotiating a suite that
Python >= 3.10's defaults drop (RSA key exchange, SHA-1 MAC; bpo-43998).
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import HANDSHAKE_FAILURE_MARKERS, all_text, has, pip_error_line, short

CAUSE = "cipher-mismatch"
READS = ("pip_request", "tls", "verify", "wide_ciphers")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    tls = h.attempts.tls
    wide = h.attempts.wide_ciphers
    if not (tls.failed and tls.stage == "handshake" and wide.ok):
        return None
    if not has((tls.error or "").lower(), HANDSHAKE_FAILURE_MARKERS):
        return None  # a reset or EOF is not a negotiation failure
    text = all_text(h)
    if "dh key too small" in text or "unsafe legacy renegotiation" in text:
        return None  # weak-dh-key / legacy-renegotiation say it better
    if (wide.cipher or "").startswith(("DHE-", "EDH-")):
        return None
    return Diagnosis(
        cause=CAUSE,
        verdict=M("cipher_mismatch.offers_no_cipher",
                  "%s:%d offers no cipher suite this client allows (it only has %s)", h.host, h.port, wide.cipher),
        evidence=(
            M("cipher_mismatch.default_handshake", "default handshake: %s", short(tls.error)),
            M("cipher_mismatch.every_cipher_allowed",
              "with every cipher allowed (ALL:@SECLEVEL=0): succeeds with %s over %s", wide.cipher, wide.version),
            M("cipher_mismatch.client_python_default", "client: Python %s (%s default ciphers%s)", f.python_version,
              f.openssl_version,
              M("cipher_mismatch.no_rsa_key",
                ", no RSA key exchange / SHA-1 MAC since 3.10") if tuple(f.python_version_info[:2]) >= (3, 10) else ""),
            pip_error_line(h),
        ),
        fix=(
            remedies.server(M("cipher_mismatch.server_side_enable",
                              "server side: enable ECDHE with AES-GCM or CHACHA20 (any TLS 1.2 server from the last "
                              "decade can)")),
            remedies.manual(M("cipher_mismatch.client_side_there",
                              "client-side there is no pip option for ciphers; pip < 24.2 on urllib3 1.26 still "
                              "offered "
                              "RSA key exchange, so an older pip 'works' only by weakening TLS")),
        ),
        dead_ends=(M("cipher_mismatch.trusted_host_cert",
                     "--trusted-host / --cert / certifi (a cipher mismatch happens before any certificate)"),),
        score=70,
        host=h.url,
    )
