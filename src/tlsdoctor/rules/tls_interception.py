"""tls-interception: a middlebox re-signs TLS traffic with its own CA.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain
    ... unable to get local issuer certificate

Evidence: through the proxy pip uses, the server presents a different
certificate (another key, another issuer) than when reached directly: the
proxy terminates TLS and signs its own copy.
"""

from __future__ import annotations

from tlsdoctor.facts import Facts
from tlsdoctor.rules import Diagnosis
from tlsdoctor.rules._common import chain, failing, is_verify_failure, os_store_steps, pip_cmd, pip_error_line

CAUSE = "tls-interception"


def diagnose(f: Facts):
    for h in failing(f):
        if not is_verify_failure(h) or not h.proxy:
            continue
        via_chain = chain(h)
        direct_chain = chain(h, direct=True)
        if not (via_chain and direct_chain):
            continue
        if via_chain[0].sha256 == direct_chain[0].sha256:
            continue
        top = via_chain[-1]
        fix = []
        if f.truststore_expected:
            fix += os_store_steps(f, "inspection-ca.pem") + [
                "pip %s on Python %s already uses the OS store: adding the inspection CA there is enough" % (
                    f.pip_version, f.python_version)]
        else:
            certifi = f.certifi.path if f.certifi else "$(%s -c 'import pip._vendor.certifi as c; print(c.where())')" % f.executable
            fix += ["cat %s inspection-ca.pem > ~/pip-ca-bundle.pem   (public roots + the inspection CA)" % certifi,
                    "%s config set global.cert ~/pip-ca-bundle.pem" % pip_cmd(f)]
        fix.insert(0, "get the inspection CA certificate from your IT team (issuer: %s), save it as inspection-ca.pem" % (
            top.issuer or top.subject))
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
    return None
