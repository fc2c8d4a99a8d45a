"""ssl-module-missing: the interpreter has no usable ``ssl`` module.

Fails like::

    WARNING: pip is configured with locations that require TLS/SSL, however the ssl module in Python is not available.
    Could not fetch URL https://pypi.org/simple/pip/: ... Can't connect to HTTPS URL because the SSL module is not available.

The probe imports ``ssl`` inside the target and keeps the exact error.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.facts import Facts
from tlsdoctor.rules import Diagnosis, rule
from tlsdoctor.rules._common import failing, pip_error_line

CAUSE = "ssl-module-missing"
READS = ("pip_request", "verify")


@rule(CAUSE, on="facts", reads=READS)
def diagnose(f: Facts):
    if f.has_ssl:
        return None
    err = f.ssl_import_error or ""
    evidence = ["`import ssl` fails inside %s (Python %s): %s" % (f.executable, f.python_version, err)]
    for h in failing(f)[:1]:
        evidence.append(pip_error_line(h))
    fix = []
    low = err.lower()
    lib = f.loader_env.get("LD_LIBRARY_PATH") or f.loader_env.get("DYLD_LIBRARY_PATH")
    if ("libssl" in low or "libcrypto" in low or "file too short" in low or "undefined symbol" in low
            or "dll load failed" in low):
        if lib:
            fix.append(remedies.unset_env("LD_LIBRARY_PATH", "the dynamic loader picks a foreign/broken libssl from "
                                          "LD_LIBRARY_PATH=%s (or remove the bad libssl/libcrypto there) and retry"
                                          % lib, source="LD_LIBRARY_PATH"))
        if "dll load failed" in low:
            fix.append(remedies.manual("Windows/conda: activate the environment (so Library\\bin is on PATH) or remove "
                                       "the foreign libssl/libcrypto DLL found earlier on PATH"))
        fix.append(remedies.run((f.executable, "-c", "import ssl; print(ssl.OPENSSL_VERSION)"), "check"))
    else:
        fix.append(remedies.manual("this Python was built without OpenSSL: install the OpenSSL headers "
                                   "(Debian/Ubuntu: sudo apt-get install libssl-dev; Fedora: sudo dnf install "
                                   "openssl-devel) and rebuild it (pyenv: pyenv install --force %s)" % f.python_version,
                                   remedies.Scope.SYSTEM))
        fix.append(remedies.run(("python3", "-c", "import ssl"), "or use another interpreter that has ssl"))
    return Diagnosis(
        cause=CAUSE,
        verdict="Python %s at %s cannot import its ssl module, so pip cannot use HTTPS at all" % (
            f.python_version, f.executable),
        evidence=tuple(evidence),
        fix=tuple(fix),
        dead_ends=("pip install ssl / pyopenssl (needs a working TLS to download)",
                   "--cert, --trusted-host or any certificate fix"),
        score=100,
    )
