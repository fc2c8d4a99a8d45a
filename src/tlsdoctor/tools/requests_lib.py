"""requests in a user's script: ``REQUESTS_CA_BUNDLE`` > ``CURL_CA_BUNDLE`` > certifi.

requests never reads ``SSL_CERT_FILE``/``SSL_CERT_DIR`` and never the OS
store: ``Session.merge_environment_settings`` (requests/sessions.py) replaces
``verify=True`` by ``os.environ.get("REQUESTS_CA_BUNDLE") or
os.environ.get("CURL_CA_BUNDLE") or verify``, and ``HTTPAdapter.cert_verify``
(requests/adapters.py) turns ``True`` into ``certifi.where()`` (a directory
becomes ``ca_cert_dir``; a missing path raises ``OSError("Could not find a
suitable TLS CA certificate bundle, invalid path: …")``). Verified with real
requests 2.34.2 in the lab (``tests/lab/test_tool_facts.py``).

The decisive request is one ``requests.get`` with the library's defaults in
the interpreter that imports requests (the ``--python`` target, else
``python3`` on PATH), as the user's own script would make it.

This module also holds what the Python-library tools share (httpx_lib and
poetry import it): the interpreter lookup, proxies from the environment, the
and the GET script.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from tlsdoctor.messages import M
from tlsdoctor.redact import redact_text, redact_url
from tlsdoctor.tools import Found, Request, RequestStatus, Resolved, Setting, Trust, TrustKind
from tlsdoctor.tools.run import run  # own process group, killed at the deadline, output redacted

NAME = "requests"

# The project whose index page the decisive request fetches: the one pip's own
# check asks about, and present on every public index. An index that has no
# page for it answers 404, which still proves the TLS connection worked.
PROJECT = "pip"
DEFAULT_INDEX = "https://pypi.org/simple/"


# --- shared by the Python-library tools --------------------------------------------


def which(name: str, env: Mapping[str, str]) -> Optional[str]:
    """``name`` on the *given* environment's PATH (the user's, not ours)."""
    return shutil.which(name, path=env.get("PATH", os.defpath))


def library_version(python: str, module: str, env: Mapping[str, str], deadline: float) -> Optional[str]:
    """``module.__version__`` as that interpreter imports it, or None."""
    return python_value(python, "m.__version__", env, deadline, imports="import %s as m" % module)


def _child_env(env: Mapping[str, str]) -> Dict[str, str]:
    # Never leave .pyc files in the user's tool venvs; nothing else changes.
    e = dict(env)
    e["PYTHONDONTWRITEBYTECODE"] = "1"
    return e


def find_library(module: str, tool: str, env: Mapping[str, str], python: Optional[str],
                 deadline: float) -> Optional[Found]:
    """The interpreter that imports ``module`` (``python`` if given, else python3 on PATH)."""
    exe = python or which("python3", env)
    if not exe:
        return None
    version = library_version(exe, module, env, deadline)
    if version is None:
        return None
    return Found(tool=tool, path=exe, version=version, python=exe)


# Marks the value in the child's output: stderr is merged in, and importing a
# library may warn first (requests' RequestsDependencyWarning does).
_MARK = "@@tlsdoctor-value@@"


def python_value(python: str, expr: str, env: Mapping[str, str], deadline: float,
                 imports: str = "") -> Optional[str]:
    """``str(expr)`` evaluated in ``python`` after ``imports`` (e.g. ``certifi.where()``), or None."""
    code = "%s\nimport sys\nsys.stdout.write('\\n%s' + str(%s) + '\\n')\n" % (imports, _MARK, expr)
    status, _, out = run([python, "-c", code], _child_env(env), deadline, cap=1 << 16)
    if status != RequestStatus.OK.value:
        return None
    values = [line[len(_MARK):].strip() for line in out.splitlines() if line.startswith(_MARK)]
    return values[-1] if values and values[-1] else None


def env_index_url(env: Mapping[str, str]) -> Tuple[str, Setting]:
    """The index a library script would be pointed at: pip's ``PIP_INDEX_URL``, else PyPI."""
    url = env.get("PIP_INDEX_URL", "").split()[0] if env.get("PIP_INDEX_URL", "").strip() else ""
    if url:
        return url, Setting("index-url", redact_url(url) or "", "environment (PIP_INDEX_URL)")
    return DEFAULT_INDEX, Setting("index-url", DEFAULT_INDEX, "default")


