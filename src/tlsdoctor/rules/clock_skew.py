"""clock-skew: the local clock is wrong enough that a valid certificate looks invalid.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate is not yet valid (_ssl.c:1006)

Evidence: the certificate is valid at the server's own time (its HTTP
``Date``), but not at this machine's time, and the two clocks disagree.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.facts import SKEW, Facts, Host, fmt_time
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import VERIFY_FAILURE, EVERY_DATE, chain, is_verify_failure, pip_error_line, server_time

CAUSE = "clock-skew"
READS = VERIFY_FAILURE + EVERY_DATE


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    local = f.target_time
    if local is None:
        return None
    if not is_verify_failure(h):
        return None
    remote = server_time(h)
    if remote is None or abs(local - remote) < SKEW:
        return None
    certs = chain(h)
    bad = [c for c in certs if c.valid_at(local) is False]
    if not bad or any(c.valid_at(remote) is False for c in certs):
        return None
    c = bad[0]
    days = (local - remote) / 86400.0
    return Diagnosis(
        cause=CAUSE,
        verdict="this machine's clock is %.0f days %s, so %s's valid certificate looks %s" % (
            abs(days), "behind" if days < 0 else "ahead", h.host, "not yet valid" if days < 0 else "expired"),
        evidence=(
            "local time (inside the target interpreter): %s" % fmt_time(local),
            "server time (HTTP Date from %s): %s" % (h.host, fmt_time(remote)),
            "certificate %s valid %s .. %s: valid at the server's time, not at the local time" % (
                c.subject, c.not_before, c.not_after),
            pip_error_line(h),
        ),
        fix=(
            remedies.run(("sudo", "timedatectl", "set-ntp", "true"),
                         "set the clock (Linux); Windows, macOS: enable automatic time", remedies.Scope.SYSTEM,
                         needs_root=True),
            remedies.manual("check for a faked or frozen clock: LD_PRELOAD=%s FAKETIME=%s" % (
                f.ld_preload or "-", f.faketime_env.get("FAKETIME", "-"))),
            remedies.manual("in a VM or container restored from a snapshot: resync the guest clock",
                            remedies.Scope.SYSTEM),
        ),
        dead_ends=("--trusted-host (hides it only for pip, and TLS stays broken elsewhere)",
                   "updating certifi or the CA bundle", "asking the server to renew its certificate"),
        score=82,
        host=h.url,
    )
