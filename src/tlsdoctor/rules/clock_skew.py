"""clock-skew: the local clock is wrong enough that a valid certificate looks invalid.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate is not yet valid (_ssl.c:1006)

Evidence: the certificate is valid at the server's own time (its HTTP
``Date``), but not at this machine's time, and the two clocks disagree.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
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
        verdict=M("clock_skew.machine_clock_days",
                  "this machine's clock is %.0f days %s, so %s's valid certificate looks %s", abs(days),
                  M("clock_skew.behind", "behind") if days < 0 else M("clock_skew.ahead", "ahead"), h.host,
                  M("clock_skew.not_yet_valid", "not yet valid") if days < 0 else M("clock_skew.expired", "expired")),
        evidence=(
            M("clock_skew.local_time_inside", "local time (inside the target interpreter): %s", fmt_time(local)),
            M("clock_skew.server_time_http", "server time (HTTP Date from %s): %s", h.host, fmt_time(remote)),
            M("clock_skew.certificate_valid_valid",
              "certificate %s valid %s .. %s: valid at the server's time, not at the local time", c.subject,
              c.not_before, c.not_after),
            pip_error_line(h),
        ),
        fix=(
            remedies.run(("sudo", "timedatectl", "set-ntp", "true"),
                         M("clock_skew.set_clock_linux",
                           "set the clock (Linux); Windows, macOS: enable automatic time"), remedies.Scope.SYSTEM,
                         needs_root=True),
            remedies.manual(M("clock_skew.check_faked_frozen",
                              "check for a faked or frozen clock: LD_PRELOAD=%s FAKETIME=%s", f.ld_preload or "-",
                              f.faketime_env.get("FAKETIME", "-"))),
            remedies.manual(M("clock_skew.vm_container_restored",
                              "in a VM or container restored from a snapshot: resync the guest clock"),
                            remedies.Scope.SYSTEM),
        ),
        dead_ends=(M("clock_skew.trusted_host_hides",
                     "--trusted-host (hides it only for pip, and TLS stays broken elsewhere)"),
                   M("clock_skew.updating_certifi_ca", "updating certifi or the CA bundle"),
                   M("clock_skew.asking_server_renew", "asking the server to renew its certificate")),
        score=82,
        host=h.url,
    )