def _no_proxy_match(host: str, no_proxy: str) -> bool:
    # urllib.request.proxy_bypass_environment's rule, which requests'
    # should_bypass_proxies uses too: "*" bypasses all, else a suffix match on
    # each comma-separated name (a leading dot optional), port ignored.
    host = (host or "").lower()
    for name in no_proxy.replace(" ", "").split(","):
        name = name.lower().lstrip(".")
        if not name:
            continue
        if name == "*":
            return True
        name = name.split(":")[0] if name.count(":") == 1 else name
        if host == name or host.endswith("." + name):
            return True
    return False


def env_proxy(env: Mapping[str, str], url: str) -> Tuple[Optional[str], List[Setting]]:
    """The proxy ``trust_env`` clients (requests, httpx, Poetry) use for ``url``.

    CPython's ``getproxies_environment`` reads ``<scheme>_proxy`` in any case,
    the lowercase spelling winning; ``all_proxy`` is the fallback (requests'
    ``select_proxy``, httpx's ``get_environment_proxies``); ``no_proxy``
    bypasses.
    """
    parts = urlsplit(url)
    scheme = parts.scheme or "https"
    settings: List[Setting] = []
    chosen: Optional[str] = None
    for key in (scheme + "_proxy", "all_proxy"):
        # A lowercase variable set to "" removes the uppercase one (the second
        # pass of getproxies_environment pops the scheme).
        lower_set = key in env
        for name in (key, key.upper()):
            value = env.get(name)
            if value:
                effective = chosen is None and (name == key or not lower_set)
                settings.append(Setting(name, redact_url(value) or "", "environment", effective))
                if effective:
                    chosen = value
    for name in ("no_proxy", "NO_PROXY"):
        value = env.get(name)
        if value:
            bypass = _no_proxy_match(parts.hostname or "", value)
            settings.append(Setting(name, value, "environment", bypass))
            if bypass:
                chosen = None
            break  # the lowercase one wins
    return chosen, settings


def project_url(index_url: str) -> str:
    return index_url.rstrip("/") + "/" + PROJECT + "/"


def get_script(library: str) -> str:
    """One GET with the library's defaults, bounded; the reason printed in full.

    Exit 0: an HTTP answer below 400, or 404 (the index has no page for the
    project, but TLS and the proxy worked); exit 1 otherwise with the
    exception chain (``type: text`` of each link, as a traceback would show).
    """
    return (
        "import sys\n"
        "url, timeout = sys.argv[1], float(sys.argv[2])\n"
        "try:\n"
        "    import %(lib)s\n"
        "    r = %(lib)s.get(url, timeout=timeout)\n"
        "except BaseException as e:\n"
        "    seen = set()\n"
        "    while e is not None and id(e) not in seen:\n"
        "        seen.add(id(e))\n"
        "        print('%%s.%%s: %%s' %% (type(e).__module__, type(e).__name__, e))\n"
        "        e = e.__cause__ or e.__context__\n"
        "    sys.exit(1)\n"
        "code = r.status_code\n"
        "print('HTTP %%d %%s' %% (code, getattr(r, 'reason', None) or getattr(r, 'reason_phrase', '')))\n"
        "sys.exit(0 if code < 400 or code == 404 else 1)\n"
    ) % {"lib": library}


