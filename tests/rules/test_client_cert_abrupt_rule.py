"""client-cert-required when a TLS 1.3 server's alert is lost to the reset that follows it.

The lab's client-cert-tls13-abrupt scenario, in about one check in twenty, let
every attempt see only "EOF occurred in violation of protocol" after the
handshake (tests/check/test_check_lab.py failed with "no rule recognises why").
The client-certificate variant now listens before it writes (probe/target.py
``_listen_first``), so it reads the server's answer to the throwaway
certificate; the rule takes "EOF right after a TLS 1.3 handshake, and a
certificate alert once one is offered" as the server looking at client
certificates. Negative controls: the same EOF with no certificate alert, TLS
1.2, and an EOF during the handshake name nothing.
"""

from __future__ import annotations

from tlsdoctor.facts import Attempt
from tlsdoctor.rules.client_cert_required import _a_certificate_changes_the_answer

EOF_TEXT = "SSLEOFError: EOF occurred in violation of protocol (_ssl.c:2427)"
UNKNOWN_CA = "SSLError: [SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (_ssl.c:2427)"


def attempt(name, **kw):
    d = {"name": name, "status": "error", "error_kind": "tls"}
    d.update(kw)
    return Attempt.from_json(name, d)


def test_eof_after_a_tls13_handshake_then_a_certificate_alert_is_client_cert_required():
    tls = attempt("tls", stage="after_handshake", version="TLSv1.3", error=EOF_TEXT)
    cc = attempt("variant:client_cert", stage="after_handshake", version="TLSv1.3", error=UNKNOWN_CA)
    assert _a_certificate_changes_the_answer(tls, cc)


def test_negative_controls():
    cc_alert = attempt("variant:client_cert", stage="after_handshake", version="TLSv1.3", error=UNKNOWN_CA)
    cc_eof = attempt("variant:client_cert", stage="after_handshake", version="TLSv1.3", error=EOF_TEXT)
    tls13 = attempt("tls", stage="after_handshake", version="TLSv1.3", error=EOF_TEXT)
    tls12 = attempt("tls", stage="after_handshake", version="TLSv1.2", error=EOF_TEXT)
    in_handshake = attempt("tls", stage="handshake", error=EOF_TEXT)
    assert not _a_certificate_changes_the_answer(tls13, cc_eof)  # the certificate changed nothing
    assert not _a_certificate_changes_the_answer(tls12, cc_alert)  # not TLS 1.3's post-handshake refusal
    assert not _a_certificate_changes_the_answer(in_handshake, cc_alert)
