"""no-default-ca-store: the interpreter's OpenSSL default CA store names no file and no directory.

Fails like (pip >= 24.2 on Python >= 3.10, Linux, no CA file where truststore looks, the root in an
OS bundle elsewhere)::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate

and, with any pip, ``urllib.request.urlopen`` / ``ssl.create_default_context()``
fail the same way for every host (pip itself works where certifi has the root).

Evidence: ``ssl.get_default_verify_paths()`` in the target resolves both the
CA file and the CA directory to nothing (CPython reports a path only if it
exists: Lib/ssl.py), so OpenSSL's default store is empty. That alone does not
break pip: pip >= 24.2 builds its context with truststore and adds certifi
(pip ``_create_truststore_ssl_context``), and truststore's OpenSSL backend
(``pip/_vendor/truststore/_openssl.py`` ``_configure_context``, truststore
0.9.1 in pip 24.2 to 0.10.5 in pip 26.3) then loads the first existing file of
its own ``_CA_FILE_CANDIDATES`` (/etc/ssl/cert.pem, ...,
/etc/ssl/certs/ca-certificates.crt, /etc/ssl/ca-bundle.pem) instead. On macOS
and Windows truststore asks the OS and never reads OpenSSL's paths. So this is
pip's cause only when the probe measured that truststore loads *nothing* (no
candidate exists, or a truststore without the list) *and* the chain verifies
against an OS bundle this machine has that truststore does not read
(``verify:os_bundle``): pointing OpenSSL's default at that bundle is then the
fix. Otherwise a failure is about the root missing from the file truststore
loads (untrusted-private-ca, tls-interception, ... say so), and the empty
default store is a warning in check's facts (it bites urllib and
``ssl.create_default_context()``, and python.org's macOS Python before
"Install Certificates.command").
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import J, M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import (VERIFY_FAILURE, is_issuer_failure, is_verify_failure, pip_argv, pip_error_line,
                                     short, stores)

CAUSE = "no-default-ca-store"


def default_store_is_empty(f: Facts) -> bool:
    """Both default locations were measured and neither exists."""
    paths = f.default_verify_paths
    return bool(paths) and "cafile" in paths and "capath" in paths and not paths["cafile"] and not paths["capath"]


def _where(f: Facts, kind: str) -> str:
    """The location OpenSSL looked at, and what named it (the variable, or the build)."""
    paths = f.default_verify_paths
    env_name = paths.get("openssl_%s_env" % kind) or ""
    set_by_env = f.ca_env.get(env_name) if env_name else None
    if set_by_env:
        return M("no_default_ca_store.missing", "%s=%s (missing)", env_name, set_by_env[0])
    return M("no_default_ca_store.built_missing", "%s (built in; missing)", paths.get("openssl_%s" % kind) or "?")


def _fix(f: Facts, bundle: str) -> tuple:
    steps = []
    if "SSL_CERT_FILE" in f.ca_env:
        steps.append(remedies.set_env("SSL_CERT_FILE", bundle,
                                      M("no_default_ca_store.ssl_cert_file",
                                        "SSL_CERT_FILE=%s names a missing file; point it at "
                                        "the OS bundle", f.ca_env["SSL_CERT_FILE"][0])))
    else:
        steps.append(remedies.set_env("SSL_CERT_FILE", bundle,
                                      M("no_default_ca_store.point_default_at",
                                        "point OpenSSL's default store at the OS bundle that holds the root (%s)",
                                        bundle)))
    steps.append(remedies.set_config(pip_argv(f), "global.cert", bundle,
                                     M("no_default_ca_store.pip_alone_verify",
                                       "for pip alone: verify with the OS bundle")))
    return tuple(steps)


@rule(CAUSE, reads=VERIFY_FAILURE + ("verify_nohost", "verify_nostrict"))
def diagnose(f: Facts, h: Host):
    if not default_store_is_empty(f) or not f.truststore_expected:
        return None
    ts = f.truststore
    # Not measured (an older probe: no claim), macOS/Windows (the OS verifies, not OpenSSL), or
    # truststore's own fallback file: pip does see roots, and they lack this one.
    if ts is None or not ts.sees_no_roots:
        return None
    if not is_verify_failure(h) or not is_issuer_failure(f, h):
        return None
    # The root must be in a store this machine has, or pointing OpenSSL at it cannot help (then the
    # root is in no store at all: untrusted-private-ca).
    holder = stores(h).get("os_bundle")
    if holder is None or not holder.ok or not holder.cafile:
        return None
    system = stores(h).get("system")
    evidence = [
        M("no_default_ca_store.python_openssl_default", "this Python's OpenSSL default CA file: %s",
          _where(f, "cafile")),
        M("no_default_ca_store.default_ca_directory", "its default CA directory: %s", _where(f, "capath")),
        M("no_default_ca_store.truststore_loads_nothing",
          "pip %s on Python %s verifies with truststore plus certifi; truststore %s found no CA file either "
          "(%s): its OS part is empty", f.pip_version, f.python_version, f.pip_vendored.get("truststore") or "?",
          J(", ", ts.candidates) if ts.candidates else
          M("no_default_ca_store.no_candidate_list", "this version has no fallback list")),
        M("no_default_ca_store.verifies_against_bundle", "the chain verifies against the OS bundle %s",
          holder.cafile),
    ]
    if system is not None and system.failed:
        evidence.append(M("no_default_ca_store.verified_against_default", "verified against the default store: %s",
                          short(system.verify_message or system.error)))
    evidence.append(pip_error_line(h))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("no_default_ca_store.no_store_truststore_reads",
                  "this Python's OpenSSL has no default CA store and no CA file is where pip's truststore looks, "
                  "so the OS bundle %s that has %s:%d's root is not read", holder.cafile, h.host, h.port),
        evidence=tuple(evidence),
        fix=_fix(f, holder.cafile),
        dead_ends=(M("no_default_ca_store.pip_install_u",
                     "pip install -U certifi (pip already adds certifi; the root is in the OS store, which this "
                     "interpreter does not find)"),
                   M("no_default_ca_store.trusted_host_turns", "--trusted-host (turns verification off)")),
        # Above untrusted-private-ca (60/61): measured, the root is in an OS bundle this
        # interpreter's stack does not read.
        score=70,
        host=h.url,
    )
