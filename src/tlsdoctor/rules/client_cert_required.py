"""client-cert-required: the server requires a client certificate (mutual TLS).

Fails like::

    [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required   (TLS 1.3, on the first read)
    [SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure           (TLS 1.2)

Evidence: offering a throwaway client certificate changes the server's answer
(e.g. to ``unknown ca`` / ``bad certificate``): the server looks at client
certificates, so it wants one it trusts.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import EVERY_ATTEMPT, config_origin, pip_argv, pip_error_line, short

CAUSE = "client-cert-required"
READS = EVERY_ATTEMPT

_CERT_ALERTS = ("unknown ca", "bad certificate", "certificate unknown", "decrypt error", "access denied",
                "unsupported certificate", "certificate required", "alert_unknown_ca", "bad_certificate")


def _server_said_so(h: Host) -> bool:
    # TLS 1.3 sends certificate_required after the handshake: depending on
    # timing an attempt sees the alert or only the reset that follows it,
    # so the alert counts from any attempt against this host.
    return any("certificate required" in a.text or "certificate_required" in a.text for a in h.all_attempts())


def _refused_after_tls13_handshake(tls) -> bool:
    """A TLS 1.3 connection cut right after the handshake, before any answer: how a server that
    closes abruptly after its certificate_required alert looks when the reset discards the alert
    (real pip prints "EOF occurred in violation of protocol" or a reset; the lab's
    client-cert-tls13-abrupt)."""
    err = (tls.error or "").lower()
    return tls.version == "TLSv1.3" and tls.stage == "after_handshake" and (
        "eof occurred" in err or "reset" in err or "broken pipe" in err)


def _a_certificate_changes_the_answer(tls, cc) -> bool:
    """The server refused with an alert (or cut a TLS 1.3 connection right after the handshake),
    and offering a certificate was accepted or refused with a certificate alert instead."""
    server_refused = "alert" in (tls.error or "").lower() or _refused_after_tls13_handshake(tls)
    return tls.failed and server_refused and cc.ran and (
        cc.ok or (any(m in (cc.error or "").lower() for m in _CERT_ALERTS) and (cc.error or "") != (tls.error or "")))


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    tls = h.attempts.tls
    cc = h.attempts.client_cert
    if not (_server_said_so(h) or _a_certificate_changes_the_answer(tls, cc)):
        return None
    configured = f.pip_options.get("client_cert")
    ev = [M("client_cert_required.without_client_certificate", "without a client certificate: %s",
            short(tls.error or h.verdict_attempt.error))]
    if cc.ran:
        ev.append(M("client_cert_required.offering_throwaway_certificate", "offering a throwaway certificate: %s",
                    M("client_cert_required.accepted", "accepted") if cc.ok else short(cc.error)))
    ev.append(M("client_cert_required.pip_client_cert_2", "pip's client-cert: %s",
                configured or M("client_cert_required.not_set", "not set")))
    ev.append(pip_error_line(h))
    where, origin = config_origin(f, "client-cert")
    fix = [remedies.manual(M("client_cert_required.get_client_certificate",
                             "get a client certificate (PEM with its private key, one file) for %s from its "
                             "administrators", h.host)),
           remedies.set_config(pip_argv(f), "global.client-cert", "/path/to/client.pem",
                               M("client_cert_required.pip_client_cert", "or PIP_CLIENT_CERT / --client-cert"),
                               file=where, source=origin)]
    if configured:
        fix.insert(0,
                   remedies.manual(M("client_cert_required.pip_already_sends",
                                     "pip already sends %s: the server does not accept it (wrong CA, expired, or the "
                                     "key does not match)", configured)))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("client_cert_required.requires_client_certificate",
                  "%s:%d requires a client certificate (mutual TLS) that pip does not present", h.host, h.port)
        if not configured else M("client_cert_required.rejects_client_certificate",
                                 "%s:%d rejects the client certificate pip presents", h.host, h.port),
        evidence=tuple(ev),
        fix=tuple(fix),
        dead_ends=(M("client_cert_required.cert_certifi_requests",
                     "--cert / certifi / REQUESTS_CA_BUNDLE (those are for the server's certificate)"),
                   "--trusted-host"),
        score=75,
        host=h.url,
    )
