"""missing-intermediate: the server does not send its intermediate certificate(s).

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate

Evidence: the server presents only its leaf; the leaf is not self-signed, so
its issuer is a CA; that issuer is in none of the stores here, yet a CA bundle
was set up for this index (or the leaf names where to fetch its issuer, AIA):
the link between leaf and trusted root is missing from what the server sends.
Without AIA or the intermediate itself, this is told apart from an untrusted
private CA by the configured bundle, so the untrusted-private-ca diagnosis is
kept as the runner-up.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import (VERIFY_FAILURE, any_store_verifies_lax, is_issuer_failure, effective_bundle_source, is_verify_failure,
                                     pip_error_line, short)

CAUSE = "missing-intermediate"
READS = VERIFY_FAILURE + ("verify_nohost", "verify_nostrict")


# Behind a proxy, a one-certificate chain may be the proxy's own (Python < 3.10
# sees only the leaf): the direct handshake tells the two apart.
@rule(CAUSE, reads=READS, deciding=("direct",), separates=("tls-interception",))
def diagnose(f: Facts, h: Host):
    if not is_verify_failure(h) or any_store_verifies_lax(h) or not is_issuer_failure(f, h):
        return None
    tls = h.attempts.tls
    if not tls.chain or len(tls.chain) != 1 or tls.chain[0].self_issued:
        return None
    if tuple(f.python_version_info[:2]) < (3, 10):
        # Before 3.10 only the leaf is visible: the chain length is unknown.
        sent = "the leaf (this Python cannot see further certificates)"
    else:
        sent = "only its leaf certificate, no intermediate"
    leaf = tls.chain[0]
    path, source = effective_bundle_source(f, h)
    configured = path is not None and (f.certifi is None or path != f.certifi.path)
    if not configured:
        return None
    return Diagnosis(
        cause=CAUSE,
        verdict="%s sends %s, so the chain to your trusted CA cannot be built" % (h.host, sent),
        evidence=(
            "presented: %s, issued by %s (not self-signed: its issuer is a CA)" % (leaf.subject, leaf.issuer),
            "the issuer %s is in no trust store here (pip's %s from %s, certifi, the OS store)" % (
                leaf.issuer, path, source),
            "verification: %s" % short(h.attempts.effective.verify_message or h.verdict_attempt.error),
            pip_error_line(h),
        ),
        fix=(
            remedies.server("server side (the real fix): serve the full chain (leaf + intermediate), e.g. nginx "
                            "ssl_certificate fullchain.pem"),
            remedies.Step(remedies.StepKind.ADD_CA, "client-side workaround: append the intermediate certificate to %s"
                          % path, remedies.Scope.USER, file=path, value="intermediate.pem"),
        ),
        dead_ends=("pip install -U certifi (intermediates are not in root stores)", "--trusted-host"),
        score=66,
        host=h.url,
    )
