"""Building lab clients: with the machine's own settings, and a failure is a failure.

The suite scrubs every CA and PIP_* variable per test (conftest), but
installing a pinned pip into a client venv goes to the package registry, which
a fresh machine reaches only through those settings. So the build uses the
environment conftest saved at import (``clients.build_environ``), and a build
that fails raises ``ClientBuildError`` (a test failure), never
``ClientUnavailable`` (a skip).
"""

from __future__ import annotations

import os

import pytest

from tlsdoctor.lab import clients, net


@pytest.fixture
def saved_environ():
    before = clients._saved_build_environ
    yield
    clients._saved_build_environ = before


def test_conftest_saved_the_unscrubbed_environment():
    # conftest scrubs PIP_* for this test; the saved copy is taken before that.
    assert clients._saved_build_environ is not None
    assert os.environ["PIP_CONFIG_FILE"] == os.devnull  # the scrubbed test env
    assert clients.build_environ().get("PIP_CONFIG_FILE") != os.devnull


def test_build_environ_keeps_ca_and_pip_settings_but_not_redirects(saved_environ):
    clients.save_build_environ({"PATH": "/usr/bin", "PIP_CERT": "/etc/corp.pem", "SSL_CERT_FILE": "/etc/b.pem",
                                "HTTPS_PROXY": "http://proxy:3128", "PYTHONPATH": "/elsewhere",
                                "LD_PRELOAD": "/lib/faketime.so", "VIRTUAL_ENV": "/venv"})
    env = clients.build_environ()
    assert env["PIP_CERT"] == "/etc/corp.pem" and env["SSL_CERT_FILE"] == "/etc/b.pem"
    assert env["HTTPS_PROXY"] == "http://proxy:3128"
    assert not {"PYTHONPATH", "LD_PRELOAD", "VIRTUAL_ENV"} & set(env)


def _any_venv_python() -> str:
    for minor in ("3.9", "3.10", "3.11", "3.12", "3.13", "3.8", "3.7"):
        try:
            clients.find_interpreter(minor)
        except clients.ClientUnavailable:
            continue
        return minor
    pytest.skip("no pyenv Python 3 here")


def test_a_client_is_built_with_the_saved_environment_and_a_failed_build_raises(
        saved_environ, tmp_path, monkeypatch):
    # A loopback "registry" that answers 404: the request proves that the
    # build took its PIP_INDEX_URL from the saved environment (this test's own
    # environment has no PIP_* at all), the 404 that a failed build raises
    # ClientBuildError rather than ClientUnavailable.
    seen = []

    def app(method: str, path: str):
        seen.append(path)
        return 404, "Not Found", {}, b""

    registry = net.Listener(net.plain_handler(app), "registry")
    try:
        clients.save_build_environ(dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_NO_CACHE_DIR="1",
                                        PIP_RETRIES="0", PIP_FIND_LINKS="", PIP_EXTRA_INDEX_URL="",
                                        PIP_INDEX_URL="http://127.0.0.1:%d/simple" % registry.port))
        monkeypatch.setenv("TLSDOCTOR_LAB_CACHE", str(tmp_path))
        assert "PIP_INDEX_URL" not in os.environ
        with pytest.raises(clients.ClientBuildError) as info:
            clients.ensure(_any_venv_python(), "23.2.1")
        assert not isinstance(info.value, clients.ClientUnavailable)
    finally:
        registry.stop()
    assert any(p.startswith("/simple/pip") for p in seen), seen


def test_a_missing_interpreter_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    with pytest.raises(clients.ClientUnavailable):
        clients.ensure("3.11", "23.2.1")
