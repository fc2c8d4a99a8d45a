"""missing-intermediate: the server does not send its intermediate certificate(s).

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate

Evidence: the server presents only its leaf (not self-signed: its issuer is a
CA) and that issuer is in no store here; the leaf's AIA caIssuers URL
(RFC 5280 4.2.2.1) serves that issuer, which verifies the leaf and, added to
a store pip could use, completes the chain to a trusted root (the probe's
``aia_issuer`` attempt: one verified handshake per store with the fetched
certificate added). Browsers fetch that URL themselves, which is why "it works
in the browser"; OpenSSL, so Python and pip, never does.

A configured CA bundle is no evidence (Debian/Ubuntu and corporate images point
pip's ``cert`` at the OS bundle): without the fetched issuer this cannot be told
from an untrusted private CA, and ``untrusted-private-ca`` says so, naming this
cause as the alternative (or, when the AIA fetch did not finish, "could not tell").
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import (VERIFY_FAILURE, any_store_verifies_lax, is_issuer_failure, is_verify_failure,
                                     pip_error_line, short, use_bundle_steps)

CAUSE = "missing-intermediate"
READS = VERIFY_FAILURE + ("verify_nohost", "verify_nostrict", "aia_issuer")


def lone_leaf(f: Facts, h: Host):
    """The presented leaf when pip failed for lack of its issuer and the server sent it alone, else None."""
    if not is_verify_failure(h) or any_store_verifies_lax(h) or not is_issuer_failure(f, h):
        return None
    tls = h.attempts.tls
    if not tls.chain or len(tls.chain) != 1 or tls.chain[0].self_issued:
        return None
    return tls.chain[0]


def fetched_intermediate(h: Host):
    """The AIA-fetched issuer when it is the missing link: an intermediate (not self-issued) that
    verifies the leaf and chains to a store; else None."""
    a = h.attempts.aia_issuer
    aia = a.aia if a.ok else None
    if aia is None or aia.cert is None or aia.cert.self_issued:
        return None
    if not aia.verifies_leaf or not aia.chains_to:
        return None
    return aia


# Behind a proxy, a one-certificate chain may be the proxy's own (Python < 3.10
# sees only the leaf): the direct handshake tells the two apart.
@rule(CAUSE, reads=READS, deciding=("direct",), separates=("tls-interception",))
def diagnose(f: Facts, h: Host):
    leaf = lone_leaf(f, h)
    aia = fetched_intermediate(h) if leaf is not None else None
    if aia is None:
        return None
    if tuple(f.python_version_info[:2]) < (3, 10):
        # Before 3.10 only the leaf is visible: the chain length is unknown.
        sent = M("missing_intermediate.leaf_python_cannot", "the leaf (this Python cannot see further certificates)")
    else:
        sent = M("missing_intermediate.only_leaf_certificate", "only its leaf certificate, no intermediate")
    mid = aia.cert
    stores = ", ".join(aia.chains_to)
    ca_file = "intermediate.pem"
    fix = [
        remedies.server(M("missing_intermediate.server_side_real",
                          "server side (the real fix): serve the full chain (leaf + intermediate %s), e.g. nginx "
                          "ssl_certificate fullchain.pem", mid.subject)),
        remedies.manual(M("missing_intermediate.client_side_workaround",
                          "client-side workaround: save the intermediate from %s as %s (PEM; `openssl x509 -inform der "
                          "-in issuer.cer -out %s` when it is DER), sha256 %s", aia.url, ca_file, ca_file, mid.sha256)),
    ]
    fix += use_bundle_steps(f, h, ca_file, ca_sha256=mid.sha256 or None)
    return Diagnosis(
        cause=CAUSE,
        verdict=M("missing_intermediate.sends_aia_url",
                  "%s sends %s; its AIA URL serves the missing intermediate, which chains to your trusted root", h.host,
                  sent),
        evidence=(
            M("missing_intermediate.presented_issued_not",
              "presented: %s, issued by %s (not self-signed: its issuer is a CA)", leaf.subject, leaf.issuer),
            M("missing_intermediate.issuer_no_trust", "the issuer is in no trust store here: %s",
              short(h.attempts.effective.verify_message
                                                               or h.verdict_attempt.error)),
            M("missing_intermediate.leaf_aia_caissuers",
              "the leaf's AIA caIssuers %s%s serves %s (issuer %s, sha256 %s)", aia.url,
              (M("missing_intermediate.fetched_through", " (fetched through %s)", aia.proxy)) if aia.proxy else "",
              mid.subject, mid.issuer, mid.sha256[:16] + "…" if mid.sha256 else "?"),
            M("missing_intermediate.verifies_leaf_chain",
              "it verifies the leaf, and with it the chain verifies against: %s", stores),
            pip_error_line(h),
        ),
        fix=tuple(fix),
        dead_ends=(M("missing_intermediate.pip_install_u",
                     "pip install -U certifi (intermediates are not in root stores)"), "--trusted-host",
                   M("missing_intermediate.browser_working_fetches",
                     "a browser working (it fetches the AIA intermediate itself; pip never does)")),
        score=66,
        host=h.url,
    )
