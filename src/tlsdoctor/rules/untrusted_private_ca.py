"""untrusted-private-ca: the chain ends at a CA the client does not trust.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate
    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate

Evidence: verification fails against every trust store present (pip's
bundle, certifi, the OS store, every configured bundle); the chain's top is a
private CA (or the leaf signs itself).

A server that sends only its leaf fails the same way when it forgot its
intermediate (``missing-intermediate``). The leaf's AIA caIssuers certificate
(the probe's ``aia_issuer``) decides: a self-signed root that signs the leaf
and is in no store, or an issuer that chains to no store, is a private CA; an
intermediate that chains to a store is the missing link (that rule's). Where
nothing decides (no AIA URL, the fetch failed) this is the likelier cause, and
the evidence names the alternative and the one question that tells them apart;
a fetch that was launched but did not finish is "could not tell", never a cause.
A configured ``cert`` bundle is no evidence either way (Debian/Ubuntu images
point it at the OS bundle).
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import J, M
from tlsdoctor.facts import ErrorKind, Facts, Host
from tlsdoctor.rules import Diagnosis, Undecided, rule
from tlsdoctor.rules._common import (VERIFY_FAILURE, any_store_verifies_lax, is_issuer_failure, chain,
                                     is_verify_failure, os_store_steps,
                                     pip_error_line, short, stores, use_bundle_steps)

CAUSE = "untrusted-private-ca"
READS = VERIFY_FAILURE + ("proxy", "verify_nohost", "verify_nostrict", "aia_issuer")
ALTERNATIVE = "missing-intermediate"


@rule(CAUSE, reads=READS, deciding=("direct",), separates=("tls-interception",))
def diagnose(f: Facts, h: Host):
    # Behind a proxy, only the direct handshake (same server, no proxy) tells a
    # private CA from an intercepting proxy's: without it, say so.
    return _proxy_certificate(f, h) or _server_certificate(f, h)


def _proxy_certificate(f: Facts, h: Host):
    """An https:// proxy whose own certificate the store pip verifies with does not trust."""
    if not h.proxy or not is_verify_failure(h):
        return None
    pv = h.attempts.proxy.tls_to_proxy_verify
    if pv is None or not pv.failed or not h.attempts.effective.ok:
        return None
    return Diagnosis(
        cause=CAUSE,
        verdict=M("untrusted_private_ca.https_proxy_presents",
                  "the https:// proxy %s presents a certificate pip does not trust (the index's is fine)", h.proxy),
        evidence=(
            M("untrusted_private_ca.tls_proxy_verified", "TLS to the proxy, verified with %s: %s",
              pv.cafile or M("untrusted_private_ca.pip_bundle", "pip's bundle"), short(pv.verify_message or pv.error)),
            M("untrusted_private_ca.index_own_certificate",
              "the index's own certificate, through the proxy, verifies with the same store"),
            pip_error_line(h),
        ),
        fix=(
            remedies.manual(M("untrusted_private_ca.add_ca_signed",
                              "add the CA that signed the proxy's certificate to the bundle pip uses (%s), keeping "
                              "the public roots in it", pv.cafile or "--cert")),
            remedies.manual(M("untrusted_private_ca.if_proxy_speaks",
                              "or, if the proxy speaks plain HTTP CONNECT too, write its URL as http://")),
        ),
        dead_ends=(M("untrusted_private_ca.trusted_host_does",
                     "--trusted-host (it does not cover the proxy's certificate)"),),
        score=61,
        host=h.url,
    )


def _trust_the_ca(f: Facts, h: Host, top, self_signed: bool) -> list:
    """Get the CA, then trust it where this pip looks: the OS store with truststore, else a bundle
    of what pip trusts now plus that CA (never the CA alone)."""
    ca_file = "index-ca.pem"
    # The presented top is the CA itself only when it signs itself; else the CA was not sent.
    sha = top.sha256 if top is not None and top.self_issued and top.sha256 else None
    fix = [remedies.manual(M("untrusted_private_ca.get_ca_certificate",
                             "get the CA certificate (%s) from the index's administrators, save it as %s",
                             top.subject if self_signed and top else (
                                 top.issuer if top else M("untrusted_private_ca.issuing_ca", "the issuing CA")),
                             ca_file))]
    if f.truststore_expected:
        fix += os_store_steps(f, ca_file, sha)
        fix.append(remedies.manual(M("untrusted_private_ca.pip_python_trusts",
                                     "(pip %s on Python %s trusts the OS store, so nothing else is needed)",
                                     f.pip_version, f.python_version), remedies.Scope.INTERPRETER))
    else:
        fix += use_bundle_steps(f, h, ca_file, ca_sha256=sha)
    return fix


def _what_is_presented(certs, self_signed: bool) -> str:
    top = certs[-1] if certs else None
    if self_signed:
        return M("untrusted_private_ca.self_signed_certificate", "a self-signed certificate (%s)", top.subject)
    return M("untrusted_private_ca.certificate_from", "a certificate from %s",
             top.issuer if top else M("untrusted_private_ca.unknown_ca", "an unknown CA"))


