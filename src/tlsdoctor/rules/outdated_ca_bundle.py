"""outdated-ca-bundle: the trust store pip uses lacks a root that another store on this machine has.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate

Evidence: verification fails against the bundle pip's session uses, and
succeeds against another store present here (the OS default paths, an
SSL_CERT_FILE, a newer certifi), *and* the chain ends at a **public** root:
one of the current Mozilla/certifi roots tlsdoctor ships
(``tlsdoctor.public_roots.anchor_of``, by fingerprint, key, or issuer name and
key id). A company's inspection CA or a private CA is also "a root another
store has": for it a newer bundle is a dead end (issue 8), so without that
proof this rule stays silent (tls-interception says what it is).
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import (VERIFY_FAILURE, is_verify_failure, pip_argv, pip_error_line, public_anchor,
                                     root_list_note, short, stores, stores_where_pip_fails, use_bundle_steps)

CAUSE = "outdated-ca-bundle"
READS = VERIFY_FAILURE
_NAMES = {"system": M("outdated_ca_bundle.os_store", "the OS store (OpenSSL default paths)"),
          "certifi": M("outdated_ca_bundle.pip_certifi", "pip's certifi"),
          "SSL_CERT_FILE": "SSL_CERT_FILE", "pip_cert": M("outdated_ca_bundle.pip_cert", "pip's cert"),
          "REQUESTS_CA_BUNDLE": "REQUESTS_CA_BUNDLE",
          "CURL_CA_BUNDLE": "CURL_CA_BUNDLE"}
# public_roots.Anchor.how: what proved the root public (the English is the identifier itself).
_HOW = {"fingerprint": M("outdated_ca_bundle.how_fingerprint", "fingerprint"),
        "spki": M("outdated_ca_bundle.how_spki", "spki"),
        "issuer-key-id": M("outdated_ca_bundle.how_issuer_key_id", "issuer-key-id")}


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    if not is_verify_failure(h):
        return None
    good = stores_where_pip_fails(h)
    if not good:
        return None
    st = stores(h)
    eff = st["effective"]
    anchor, _ = public_anchor(h)
    if anchor is None:
        return None  # no proof the missing root is public: not an old bundle
    name = "system" if "system" in good else good[0]
    where = st[name].cafile or (f.default_verify_paths.get("cafile") or f.default_verify_paths.get("openssl_cafile"))
    fix = []
    if tuple(f.python_version_info[:2]) >= (3, 10) and not f.truststore_expected:
        fix.append(remedies.run(pip_argv(f) + ("install", "--upgrade", "pip>=24.2", "--cert", where or "BUNDLE"),
                                M("outdated_ca_bundle.pip_python_also",
                                  "pip >= 24.2 on Python >= 3.10 also trusts the OS store")))
    fix += use_bundle_steps(f, h, where or "THE-STORE-THAT-WORKS")
    return Diagnosis(
        cause=CAUSE,
        verdict=M("outdated_ca_bundle.pip_verifies_which", "pip verifies with %s, which lacks the root that %s has",
                  eff.cafile or M("outdated_ca_bundle.bundle", "its bundle"), _NAMES.get(name, name)),
        evidence=(
            M("outdated_ca_bundle.against_pip_bundle", "against pip's bundle %s: %s", eff.cafile,
              short(eff.verify_message or eff.error)),
            M("outdated_ca_bundle.against_verifies", "against %s (%s): verifies", _NAMES.get(name, name), where),
            M("outdated_ca_bundle.chain_ends_public", "the chain ends at the public root %s (matched by %s in %s)",
              anchor.root.subject, _HOW.get(anchor.how, anchor.how), root_list_note()),
            M("outdated_ca_bundle.pip_python_os", "pip %s on Python %s %s the OS store", f.pip_version,
              f.python_version,
              M("outdated_ca_bundle.uses",
                "uses") if f.truststore_expected else M("outdated_ca_bundle.does_not_use", "does not use")),
            pip_error_line(h),
        ),
        fix=tuple(fix),
        dead_ends=(M("outdated_ca_bundle.trusted_host_turns", "--trusted-host (turns verification off)"),
                   M("outdated_ca_bundle.bundle_only_one", "a bundle with only this one root")),
        score=72,
        host=h.url,
    )
