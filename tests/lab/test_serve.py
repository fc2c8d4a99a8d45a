"""`tlsdoctor lab serve`: one JSON line, serves real pip, stops cleanly on a signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tlsdoctor.lab import clients

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_then_interrupt(sig, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "tlsdoctor", "lab", "serve", "healthy-proxy"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        info = json.loads(proc.stdout.readline())
        assert info["index_url"].startswith("https://localhost:")
        assert info["env"]["HTTPS_PROXY"].startswith("http://127.0.0.1:")
        assert info["unset"] == [], "the test environment is scrubbed; nothing should interfere"
        workdir = os.path.dirname(info["env"]["HOME"])
        assert os.path.isdir(workdir)
        try:
            client = clients.get("py3.11-pip23.2.1")
        except clients.ClientUnavailable as exc:
            pytest.skip(str(exc))
        env = clients.client_environ(client, info["env"])
        code, output = clients.run_pip(client, env, clients.pip_download_argv(client, str(tmp_path), info["package"]))
        assert code == 0, output
        proc.send_signal(sig)
        assert proc.wait(timeout=15) == 0
        assert not os.path.exists(workdir), "temp dir left behind"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_names_the_variables_that_would_interfere(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("https_proxy", "http://corp.invalid:3128")
    proc = subprocess.Popen([sys.executable, "-m", "tlsdoctor", "lab", "serve", "untrusted-ca"],
                            stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert info["unset"] == ["REQUESTS_CA_BUNDLE", "https_proxy"]
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) == 0