def _aia_private_root(h: Host):
    """A private root fetched by AIA is the CA to trust (its sha256 known, for the user to confirm)."""
    a = h.attempts.aia_issuer
    if a.ok and a.aia and a.aia.cert and a.aia.cert.self_issued and a.aia.verifies_leaf:
        return a.aia.cert
    return None


def _evidence(h: Host, certs, aia_said) -> tuple:
    tried = ", ".join(sorted(n for n, a in stores(h).items() if a.ran)) or M("untrusted_private_ca.none", "none")
    presented = J(" <- ",
                  (M("untrusted_private_ca.cert_issuer", "%s (issuer %s)", c.subject, c.issuer) for c in certs)) or "?"
    return (
        M("untrusted_private_ca.presented_chain", "presented chain: %s", presented),
        M("untrusted_private_ca.verification_against_every", "verification against every store present (%s): fails",
          tried),
        M("untrusted_private_ca.error", "error: %s",
          short(h.attempts.effective.verify_message or h.verdict_attempt.error)),
    ) + aia_said + (
        pip_error_line(h),
    )


def _server_certificate(f: Facts, h: Host):
    if not is_verify_failure(h) or any_store_verifies_lax(h) or not is_issuer_failure(f, h):
        return None
    certs = chain(h)
    self_signed = bool(certs) and len(certs) == 1 and certs[0].self_issued
    lone_leaf = len(certs) == 1 and not certs[0].self_issued
    aia_said = ()
    root = None
    if lone_leaf:
        decided = _aia_decides(h, certs[0])
        if decided is None or isinstance(decided, Undecided):
            return decided
        aia_said = decided
        root = _aia_private_root(h)
    fix = _trust_the_ca(f, h, root or (certs[-1] if certs else None), self_signed or root is not None)
    return Diagnosis(
        cause=CAUSE,
        verdict=M("untrusted_private_ca.presents_which_no", "%s presents %s, which no trust store pip uses here trusts",
                  h.host, _what_is_presented(certs, self_signed)),
        evidence=_evidence(h, certs, aia_said),
        fix=tuple(fix),
        dead_ends=(M("untrusted_private_ca.pip_install_u",
                     "pip install -U certifi (public stores never hold a private CA)"),
                   M("untrusted_private_ca.trusted_host_turns", "--trusted-host %s (turns verification off)", h.host),
                   M("untrusted_private_ca.bundle_only_private",
                     "a bundle with only the private CA (public hosts such as files.pythonhosted.org then fail)")),
        score=60,
        host=h.url,
    )


def _aia_decides(h: Host, leaf):
    """For a lone, non-self-issued leaf: evidence lines for a private CA, None when the AIA issuer shows a
    missing intermediate instead, or Undecided when the fetch that would decide did not finish."""
    a = h.attempts.aia_issuer
    aia = a.aia if a.ok else None
    # A fetch cut off by the probe's own deadline (its socket timeout is the
    # deadline) did not finish either: more time might have decided it.
    if a.unfinished or (a.failed and a.error_kind is ErrorKind.TIMEOUT):
        why = M("untrusted_private_ca.aia_issuer_fetch", "the AIA issuer fetch (%s) did not finish: %s%s", a.name,
                M("untrusted_private_ca.timed_out", "timed out") if a.failed else a.status,
                (" (%s)" % short(a.error)) if a.error else "")
        return Undecided(CAUSE, (CAUSE, ALTERNATIVE), why, h.url)
    if aia is not None and aia.cert is not None:
        got = aia.cert
        if got.self_issued and aia.verifies_leaf:
            return (M("untrusted_private_ca.leaf_aia_caissuers_4",
                      "the leaf's AIA caIssuers %s serves a self-signed root, %s, which signs the leaf and is in no "
                      "store here: the leaf comes straight from a private root", aia.url, got.subject),)
        if aia.verifies_leaf and aia.chains_to:
            return None  # the fetched intermediate completes the chain: missing-intermediate
        if aia.verifies_leaf:
            return (M("untrusted_private_ca.leaf_aia_caissuers_3",
                      "the leaf's AIA caIssuers %s serves its issuer %s, but even with it the chain reaches no "
                      "trusted root (it ends at %s)", aia.url, got.subject, got.issuer),)
        return (M("untrusted_private_ca.leaf_aia_caissuers_2",
                  "the leaf's AIA caIssuers %s serves %s, which does not verify the leaf, so it decides nothing; %s",
                  aia.url, got.subject, _question(leaf)),)
    if a.failed:
        return (M("untrusted_private_ca.leaf_aia_caissuers",
                  "the leaf's AIA caIssuers %s could not be fetched (%s): %s", a.aia.url if a.aia else "URL",
                  short(a.error), _question(leaf)),)
    return (M("untrusted_private_ca.no_aia_issuer",
              "no AIA issuer was fetched (the leaf names no http:// caIssuers URL), so nothing here tells this "
              "from %s: %s", ALTERNATIVE, _question(leaf)),)


def _question(leaf) -> str:
    return (M("untrusted_private_ca.server_forgets_intermediate",
              "a server that forgets its intermediate fails the same way (%s, less common): does the index's "
              "administrator serve the full chain? Ask for the certificate of %s and whether it is a root or an "
              "intermediate", ALTERNATIVE, leaf.issuer))
