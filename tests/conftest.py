"""Shared test set-up.

This machine sets CA-related variables (SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
CURL_CA_BUNDLE, PIP_CERT, ...) and has a global pip config of its own. Tests
must not depend on them, so every test starts from an environment with all
CA, proxy and PIP_* variables removed (httpx's ``clean_environ`` does the same
for its suite). Tests that need a variable set it themselves.

The one exception is building a lab client (a venv plus a pinned pip from the
package registry): on a fresh machine the registry is reached *through* those
CA variables and that global pip config, so the original environment is saved
here, at import and before any scrubbing, and ``tlsdoctor.lab.clients`` builds
with it (``build_environ``). Only pip's runs against scenarios are scrubbed.
"""

from __future__ import annotations

import os
import re

import pytest

try:  # stdlib-only module; the lab's other parts need the [lab] extra
    from tlsdoctor.lab import clients as _lab_clients
except ImportError:  # pragma: no cover - tlsdoctor itself not importable
    _lab_clients = None
else:
    _lab_clients.save_build_environ(os.environ)

_SCRUB = re.compile(
    r"^(PIP_.*|.*_PROXY|NO_PROXY|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|"
    r"CURL_CA_BUNDLE|OPENSSL_CONF|OPENSSL_MODULES|.*_CA_BUNDLE|.*_CA_CERTS?|"
    r".*_CA_CERTS_FILE|.*_SSL_CERT_FILE|GRPC_DEFAULT_SSL_ROOTS_FILE_PATH|"
    r"LD_PRELOAD|FAKETIME.*|PYTHONPATH|PYTHONHOME|VIRTUAL_ENV)$",
    re.IGNORECASE,
)


def scrubbed_environ() -> dict:
    """os.environ without any CA, proxy, pip or interpreter-redirecting variable."""
    return {k: v for k, v in os.environ.items() if not _SCRUB.match(k)}


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch):
    for name in list(os.environ):
        if _SCRUB.match(name):
            monkeypatch.delenv(name, raising=False)
    # pip's global config files are outside our control; pip skips every
    # config file when PIP_CONFIG_FILE is os.devnull.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


# The representative clients CI runs in every scenario are pip 23.2.1 (Python 3.11),
# 26.3 (3.13) and 19.2.3 (2.7); the other clients of the check matrix — written
# against no rule, the evidence that the rules generalise — run with the full matrix
# (`-m "matrix or not matrix"`), to keep CI within its budget on 2 CPUs.
# Likewise the tools: CI holds the newest uv (0.13) and Poetry 2 to their facts, the full matrix also
# uv 0.4 and 0.10 and Poetry 1.8 (where the version differences are).
MATRIX_ONLY = {
    "tests/check/test_check_lab.py": ("py3.7-pip22.0.4", "py3.9-pip21.1.3", "py3.13-pip24.2"),
    "tests/lab/test_tool_facts.py": ("uv0.4.30", "uv0.10.12", "poetry1.8.5"),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        clients = MATRIX_ONLY.get(item.nodeid.split("::")[0], ())
        if any(c in item.nodeid for c in clients):
            item.add_marker(pytest.mark.matrix)


@pytest.fixture()
def https_index(tmp_path):
    """A trustme-certified PEP 503 index on loopback: (its URL, the CA file that trusts it)."""
    import ssl

    from tlsdoctor.lab import index, net
    from tlsdoctor.lab.pki import PKI

    pki = PKI(str(tmp_path / "pki"))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki.leaf().configure_cert(ctx)
    listener = net.Listener(net.tls_handler(ctx, index.app), "index")
    try:
        yield "https://localhost:%d/simple/" % listener.port, pki.ca_file("index")
    finally:
        listener.stop()
