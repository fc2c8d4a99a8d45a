"""ca-bundle-env-overrides-cert: REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE silently override pip's cert.

Fails like::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate
    (although pip.conf / PIP_CERT / --cert names the right CA)

Mechanism: pip sets ``session.verify`` from ``cert``; requests'
``merge_environment_settings`` replaces a request's verify with
REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE when ``trust_env`` is on, and that beats
the session value (pypa/pip#10147). Evidence: pip's session reports the env
bundle as effective; the configured cert verifies the server, the env one
does not.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.pipconfig import provenance
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import VERIFY_FAILURE, effective_bundle_source, is_verify_failure, pip_error_line, short

CAUSE = "ca-bundle-env-overrides-cert"
READS = VERIFY_FAILURE


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    cert = f.pip_options.get("cert")
    if not cert:
        return None
    if not is_verify_failure(h):
        return None
    path, source = effective_bundle_source(f, h)
    if source not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") or path == cert:
        return None
    own = h.attempts.store("pip_cert")
    env = h.attempts.effective
    if own.failed:
        return None  # the configured cert would not help either
    p = provenance(f).get("cert")
    return Diagnosis(
        cause=CAUSE,
        verdict=M("ca_bundle_env_overrides_cert.overrides_pip_cert",
                  "%s=%s overrides pip's cert=%s, and only pip's cert trusts %s", source, path, cert, h.host),
        evidence=(
            M("ca_bundle_env_overrides_cert.pip_cert_option", "pip's cert option: %s (from %s)", cert,
              p.source if p else "?"),
            M("ca_bundle_env_overrides_cert.pip_session_really",
              "pip's session really verifies with %s (from %s): requests lets it beat --cert", path, source),
            M("ca_bundle_env_overrides_cert.verification", "verification with %s: %s", source,
              "fails: " + short(env.error) if env.failed else env.status),
            M("ca_bundle_env_overrides_cert.verification_pip_cert", "verification with pip's cert: %s",
              M("ca_bundle_env_overrides_cert.succeeds", "succeeds") if own.ok else own.status),
            pip_error_line(h),
        ),
        fix=(
            remedies.unset_env(source,
                               M("ca_bundle_env_overrides_cert.find_where_set",
                                 "find where it is set: grep -r %s ~/.bashrc ~/.profile /etc/environment", source),
                               source=source),
            remedies.manual(M("ca_bundle_env_overrides_cert.point_bundle_also",
                              "or point %s at a bundle that also has this index's CA", source)),
        ),
        dead_ends=(M("ca_bundle_env_overrides_cert.setting_cert_pip",
                     "setting --cert / PIP_CERT again (it is already right, and still loses)"),
                   "--trusted-host"),
        score=86,
        host=h.url,
    )