def library_request(resolved: Resolved, library: str, env: Mapping[str, str], deadline: float,
                    workdir: str) -> Request:
    python = resolved.found.python or resolved.found.path
    if not python:
        return Request(RequestStatus.COULD_NOT_RUN,
                       detail=M("requests.no_interpreter", "no interpreter that imports %s", library))
    url = project_url(resolved.index_url)
    # The library's own timeout inside check's deadline, so a hang ends as the
    # library's ReadTimeout (a reason) rather than as our kill, where possible.
    timeout = max(1.0, min(30.0, deadline - time.monotonic() - 1.0))
    argv = [python, "-c", get_script(library), url, "%.1f" % timeout]
    shown = (python, "-c", "%s.get(%s)" % (library, redact_url(url)))
    start = time.monotonic()
    status, code, out = run(argv, _child_env(env), deadline, cwd=workdir)
    return Request(RequestStatus(status), shown, code, out, time.monotonic() - start,
                   "" if status != RequestStatus.COULD_NOT_RUN.value else out.strip()[:500])


def bundle_trust(name: str, value: str, client: str = "requests") -> Tuple[Trust, Optional[str]]:
    """A ``*_CA_BUNDLE`` path as requests loads it, and a warning if it cannot (``client``: the program
    that fails, Poetry and conda use requests' loading)."""
    if os.path.isdir(value):
        return Trust(TrustKind.DIR, value, name), None
    if not os.path.isfile(value):
        return Trust(TrustKind.FILE, value, name), M(
            "requests.bundle_missing", "%s names %s, which does not exist: %s fails every HTTPS request with "
            "'%s'", name, redact_text(value), client,
            "Could not find a suitable TLS CA certificate bundle, invalid path")
    return Trust(TrustKind.FILE, value, name), None


def env_bundle(env: Mapping[str, str], settings: List[Setting], warnings: List[str],
               client: str = "requests") -> Optional[Trust]:
    """The bundle requests loads from the environment, or None (then certifi, or the caller's own).

    ``merge_environment_settings``: ``os.environ.get("REQUESTS_CA_BUNDLE") or
    os.environ.get("CURL_CA_BUNDLE")``, so an empty value counts as unset. Each variable that is
    set goes to ``settings`` (the one used effective), a bundle that cannot be loaded to ``warnings``.
    """
    chosen: Optional[Trust] = None
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        value = env.get(name)
        if value is None:
            continue
        effective = bool(value) and chosen is None
        settings.append(Setting(name, redact_text(value), "environment", effective))
        if effective:
            chosen, warning = bundle_trust(name, value, client)
            if warning:
                warnings.append(warning)
    return chosen


# --- requests ----------------------------------------------------------------------


def find(env: Mapping[str, str], python: Optional[str], deadline: float) -> Optional[Found]:
    return find_library("requests", NAME, env, python, deadline)


def resolve(found: Found, env: Mapping[str, str], cwd: str, deadline: float) -> Resolved:
    index_url, index_setting = env_index_url(env)
    settings: List[Setting] = [index_setting]
    trust: List[Trust] = []
    warnings: List[str] = []
    bundle = env_bundle(env, settings, warnings)
    if bundle is not None:
        trust.append(bundle)
    else:
        where = python_value(found.python or found.path or "python3", "c.where()", env, deadline,
                             imports="import requests.certs as c")
        trust.append(Trust(TrustKind.CERTIFI, where, "default"))
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        if env.get(name):
            settings.append(Setting(name, redact_text(env[name]), "environment", False))
            warnings.append(M("requests.ignores", "requests ignores %s (it reads REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE, "
                              "else certifi)", name))
    proxy, proxy_settings = env_proxy(env, index_url)
    settings.extend(proxy_settings)
    return Resolved(found, index_url, tuple(settings), tuple(trust), proxy, None, tuple(warnings))


def request(resolved: Resolved, env: Mapping[str, str], deadline: float, workdir: str) -> Request:
    return library_request(resolved, "requests", env, deadline, workdir)
