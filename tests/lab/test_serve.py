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


def _serve(name, tmpdir):
    env = dict(os.environ, TMPDIR=str(tmpdir))
    proc = subprocess.Popen([sys.executable, "-m", "tlsdoctor", "lab", "serve", name],
                            stdout=subprocess.PIPE, text=True, env=env)
    info = json.loads(proc.stdout.readline())
    return proc, os.path.dirname(info["env"]["HOME"])


def test_a_killed_serve_leaves_a_private_dir_that_the_next_start_removes(tmp_path):
    # SIGKILL gives `lab serve` no chance to clean up: its workdir (private
    # keys included) stays. It must be readable by its owner only, say whose it
    # is, and go at the next start, because its owner is gone.
    proc, workdir = _serve("untrusted-ca", tmp_path)
    try:
        assert os.path.basename(workdir).startswith("tlsdoctor-lab-%d-" % proc.pid)
        assert os.stat(workdir).st_mode & 0o777 == 0o700
        assert any(f.endswith(".pem") for _, _, fs in os.walk(workdir) for f in fs)
    finally:
        proc.kill()
        proc.wait()
    assert os.path.isdir(workdir)
    # Negative control: a lab dir whose owner is alive is not touched.
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    live_dir = tmp_path / ("tlsdoctor-lab-%d-xyz" % alive.pid)
    live_dir.mkdir(mode=0o700)
    other = tmp_path / "tlsdoctor-lab-notapid"
    other.mkdir()
    try:
        proc2, workdir2 = _serve("healthy-direct", tmp_path)
        try:
            assert not os.path.exists(workdir), "stale lab dir of a dead process not swept"
            assert live_dir.is_dir() and other.is_dir() and os.path.isdir(workdir2)
        finally:
            proc2.terminate()
            assert proc2.wait(timeout=15) == 0
        assert not os.path.exists(workdir2)
    finally:
        alive.kill()
        alive.wait()
