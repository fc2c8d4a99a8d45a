"""legacy-renegotiation: the server (or a middlebox) lacks RFC 5746 secure renegotiation.

Fails like (OpenSSL 3 clients)::

    [SSL: UNSAFE_LEGACY_RENEGOTIATION_DISABLED] unsafe legacy renegotiation disabled

Evidence: the same handshake succeeds with ``OP_LEGACY_SERVER_CONNECT``
(which OpenSSL 3 no longer sets by default, CPython gh-89051).
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import EVERY_ATTEMPT, pip_error_line, short

CAUSE = "legacy-renegotiation"
READS = EVERY_ATTEMPT


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    v = h.attempts.legacy_renegotiation
    # OpenSSL decides this locally and always says so; a variant that
    # merely got through (e.g. after a reset) proves nothing on its own.
    said = any("unsafe legacy renegotiation" in a.text or "unsafe_legacy_renegotiation" in a.text
               for a in [h.verdict_attempt] + h.all_attempts())
    if not said:
        return None
    ev = [M("legacy_renegotiation.openssl_refuses_servers",
            "OpenSSL %s refuses servers without RFC 5746 secure renegotiation", f.openssl_version or "?")]
    ev.append(M("legacy_renegotiation.default_handshake", "default handshake: %s", short(h.attempts.tls.error)))
    if v.ran:
        ev.append(M("legacy_renegotiation.op_legacy_server", "with OP_LEGACY_SERVER_CONNECT: %s",
                    M("legacy_renegotiation.succeeds", "succeeds (%s)", v.version) if v.ok else short(v.error)))
    ev.append(pip_error_line(h))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("legacy_renegotiation.middlebox_front_lacks",
                  "%s:%d (or a middlebox in front of it) lacks secure renegotiation, which OpenSSL 3 requires", h.host,
                  h.port),
        evidence=tuple(ev),
        fix=(
            remedies.server(M("legacy_renegotiation.real_fix_server",
                              "the real fix is on the server / load balancer / TLS-inspecting middlebox: enable RFC "
                              "5746 "
                              "(any TLS stack from the last decade has it) or TLS 1.3")),
            remedies.Step(remedies.StepKind.MANUAL,
                          M("legacy_renegotiation.temporary_client_side",
                            "temporary client-side workaround (not pip-configurable): an "
                            "OPENSSL_CONF with 'Options = UnsafeLegacyRenegotiation' in its system_default section"),
                          remedies.Scope.USER, weakens_security=True),
        ),
        dead_ends=("--trusted-host / --cert / certifi",
                   M("legacy_renegotiation.upgrading_pip_openssl", "upgrading pip (OpenSSL makes this decision)")),
        score=76,
        host=h.url,
    )
