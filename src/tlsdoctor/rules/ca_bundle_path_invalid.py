"""ca-bundle-path-invalid: a configured CA bundle is missing, unreadable or not PEM.

Fails like::

    ERROR: Could not install packages due to an OSError: Could not find a suitable TLS CA certificate bundle, invalid path: /x.pem

Evidence: the bundle pip's session really uses (requests' merge of
REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE / --cert) and what is at that path.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import bundle_for, effective_bundle_source, config_origin, pip_argv, pip_error_line

CAUSE = "ca-bundle-path-invalid"
READS = ("pip_request", "verify")


@rule(CAUSE, reads=READS)
def diagnose(f: Facts, h: Host):
    path, source = effective_bundle_source(f, h)
    b = (h.session.effective_bundle if h.session else None) or bundle_for(f, path)
    said = "could not find a suitable tls ca certificate bundle" in h.verdict_attempt.text
    # facts.Bundle.problem is one of a few fixed phrases: its own id, so --lang zh can say it in Chinese.
    problem = M("facts.bundle_problem", "%s", b.problem) if b is not None and b.problem else None
    if not (problem or said):
        return None
    if path is None:
        return None
    if source in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        fix = [remedies.unset_env(source,
                                  M("ca_bundle_path_invalid.point_existing_pem_2",
                                    "or point it at an existing PEM bundle; find where it is set: "
                                    "grep -r %s ~/.bashrc ~/.profile /etc/environment", source), source=source)]
    elif "PIP_CERT" in f.pip_env:
        fix = [remedies.unset_env("PIP_CERT",
                                  M("ca_bundle_path_invalid.point_existing_pem",
                                    "or point it at an existing PEM bundle"), source="PIP_CERT")]
    else:
        where, origin = config_origin(f, "cert")
        fix = [remedies.unset_config(pip_argv(f), "global.cert",
                                     M("ca_bundle_path_invalid.set_existing_pem",
                                       "or set it to an existing PEM bundle; also check PIP_CERT"),
                                     file=where, source=origin)]
    return Diagnosis(
        cause=CAUSE,
        verdict=M("ca_bundle_path_invalid.ca_bundle_pip", "the CA bundle pip uses, %s (from %s), %s", path, source,
                  problem or M("ca_bundle_path_invalid.invalid", "is invalid")),
        evidence=(
            M("ca_bundle_path_invalid.pip_session_verifies", "pip's session verifies with %s, set by %s", path, source),
            M("ca_bundle_path_invalid.path", "that path %s",
              problem or M("ca_bundle_path_invalid.rejected_requests", "is rejected by requests")),
            pip_error_line(h),
        ),
        fix=tuple(fix),
        dead_ends=(M("ca_bundle_path_invalid.cert_while_set", "--cert while %s is set (the environment variable wins)",
                     source)
                   if source in ("REQUESTS_CA_BUNDLE",
                                 "CURL_CA_BUNDLE") else M("ca_bundle_path_invalid.reinstalling_certifi",
                                                          "reinstalling certifi"),
                   "--trusted-host"),
        score=95,
        host=h.url,
    )
