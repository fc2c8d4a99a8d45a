"""httpx in a user's script: ``SSL_CERT_FILE`` > ``SSL_CERT_DIR`` > certifi.

httpx 0.28 (``httpx/_config.py`` ``create_ssl_context``), with the default
``verify=True, trust_env=True``: a non-empty ``SSL_CERT_FILE`` becomes
``ssl.create_default_context(cafile=…)`` (that file *only*: with a cafile,
CPython loads no default paths), else a non-empty ``SSL_CERT_DIR`` becomes
``capath=…``, else ``cafile=certifi.where()``. It never reads
``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` and never the OS store. A
``SSL_CERT_FILE`` that names no file makes *every* request raise
``FileNotFoundError`` before any connection (verified with real httpx 0.28.1
in the lab: ``test_a_missing_ssl_cert_file_crashes_httpx_not_requests``).
Proxies: ``trust_env`` reads ``urllib.request.getproxies()`` (``*_proxy``,
``all_proxy``, ``no_proxy``; ``httpx/_utils.py`` ``get_environment_proxies``).
"""

from __future__ import annotations

import os
from typing import List, Mapping, Optional

from tlsdoctor.messages import M
from tlsdoctor.redact import redact_text
from tlsdoctor.tools import Found, Request, Resolved, Setting, Trust, TrustKind
from tlsdoctor.tools.requests_lib import env_index_url, env_proxy, find_library, library_request, python_value

NAME = "httpx"


def find(env: Mapping[str, str], python: Optional[str], deadline: float) -> Optional[Found]:
    return find_library("httpx", NAME, env, python, deadline)


def resolve(found: Found, env: Mapping[str, str], cwd: str, deadline: float) -> Resolved:
    index_url, index_setting = env_index_url(env)
    settings: List[Setting] = [index_setting]
    trust: List[Trust] = []
    warnings: List[str] = []
    cert_file = env.get("SSL_CERT_FILE")
    cert_dir = env.get("SSL_CERT_DIR")
    if cert_file is not None:
        settings.append(Setting("SSL_CERT_FILE", redact_text(cert_file), "environment", bool(cert_file)))
    if cert_dir is not None:
        settings.append(Setting("SSL_CERT_DIR", redact_text(cert_dir), "environment",
                                bool(cert_dir) and not cert_file))
    if cert_file:
        trust.append(Trust(TrustKind.FILE, cert_file, "SSL_CERT_FILE"))
        if not os.path.exists(cert_file):
            warnings.append(M("httpx.cert_file_missing", "SSL_CERT_FILE names %s, which does not exist: every httpx "
                              "request raises FileNotFoundError before it connects", redact_text(cert_file)))
        if cert_dir:
            warnings.append(M("httpx.ignores_dir", "httpx ignores SSL_CERT_DIR while SSL_CERT_FILE is set"))
    elif cert_dir:
        trust.append(Trust(TrustKind.DIR, cert_dir, "SSL_CERT_DIR"))
    else:
        where = python_value(found.python or found.path or "python3", "certifi.where()", env, deadline,
                             imports="import certifi")
        trust.append(Trust(TrustKind.CERTIFI, where, "default"))
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if env.get(name):
            settings.append(Setting(name, redact_text(env[name]), "environment", False))
            warnings.append(M("httpx.ignores", "httpx ignores %s (it reads SSL_CERT_FILE or SSL_CERT_DIR, else "
                              "certifi)", name))
    proxy, proxy_settings = env_proxy(env, index_url)
    settings.extend(proxy_settings)
    return Resolved(found, index_url, tuple(settings), tuple(trust), proxy, None, tuple(warnings))


def request(resolved: Resolved, env: Mapping[str, str], deadline: float, workdir: str) -> Request:
    return library_request(resolved, "httpx", env, deadline, workdir)
