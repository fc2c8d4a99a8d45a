"""strict-x509-rejects-ca: Python 3.13+ strict verification rejects a non-compliant CA.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Basic Constraints of CA cert not marked critical
    ... Missing Authority Key Identifier

Evidence: pip's verification fails; the same chain against the same bundle
verifies without ``VERIFY_X509_STRICT`` and fails with it.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import VERIFY_FAILURE, is_verify_failure, pip_error_line, short

CAUSE = "strict-x509-rejects-ca"
READS = VERIFY_FAILURE + ("verify_strict", "verify_nostrict")
_STRICT = ("not marked critical", "missing authority key identifier", "missing subject key identifier",
           "authority key identifier", "basic constraints", "invalid ca certificate",
           "ca cert does not include key usage")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    if not is_verify_failure(h):
        return None
    strict = h.attempts.verify_strict
    lax = h.attempts.verify_nostrict
    said = any(m in h.verdict_attempt.text for m in _STRICT)
    proven = strict.failed and lax.ok
    if not (said or proven):
        return None
    ev = [M("strict_x509_rejects_ca.pip_verification", "pip's verification: %s", short(h.verdict_attempt.error))]
    if strict.ran:
        ev.append(M("strict_x509_rejects_ca.verify_x_strict", "with VERIFY_X509_STRICT: %s",
                    short(strict.verify_message or strict.error)))
    if lax.ran:
        ev.append(M("strict_x509_rejects_ca.same_bundle_without", "same bundle, without VERIFY_X509_STRICT: %s",
                    M("strict_x509_rejects_ca.verifies", "verifies") if lax.ok else short(lax.error)))
    ev.append(pip_error_line(h))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("strict_x509_rejects_ca.python_strict_x",
                  "Python %s's strict X.509 checks reject a CA in %s's chain (not RFC 5280 compliant)",
                  f.python_version, h.host),
        evidence=tuple(ev),
        fix=(
            remedies.server(M("strict_x509_rejects_ca.reissue_ca_critical",
                              "reissue the CA with a critical basicConstraints and Subject/Authority Key Identifiers "
                              "(what 3.13's VERIFY_X509_STRICT requires)")),
            remedies.manual(M("strict_x509_rejects_ca.until_then_run",
                              "until then: run pip with a Python < 3.13, or a pip whose context does not set "
                              "VERIFY_X509_STRICT"), remedies.Scope.INTERPRETER),
        ),
        dead_ends=(M("strict_x509_rejects_ca.trusted_host_turns", "--trusted-host (turns all verification off)"),
                   M("strict_x509_rejects_ca.adding_same_ca", "adding the same CA to --cert again")),
        score=79,
        host=h.url,
    )
