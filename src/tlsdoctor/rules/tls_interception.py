"""tls-interception: a middlebox re-signs TLS traffic with its own CA.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain
    ... unable to get local issuer certificate

Evidence: through the proxy pip uses, the server presents a different
certificate (another key, another issuer) than when reached directly: the
proxy terminates TLS and signs its own copy. Without a proxy to bypass
(a transparent middlebox, antivirus, VPN): a public package host such as
pypi.org presented with a chain that a recent certifi does not trust.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.facts import PUBLIC_HOSTS, Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import (VERIFY_FAILURE, chain, is_verify_failure, os_store_steps, pip_error_line, short,
                                     stores, use_bundle_steps)

CAUSE = "tls-interception"
READS = VERIFY_FAILURE + ("second_host",)

RECENT_CERTIFI_DAYS = 3 * 365


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    return _via_proxy(f, h) or _public_host(f, h)


def _inspection_ca_fix(f: Facts, h, top) -> list:
    """Get the inspection CA, then trust it where this pip looks (the OS store
    with truststore, else a bundle of public roots plus that CA)."""
    # The presented top is the CA itself only when it signs itself; else the CA was not sent.
    sha = top.sha256 if top.self_issued and top.sha256 else None
    fix = [remedies.manual("get the inspection CA certificate from your IT team (issuer: %s), save it as "
                           "inspection-ca.pem" % (top.issuer or top.subject))]
    if f.truststore_expected:
        fix += os_store_steps(f, "inspection-ca.pem", sha) + [remedies.manual(
            "pip %s on Python %s already uses the OS store: adding the inspection CA there is enough" % (
                f.pip_version, f.python_version), remedies.Scope.INTERPRETER)]
    else:
        fix += use_bundle_steps(f, h, "inspection-ca.pem", ca_sha256=sha)
    return fix


def _certifi_age_days(f: Facts):
    import datetime

    try:
        y, m, d = (int(x) for x in (f.pip_vendored.get("certifi") or "").split(".")[:3])
        now = datetime.datetime.fromtimestamp(f.target_time, datetime.timezone.utc).date()
        return (now - datetime.date(y, m, d)).days
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _public_host(f: Facts, h: Host):
    """No proxy to bypass: a public host presented with a chain a recent certifi does not trust."""
    if h.host not in PUBLIC_HOSTS or not is_verify_failure(h):
        return None
    cert = h.attempts.store("certifi")
    age = _certifi_age_days(f)
    if not cert.failed or age is None or age > RECENT_CERTIFI_DAYS:
        return None  # an old certifi may simply lack a newer public root (outdated-ca-bundle)
    certs = chain(h)
    if not certs:
        return None
    top = certs[-1]
    trusted_by = [n for n, a in stores(h).items() if a.ok]
    fix = _inspection_ca_fix(f, h, top)
    return Diagnosis(
        cause=CAUSE,
        verdict="TLS to %s is intercepted: its certificate is issued by %s, not by a public CA" % (
            h.host, top.issuer or top.subject),
        evidence=(
            "%s's real certificate chains to a public root that certifi has carried for years" % h.host,
            "presented here: %s" % " <- ".join("%s (issuer %s)" % (c.subject, c.issuer) for c in certs),
            "pip's certifi %s (%d days old) does not trust it: %s" % (
                f.pip_vendored.get("certifi"), age, cert.verify_message or cert.error),
            "stores on this machine that do trust it: %s" % (", ".join(sorted(trusted_by)) or "none"),
            pip_error_line(h),
        ),
        fix=tuple(fix),
        dead_ends=("pip install -U certifi (certifi never has a company's CA)",
                   "--trusted-host pypi.org (files.pythonhosted.org too, and it turns verification off)"),
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
        verdict="the proxy %s intercepts TLS: %s and %s both arrive signed by %s" % (
            h.proxy, h.host, other.host or "a second host", via_chain[0].issuer),
        evidence=(
            "through %s: %s's certificate %s is issued by %s" % (
                h.proxy, h.host, via_chain[0].subject, via_chain[0].issuer),
            "through the same proxy: %s's certificate %s is issued by %s too" % (
                other.host or "the second host", other.chain[0].subject, other.chain[0].issuer),
            "going direct is not possible here (%s), so the proxy's view cannot be compared with the server's"
            % short(h.attempts.direct.error or "not tried", 100),
            pip_error_line(h),
        ),
        fix=tuple(fix),
        dead_ends=("--trusted-host (it turns verification off for that host only, and hides the interception)",
                   "a bundle with only the inspection CA (other hosts then fail)",
                   "pip install -U certifi (certifi never has a company's CA)"),
        score=84,
        host=h.url,
    )


def _via_proxy(f: Facts, h: Host):
    if not is_verify_failure(h) or not h.proxy:
        return None
    via_chain = chain(h)
    direct_chain = chain(h, direct=True)
    if via_chain and not direct_chain:
        found = _second_host_resigned(f, h, via_chain)
        if found:
            return found
    if not (via_chain and direct_chain):
        return None
    if via_chain[0].sha256 == direct_chain[0].sha256:
        return None
    top = via_chain[-1]
    fix = _inspection_ca_fix(f, h, top)
    return Diagnosis(
        cause=CAUSE,
        verdict="the proxy %s intercepts TLS: %s's certificate is re-signed by %s" % (
            h.proxy, h.host, top.issuer or top.subject),
        evidence=(
            "through %s: certificate %s issued by %s (sha256 %s…)" % (
                h.proxy, via_chain[0].subject, via_chain[0].issuer, via_chain[0].sha256[:16]),
            "directly: certificate %s issued by %s (sha256 %s…)" % (
                direct_chain[0].subject, direct_chain[0].issuer, direct_chain[0].sha256[:16]),
            "the proxy presents a certificate the server never sent",
            pip_error_line(h),
        ),
        fix=tuple(fix),
        dead_ends=("--trusted-host pypi.org (files.pythonhosted.org too, and it turns verification off)",
                   "a bundle with only the inspection CA (other hosts then fail)",
                   "pip install -U certifi (certifi never has a company's CA)"),
        score=84,
        host=h.url,
    )
