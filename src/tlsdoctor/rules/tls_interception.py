"""tls-interception: a middlebox re-signs TLS traffic with its own CA.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain
    ... unable to get local issuer certificate

Evidence: through the proxy pip uses, the server presents a different
certificate (another key, another issuer) than when reached directly: the
proxy terminates TLS and signs its own copy. Without a proxy to bypass
(a transparent middlebox, antivirus, VPN): the chain ends at a CA outside
the public root list (``tlsdoctor.public_roots``) that a store on this
machine trusts and pip's bundle does not, and the same CA signs the other
failing hosts of unrelated domains. From one host alone that is also what a
private CA looks like: then ``Undecided`` between the two. Never decided
from host names.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import J, M
from typing import List

from tlsdoctor.facts import ErrorKind, Facts, Host
from tlsdoctor.rules import Diagnosis, Undecided, rule
from tlsdoctor.rules._common import (VERIFY_FAILURE, chain, is_verify_failure, os_store_steps, pip_error_line,
                                     public_anchor, root_list_note, short, stores, stores_where_pip_fails,
                                     use_bundle_steps)

CAUSE = "tls-interception"
READS = VERIFY_FAILURE + ("second_host",)

@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    return _via_proxy(f, h) or _local_ca(f, h)


def _inspection_ca_fix(f: Facts, h, top) -> list:
    """Get the inspection CA, then trust it where this pip looks (the OS store
    with truststore, else a bundle of public roots plus that CA)."""
    # The presented top is the CA itself only when it signs itself; else the CA was not sent.
    sha = top.sha256 if top.self_issued and top.sha256 else None
    fix = [remedies.manual(M("tls_interception.get_inspection_ca",
                             "get the inspection CA certificate from your IT team (issuer: %s), save it as "
                             "inspection-ca.pem", top.issuer or top.subject))]
    if f.truststore_expected:
        fix += os_store_steps(f, "inspection-ca.pem", sha) + [remedies.manual(
            M("tls_interception.pip_python_already",
              "pip %s on Python %s already uses the OS store: adding the inspection CA there is enough", f.pip_version,
              f.python_version), remedies.Scope.INTERPRETER)]
    else:
        fix += use_bundle_steps(f, h, "inspection-ca.pem", ca_sha256=sha)
    return fix


def _domain(host: str) -> str:
    """The last two labels of a DNS name (an IP address stays whole): "unrelated" means these differ."""
    if host.replace(".", "").isdigit() or ":" in host:
        return host
    return ".".join(host.lower().rstrip(".").split(".")[-2:])


def _same_ca_unrelated_hosts(f: Facts, h: Host, top) -> List[Host]:
    """Other failing hosts of this run presented by the same non-public CA, for other domains.

    One CA outside the public list signing for unrelated domains is what a
    middlebox that re-signs every site looks like; a private index CA signs
    for its own domain."""
    out = []
    for o in f.failing_hosts:
        oc = chain(o)
        if o.url == h.url or not oc or _domain(o.host) == _domain(h.host):
            continue
        if oc[-1].issuer == top.issuer and oc[0].sha256 != chain(h)[0].sha256 and public_anchor(o) == (None, True):
            out.append(o)
    return out


def _local_ca(f: Facts, h: Host):
    """No proxy to bypass: the chain ends at a CA outside the public root list that another store
    on this machine trusts, and pip's bundle does not (issue 8: this is not an old bundle)."""
    if not is_verify_failure(h):
        return None
    good = stores_where_pip_fails(h)
    if good is None:
        return None
    good = sorted(good)
    st = stores(h)
    eff = st["effective"]
    anchor, known = public_anchor(h)
    if not good or anchor is not None or not known:
        return None
    certs = chain(h)
    top = certs[-1]
    ca = top.issuer or top.subject
    evidence = [
        M("tls_interception.presented", "presented: %s",
          J(" <- ", (M("tls_interception.cert_issuer", "%s (issuer %s)", c.subject, c.issuer) for c in certs))),
        M("tls_interception.ca_not", "its CA %s is not in %s", ca, root_list_note()),
        M("tls_interception.pip_bundle_does", "pip's bundle %s does not trust it: %s", eff.cafile,
          short(eff.verify_message or eff.error)),
        M("tls_interception.stores_machine_do", "stores on this machine that do trust it: %s", ", ".join(good)),
        pip_error_line(h),
    ]
    others = _same_ca_unrelated_hosts(f, h, top)
    if not others:
        # A middlebox re-signing this host and a private CA serving it look
        # the same from one host: say both, and what would tell them apart.
        return Undecided(CAUSE, (CAUSE, "untrusted-private-ca"),
                         M("tls_interception.chain_ends_ca",
                           "%s's chain ends at %s, a CA outside the public root list that %s trusts and pip's "
                           "bundle does not: a middlebox re-signing TLS and a private CA look the same from one "
                           "host (does %s present this CA from another network?)", h.host, ca, ", ".join(good), h.host),
                         h.url)
    evidence.insert(2,
                    M("tls_interception.same_ca_signs",
                      "the same CA signs %s too: one CA outside the public list for unrelated domains",
                      ", ".join(o.host for o in others)))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("tls_interception.tls_intercepted_certificate",
                  "TLS to %s is intercepted: its certificate is issued by %s, not by a public CA", h.host, ca),
        evidence=tuple(evidence),
        fix=tuple(_inspection_ca_fix(f, h, top)),
        dead_ends=(M("tls_interception.pip_install_u_2",
                     "pip install -U certifi (certifi only carries public roots, never a company's CA)"),
                   M("tls_interception.trusted_host_turns_2",
                     "--trusted-host (it turns verification off, and every other host still fails)")),
        score=83,
        host=h.url,
    )


