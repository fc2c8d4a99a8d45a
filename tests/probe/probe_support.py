"""Helpers for the probe's tests: run target.py for real, start a loopback HTTPS index."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys

from tlsdoctor.lab import index, net
from tlsdoctor.probe import TARGET


def probe_env(tmp_path, **extra):
    """An explicit environment: no CA, proxy or pip settings of this machine."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CONFIG_DIRS": str(home / ".xdg")}
    env.update(extra)
    return env


def run_probe(request, env, python=sys.executable, flags=("-I", "-B"), timeout=60):
    """Run target.py in a real interpreter; returns (parsed JSON, the completed process)."""
    proc = subprocess.run([python] + list(flags) + [TARGET], input=json.dumps(request).encode(),
                          capture_output=True, env=env, timeout=timeout)
    out = proc.stdout.decode("utf-8", "replace")
    lines = out.strip().splitlines()
    assert len(lines) == 1, (out, proc.stderr.decode("utf-8", "replace")[-3000:])
    return json.loads(lines[0]), proc


class Index:
    def __init__(self, url, ca_file, port):
        self.url, self.ca_file, self.port = url, ca_file, port


def _tls_listener(pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pki.leaf().configure_cert(ctx)
    return net.Listener(net.tls_handler(ctx, index.app), "index")


