"""no-default-ca-store: the interpreter's OpenSSL default CA store names no file and no directory.

Fails like (pip >= 24.2 on Python >= 3.10, Linux, a root that only the OS store has)::

    [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate

and, with any pip, ``urllib.request.urlopen`` / ``ssl.create_default_context()``
fail the same way for every host (pip itself works where certifi has the root).

Evidence: ``ssl.get_default_verify_paths()`` in the target resolves both the
CA file and the CA directory to nothing (CPython reports a path only if it
exists: Lib/ssl.py), so OpenSSL's default store is empty. pip >= 24.2 builds
its context with truststore, which on Linux calls ``set_default_verify_paths``
and adds certifi on top (pip ``_create_truststore_ssl_context``): a root
installed in the OS store (update-ca-certificates) is invisible to it. Typical
machines: python.org macOS Python before "Install Certificates.command",
custom builds with another OPENSSLDIR, slim containers without
ca-certificates, an SSL_CERT_FILE naming a missing file.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import (VERIFY_FAILURE, is_issuer_failure, is_verify_failure, pip_argv, pip_error_line,
                                     short, stores)

CAUSE = "no-default-ca-store"

# Where the OS bundle usually is: Debian/Ubuntu/Alpine, then Fedora/RHEL.
_LINUX_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


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


def _fix(f: Facts) -> tuple:
    if f.platform == "darwin":
        return (remedies.manual(M("no_default_ca_store.run_applications_python",
                                  'run "/Applications/Python %s/Install Certificates.command" (python.org installer; '
                                "it links certifi into this Python's OpenSSL directory)",
                                ".".join(str(x) for x in f.python_version_info[:2]))),)
    # Rules do no I/O: the usual Debian path, with the Fedora one named in the explanation.
    bundle = _LINUX_BUNDLES[0]
    steps = []
    if "SSL_CERT_FILE" in f.ca_env:
        steps.append(remedies.set_env("SSL_CERT_FILE", bundle,
                                      M("no_default_ca_store.ssl_cert_file",
                                        "SSL_CERT_FILE=%s names a missing file; point it at "
                                        "the OS bundle", f.ca_env["SSL_CERT_FILE"][0])))
    else:
        steps.append(remedies.manual(M("no_default_ca_store.install_distribution_ca",
                                       "install the distribution's CA package (apt-get install ca-certificates / dnf "
                                       "install ca-certificates) where this Python's OpenSSL looks"),
                                     remedies.Scope.SYSTEM))
        steps.append(remedies.set_env("SSL_CERT_FILE", bundle,
                                      M("no_default_ca_store.point_openssl_default",
                                        "or point OpenSSL's default store at the OS bundle "
                                        "(%s on Debian/Ubuntu/Alpine, %s on Fedora/RHEL)", _LINUX_BUNDLES)))
    steps.append(remedies.set_config(pip_argv(f), "global.cert", bundle,
                                     M("no_default_ca_store.pip_alone_verify",
                                       "for pip alone: verify with the OS bundle")))
    return tuple(steps)


@rule(CAUSE, reads=VERIFY_FAILURE + ("verify_nohost", "verify_nostrict"))
def diagnose(f: Facts, h: Host):
    if not default_store_is_empty(f) or not f.truststore_expected:
        return None
    if not is_verify_failure(h) or not is_issuer_failure(f, h):
        return None
    system = stores(h).get("system")
    evidence = [
        M("no_default_ca_store.python_openssl_default", "this Python's OpenSSL default CA file: %s",
          _where(f, "cafile")),
        M("no_default_ca_store.default_ca_directory", "its default CA directory: %s", _where(f, "capath")),
        M("no_default_ca_store.pip_python_verifies",
          "pip %s on Python %s verifies with truststore (the OS default store) plus certifi; the OS part is empty",
          f.pip_version, f.python_version),
    ]
    if system is not None and system.failed:
        evidence.append(M("no_default_ca_store.verified_against_default", "verified against the default store: %s",
                          short(system.verify_message or system.error)))
    evidence.append(pip_error_line(h))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("no_default_ca_store.python_openssl_has",
                  "this Python's OpenSSL has no default CA store, so the OS-store part of pip's trust is empty "
                  "and %s:%d's root is not seen", h.host, h.port),
        evidence=tuple(evidence),
        fix=_fix(f),
        dead_ends=(M("no_default_ca_store.pip_install_u",
                     "pip install -U certifi (pip already adds certifi; the root is in the OS store, which this "
                     "interpreter does not find)"),
                   M("no_default_ca_store.trusted_host_turns", "--trusted-host (turns verification off)")),
        # Above untrusted-private-ca (60/61): an empty default store is a
        # measured defect that hides any OS-installed root; the verdict
        # still holds if the root is in no store at all (then both apply).
        score=70,
        host=h.url,
    )