def _second_host_resigned(f: Facts, h, via_chain):
    """Going direct is impossible; another host through the same proxy arrives
    signed by the same issuer as the index: one CA signing for unrelated hosts
    is what an inspection proxy looks like (check --second-host)."""
    other = h.second_host
    # The chain is the evidence; it is there once the handshake got that far,
    # whatever happened after it.
    if not (other.chain and via_chain[-1].issuer):
        return None
    if other.chain[0].issuer != via_chain[0].issuer or other.chain[0].sha256 == via_chain[0].sha256:
        return None
    fix = _inspection_ca_fix(f, h, via_chain[-1])
    return Diagnosis(
        cause=CAUSE,
        verdict=M("tls_interception.proxy_intercepts_tls_2",
                  "the proxy %s intercepts TLS: %s and %s both arrive signed by %s", h.proxy, h.host,
                  other.host or M("tls_interception.second_host_2", "a second host"), via_chain[0].issuer),
        evidence=(
            M("tls_interception.through_certificate_issued_2", "through %s: %s's certificate %s is issued by %s",
              h.proxy, h.host, via_chain[0].subject, via_chain[0].issuer),
            M("tls_interception.through_same_proxy", "through the same proxy: %s's certificate %s is issued by %s too",
              other.host or M("tls_interception.second_host", "the second host"), other.chain[0].subject,
              other.chain[0].issuer),
            M("tls_interception.going_direct_not",
              "going direct is not possible here (%s), so the proxy's view cannot be compared with the server's",
              short(h.attempts.direct.error or M("tls_interception.not_tried", "not tried"), 100)),
            pip_error_line(h),
        ),
        fix=tuple(fix),
        dead_ends=(M("tls_interception.trusted_host_turns",
                     "--trusted-host (it turns verification off for that host only, and hides the interception)"),
                   M("tls_interception.bundle_only_inspection",
                     "a bundle with only the inspection CA (other hosts then fail)"),
                   M("tls_interception.pip_install_u", "pip install -U certifi (certifi never has a company's CA)")),
        score=84,
        host=h.url,
    )


def _no_answer(a) -> bool:
    """Launched, and no answer either way: unfinished, or a timeout (a loaded machine, not a finding)."""
    return a.unfinished or (a.failed and a.error_kind is ErrorKind.TIMEOUT)


def _via_proxy(f: Facts, h: Host):
    if not is_verify_failure(h) or not h.proxy:
        return None
    via_chain = chain(h)
    direct_chain = chain(h, direct=True)
    if via_chain and not direct_chain:
        found = _second_host_resigned(f, h, via_chain)
        if found:
            return found
        # The attempts that tell a re-signing proxy from a private CA (the
        # server seen directly, another host through the proxy) gave no
        # answer (the deadline, a timeout under load): that is "could not
        # tell", never the other cause (issue 8 item 4).
        pending = [a for a in (h.attempts.direct, h.second_host) if _no_answer(a)]
        if pending:
            return Undecided(CAUSE, (CAUSE, "untrusted-private-ca"),
                             M("tls_interception.through_proxy", "%s through the proxy %s: %s", h.host, h.proxy,
                               J("; ", (M("tls_interception.attempt_no_answer", "the %s attempt gave no answer (%s%s)",
                                          a.name, a.status, (": " + short(a.error, 80)) if a.error else "")
                                        for a in pending))), h.url)
    if not (via_chain and direct_chain):
        return None
    if via_chain[0].sha256 == direct_chain[0].sha256:
        return None
    top = via_chain[-1]
    fix = _inspection_ca_fix(f, h, top)
    return Diagnosis(
        cause=CAUSE,
        verdict=M("tls_interception.proxy_intercepts_tls",
                  "the proxy %s intercepts TLS: %s's certificate is re-signed by %s", h.proxy, h.host,
                  top.issuer or top.subject),
        evidence=(
            M("tls_interception.through_certificate_issued", "through %s: certificate %s issued by %s (sha256 %s…)",
              h.proxy, via_chain[0].subject, via_chain[0].issuer, via_chain[0].sha256[:16]),
            M("tls_interception.directly_certificate_issued", "directly: certificate %s issued by %s (sha256 %s…)",
              direct_chain[0].subject, direct_chain[0].issuer, direct_chain[0].sha256[:16]),
            M("tls_interception.proxy_presents_certificate", "the proxy presents a certificate the server never sent"),
            pip_error_line(h),
        ),
        fix=tuple(fix),
        dead_ends=(M("tls_interception.trusted_host_pypi",
                     "--trusted-host pypi.org (files.pythonhosted.org too, and it turns verification off)"),
                   M("tls_interception.bundle_only_inspection",
                     "a bundle with only the inspection CA (other hosts then fail)"),
                   M("tls_interception.pip_install_u", "pip install -U certifi (certifi never has a company's CA)")),
        score=84,
        host=h.url,
    )
