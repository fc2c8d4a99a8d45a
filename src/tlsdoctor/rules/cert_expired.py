"""cert-expired: the server's certificate (or a CA in its chain) is expired, and the clock is right.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)

Evidence: a certificate in the presented chain is past its notAfter at the
server's own time (HTTP ``Date``) *and* at the local time, which agree.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host, fmt_time
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import VERIFY_FAILURE, EVERY_DATE, chain, is_verify_failure, pip_error_line, server_time

CAUSE = "cert-expired"
READS = VERIFY_FAILURE + EVERY_DATE


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    local = f.target_time
    if not is_verify_failure(h):
        return None
    remote = server_time(h)
    ref = [t for t in (local, remote) if t is not None]
    if not ref:
        return None
    if local is not None and remote is not None and abs(local - remote) > 86400:
        return None  # clocks disagree: clock-skew's territory
    expired = [c for c in chain(h) if c.not_after_ts is not None and all(c.not_after_ts < t for t in ref)]
    if not expired:
        return None
    c = expired[0]
    days = (ref[0] - c.not_after_ts) / 86400.0
    return Diagnosis(
        cause=CAUSE,
        verdict=M("cert_expired.certificate_expired_days", "%s's certificate expired %.0f days ago (%s)", h.host, days,
                  c.not_after),
        evidence=(
            M("cert_expired.certificate_issuer_valid", "certificate %s (issuer %s) valid until %s", c.subject, c.issuer,
              c.not_after),
            M("cert_expired.local_time_server", "local time %s; server time %s: the clocks agree", fmt_time(local),
              fmt_time(remote)),
            pip_error_line(h),
        ),
        fix=(
            remedies.server(M("cert_expired.server_operator_must",
                              "the server's operator must renew the certificate (and reload the server)")),
            remedies.manual(M("cert_expired.until_then_if",
                              "until then, if you must: the index's administrators can tell you a mirror")),
        ),
        dead_ends=(M("cert_expired.cert_certifi_requests",
                     "--cert / certifi / REQUESTS_CA_BUNDLE (trust is not the problem)"),
                   M("cert_expired.changing_your_clock", "changing your clock"),
                   M("cert_expired.trusted_host_turns", "--trusted-host (turns off all verification for that host)")),
        score=80,
        host=h.url,
    )
