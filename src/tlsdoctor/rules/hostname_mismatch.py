"""hostname-mismatch: the certificate is not valid for the host name or IP the client used.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'x'.
    CertificateError: hostname 'x' doesn't match 'y'        (urllib3 1.25 / Python 2.7)

Evidence: the chain verifies against pip's trust store when the name check is
off, and fails when it is on; the SANs do not list the host.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import VERIFY_FAILURE, chain, is_verify_failure, pip_cmd, pip_error_line, short

CAUSE = "hostname-mismatch"
READS = VERIFY_FAILURE + ("verify_nohost",)


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    if not is_verify_failure(h):
        return None
    with_name = h.attempts.effective
    without = h.attempts.verify_nohost
    text = h.verdict_attempt.text + " " + with_name.text
    said = "hostname mismatch" in text or "ip address mismatch" in text or "doesn't match" in text
    if not ((with_name.failed and without.ok) or said):
        return None
    certs = chain(h)
    sans = ", ".join(certs[0].sans) if certs else "?"
    return Diagnosis(
        cause=CAUSE,
        verdict=M("hostname_mismatch.certificate_not_issued", "%s's certificate is not issued for %r (it names: %s)",
                  h.host, h.host, sans),
        evidence=(
            M("hostname_mismatch.certificate_subject_sans", "certificate subject %s, SANs: %s",
              certs[0].subject if certs else "?", sans),
            M("hostname_mismatch.verification_name_check", "verification with the name check: %s",
              short(with_name.error or h.verdict_attempt.error)),
            M("hostname_mismatch.same_chain_without", "the same chain without the name check: %s",
              M("hostname_mismatch.verifies", "verifies") if without.ok else short(without.error)),
            pip_error_line(h),
        ),
        fix=(
            remedies.manual(M("hostname_mismatch.use_host_name",
                              "use a host name the certificate lists in the index URL (%s config list shows where it "
                              "is set)", pip_cmd(f))),
            remedies.server(M("hostname_mismatch.have_server_certificate",
                              "or have the server's certificate reissued with %s in subjectAltName", h.host)),
        ),
        dead_ends=(M("hostname_mismatch.cert_certifi_chain", "--cert / certifi (the chain is trusted)"),
                   M("hostname_mismatch.trusted_host_turns", "--trusted-host (turns all verification off)")),
        score=80,
        host=h.url,
    )
