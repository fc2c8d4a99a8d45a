"""ssl-module-missing: the interpreter has no usable ``ssl`` module.

Fails like::

    WARNING: pip is configured with locations that require TLS/SSL, however the ssl module in Python is not available.
    Could not fetch URL https://pypi.org/simple/pip/: ... Can't connect to HTTPS URL because the SSL module is not available.

The probe imports ``ssl`` inside the target and keeps the exact error.

The probe runs in pip's own environment, so it also sees an ``ssl`` / ``_ssl``
that PYTHONPATH, PYTHONHOME or the user site puts before the stdlib's (another
Python's libraries, a stray ``ssl.py``): Python imports the first match on
``sys.path``, and pip's ``import ssl`` (pip/_vendor/urllib3/util/ssl_.py) then
fails or gets the wrong module. The fix is then to unset that variable, not to
rebuild Python.
"""

from __future__ import annotations

from tlsdoctor import remedies
from tlsdoctor.messages import M
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
    evidence = [M("ssl_module_missing.import_ssl_fails", "`import ssl` fails inside %s (Python %s): %s", f.executable,
                  f.python_version, err)]
    for h in failing(f)[:1]:
        evidence.append(pip_error_line(h))
    by_env = _shadowed_by_environment(f)
    if by_env:
        return _environment(f, evidence, *by_env)
    fix = []
    low = err.lower()
    lib = f.loader_env.get("LD_LIBRARY_PATH") or f.loader_env.get("DYLD_LIBRARY_PATH")
    if ("libssl" in low or "libcrypto" in low or "file too short" in low or "undefined symbol" in low
            or "dll load failed" in low):
        if lib:
            fix.append(remedies.unset_env("LD_LIBRARY_PATH",
                                          M("ssl_module_missing.dynamic_loader_picks",
                                            "the dynamic loader picks a foreign/broken libssl from "
                                            "LD_LIBRARY_PATH=%s (or remove the bad libssl/libcrypto there) and retry",
                                          lib), source="LD_LIBRARY_PATH"))
        if "dll load failed" in low:
            fix.append(remedies.manual(M("ssl_module_missing.windows_conda_activate",
                                         "Windows/conda: activate the environment (so Library\\bin is on PATH) or "
                                         "remove "
                                         "the foreign libssl/libcrypto DLL found earlier on PATH")))
        fix.append(remedies.run((f.executable, "-c", "import ssl; print(ssl.OPENSSL_VERSION)"),
                                M("ssl_module_missing.check", "check")))
    else:
        fix.append(remedies.manual(M("ssl_module_missing.python_was_built",
                                     "this Python was built without OpenSSL: install the OpenSSL headers "
                                     "(Debian/Ubuntu: sudo apt-get install libssl-dev; Fedora: sudo dnf install "
                                     "openssl-devel) and rebuild it (pyenv: pyenv install --force %s)",
                                     f.python_version),
                                   remedies.Scope.SYSTEM))
        fix.append(remedies.run(("python3", "-c", "import ssl"),
                                M("ssl_module_missing.use_another_interpreter",
                                  "or use another interpreter that has ssl")))
    return Diagnosis(
        cause=CAUSE,
        verdict=M("ssl_module_missing.python_cannot_import",
                  "Python %s at %s cannot import its ssl module, so pip cannot use HTTPS at all", f.python_version,
                  f.executable),
        evidence=tuple(evidence),
        fix=tuple(fix),
        dead_ends=(M("ssl_module_missing.pip_install_ssl",
                     "pip install ssl / pyopenssl (needs a working TLS to download)"),
                   M("ssl_module_missing.cert_trusted_host", "--cert, --trusted-host or any certificate fix")),
        score=100,
    )


def _shadowed_by_environment(f: Facts):
    """(module, its path, the variable that put it there) when the environment picks ssl/_ssl, else None."""
    env = f.python_env
    for module in ("ssl", "_ssl"):
        o = env.origin(module)
        if o is None or not o.path or o.path == "built-in":
            continue
        if module in env.shadowed or o.in_stdlib is False:
            var = env.put_there_by(o.path)
            if var:
                return module, o.path, var
    # An ssl that fails from the stdlib itself while PYTHONHOME points elsewhere:
    # PYTHONHOME replaces the prefix the stdlib and lib-dynload come from.
    if env.variables.get("PYTHONHOME") and not (env.isolated or env.ignore_environment):
        o = env.ssl_c or env.ssl
        return "_ssl", (o.path if o and o.path else "?"), "PYTHONHOME"
    return None


def _environment(f: Facts, evidence, module: str, path: str, var: str):
    value = f.python_env.variables.get(var)
    where = ("%s=%s" % (var, value)) if value else var
    if var == "the user site":  # facts.put_there_by's words for the user site, not a variable
        where = M("ssl_module_missing.the_user_site", "the user site")
    evidence = list(evidence) + [
        M("ssl_module_missing.imported_from_outside",
          "`%s` is imported from %s, outside this interpreter's own stdlib: %s puts it first on sys.path", module, path,
          where)]
    if var == "the user site":
        fix = (remedies.set_env("PYTHONNOUSERSITE", "1",
                                M("ssl_module_missing.remove_from_user", "or remove %s from the user site", path)),)
    else:
        fix = (remedies.unset_env(var,
                                  M("ssl_module_missing.makes_pip_import",
                                    "it makes pip import %s from %s (find where it is set: shell profile, "
                                    "/etc/environment, an activate script)", module, path), source=var),)
    return Diagnosis(
        cause=CAUSE,
        verdict=M("ssl_module_missing.makes_python_import",
                  "%s makes Python %s import %s from %s, so pip cannot use HTTPS", where, f.python_version, module,
                  path),
        evidence=tuple(evidence),
        fix=fix + (remedies.run((f.executable, "-c", "import ssl; print(ssl.__file__)"),
                                M("ssl_module_missing.check", "check")),),
        dead_ends=(M("ssl_module_missing.rebuilding_reinstalling_python",
                     "rebuilding or reinstalling Python (its own ssl is fine)"),
                   M("ssl_module_missing.pip_install_ssl",
                     "pip install ssl / pyopenssl (needs a working TLS to download)")),
        score=100,
    )
